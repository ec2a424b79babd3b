/**
 * Ordering: an object's sync wave, and the order of objects inside one wave.
 *
 * The wave is the integer in the sync-wave annotation (`plumb.dev/sync-wave`, else
 * `argocd.argoproj.io/sync-wave`), else Helm's `helm.sh/hook-weight` (Argo CD reads it for every object), else 0.
 * Anything that is not an integer is an error, where Argo CD silently falls back to 0: a wave that is ignored
 * reorders a rollout without anyone noticing.
 *
 * Inside a wave, objects go in kind order: Namespaces and CustomResourceDefinitions first (everything else may
 * live in the one or be an instance of the other), then Helm's install order, which Argo CD uses too
 * (https://github.com/helm/helm/blob/main/pkg/releaseutil/kind_sorter.go), then custom resources; ties are
 * broken by namespace, then name. A kind counts as known only in a Kubernetes API group, so that Knative's
 * `serving.knative.dev/Service` sorts as the custom resource it is, not as a core Service. Prunes go in the
 * reverse kind order: workloads before the ServiceAccounts and ConfigMaps they use, Namespaces last.
 *
 * Pure: imports nothing that does I/O.
 */
import { Annotation, readAnnotation } from "../core/annotations.js";
import { groupKind, type KubeObject, type ResourceKey } from "../core/object.js";

export const HELM_HOOK_WEIGHT = "helm.sh/hook-weight";

/** The wave of an object, or why it has none. */
export type WaveResult = { ok: true; wave: number } | { ok: false; problem: string };

/** Parses a whole integer ("5", "-1", "+2"); undefined for anything else. */
export function parseInteger(text: string): number | undefined {
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Reads an object's sync wave: the sync-wave annotation, else Helm's hook weight, else 0. */
export function readWave(obj: KubeObject): WaveResult {
  const wave = readAnnotation(obj, Annotation.syncWave);
  const [text, source] =
    wave !== undefined ? [wave, "sync-wave"] : [obj.metadata?.annotations?.[HELM_HOOK_WEIGHT], HELM_HOOK_WEIGHT];
  if (text === undefined) return { ok: true, wave: 0 };
  const n = parseInteger(text);
  if (n === undefined) return { ok: false, problem: `${source} "${text}" is not an integer` };
  return { ok: true, wave: n };
}

/** The API groups of Kubernetes itself; a kind in another group is a custom resource. */
const BUILTIN_GROUPS = new Set([
  "",
  "apps",
  "batch",
  "extensions",
  "policy",
  "autoscaling",
  "networking.k8s.io",
  "rbac.authorization.k8s.io",
  "storage.k8s.io",
  "apiextensions.k8s.io",
  "apiregistration.k8s.io",
]);

/** Kinds in apply order: Namespace and CRD first, then Helm's install order. */
export const KIND_ORDER: readonly string[] = [
  "Namespace",
  "CustomResourceDefinition",
  "NetworkPolicy",
  "ResourceQuota",
  "LimitRange",
  "PodSecurityPolicy",
  "PodDisruptionBudget",
  "ServiceAccount",
  "Secret",
  "ConfigMap",
  "StorageClass",
  "PersistentVolume",
  "PersistentVolumeClaim",
  "ClusterRole",
  "ClusterRoleBinding",
  "Role",
  "RoleBinding",
  "Service",
  "DaemonSet",
  "Pod",
  "ReplicationController",
  "ReplicaSet",
  "Deployment",
  "HorizontalPodAutoscaler",
  "StatefulSet",
  "Job",
  "CronJob",
  "IngressClass",
  "Ingress",
  "APIService",
];

const KIND_RANK = new Map(KIND_ORDER.map((kind, i) => [kind, i]));

/** The position of a kind in apply order; every custom resource shares the last position. */
export function kindRank(key: { group: string; kind: string }): number {
  const rank = BUILTIN_GROUPS.has(key.group) ? KIND_RANK.get(key.kind) : undefined;
  return rank ?? KIND_ORDER.length;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Namespace, then name, then group/kind (so that custom resources of different kinds sort stably). */
function compareIdentity(a: ResourceKey, b: ResourceKey): number {
  return (
    compareText(a.namespace, b.namespace) || compareText(a.name, b.name) || compareText(groupKind(a), groupKind(b))
  );
}

/** Apply order inside one wave: kind order, then namespace and name. */
export function compareForApply(a: ResourceKey, b: ResourceKey): number {
  return kindRank(a) - kindRank(b) || compareIdentity(a, b);
}

/** Prune order inside one wave: reverse kind order, then namespace and name. */
export function compareForPrune(a: ResourceKey, b: ResourceKey): number {
  return kindRank(b) - kindRank(a) || compareIdentity(a, b);
}
