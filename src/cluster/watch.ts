/**
 * The list+watch loop of one resource type (client-go's Reflector), feeding a sink that keeps the cache.
 *
 * The loop, as Kubernetes' API concepts prescribe (https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes):
 * 1. LIST (paginated) and hand the whole set to the sink (`replace`), remembering the list's resourceVersion.
 * 2. WATCH from that resourceVersion with allowWatchBookmarks and a timeoutSeconds randomized in 5–10 min
 *    (so that many watches do not reconnect in step). Each event moves the remembered resourceVersion on;
 *    BOOKMARK events only move it on, so that a reconnect after a quiet period starts from a recent point.
 * 3. When the stream ends (server timeout, connection cut), WATCH again from the remembered resourceVersion:
 *    the API server replays what happened meanwhile, deletes included, with no LIST.
 * 4. When the API server answers 410 Gone — as the HTTP status, or as an ERROR event carrying a Status with
 *    code 410 — the remembered version has been compacted away: LIST again (step 1). The sink diffs the new
 *    list against its cache, so deletes that were never seen as events are still reported.
 * 5. A watchdog aborts a stream that brought nothing, not even a bookmark (sent about once a minute), for
 *    `stallMs`: a half-open TCP connection looks exactly like a quiet cluster. The stream is reopened at once.
 * 6. Any other failure (API server down, 5xx, a stream ending at once with nothing) waits an exponential,
 *    jittered backoff (backoff.ts) before the next try, capped at 5 s: a refused connection costs the server
 *    nothing, and the cap bounds how late the loop notices a server that is back. Any answer of the server
 *    resets it — a list, an event, or a WATCH accepted (200) even if nothing comes on it — so a second outage
 *    starts again from the first delay (ADR 0024). Every failure and the recovery are told to the owner
 *    (`onError`, `onRecover`), which logs them.
 *
 * Owns: the list/watch protocol. Must not import: controller, sync, render.
 */
import { sleep } from "../core/concurrency.js";
import { PlumbError } from "../core/errors.js";
import type { KubeObject } from "../core/object.js";
import { Backoff } from "./backoff.js";
import { ApiError } from "./client.js";
import { resourcePath, type ResourceInfo } from "./discovery.js";
import type { ListResult, Resources } from "./resources.js";

/** A watch event as the API server sends it; ERROR events carry a meta/v1 Status. */
export interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: KubeObject;
}

/** What a Reflector reads from: a list and a watch of one resource type (faked in unit tests). */
export interface ListerWatcher {
  list(): Promise<ListResult>;
  /** `opened` is called once the server has accepted the watch (HTTP 200), before any event. */
  watch(resourceVersion: string, timeoutSeconds: number, signal: AbortSignal, opened?: () => void): AsyncIterable<WatchEvent>;
}

/** Where a Reflector writes to: the cache. */
export interface ReflectorSink {
  /** The full current set (after every LIST). */
  replace(items: KubeObject[], resourceVersion: string): void;
  /** One change from the watch. */
  apply(type: "ADDED" | "MODIFIED" | "DELETED", obj: KubeObject): void;
}

/** Options of the list+watch loop. */
export interface ReflectorOptions {
  /** A stream silent (no event, no bookmark) this long is stalled and reopened. Default 5 min. */
  stallMs: number;
  /** Bounds of the randomized server-side watch timeout. Default 300–600 s. */
  watchTimeoutSeconds: { min: number; max: number };
  /** Backoff after failures: first delay, cap, and random spread (0.2 = ±20 %). Default 250 ms, 5 s, 0.2. */
  backoff: { initialMs: number; maxMs: number; jitter: number };
  /** Told about every failure, with the number of failures in a row (1 for the first; the loop retries by itself). */
  onError?: (err: unknown, failures: number) => void;
  /** Told when the server answers again after `failures` failures in a row (the backoff was reset). */
  onRecover?: (failures: number) => void;
  /** Test hook, awaited before every WATCH with the resourceVersion it will start from (to hold a reconnect). */
  beforeWatch?: (resourceVersion: string) => Promise<void> | void;
}

