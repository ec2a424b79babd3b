/**
 * Retry arithmetic for failed syncs, as Argo CD does it: the n-th retry waits `duration × factor^n`, at most
 * `maxDuration`; durations are Go durations ("5s", "1m30s") or a bare number of seconds; a negative limit
 * retries forever (https://argo-cd.readthedocs.io/en/stable/user-guide/auto_sync/#automatic-retry).
 *
 * Pure: imports nothing that does I/O.
 */
import type { RetryStrategy } from "./spec.js";

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a Go duration ("300ms", "1m30s", "2h") or of a bare number of seconds ("10"); undefined when invalid. */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/u.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gu)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return total;
}

/** The wait before retry number `retryCount` (0 for the first retry), in milliseconds. */
export function retryDelayMs(retry: RetryStrategy, retryCount: number): number {
  const base = parseDuration(retry.backoff.duration) ?? 5000;
  const max = parseDuration(retry.backoff.maxDuration) ?? 180_000;
  const delay = base * Math.pow(retry.backoff.factor, Math.max(0, retryCount));
  return Math.min(delay, max);
}

/** Whether another retry is allowed after `retryCount` failed retries. */
export function canRetry(retry: RetryStrategy | undefined, retryCount: number): boolean {
  if (!retry) return false;
  return retry.limit < 0 || retryCount < retry.limit;
}
