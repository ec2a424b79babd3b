/**
 * Failed logins are limited twice: per username (someone guessing one account's password) and per client
 * address (someone trying one password on many accounts). Each limit is a fixed window counted by
 * rate-limiter-flexible's in-memory limiter: the first failure opens a window of `windowSeconds`, and once
 * a key has `maxFailures…` failures in it, every further attempt for that key is refused — before the
 * password is even checked, as Argo CD does — with RateLimitedError until the window ends. A successful
 * login clears its username's count (not the address's: a client that guesses one account right should not
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

  /** A successful login: the username's failures are forgotten. */
  async succeeded(username: string): Promise<void> {
    await this.users.delete(key(username));
  }
}

function key(s: string): string {
  return s.length > MAX_KEY ? s.slice(0, MAX_KEY) : s;
}

/** Milliseconds until the window ends when `res` has reached `max`; undefined when attempts remain. */
function exhausted(res: RateLimiterRes | null, max: number): number | undefined {
  if (!res || res.consumedPoints < max) return undefined;
  return res.msBeforeNext;
}
