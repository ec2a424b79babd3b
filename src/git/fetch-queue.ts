/**
 * When fetches run (mirror.ts's "Coalescing" and "Pools", which say why): per key — a repository — at most
 * one job running and one waiting, and two pools of slots shared by all keys, "healthy" and "probation".
 *
 *   next(key) returns the waiting job of the key, or makes one. A new job first waits for the key's running
 *   job to end, then asks `poolOf(key)` which pool to wait in (so the outcome of the previous job counts),
 *   waits for a slot there, becomes the running job, runs, and gives the slot back.
 *
 * Jobs of one pool never take slots of the other: however many jobs of the probation pool are stuck, a key
 * of the healthy pool only waits for other healthy ones. No I/O: the caller gives the work as a function.
 */

/** The two pools. */
export type PoolName = "healthy" | "probation";

/** One scheduled run, shared by everyone who joined it. */
export interface Job<R> {
  readonly promise: Promise<R>;
  /** Free for the caller's bookkeeping (mirror.ts: someone threw RevisionPendingError because of it). */
  awaited: boolean;
}

/** A counting semaphore. */
class Slots {
  private free: number;
  private readonly waiters: Array<() => void> = [];
  constructor(readonly size: number) {
    this.free = size;
  }
  get used(): number {
    return this.size - this.free;
  }
  async acquire(): Promise<void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.free++;
  }
}

/** Per-key coalescing over two pools of slots (see above). */
export class FetchQueue<R> {
  private readonly pools: Record<PoolName, Slots>;
  private readonly waitingJobs = new Map<string, Job<R>>();
  private readonly runningJobs = new Map<string, Job<R>>();

  /**
   * @param slotsPerPool jobs running at once in each pool (at least 1)
   * @param poolOf the pool a key's job waits in, asked when the job is about to wait for a slot
   */
  constructor(
    slotsPerPool: number,
    private readonly poolOf: (key: string) => PoolName,
  ) {
    const n = Math.max(1, Math.floor(slotsPerPool) || 1);
    this.pools = { healthy: new Slots(n), probation: new Slots(n) };
  }

  /** The waiting job of `key`; if there is none, a new one that will call `run` when its turn comes. */
  next(key: string, run: (job: Job<R>) => Promise<R>): Job<R> {
    const waiting = this.waitingJobs.get(key);
    if (waiting) return waiting;
    const previous = this.runningJobs.get(key)?.promise.catch(() => undefined);
    const job: Job<R> = {
      awaited: false,
      promise: Promise.resolve(previous).then(async () => {
        const pool = this.pools[this.poolOf(key)];
        await pool.acquire();
        this.waitingJobs.delete(key);
        this.runningJobs.set(key, job);
        try {
          return await run(job);
        } finally {
          pool.release();
          if (this.runningJobs.get(key) === job) this.runningJobs.delete(key);
        }
      }),
    };
    this.waitingJobs.set(key, job);
    return job;
  }

  /** The job of `key` that holds a slot, if any. */
  running(key: string): Job<R> | undefined {
    return this.runningJobs.get(key);
  }

  /** The job of `key` that has not begun, if any. */
  waiting(key: string): Job<R> | undefined {
    return this.waitingJobs.get(key);
  }

  /** All jobs holding a slot. */
  allRunning(): Array<Job<R>> {
    return [...this.runningJobs.values()];
  }

  /** Slots in use per pool. */
  inUse(): Record<PoolName, number> {
    return { healthy: this.pools.healthy.used, probation: this.pools.probation.used };
  }
}
