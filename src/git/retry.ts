/**
 * How long to wait before trying a Git operation again, by what went wrong — not one fixed delay for all.
 * Each kind of failure gets an exponential backoff (base × 2^attempt, capped) whose base and cap say how
 * soon that kind of failure tends to go away on its own:
 *
 *   kind               base   cap     why
 *   unreachable        5 s    3 min   network blips, a server restarting, a low-speed cut: usually short.
 *                                     Argo CD's default retry backoff (5 s ×2 up to 3 min) for the same.
 *   auth, host-key     1 min  10 min  nothing changes until someone edits a Secret or known_hosts; and
 *                                     servers lock out or rate-limit clients that keep sending bad
 *                                     credentials (GitHub, GitLab do).
 *   not-found          30 s   10 min  a repository being set up, or a private one answering "not found" for
 *                                     missing access: fixed by a person, not by retrying.
 *   unknown-revision   30 s   5 min   a branch or tag not pushed yet; the push itself is noticed anyway
 *                                     (webhook, poll), so retrying often buys nothing.
 *   pending            2 s    fixed   not a failure: the end of the awaited fetch triggers the next try
 *                                     (SourceRepos.onChange); this delay is only the safety net.
 *   anything else      5 s    3 min   like unreachable (controller-runtime and Flux back off the same way
 *                                     for errors they cannot classify).
 *
 * Flux's source-controller requeues a failing GitRepository with exponential backoff rather than at its
 * interval; Argo CD retries a failed comparison on its next reconcile. Both keep serving the last good
 * artifact meanwhile, as the mirrors do.
 *
 * Pure: no I/O, no clock.
 */
import { GitError, type GitErrorCode } from "./errors.js";

/** One backoff: base × factor^attempt, at most max (a fixed delay when base = max). */
interface Backoff {
  baseMs: number;
  maxMs: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;

const BACKOFF: Record<GitErrorCode, Backoff> = {
  unreachable: { baseMs: 5 * SECOND, maxMs: 3 * MINUTE },
  auth: { baseMs: MINUTE, maxMs: 10 * MINUTE },
  "host-key": { baseMs: MINUTE, maxMs: 10 * MINUTE },
  "not-found": { baseMs: 30 * SECOND, maxMs: 10 * MINUTE },
  "unknown-revision": { baseMs: 30 * SECOND, maxMs: 5 * MINUTE },
  pending: { baseMs: 2 * SECOND, maxMs: 2 * SECOND },
  failed: { baseMs: 5 * SECOND, maxMs: 3 * MINUTE },
};

/**
 * The delay before the next try after `error`, when `attempt` tries in a row have already failed before
 * this one (0 after the first failure, 1 after the second…). Errors that are not GitErrors (a renderer's,
 * an unexpected one) back off as "failed". A negative or non-integer attempt counts as its floor, at least 0.
 */
export function gitRetryDelayMs(error: unknown, attempt: number): number {
  const code: GitErrorCode = error instanceof GitError ? error.code : "failed";
  const { baseMs, maxMs } = BACKOFF[code];
  const n = Number.isFinite(attempt) ? Math.max(0, Math.floor(attempt)) : attempt > 0 ? Infinity : 0;
  return Math.min(maxMs, baseMs * 2 ** n);
}
