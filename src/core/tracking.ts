/**
 * Resource tracking: which application owns a live object. Every applied object carries
 *  - the label `plumb.dev/app: <app>`, so watches and lists can filter on it cheaply, and
 *  - the annotation `plumb.dev/tracking-id: <app>:<group>/<kind>:<namespace>/<name>`, which names the owner
 *    exactly. The label alone is not proof of ownership: labels are copied (into Pod templates, by users),
 *    so plumb prunes only objects whose annotation names this app AND this very object — the same
 *    reasoning as Argo CD's annotation-based tracking
 *    (https://argo-cd.readthedocs.io/en/stable/user-guide/resource_tracking/).
 *
 * Pure: imports nothing that does I/O.
 */
import { TRACKING_ANNOTATION, TRACKING_LABEL } from "./annotations.js";
import { keyOf, type KubeObject, type ResourceKey } from "./object.js";

/** The tracking id of an object owned by `app`. */
export function trackingId(app: string, key: ResourceKey): string {
  return `${app}:${key.group}/${key.kind}:${key.namespace}/${key.name}`;
}

/** Parses a tracking id; undefined when malformed. */
export function parseTrackingId(id: string): { app: string; key: ResourceKey } | undefined {
  const m = /^([^:]+):([^/]*)\/([^:]+):([^/]*)\/(.+)$/.exec(id);
  if (!m) return undefined;
  return { app: m[1]!, key: { group: m[2]!, kind: m[3]!, namespace: m[4]!, name: m[5]! } };
}

/** A copy of `obj` with the tracking label and annotation of `app`. */
export function withTracking(obj: KubeObject, app: string): KubeObject {
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      labels: { ...obj.metadata.labels, [TRACKING_LABEL]: app },
      annotations: { ...obj.metadata.annotations, [TRACKING_ANNOTATION]: trackingId(app, keyOf(obj)) },
    },
  };
}

/** Who owns a live object: "none" (not tracked), or the app named by its annotation. */
export function ownerOf(live: KubeObject): string | undefined {
  const id = live.metadata.annotations?.[TRACKING_ANNOTATION];
  return id ? parseTrackingId(id)?.app : undefined;
}

/** True when `live` is owned by `app` and its annotation names this very object (safe to prune). */
export function isOwnedBy(live: KubeObject, app: string): boolean {
  const id = live.metadata.annotations?.[TRACKING_ANNOTATION];
  return id === trackingId(app, keyOf(live));
}
