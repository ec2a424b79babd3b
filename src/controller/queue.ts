/**
 * The controller's work queue of string keys, with client-go's workqueue semantics
 * (https://pkg.go.dev/k8s.io/client-go/util/workqueue), written for one Node process.
 *
 * Three sets carry the algorithm:
 * - `queue`: keys waiting for a worker, in arrival order (a Set keeps insertion order and dedupes);
 * - `dirty`: keys that need processing — every queued key, plus a key added again while it is processed;
 * - `processing`: keys a worker holds right now.
 * `add(k)` does nothing when `k` is already dirty (a key waiting once is queued once); otherwise it marks it
 * dirty and queues it, unless a worker holds it. `get()` moves a key from queue to processing and clears its
 * dirty mark. `done(k)` releases it and, when it was added meanwhile, queues it again. So no key is ever
 * handed to two workers at once, and changes that arrive during a reconcile are never lost: the reconciler
 * is level-based and only needs to run once more after them.
 *
 * Delays: `addAfter(k, ms)` keeps one timer per key, the earliest deadline winning. `addRateLimited(k)`
 * waits base·2^n for the key's n-th consecutive failure (capped), until `forget(k)` resets n, as client-go's
 * ItemExponentialFailureRateLimiter does.
 *
 * `run(workers, handler)` is the bounded worker pool: at most `workers` handlers in flight, a throw re-queues
 * the key rate-limited, a success forgets its failures. `shutDown()` stops handing out keys, drops delayed
 * ones and resolves once every running handler has returned.
 *
 * Owns: scheduling of keys. Must not import: cluster, sync, render (it knows nothing of what keys mean).
 */

/** Options of a WorkQueue. */
export interface QueueOptions {
  /** Delay of a key's first rate-limited retry; each further failure doubles it. */
  baseDelayMs: number;
  /** Upper bound of the rate-limited delay. */
  maxDelayMs: number;
  /** Told about every handler failure of `run` (the key is re-queued rate-limited anyway). */
  onError?: (key: string, err: unknown) => void;
}

/** client-go's defaults: 5 ms doubling up to 1000 s; plumb caps at 5 minutes (the resync period's order). */
export function defaultQueueOptions(): QueueOptions {
  return { baseDelayMs: 5, maxDelayMs: 5 * 60_000 };
}

/** Upper bounds in seconds of the duration histograms' buckets (Prometheus' defaults). */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** A Prometheus-style histogram as plain numbers: `buckets[i]` counts observations ≤ DURATION_BUCKETS[i] (cumulative). */
export interface DurationHistogram {
  count: number;
  sumSeconds: number;
  maxSeconds: number;
  buckets: number[];
}

/** The queue's counters and gauges, ready for Prometheus export (workqueue_* in client-go). */
export interface QueueMetrics {
  /** Keys accepted by add (a de-duplicated add does not count). */
  adds: number;
  /** Keys waiting for a worker now. */
  depth: number;
  /** Keys held by a worker now. */
  processing: number;
  /** Keys waiting for a timer (addAfter, addRateLimited) now. */
  delayed: number;
  /** Rate-limited re-queues. */
  retries: number;
  /** Handler runs finished by `run`, and of those, the failed ones. */
  processed: number;
  failures: number;
  /** Time from get to done. */
  workDuration: DurationHistogram;
  /** Time a key waited in the queue before a worker took it. */
  queueLatency: DurationHistogram;
}

function histogram(): DurationHistogram {
  return { count: 0, sumSeconds: 0, maxSeconds: 0, buckets: DURATION_BUCKETS.map(() => 0) };
}

function observe(h: DurationHistogram, ms: number): void {
  const s = ms / 1000;
  h.count++;
  h.sumSeconds += s;
  h.maxSeconds = Math.max(h.maxSeconds, s);
  DURATION_BUCKETS.forEach((le, i) => {
    if (s <= le) h.buckets[i]!++;
  });
}

/** A de-duplicating, rate-limited work queue of string keys (see the module comment). */
export class WorkQueue {
  private readonly opts: QueueOptions;
  private readonly queue = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly processing = new Map<string, number>();
  private readonly queuedAt = new Map<string, number>();
  private readonly waiting = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<string, number>();
  private readonly getters: Array<(key: string | undefined) => void> = [];
  private idle: Array<() => void> = [];
  private stopping = false;
  private readonly counters = { adds: 0, retries: 0, processed: 0, failures: 0, workDuration: histogram(), queueLatency: histogram() };

