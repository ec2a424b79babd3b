/**
 * The shapes every module shares: a Kubernetes object as plain JSON, its identity (ResourceKey) and the
 * one string form of that identity used by caches, inventories, the API and the UI.
 *
 * Pure: imports nothing that does I/O.
 */

/** A Kubernetes object as decoded from YAML/JSON or returned by the API server. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }>;
  finalizers?: string[];
  managedFields?: unknown[];
  [field: string]: unknown;
}

/** The identity of an object: group (empty for the core group), kind, namespace (empty if cluster-scoped), name. */
export interface ResourceKey {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

/** Splits an apiVersion into group and version: "apps/v1" → {group: "apps", version: "v1"}, "v1" → core. */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf("/");
  if (slash < 0) return { group: "", version: apiVersion };
  return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The key of an object. */
export function keyOf(obj: KubeObject): ResourceKey {
  return {
    group: parseApiVersion(obj.apiVersion).group,
    kind: obj.kind,
    namespace: obj.metadata?.namespace ?? "",
    name: obj.metadata?.name ?? "",
  };
}

/**
 * The one string form of a key: `group/kind/namespace/name`, with empty parts kept so that it splits back
 * unambiguously ("/ConfigMap/default/settings", "apps/Deployment/web/api", "/Namespace//web").
 */
export function keyString(key: ResourceKey): string {
  return `${key.group}/${key.kind}/${key.namespace}/${key.name}`;
}

/** Parses the string form made by keyString. */
export function parseKeyString(s: string): ResourceKey {
  const parts = s.split("/");
  if (parts.length !== 4) throw new Error(`not a resource key: "${s}" (expected group/kind/namespace/name)`);
  const [group, kind, namespace, name] = parts as [string, string, string, string];
  return { group, kind, namespace, name };
}

/** A short human form: "Deployment web/api", "Namespace web". */
export function keyDisplay(key: ResourceKey): string {
  return `${key.kind} ${key.namespace ? `${key.namespace}/` : ""}${key.name}`;
}

/** Group and kind as one string ("apps/Deployment", "ConfigMap" for the core group). */
export function groupKind(key: { group: string; kind: string }): string {
  return key.group ? `${key.group}/${key.kind}` : key.kind;
}
