/**
 * What the policy checks share: the pod template of each workload kind and where it sits in the object,
 * label selectors and their matching, the index of one app's objects, and the finding constructor.
 *
 * Objects are read defensively: they come from rendering (Helm, kustomize, plain YAML) and have not
 * necessarily passed schema validation, so every field is looked at with its type checked first.
 *
 * Pure: imports nothing that does I/O.
 */
import { labelSelectorMatcher, LabelSelectorError } from "../../core/labels.js";
import { parseApiVersion, type KubeObject } from "../../core/object.js";
import type { Finding, Severity } from "../findings.js";
import { policyCheck } from "./checks.js";

export type Json = Record<string, unknown>;

export const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
export const obj = (v: unknown): Json => (isObj(v) ? v : {});
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
export const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
export const labelsOf = (v: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(obj(v))) if (typeof val === "string") out[k] = val;
  return out;
};

/** A pod template found in an object: its metadata and spec, and the field path of the template. */
export interface PodTemplate {
  object: KubeObject;
  /** "spec.template" for a Deployment, "spec.jobTemplate.spec.template" for a CronJob, "" for a Pod. */
  path: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: Json;
}

/** The workload kinds and where their pod template is, by group/kind. */
const TEMPLATE_PATH: Record<string, string[]> = {
  "/Pod": [],
  "apps/Deployment": ["spec", "template"],
  "apps/StatefulSet": ["spec", "template"],
  "apps/DaemonSet": ["spec", "template"],
  "apps/ReplicaSet": ["spec", "template"],
  "/ReplicationController": ["spec", "template"],
  "batch/Job": ["spec", "template"],
  "batch/CronJob": ["spec", "jobTemplate", "spec", "template"],
  // Argo Rollouts' Rollout carries a Deployment's pod template; without it a Service in front of a Rollout
  // would target "no pod" (https://argo-rollouts.readthedocs.io/en/stable/features/specification/)
  "argoproj.io/Rollout": ["spec", "template"],
  // deprecated groups, still rendered by old charts (stable-version reports them)
  "extensions/Deployment": ["spec", "template"],
  "extensions/DaemonSet": ["spec", "template"],
  "extensions/ReplicaSet": ["spec", "template"],
};

export const groupOf = (o: KubeObject): string => parseApiVersion(String(o.apiVersion ?? "")).group;
export const gk = (o: KubeObject): string => `${groupOf(o)}/${o.kind}`;
export const nsOf = (o: KubeObject): string => o.metadata?.namespace ?? "";

/** The pod template of a workload, or undefined for an object that has none. */
export function podTemplateOf(o: KubeObject): PodTemplate | undefined {
  const steps = TEMPLATE_PATH[gk(o)];
  if (!steps) return undefined;
  let t: unknown = o;
  for (const s of steps) t = obj(t)[s];
  const meta = steps.length === 0 ? obj(o.metadata) : obj(obj(t).metadata);
  return { object: o, path: steps.join("."), labels: labelsOf(meta.labels), annotations: labelsOf(meta.annotations), spec: obj(obj(t).spec) };
}

/** Joins field path parts: join("spec.template", "spec") = "spec.template.spec"; join("", "spec") = "spec". */
export const join = (...parts: string[]): string => parts.filter((p) => p !== "").join(".").replace(/\.\[/g, "[");

/** One container of a pod template, with its field path ("spec.template.spec.containers[0]"). */
export interface Container {
  c: Json;
  name: string;
  path: string;
  init: boolean;
}

/** The init containers then the containers of a pod spec (ephemeral containers are never in manifests). */
export function containersOf(t: PodTemplate): Container[] {
  const out: Container[] = [];
  for (const field of ["initContainers", "containers"] as const) {
    arr(t.spec[field]).forEach((c, i) => {
      const co = obj(c);
      out.push({ c: co, name: str(co.name) ?? `#${i}`, path: join(t.path, "spec", `${field}[${i}]`), init: field === "initContainers" });
    });
  }
  return out;
}

/**
 * A LabelSelector (matchLabels + matchExpressions) as Kubernetes evaluates it (core/labels.ts); an empty
 * selector matches everything, and one the API server would refuse (an unknown operator, In without values,
 * a malformed key) selects nothing.
 */
export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  try {
    return labelSelectorMatcher(selector)(labels);
  } catch (err) {
    if (err instanceof LabelSelectorError) return false;
    throw err;
  }
}

/** A Service-style selector (a plain map): matches when every pair is in labels; an empty map selects nothing. */
export function mapSelectorMatches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

/** One app's objects, indexed for the cross-object checks. */
export interface ObjectSet {
  objects: readonly KubeObject[];
  templates: PodTemplate[];
  byKind(group: string, kind: string): KubeObject[];
  find(group: string, kind: string, namespace: string, name: string): KubeObject | undefined;
}

export function indexObjects(objects: readonly KubeObject[]): ObjectSet {
  const kinds = new Map<string, KubeObject[]>();
  const templates: PodTemplate[] = [];
  for (const o of objects) {
    if (!isObj(o) || typeof o.kind !== "string" || !isObj(o.metadata)) continue;
    const k = gk(o);
    if (!kinds.has(k)) kinds.set(k, []);
    kinds.get(k)!.push(o);
    const t = podTemplateOf(o);
    if (t) templates.push(t);
  }
  const byKind = (group: string, kind: string): KubeObject[] => kinds.get(`${group}/${kind}`) ?? [];
  return {
    objects,
    templates,
    byKind,
    find: (group, kind, namespace, name) => byKind(group, kind).find((o) => nsOf(o) === namespace && o.metadata.name === name),
  };
}

/** A finding of policy check `id` about `o` at `path`; severity defaults to the check's. */
export function finding(id: string, o: KubeObject, path: string, message: string, severity?: Severity): Finding {
  const ref = { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) };
  return { check: id, severity: severity ?? policyCheck(id).severity, message, object: ref, ...(path ? { path } : {}) };
}

/** `metadata.labels[app]` as Kubernetes writes a map key in a field path. */
export const key = (path: string, k: string): string => `${path}[${k}]`;

/**
 * The replica count a workload runs with, for the checks that only matter for more than one replica:
 * spec.replicas, or "scaled" when an HPA in the set targets it (its count is the HPA's), or 1 (the default).
 */
export function replicasOf(o: KubeObject, set: ObjectSet): number | "scaled" {
  if (hpaTargets(o, set).length > 0) return "scaled";
  return num(obj(o.spec).replicas) ?? 1;
}

/** The HorizontalPodAutoscalers in the set whose scaleTargetRef names `o`. */
export function hpaTargets(o: KubeObject, set: ObjectSet): KubeObject[] {
  return set.byKind("autoscaling", "HorizontalPodAutoscaler").filter((h) => {
    const ref = obj(obj(h.spec).scaleTargetRef);
    return nsOf(h) === nsOf(o) && ref.kind === o.kind && ref.name === o.metadata.name && (str(ref.apiVersion) === undefined || parseApiVersion(String(ref.apiVersion)).group === groupOf(o));
  });
}
