/**
 * Running the git CLI for the mirrors: one child process per command, never a prompt, a time limit,
 * cancellation, a clean environment (inherited variables that would redirect git — GIT_DIR, traces that
 * print headers, askpass programs — removed; messages in English so they can be classified), and every
 * byte git prints redacted of the credentials' secrets before it leaves this module.
 *
 * `classifyFailure` turns git's stderr into the typed errors of errors.ts.
 */
import { spawn } from "node:child_process";
import { GitAuthError, GitError, GitHostKeyError, GitUnreachableError, RepositoryNotFoundError } from "./errors.js";

/** Options of runGit. */
export interface RunGitOptions {
  cwd?: string;
  /** Added to the cleaned environment (credentials, config pairs). */
  env?: Record<string, string>;
  /** Killed after this long. Default 120 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Strings replaced by `***` in anything reported. */
  secrets?: readonly string[];
}

/** A git command that exited non-zero, timed out or could not start. Its text is already redacted. */
export class GitCommandFailure extends Error {
  constructor(
    readonly args: readonly string[],
    readonly stderr: string,
    readonly exitCode: number | null,
    readonly timedOut: boolean,
  ) {
    super(`git ${gitSubcommand(args)} failed${timedOut ? " (timed out)" : ""}: ${stderr.trim() || `exit code ${exitCode}`}`);
    this.name = "GitCommandFailure";
  }
}

/** Options of git itself that take a value as the next argument. */
const GIT_OPTIONS_WITH_VALUE = new Set(["-c", "-C", "--git-dir", "--work-tree", "--namespace", "--config-env"]);

/** The subcommand of a git command line (`fetch` in `git -c a=b --git-dir d fetch …`). */
export function gitSubcommand(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (GIT_OPTIONS_WITH_VALUE.has(a)) i++;
    else if (!a.startsWith("-")) return a;
  }
  return args[0] ?? "";
}

/** Inherited variables that must not reach our git processes. */
const DROPPED_ENV = /^(GIT_(DIR|WORK_TREE|INDEX_FILE|OBJECT_DIRECTORY|ALTERNATE_OBJECT_DIRECTORIES|COMMON_DIR|NAMESPACE|CONFIG_.*|CONFIG|ASKPASS|SSH|SSH_COMMAND|SSH_VARIANT|TRACE.*|CURL_VERBOSE|REDACT_COOKIES|EXTERNAL_DIFF)|SSH_ASKPASS|PLUMB_GIT_.*)$/;

/** The environment for a git child: ours cleaned, then `extra`. */
export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!DROPPED_ENV.test(k)) env[k] = v;
  return { ...env, GIT_TERMINAL_PROMPT: "0", GCM_INTERACTIVE: "never", LC_ALL: "C", LANGUAGE: "", ...extra };
}

/** Replaces each secret (longest first) by `***`. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of [...secrets].filter((x) => x.length > 0).sort((a, b) => b.length - a.length)) out = out.split(s).join("***");
  // Credentials a user wrote into a URL, whatever they are.
  return out.replace(/([a-z][a-z0-9+.-]*:\/\/[^/@:\s]*):[^/@\s]*@/gi, "$1:***@");
}

/**
 * How long a command's pipes may stay open after git itself exited. git waits for its own helpers before
 * exiting normally, so the pipes close at once; only a descendant that left git's process group (a daemon
 * it started) keeps them open, and its output is not ours to wait for.
 */
const EXIT_GRACE_MS = 200;

/**
 * Runs `git args…` and resolves with its stdout; rejects with a GitCommandFailure.
 *
 * git runs in a process group of its own (`detached`), so that a timeout or an abort kills the whole group:
 * git and the helpers it started (git-remote-http, ssh, credential helpers), which share its stdout and
 * stderr. Killing git alone would leave a helper blocked on a silent server holding the pipes, and the
 * command would never end. The promise settles on git's exit: when the pipes are still open a moment
 * later, the group is killed again and the pipes are closed from our side.
 */
