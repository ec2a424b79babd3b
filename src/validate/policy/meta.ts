/**
 * The checks every object gets: a deprecated apiVersion when a stable one exists (kube-score's
 * stable-version, with the same table of group versions, up to date with the removals of Kubernetes 1.25
 * and 1.26), and label values Kubernetes accepts (label-values), on the object and on its pod template.
 *
 * Pure: imports nothing that does I/O.
 */
import type { KubeObject } from "../../core/object.js";
import type { Finding } from "../findings.js";
import { finding, join, key, labelsOf, podTemplateOf } from "./model.js";

/** apiVersion → kind → the stable apiVersion to use instead. */
const STABLE: Record<string, Record<string, string>> = {
  "extensions/v1beta1": { Deployment: "apps/v1", DaemonSet: "apps/v1", ReplicaSet: "apps/v1", Ingress: "networking.k8s.io/v1", NetworkPolicy: "networking.k8s.io/v1" },
  "apps/v1beta1": { Deployment: "apps/v1", StatefulSet: "apps/v1" },
  "apps/v1beta2": { Deployment: "apps/v1", StatefulSet: "apps/v1", DaemonSet: "apps/v1", ReplicaSet: "apps/v1" },
  "batch/v1beta1": { CronJob: "batch/v1" },
  "policy/v1beta1": { PodDisruptionBudget: "policy/v1" },
  "networking.k8s.io/v1beta1": { Ingress: "networking.k8s.io/v1", IngressClass: "networking.k8s.io/v1" },
  "autoscaling/v2beta1": { HorizontalPodAutoscaler: "autoscaling/v2" },
  "autoscaling/v2beta2": { HorizontalPodAutoscaler: "autoscaling/v2" },
};

// https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function labelFindings(o: KubeObject, labels: Record<string, string>, path: string): Finding[] {
  const out: Finding[] = [];
  for (const [k, v] of Object.entries(labels)) {
    if (v.length <= 63 && LABEL_VALUE.test(v)) continue;
    const why = v.length > 63 ? `is ${v.length} characters long (at most 63)` : "has characters other than letters, digits, '-', '_' and '.', or does not start and end with a letter or digit";
    out.push(finding("label-values", o, key(path, k), `label ${k}: value "${v.length > 70 ? `${v.slice(0, 60)}…` : v}" ${why}; the API server rejects it`));
  }
  return out;
}

/** Every finding of the per-object checks. */
export function metaFindings(o: KubeObject): Finding[] {
  const out: Finding[] = [];
  const stable = STABLE[o.apiVersion]?.[o.kind];
  if (stable) out.push(finding("stable-version", o, "apiVersion", `${o.kind} ${o.metadata.name}: apiVersion ${o.apiVersion} is deprecated (and removed from current Kubernetes); use ${stable}`));
  out.push(...labelFindings(o, labelsOf(o.metadata.labels), "metadata.labels"));
  const t = podTemplateOf(o);
  if (t && t.path !== "") out.push(...labelFindings(o, t.labels, join(t.path, "metadata", "labels")));
  return out;
}