export function defaultReflectorOptions(): ReflectorOptions {
  return { stallMs: 5 * 60_000, watchTimeoutSeconds: { min: 300, max: 600 }, backoff: { initialMs: 250, maxMs: 5_000, jitter: 0.2 } };
}

/** Counters of the loop, as plain numbers for metrics and tests. */
export interface ReflectorStats {
  /** LISTs done (the first one included) and, of those, the ones caused by 410 Gone. */
  lists: number;
  relists: number;
  /** WATCH requests opened. */
  watches: number;
  /** Events applied (ADDED, MODIFIED, DELETED) and bookmarks received. */
  events: number;
  bookmarks: number;
  /** Streams aborted by the watchdog, and 410 Gone answers. */
  stalls: number;
  gones: number;
  /** Other failures, and the last one's message. */
  errors: number;
  lastError?: string;
  /** The resourceVersion the next watch starts from. */
  resourceVersion: string;
  /** The delay the next failure would wait (before jitter): backoff.initialMs right after any answer. */
  backoffMs: number;
}

/** The API server no longer has the history asked for: LIST again. */
export class GoneError extends PlumbError {}

/** True for a 410 Gone, whichever way it came. */
export function isGone(err: unknown): boolean {
  return err instanceof GoneError || (err instanceof ApiError && err.status === 410);
}

const STALLED = "stalled";
const DISCONNECTED = "disconnected";

/** Runs the list+watch loop of one resource type into a sink (see the module comment). */
export class Reflector {
  readonly stats: ReflectorStats = { lists: 0, relists: 0, watches: 0, events: 0, bookmarks: 0, stalls: 0, gones: 0, errors: 0, resourceVersion: "", backoffMs: 0 };
  private readonly opts: ReflectorOptions;
  private readonly stopper = new AbortController();
  private stream?: AbortController;
  private loop?: Promise<void>;
  private readonly backoff: Backoff;

  constructor(
    private readonly lw: ListerWatcher,
    private readonly sink: ReflectorSink,
    opts: Partial<ReflectorOptions> = {},
  ) {
    this.opts = { ...defaultReflectorOptions(), ...opts };
    this.backoff = new Backoff(this.opts.backoff);
    this.stats.backoffMs = this.backoff.currentMs;
  }

  /** Starts the loop (once). */
  start(): void {
    this.loop ??= this.run();
  }

  /** Stops the loop and closes the stream; resolves when it has ended. */
  async stop(): Promise<void> {
    this.stopper.abort();
    this.stream?.abort();
    await this.loop;
  }

  /** Cuts the current stream as a lost connection would; the loop reconnects from the last resourceVersion. */
  disconnect(): void {
    this.stream?.abort(DISCONNECTED);
  }

  private get stopped(): boolean {
    return this.stopper.signal.aborted;
  }

  private async run(): Promise<void> {
    let needList = true;
    let gonesInARow = 0;
    while (!this.stopped) {
      try {
        if (needList) {
          await this.list(gonesInARow > 0);
          needList = false;
        }
        const outcome = await this.watch();
        gonesInARow = 0;
        if (outcome === "empty") await this.fail(new PlumbError("the watch stream ended at once with no event"));
      } catch (err) {
        if (this.stopped) break;
        if (isGone(err)) {
          this.stats.gones++;
          needList = true;
          // One 410 relists at once; another right after the relist is a failure like any other.
          if (gonesInARow++ > 0) await this.fail(err);
        } else {
          await this.fail(err);
        }
      }
    }
  }

  private async list(relist: boolean): Promise<void> {
    const result = await raceAbort(this.lw.list(), this.stopper.signal);
    if (this.stopped) return;
    this.stats.lists++;
    if (relist) this.stats.relists++;
    this.stats.resourceVersion = result.resourceVersion;
    this.sink.replace(result.items, result.resourceVersion);
    this.answered();
  }

