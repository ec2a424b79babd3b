/**
 * How a resource is named inside the UI: `group/kind/namespace/name`, the four parts the API identifies a
 * resource by (an empty group for the core API, an empty namespace for a cluster-scoped resource) — the
 * key of the live-resource query here and of a tree node (tree/keys.ts nodeKey is this function).
 */

/** The parts of a resource its key is made of. */
export interface ResourceKeyRef {
  group?: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** The key of a resource: `${group}/${kind}/${namespace}/${name}` (absent group or namespace: empty). */
export function resourceKey(ref: ResourceKeyRef): string {
  return `${ref.group ?? ""}/${ref.kind}/${ref.namespace ?? ""}/${ref.name}`;
}
