/**
 * Failed logins are limited twice: per username (someone guessing one account's password) and per client
 * address (someone trying one password on many accounts). Each limit is a fixed window counted by
 * rate-limiter-flexible's in-memory limiter: the first attempt opens a window of `windowSeconds`, and once
 * a key has `maxFailures…` failures in it, every further attempt for that key is refused — before the
 * password is even checked, as Argo CD does — with RateLimitedError until the window ends.
 *
 * An attempt takes its point BEFORE the password is compared (`attempt`), and only a success gives it back:
 * the comparison takes tens of milliseconds, and a limit that were checked first and counted after would
 * let any number of guesses sent at once through the check before the first of them is counted. The
 * points are taken synchronously in call order, so of N concurrent attempts exactly the allowance is
 * evaluated and the rest are refused. A successful login clears its username's count and returns the
 * address's point (not the address's earlier failures: a client that guesses one account right should not
 * win back its tries on the others).
 *
 * Defaults follow Argo CD (ARGOCD_SESSION_FAILURE_MAX_FAIL_COUNT=5 in a 300 s window) for usernames, and
 * allow more per address because several people may log in from behind one NAT. The counts are per
 * process: with several replicas an attacker gets each replica's allowance, which bounds the rate all the
 * same (and Argo CD's own limit is per replica when it runs without a shared cache).
 */
import { RateLimiterMemory, type RateLimiterRes } from "rate-limiter-flexible";
import { RateLimitedError } from "../errors.js";

export interface LoginLimits {
  /** Failed logins one username may have in a window before its logins are refused. */
  maxFailuresPerUser: number;
  /** Failed logins one client address may have in a window, across all usernames. */
  maxFailuresPerAddress: number;
  /** The window, in seconds, counted from its first failure. */
  windowSeconds: number;
}

/** 5 failures per username and 20 per client address in 5 minutes. */
export function defaultLoginLimits(): LoginLimits {
  return { maxFailuresPerUser: 5, maxFailuresPerAddress: 20, windowSeconds: 300 };
}

/** Keys are capped so a huge username cannot grow the limiter's memory. */
const MAX_KEY = 128;

export class LoginLimiter {
  private readonly users: RateLimiterMemory;
  private readonly addresses: RateLimiterMemory;

  constructor(readonly limits: LoginLimits = defaultLoginLimits()) {
    this.users = new RateLimiterMemory({ keyPrefix: "user", points: limits.maxFailuresPerUser, duration: limits.windowSeconds });
    this.addresses = new RateLimiterMemory({ keyPrefix: "addr", points: limits.maxFailuresPerAddress, duration: limits.windowSeconds });
  }

  /**
   * Takes one attempt's point for the username and the address (address "" is not counted), or throws
   * RateLimitedError — giving back what it took — when either has no points left. Call `succeeded` after a
   * success; a failure keeps its points.
   */
  async attempt(username: string, address: string): Promise<void> {
    // Started together: rate-limiter-flexible's memory store counts synchronously when consume is called.
    const user = this.users.consume(key(username)).then(ok, refused);
    const addr = address ? this.addresses.consume(key(address)).then(ok, refused) : Promise.resolve(undefined);
    const [u, a] = await Promise.all([user, addr]);
    if (u === undefined && a === undefined) return;
    await giveBack(this.users, username);
    if (address) await giveBack(this.addresses, address);
    throw new RateLimitedError("too many failed login attempts", Math.max(1, Math.ceil(Math.max(u ?? 0, a ?? 0) / 1000)));
  }

  /** Throws RateLimitedError when the username or the address has used up its failures. Address "" is not counted. */
  async check(username: string, address: string): Promise<void> {
    const user = await this.users.get(key(username));
    const addr = address ? await this.addresses.get(key(address)) : null;
    const waits = [exhausted(user, this.limits.maxFailuresPerUser), exhausted(addr, this.limits.maxFailuresPerAddress)].filter((w): w is number => w !== undefined);
    if (waits.length > 0) {
      throw new RateLimitedError("too many failed login attempts", Math.max(1, Math.ceil(Math.max(...waits) / 1000)));
    }
  }

  /** Counts a failed attempt against both. */
  async failed(username: string, address: string): Promise<void> {
    await this.users.penalty(key(username));
    if (address) await this.addresses.penalty(key(address));
  }

  /** A successful login (after `attempt`): the username's failures are forgotten and the address's point returned. */
  async succeeded(username: string, address = ""): Promise<void> {
    await this.users.delete(key(username));
    if (address) await giveBack(this.addresses, address);
  }
}

/** Returns one point to a key that has taken some (a window that ended is not given extra points). */
async function giveBack(limiter: RateLimiterMemory, k: string): Promise<void> {
  const res = await limiter.get(key(k));
  if (res && res.consumedPoints > 0) await limiter.reward(key(k));
}

/** A consume that was allowed: no wait. */
function ok(): undefined {
  return undefined;
}

/** A consume refused for want of points: milliseconds until the window ends (other errors are thrown). */
function refused(res: unknown): number {
  if (res instanceof Error) throw res;
  return (res as RateLimiterRes).msBeforeNext;
}

function key(s: string): string {
  return s.length > MAX_KEY ? s.slice(0, MAX_KEY) : s;
}

/** Milliseconds until the window ends when `res` has reached `max`; undefined when attempts remain. */
function exhausted(res: RateLimiterRes | null, max: number): number | undefined {
  if (!res || res.consumedPoints < max) return undefined;
  return res.msBeforeNext;
}