  /** The server answered (a list, an accepted watch, an event): the backoff starts over. */
  private answered(): void {
    const failures = this.backoff.reset();
    this.stats.backoffMs = this.backoff.currentMs;
    if (failures > 0) this.opts.onRecover?.(failures);
  }

  /** One WATCH: "ended" when the server closed it, "empty" when that was at once with nothing, else how it was cut. */
  private async watch(): Promise<"ended" | "empty" | "stalled" | "disconnected" | "stopped"> {
    const ac = new AbortController();
    this.stream = ac;
    const { min, max } = this.opts.watchTimeoutSeconds;
    const timeout = Math.round(min + Math.random() * (max - min));
    const opened = Date.now();
    let received = 0;
    let watchdog: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => ac.abort(STALLED), this.opts.stallMs);
    };
    const cut = (): "stalled" | "disconnected" | "stopped" => {
      if (this.stopped) return "stopped";
      if (ac.signal.reason !== STALLED) return "disconnected";
      this.stats.stalls++;
      return "stalled";
    };
    try {
      await this.opts.beforeWatch?.(this.stats.resourceVersion);
      if (this.stopped) return "stopped";
      this.stats.watches++;
      arm();
      for await (const ev of this.lw.watch(this.stats.resourceVersion, timeout, ac.signal, () => this.answered())) {
        arm();
        this.handle(ev);
        received++;
      }
    } catch (err) {
      if (ac.signal.aborted || this.stopped) return cut();
      // A stream cut after some progress is reopened at once; failing from the start, it backs off.
      if (received > 0 && !isGone(err)) return "disconnected";
      throw err;
    } finally {
      clearTimeout(watchdog);
      this.stream = undefined;
    }
    if (ac.signal.aborted || this.stopped) return cut();
    return received === 0 && Date.now() - opened < 1000 ? "empty" : "ended";
  }

  private handle(ev: WatchEvent): void {
    const rv = ev.object?.metadata?.resourceVersion;
    switch (ev.type) {
      case "ERROR": {
        const status = ev.object as unknown as { code?: number; reason?: string; message?: string };
        if (status.code === 410) throw new GoneError(status.message ?? "resource version too old");
        throw new ApiError(status.code ?? 0, status.reason ?? "WatchError", status.message ?? "watch error event");
      }
      case "BOOKMARK":
        this.stats.bookmarks++;
        break;
      default:
        this.stats.events++;
        this.sink.apply(ev.type, ev.object);
    }
    if (rv) this.stats.resourceVersion = rv;
    this.answered();
  }

  /** Counts a failure and waits the current backoff (jittered), then doubles it. */
  private async fail(err: unknown): Promise<void> {
    this.stats.errors++;
    this.stats.lastError = err instanceof Error ? err.message : String(err);
    const wait = this.backoff.next();
    this.stats.backoffMs = this.backoff.currentMs;
    this.opts.onError?.(err, this.backoff.failures);
    await sleep(wait, this.stopper.signal);
  }
}

/** Settles as `p` does, or rejects as soon as `signal` aborts (a LIST must not hold up stop()). */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new PlumbError("stopped"));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort)).catch(() => {});
  });
}

/** The ListerWatcher of a resource over the REST API, optionally limited to a namespace and a label selector. */
export function resourceListerWatcher(resources: Resources, info: ResourceInfo, opts: { namespace?: string; labelSelector?: string } = {}): ListerWatcher {
  const apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
  return {
    list: () => resources.listResource(info, opts),
    async *watch(resourceVersion, timeoutSeconds, signal, opened) {
      const query = { watch: true, resourceVersion, allowWatchBookmarks: true, timeoutSeconds, labelSelector: opts.labelSelector };
      for await (const ev of resources.client.stream<WatchEvent>({ path: resourcePath(info, opts.namespace), query }, signal, opened)) {
        if (ev.type !== "ERROR" && ev.type !== "BOOKMARK") ev.object = { ...ev.object, apiVersion, kind: info.kind };
        yield ev;
      }
    },
  };
}