  constructor(opts: Partial<QueueOptions> = {}) {
    this.opts = { ...defaultQueueOptions(), ...opts };
  }

  /** Queues `key` unless it is already waiting; a key being processed is re-queued when done. Ignored after shutDown. */
  add(key: string): void {
    if (this.stopping || this.dirty.has(key)) return;
    this.dirty.add(key);
    this.counters.adds++;
    if (this.processing.has(key)) return;
    this.enqueue(key);
  }

  /** Adds `key` after `ms`; with a timer already pending for it, the earlier deadline wins. */
  addAfter(key: string, ms: number): void {
    if (this.stopping) return;
    if (ms <= 0) return this.add(key);
    const at = Date.now() + ms;
    const pending = this.waiting.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.waiting.delete(key);
      this.add(key);
    }, ms);
    this.waiting.set(key, { at, timer });
  }

  /** Adds `key` after its backoff: base·2^failures, capped at maxDelayMs; each call counts one more failure. */
  addRateLimited(key: string): void {
    if (this.stopping) return;
    this.counters.retries++;
    this.addAfter(key, this.nextDelay(key));
  }

  /** The delay the next addRateLimited(key) will use, counting the failure. */
  private nextDelay(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    return Math.min(this.opts.baseDelayMs * 2 ** n, this.opts.maxDelayMs);
  }

  /** Clears the key's failure count: its next addRateLimited waits the base delay again. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** How many consecutive failures the key has had since it was last forgotten. */
  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key, waiting for one if none is queued; undefined once the queue shuts down. Call done(key) after. */
  get(): Promise<string | undefined> {
    if (this.stopping) return Promise.resolve(undefined);
    const key = this.take();
    if (key !== undefined) return Promise.resolve(key);
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** Releases a key taken with get(); when it was added meanwhile it is queued again. */
  done(key: string): void {
    const started = this.processing.get(key);
    if (started === undefined) return;
    this.processing.delete(key);
    observe(this.counters.workDuration, performance.now() - started);
    if (this.dirty.has(key) && !this.stopping) this.enqueue(key);
    if (this.processing.size === 0) {
      for (const resolve of this.idle.splice(0)) resolve();
    }
  }

  /**
   * Runs `handler` over keys with at most `workers` calls in flight until shutDown; a throw re-queues the key
   * rate-limited (and calls onError), a success forgets its failures. Resolves when every worker has stopped.
   */
  async run(workers: number, handler: (key: string) => Promise<void>): Promise<void> {
    const worker = async (): Promise<void> => {
      for (;;) {
        const key = await this.get();
        if (key === undefined) return;
        try {
          await handler(key);
          this.forget(key);
        } catch (err) {
          this.counters.failures++;
          this.opts.onError?.(key, err);
          this.addRateLimited(key);
        } finally {
          this.counters.processed++;
          this.done(key);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, workers) }, worker));
  }

  /** Stops handing out keys, drops queued and delayed ones, and resolves when every key taken has been done. */
  async shutDown(): Promise<void> {
    this.stopping = true;
    for (const { timer } of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
    this.queue.clear();
    this.dirty.clear();
    this.queuedAt.clear();
    for (const resolve of this.getters.splice(0)) resolve(undefined);
    if (this.processing.size > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  /** True once shutDown was called. */
  get shuttingDown(): boolean {
    return this.stopping;
  }

  /** Keys waiting for a worker. */
  get length(): number {
    return this.queue.size;
  }

  /** A snapshot of the counters and gauges. */
  metrics(): QueueMetrics {
    const c = this.counters;
    return {
      adds: c.adds,
      depth: this.queue.size,
      processing: this.processing.size,
      delayed: this.waiting.size,
      retries: c.retries,
      processed: c.processed,
      failures: c.failures,
      workDuration: { ...c.workDuration, buckets: [...c.workDuration.buckets] },
      queueLatency: { ...c.queueLatency, buckets: [...c.queueLatency.buckets] },
    };
  }

  private enqueue(key: string): void {
    this.queue.add(key);
    this.queuedAt.set(key, performance.now());
    // A waiting worker means the queue was empty: hand it this key at once.
    const getter = this.getters.shift();
    if (getter) getter(this.take());
  }

  private take(): string | undefined {
    const next = this.queue.values().next();
    if (next.done) return undefined;
    const key = next.value;
    this.queue.delete(key);
    this.dirty.delete(key);
    const now = performance.now();
    observe(this.counters.queueLatency, now - (this.queuedAt.get(key) ?? now));
    this.queuedAt.delete(key);
    this.processing.set(key, now);
    return key;
  }
}
