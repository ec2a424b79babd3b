/**
 * How a resource of the tree is named in the UI and in the URL (?node=): `group/kind/namespace/name`, the
 * same four parts the API identifies a resource by (an empty group for the core API, an empty namespace
 * for a cluster-scoped resource). Names and namespaces hold no "/", so the key splits back unambiguously.
 */

import { resourceKey, type ResourceKeyRef } from "../api/keys";

/** The parts of a resource its key is made of. */
export type KeyRef = ResourceKeyRef;

/** The key of a resource: `${group}/${kind}/${namespace}/${name}` (api/keys.ts, one form for the whole UI). */
export const nodeKey: (ref: KeyRef) => string = resourceKey;

/** The parts of a key made by `nodeKey`, or undefined when the text is no such key. */
export function parseNodeKey(key: string): { group: string; kind: string; namespace: string; name: string } | undefined {
  const parts = key.split("/");
  if (parts.length !== 4) return undefined;
  const [group = "", kind = "", namespace = "", name = ""] = parts;
  if (!kind || !name) return undefined;
  return { group, kind, namespace, name };
}
