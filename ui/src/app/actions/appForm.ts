/**
 * The application editor's form and its two-way step with the object (pure, unit-tested): `formOf(obj)`
 * reads the fields the form shows from an Application object, `applyForm(obj, form)` writes them back
 * into it — keeping whatever else the object holds (helm values, ignoreDifferences, labels…) — and
 * `validate(form)` says, per field, what is wrong before anything is sent; `metadataChanged` tells an
 * edit of what an edit cannot save (the edit sends the spec only).
 */
import type { Application } from "../../api/types";

export interface AppForm {
  name: string;
  project: string;
  repoURL: string;
  targetRevision: string;
  path: string;
  /** "server" or "name": which way the destination cluster is given. */
  destKind: "server" | "name";
  destServer: string;
  destName: string;
  destNamespace: string;
  automated: boolean;
  prune: boolean;
  selfHeal: boolean;
  createNamespace: boolean;
}

export type FormErrors = Partial<Record<keyof AppForm, string>>;

export const IN_CLUSTER = "https://kubernetes.default.svc";

/** A new app's form. */
export function emptyForm(project = "default"): AppForm {
  return { name: "", project, repoURL: "", targetRevision: "HEAD", path: "", destKind: "server", destServer: IN_CLUSTER, destName: "", destNamespace: "", automated: false, prune: false, selfHeal: false, createNamespace: false };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === "string" ? v : typeof v === "number" ? String(v) : "");
const CREATE_NS = "CreateNamespace=true";

/** The form's fields as the object holds them (missing ones empty). */
export function formOf(obj: unknown): AppForm {
  const o = isObj(obj) ? obj : {};
  const meta = isObj(o.metadata) ? o.metadata : {};
  const spec = isObj(o.spec) ? o.spec : {};
  const source = isObj(spec.source) ? spec.source : Array.isArray(spec.sources) && isObj(spec.sources[0]) ? spec.sources[0] : {};
  const dest = isObj(spec.destination) ? spec.destination : {};
  const policy = isObj(spec.syncPolicy) ? spec.syncPolicy : {};
  const automated = isObj(policy.automated) ? policy.automated : undefined;
  const options = Array.isArray(policy.syncOptions) ? policy.syncOptions : [];
  return {
    name: str(meta.name),
    project: str(spec.project),
    repoURL: str(source.repoURL),
    targetRevision: str(source.targetRevision),
    path: str(source.path),
    destKind: dest.name && !dest.server ? "name" : "server",
    destServer: str(dest.server),
    destName: str(dest.name),
    destNamespace: str(dest.namespace),
    automated: automated !== undefined && automated.enabled !== false,
    prune: automated?.prune === true,
    selfHeal: automated?.selfHeal === true,
    createNamespace: options.includes(CREATE_NS),
  };
}

/** `obj` with the form's fields written into it (a new object; the rest of `obj` kept). */
export function applyForm(obj: unknown, form: AppForm): Application {
  const o: Obj = isObj(obj) ? structuredClone(obj) : {};
  o.apiVersion ??= "plumb.dev/v1alpha1";
  o.kind ??= "Application";
  const meta: Obj = isObj(o.metadata) ? o.metadata : {};
  meta.name = form.name;
  o.metadata = meta;
  const spec: Obj = isObj(o.spec) ? o.spec : {};
  spec.project = form.project;
  const many = Array.isArray(spec.sources) && spec.sources.length > 0 && !spec.source;
  const source: Obj = many ? (spec.sources as Obj[])[0]! : isObj(spec.source) ? spec.source : {};
  source.repoURL = form.repoURL;
  setOrDrop(source, "targetRevision", form.targetRevision);
  setOrDrop(source, "path", form.path);
  if (!many) spec.source = source;
  const dest: Obj = isObj(spec.destination) ? spec.destination : {};
  if (form.destKind === "server") {
    setOrDrop(dest, "server", form.destServer);
    delete dest.name;
  } else {
    setOrDrop(dest, "name", form.destName);
    delete dest.server;
  }
  setOrDrop(dest, "namespace", form.destNamespace);
  spec.destination = dest;
  const policy: Obj = isObj(spec.syncPolicy) ? spec.syncPolicy : {};
  if (form.automated) policy.automated = { ...(isObj(policy.automated) ? policy.automated : {}), prune: form.prune, selfHeal: form.selfHeal };
  else delete policy.automated;
  const options = (Array.isArray(policy.syncOptions) ? (policy.syncOptions as unknown[]) : []).filter((x) => x !== CREATE_NS);
  if (form.createNamespace) options.push(CREATE_NS);
  if (options.length) policy.syncOptions = options;
  else delete policy.syncOptions;
  if (Object.keys(policy).length) spec.syncPolicy = policy;
  else delete spec.syncPolicy;
  o.spec = spec;
  return o as unknown as Application;
}

