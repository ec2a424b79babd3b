/**
 * The retry delay of a list+watch loop: exponential from `initialMs`, doubled per failure up to `maxMs`,
 * each wait spread by ±`jitter` so that many loops failing together do not retry in step.
 *
 * `reset()` is called whenever the API server has answered — a LIST, an event, or merely a WATCH
 * accepted with 200 on a quiet cluster. Resetting on events alone left the delay at its peak after an
 * outage when nothing changed meanwhile, so the next outage started at 16–30 s instead of 250 ms (the
 * "drift reverted after 36 s" of issue 15; ADR 0024).
 *
 * Pure apart from the random source, which can be given. Owns: the delay arithmetic. Imports nothing.
 */

/** Bounds of a Backoff. */
export interface BackoffOptions {
  /** First delay. */
  initialMs: number;
  /** Largest delay (before jitter). */
  maxMs: number;
  /** Random spread of each wait, as a fraction (0.2 = ±20 %). */
  jitter: number;
}

export class Backoff {
  private delay: number;
  /** Failures since the last reset. */
  failures = 0;

  constructor(
    private readonly opts: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {
    this.delay = opts.initialMs;
  }

  /** The delay the next failure will wait, before jitter. */
  get currentMs(): number {
    return this.delay;
  }

  /** Counts a failure: returns how long to wait (jittered) and doubles the delay, up to maxMs. */
  next(): number {
    this.failures++;
    const wait = this.delay * (1 + this.opts.jitter * (2 * this.random() - 1));
    this.delay = Math.min(this.delay * 2, this.opts.maxMs);
    return Math.max(0, wait);
  }

  /** The server answered: back to the first delay. Returns the failures there had been (0: nothing to reset). */
  reset(): number {
    const n = this.failures;
    this.failures = 0;
    this.delay = this.opts.initialMs;
    return n;
  }
}