export function runGit(args: readonly string[], opts: RunGitOptions = {}): Promise<string> {
  const secrets = opts.secrets ?? [];
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new GitCommandFailure(args, "aborted", null, false));
      return;
    }
    const child = spawn("git", args, { cwd: opts.cwd, env: gitEnv(opts.env), stdio: ["ignore", "pipe", "pipe"], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let settled = false;
    let grace: NodeJS.Timeout | undefined;
    const killGroup = (): void => {
      if (child.pid === undefined) return; // never started
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // ESRCH: the group has ended already.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, opts.timeoutMs ?? 120_000);
    opts.signal?.addEventListener("abort", killGroup, { once: true });
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    const settle = (code: number | null, startError?: NodeJS.ErrnoException): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(grace);
      opts.signal?.removeEventListener("abort", killGroup);
      child.stdout.destroy();
      child.stderr.destroy();
      if (startError) {
        const text = startError.code === "ENOENT" ? "git not found: install git and put it on PATH" : startError.message;
        reject(new GitCommandFailure(args, redact(text, secrets), null, false));
      } else if (code === 0 && !timedOut) resolve(Buffer.concat(out).toString("utf8"));
      else {
        const stderr = opts.signal?.aborted ? "aborted" : Buffer.concat(err).toString("utf8");
        reject(new GitCommandFailure(args, redact(stderr, secrets), code, timedOut));
      }
    };
    child.on("error", (e: NodeJS.ErrnoException) => settle(null, e));
    child.on("exit", (code) => {
      grace = setTimeout(() => {
        killGroup();
        settle(code);
      }, EXIT_GRACE_MS);
    });
    child.on("close", (code) => settle(code));
  });
}

/** The most telling line of git's error output: the last `fatal:`/`error:` line, else the last line. */
export function errorDetail(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter(Boolean);
  const fatal = [...lines].reverse().find((l) => /^(fatal|error):/.test(l));
  const line = fatal ?? lines[lines.length - 1] ?? "no output";
  return line.replace(/^(fatal|error|remote):\s*/, "").slice(0, 500);
}

const HOST_KEY = /host key verification failed|no \S+ host key is known|remote host identification has changed/i;
const AUTH = /authentication failed|could not read (username|password)|terminal prompts disabled|permission denied \(publickey|access denied|returned error: 40[13]|invalid (username|credentials)|http basic: access denied|authentication required/i;
const NOT_FOUND = /repository .*not found|not found.*repository|returned error: 404|does not appear to be a git repository|no such repository/i;
/** The mirror's file system is full (or over quota): writing the fetched objects failed. */
const DISK_FULL = /no space left on device|disk quota exceeded|ENOSPC/i;
/** curl's low-speed limit (http.lowSpeedLimit/Time) and its other timeouts. */
const TIMED_OUT = /operation too slow|operation timed out|timeout was reached|connection timed out/i;
const UNREACHABLE = /could not resolve (host|proxy)|connection refused|failed to connect|couldn't connect|timed out|network is unreachable|no route to host|empty reply|connection reset|ssl|certificate|recv failure|could not read from remote repository|unable to access|remote end hung up|rpc failed|connection closed/i;

/** Turns a failed git network command into a typed error naming `repoURL`. */
export function classifyFailure(failure: unknown, repoURL: string, hasCredentials: boolean): GitError {
  if (failure instanceof GitError) return failure;
  if (!(failure instanceof GitCommandFailure)) {
    const text = failure instanceof Error ? failure.message : String(failure);
    return new GitError("failed", repoURL, `git failed for ${repoURL}: ${text}`);
  }
  if (failure.timedOut) return new GitUnreachableError(repoURL, `git ${gitSubcommand(failure.args)} timed out`, true);
  const detail = errorDetail(failure.stderr);
  const all = failure.stderr;
  if (DISK_FULL.test(all)) {
    return new GitError("failed", repoURL, `cannot write the mirror of ${repoURL}: no space left on device (${detail})`, "free space on the volume of the cache folder (--cache-dir) or give it a larger one; the mirror keeps its last good fetch, the apps their last state, and the fetch is retried");
  }
  if (HOST_KEY.test(all)) return new GitHostKeyError(repoURL, detail);
  if (AUTH.test(all)) return new GitAuthError(repoURL, detail, hasCredentials);
  if (NOT_FOUND.test(all)) return new RepositoryNotFoundError(repoURL, detail);
  if (TIMED_OUT.test(all)) return new GitUnreachableError(repoURL, `timed out (${detail})`, true);
  if (UNREACHABLE.test(all)) return new GitUnreachableError(repoURL, detail);
  return new GitError("failed", repoURL, `git ${gitSubcommand(failure.args)} failed for ${repoURL}: ${detail}`, "see the message from git above");
}