function setOrDrop(o: Obj, key: string, value: string): void {
  if (value.trim()) o[key] = value.trim();
  else delete o[key];
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** What is wrong with each field (none: it may be sent). */
export function validate(form: AppForm): FormErrors {
  const e: FormErrors = {};
  if (!form.name) e.name = "Give the application a name.";
  else if (form.name.length > 253 || !DNS_SUBDOMAIN.test(form.name)) e.name = "Lower-case letters, digits, '-' and '.', starting and ending with a letter or digit (a DNS name).";
  if (!form.project) e.project = "Choose a project.";
  if (!form.repoURL.trim()) e.repoURL = "The Git repository to deploy from.";
  else if (!/^(https?:\/\/|ssh:\/\/|git@|file:\/\/)\S+$/.test(form.repoURL.trim())) e.repoURL = "A repository URL: https://…, ssh://… or git@host:path.";
  if (!form.path.trim()) e.path = "The directory in the repository (\".\" for its root).";
  else if (form.path.trim().startsWith("/") || form.path.split("/").includes("..")) e.path = "A path inside the repository: relative, without \"..\".";
  if (form.destKind === "server" && !form.destServer.trim()) e.destServer = "The cluster's API server URL (in-cluster: https://kubernetes.default.svc).";
  if (form.destKind === "name" && !form.destName.trim()) e.destName = "The name of a cluster known to plumb.";
  if (form.destNamespace && (form.destNamespace.length > 63 || !DNS_LABEL.test(form.destNamespace))) e.destNamespace = "Lower-case letters, digits and '-', at most 63 (a DNS label).";
  if (!form.automated && (form.prune || form.selfHeal)) e.automated = "Prune and self-heal apply to automated sync: turn it on, or clear them.";
  return e;
}

/** A YAML parse error as a person reads it: "Line 3, column 5: …" (js-yaml's YAMLException: reason and 0-based mark). */
export function yamlProblem(err: unknown): string {
  const e = err as { reason?: string; mark?: { line?: number; column?: number }; message?: string };
  const first = e.reason ?? (e.message ?? String(err)).split("\n")[0]!;
  const pos = e.mark;
  return pos && typeof pos.line === "number" && typeof pos.column === "number" ? `Line ${pos.line + 1}, column ${pos.column + 1}: ${first}` : first;
}

/** The parsed text as an object, or what is wrong with it. */
export function parseAppYaml(text: string, parse: (s: string) => unknown): { value: Record<string, unknown> } | { problem: string } {
  let value: unknown;
  try {
    value = parse(text);
  } catch (err) {
    return { problem: yamlProblem(err) };
  }
  if (!isObj(value)) return { problem: "The YAML must be one Application: a mapping with metadata and spec." };
  if (value.kind !== undefined && value.kind !== "Application") return { problem: `kind must be Application, not ${str(value.kind)}.` };
  return { value };
}

/** The value with its object keys sorted, as JSON (two equal objects written in another order are equal). */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (isObj(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]])) : x));
}

/**
 * Whether `edited`'s metadata (its name aside, which the form checks itself) differs from `original`'s —
 * labels, annotations, anything: an edit saves only the spec, so such a change would be lost. Empty
 * labels or annotations count as none.
 */
export function metadataChanged(original: unknown, edited: unknown): boolean {
  const rest = (o: unknown): Obj => {
    const meta = isObj(o) && isObj(o.metadata) ? { ...o.metadata } : {};
    delete meta.name;
    for (const k of ["labels", "annotations"]) if (meta[k] === null || (isObj(meta[k]) && Object.keys(meta[k]).length === 0)) delete meta[k];
    return meta;
  };
  return canonical(rest(original)) !== canonical(rest(edited));
}
