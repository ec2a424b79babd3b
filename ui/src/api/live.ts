/**
 * Server state kept live, the pure half: applying a batch of watch events to the map of apps, and the
 * summary the list holds of each app (only the fields the list shows — 10,000 whole apps would cost the
 * page hundreds of megabytes; the app page reads the whole app on its own).
 *
 * The stream (GET /api/v1/stream/applications) sends Argo CD's `{"result": {"type": ADDED|MODIFIED|DELETED,
 * "application"}}`; an `event: relist` means "drop what you hold" (the server's buffer no longer reaches
 * back far enough) and the server sends the whole state again.
 */
import { appKey } from "./client";
import type { Application } from "./types";

export type AppMap = ReadonlyMap<string, Application>;

export interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED";
  application: Application;
}

/** The fields the list asks for (`fields=`) and keeps of a streamed app. */
export const LIST_FIELDS = [
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
  "metadata.labels",
  "metadata.resourceVersion",
  "metadata.creationTimestamp",
  "metadata.deletionTimestamp",
  "spec.project",
  "spec.source",
  "spec.sources",
  "spec.destination",
  "spec.syncPolicy",
  "status.sync",
  "status.health",
  "status.conditions",
  "status.reconciledAt",
  "status.controllerNamespace",
  "status.operationState.phase",
  "status.operationState.message",
  "status.operationState.startedAt",
  "status.operationState.finishedAt",
] as const;

/** The app cut to LIST_FIELDS (what `GET /api/v1/applications?fields=` would have answered). */
export function listView(app: Application): Application {
  const out: Record<string, unknown> = {};
  for (const path of LIST_FIELDS) {
    const keys = path.split(".");
    let src: unknown = app;
    for (const k of keys) src = src && typeof src === "object" ? (src as Record<string, unknown>)[k] : undefined;
    if (src === undefined) continue;
    let dst = out;
    keys.forEach((k, i) => {
      if (i === keys.length - 1) dst[k] = src;
      else dst = (dst[k] ??= {}) as Record<string, unknown>;
    });
  }
  return out as unknown as Application;
}

/** The map after a batch of events, copied once (a new map when anything changed, the same one otherwise). */
export function apply(apps: AppMap, events: readonly WatchEvent[], view: (a: Application) => Application = (a) => a): AppMap {
  let next: Map<string, Application> | undefined;
  for (const e of events) {
    const key = appKey(e.application);
    if (e.type === "DELETED" && !(next ?? apps).has(key)) continue;
    next ??= new Map(apps);
    if (e.type === "DELETED") next.delete(key);
    else next.set(key, view(e.application));
  }
  return next ?? apps;
}
