/**
 * Polling: every repository with at least one subscriber is fetched once per interval (default 3 minutes,
 * as Argo CD's timeout.reconciliation), whatever the number of subscribers — 100 applications on one
 * repository make one fetch per interval, not 100.
 *
 * Schedule. One timer per repository. The first fetch happens at once, unless the mirror was fetched less
 * than an interval ago; afterwards the next fetch is due one interval (±`jitter`, so that repositories
 * subscribed together drift apart) after the end of the last fetch of that repository, *whoever asked for
 * it*: a webhook's `refresh` or a resolve that fetched pushes the next poll back, so there is never a poll
 * right after a refresh. A failed fetch is retried sooner, with a backoff by kind of failure (retry.ts:
 * 5 s doubling for an unreachable server, a minute doubling for refused credentials…) that never waits
 * longer than the interval; a good fetch returns to the interval. Its error is reported as "fetchFailed",
 * and the mirror keeps its last good refs meanwhile.
 *
 * Events. "changed" (a RepoChange: which refs moved to which SHA) is forwarded from the mirrors — fired only
 * when a ref actually moved — so the controller enqueues just the apps tracking those refs. The poller
 * never reconciles anything itself (level-based design: triggers only enqueue).
 */
import { EventEmitter } from "node:events";
import type { GitError } from "./errors.js";
import type { FetchOutcome, FetchResult, Mirrors, RepoChange } from "./mirror.js";
import { gitRetryDelayMs } from "./retry.js";
import { normalizeRepoURL, splitCredentials } from "./url.js";

/** Options of Poller. */
export interface PollerOptions {
  /** Time between two fetches of a repository. Default 180 000 ms (3 minutes). */
  intervalMs: number;
  /** Random spread of each interval, as a fraction: 0.1 = ±10 %. Default 0.1. */
  jitter: number;
}

/** The defaults. */
export function defaultPollerOptions(): PollerOptions {
  return { intervalMs: 180_000, jitter: 0.1 };
}

/** Event "fetchFailed": a fetch of a subscribed repository failed. */
export interface FetchFailure {
  repoURL: string;
  error: GitError;
}

interface Subscription {
  url: string;
  count: number;
  timer?: NodeJS.Timeout;
  /** Fetches in a row that failed. */
  failures: number;
}

/** Fetches subscribed repositories once per interval; emits "changed" and "fetchFailed". */
export class Poller extends EventEmitter<{ changed: [RepoChange]; fetchFailed: [FetchFailure] }> {
  readonly options: PollerOptions;
  private readonly subs = new Map<string, Subscription>();
  private stopped = false;
  private readonly onChanged = (c: RepoChange): void => {
    this.emit("changed", c);
  };
  private readonly onFetched = (o: FetchOutcome): void => {
    const sub = this.subs.get(o.repoURL);
    if (!sub) return;
    sub.failures = o.error ? sub.failures + 1 : 0;
    const interval = this.nextDelay();
    this.schedule(o.repoURL, sub, o.error ? Math.min(interval, this.jittered(gitRetryDelayMs(o.error, sub.failures - 1))) : interval);
    if (o.error) this.emit("fetchFailed", { repoURL: o.repoURL, error: o.error });
  };

  constructor(
    private readonly mirrors: Mirrors,
    options: Partial<PollerOptions> = {},
  ) {
    super();
    this.options = { ...defaultPollerOptions(), ...options };
    if (!(this.options.intervalMs > 0)) throw new RangeError("intervalMs must be positive");
    if (!(this.options.jitter >= 0 && this.options.jitter < 1)) throw new RangeError("jitter must be in [0, 1)");
    mirrors.on("changed", this.onChanged);
    mirrors.on("fetched", this.onFetched);
  }

  /**
   * Adds a subscriber to a repository (an application that uses it). Returns the unsubscribe function
   * (idempotent); polling of the repository stops with its last subscriber.
   */
  subscribe(repoURL: string): () => void {
    if (this.stopped) throw new Error("the poller is stopped");
    const url = splitCredentials(repoURL).url;
    const key = normalizeRepoURL(url);
    let sub = this.subs.get(key);
    if (!sub) {
      sub = { url: repoURL, count: 0, failures: 0 };
      this.subs.set(key, sub);
      const last = this.mirrors.status(repoURL).lastFetchAt?.getTime();
      const since = last === undefined ? Infinity : Date.now() - last;
      this.schedule(key, sub, since >= this.options.intervalMs ? 0 : this.options.intervalMs - since);
    }
    sub.count++;
    let done = false;
    const s = sub;
    return () => {
      if (done) return;
      done = true;
      s.count--;
      if (s.count === 0 && this.subs.get(key) === s) {
        clearTimeout(s.timer);
        this.subs.delete(key);
      }
    };
  }

  /** Fetches a repository now (coalesced with any fetch about to begin): what webhooks call. */
  refresh(repoURL: string): Promise<FetchResult> {
    return this.mirrors.fetch(repoURL);
  }

  /** Subscribers of a repository. */
  subscribers(repoURL: string): number {
    return this.subs.get(normalizeRepoURL(splitCredentials(repoURL).url))?.count ?? 0;
  }

  /** The repositories polled (normalized URLs). */
  repositories(): string[] {
    return [...this.subs.keys()];
  }

  /** Stops all timers and detaches from the mirrors. */
  stop(): void {
    this.stopped = true;
    for (const sub of this.subs.values()) clearTimeout(sub.timer);
    this.subs.clear();
    this.mirrors.off("changed", this.onChanged);
    this.mirrors.off("fetched", this.onFetched);
  }

  /** One interval with jitter. */
  private nextDelay(): number {
    return this.jittered(this.options.intervalMs);
  }

  /** `ms` ± jitter. */
  private jittered(ms: number): number {
    return Math.max(0, Math.round(ms * (1 + this.options.jitter * (2 * Math.random() - 1))));
  }

  private schedule(key: string, sub: Subscription, delay: number): void {
    clearTimeout(sub.timer);
    if (this.stopped) return;
    sub.timer = setTimeout(() => {
      sub.timer = undefined;
      let fetching: Promise<unknown>;
      try {
        fetching = this.mirrors.fetch(sub.url);
      } catch {
        return; // the mirrors are closed
      }
      // A fetch that ended reschedules through "fetched"; this covers one that never got that far.
      void fetching
        .catch(() => undefined)
        .finally(() => {
          if (!sub.timer && this.subs.get(key) === sub) this.schedule(key, sub, this.nextDelay());
        });
    }, delay);
    sub.timer.unref();
  }
}
