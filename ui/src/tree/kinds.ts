/**
 * What the tree knows about kinds: the order siblings are shown in (workloads before what they make,
 * networking next, configuration last — fixed, so a live update never reorders what did not change), the
 * short label each node carries, and the plural a group node is named with.
 */

const ORDER = [
  "Application",
  "Namespace",
  "CustomResourceDefinition",
  "ServiceAccount",
  "ClusterRole",
  "ClusterRoleBinding",
  "Role",
  "RoleBinding",
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "CronJob",
  "Job",
  "ReplicaSet",
  "ControllerRevision",
  "Pod",
  "HorizontalPodAutoscaler",
  "PodDisruptionBudget",
  "Service",
  "EndpointSlice",
  "Endpoints",
  "Ingress",
  "NetworkPolicy",
  "PersistentVolumeClaim",
  "PersistentVolume",
  "ConfigMap",
  "Secret",
];
const RANK = new Map(ORDER.map((k, i) => [k, i]));

/** Where a kind sorts among siblings: known kinds in ORDER's order, then the rest alphabetically. */
export function kindRank(kind: string): number {
  return RANK.get(kind) ?? ORDER.length;
}

const SHORT: Record<string, string> = {
  Application: "app",
  Namespace: "ns",
  CustomResourceDefinition: "crd",
  ServiceAccount: "sa",
  ClusterRole: "cr",
  ClusterRoleBinding: "crb",
  Role: "role",
  RoleBinding: "rb",
  Deployment: "deploy",
  StatefulSet: "sts",
  DaemonSet: "ds",
  CronJob: "cj",
  Job: "job",
  ReplicaSet: "rs",
  ControllerRevision: "rev",
  Pod: "pod",
  HorizontalPodAutoscaler: "hpa",
  PodDisruptionBudget: "pdb",
  Service: "svc",
  EndpointSlice: "eps",
  Endpoints: "ep",
  Ingress: "ing",
  NetworkPolicy: "netpol",
  PersistentVolumeClaim: "pvc",
  PersistentVolume: "pv",
  ConfigMap: "cm",
  Secret: "secret",
};

/** A kind's short label (kubectl's short names where there is one, else its capitals in lower case). */
export function kindShort(kind: string): string {
  return SHORT[kind] ?? (kind.replace(/[^A-Z]/g, "").toLowerCase() || kind.slice(0, 4).toLowerCase());
}

/** A kind's plural for a count: "Pods", "Ingresses", "NetworkPolicies". */
export function kindPlural(kind: string): string {
  if (kind === "Endpoints") return kind;
  if (/(s|x|ch|sh)$/.test(kind)) return `${kind}es`;
  if (/[^aeiou]y$/.test(kind)) return `${kind.slice(0, -1)}ies`;
  return `${kind}s`;
}
