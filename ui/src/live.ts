/**
 * The applications list kept live: the list (GET /api/v1/applications) is the starting state, then the
 * SSE stream from the list's resourceVersion sends each change as Argo CD's
 * `{"result": {"type": ADDED|MODIFIED|DELETED, "application"}}`; an `event: relist` means "drop what you
 * hold" (the server's buffer no longer reaches back far enough) and the server sends the whole state again.
 * `apply` is pure; `watchApps` is the I/O (EventSource reconnects by itself, resuming from Last-Event-ID).
 */
import { appKey, type App } from "./api";

export type AppMap = ReadonlyMap<string, App>;

export interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED";
  application: App;
}

/** The map after a batch of events, copied once (a new map when anything changed, the same one otherwise). */
export function apply(apps: AppMap, events: readonly WatchEvent[]): AppMap {
  let next: Map<string, App> | undefined;
  for (const e of events) {
    const key = appKey(e.application);
    if (e.type === "DELETED" && !(next ?? apps).has(key)) continue;
    next ??= new Map(apps);
    if (e.type === "DELETED") next.delete(key);
    else next.set(key, e.application);
  }
  return next ?? apps;
}

/**
 * Opens the stream; `onEvent` gets each change, `onRelist` the order to start afresh, `onError` a lost
 * connection (the browser retries by itself). Returns the function that closes it.
 */
export function watchApps(resourceVersion: string | undefined, on: { onEvent: (e: WatchEvent) => void; onRelist: () => void; onError: () => void }): () => void {
  const q = resourceVersion ? `?resourceVersion=${encodeURIComponent(resourceVersion)}` : "";
  const source = new EventSource(`/api/v1/stream/applications${q}`, { withCredentials: true });
  source.onmessage = (m: MessageEvent<string>) => {
    try {
      const parsed = JSON.parse(m.data) as { result?: WatchEvent };
      if (parsed.result?.application?.metadata) on.onEvent(parsed.result);
    } catch {
      // a message that is not JSON: nothing to apply
    }
  };
  source.addEventListener("relist", () => on.onRelist());
  source.onerror = () => on.onError();
  return () => source.close();
}
