/**
 * Running helm and kustomize: one child process per render, output captured, a time limit, cancellation,
 * and temporary folders that are always removed. No shell is involved: arguments go to the program as is.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** How a tool run ended. */
export interface ToolResult {
  /** Exit code; null if killed. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** True if the time limit killed it. */
  timedOut: boolean;
  /** True if it wrote more than `maxOutputBytes` and was killed for it. */
  tooLarge?: boolean;
}

export interface RunOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /**
   * Run it in a process group of its own and kill the whole group at the time limit, on abort and once it
   * exits: a shell script's children (`sleep`, a server left in the background) cannot outlive it or hold
   * its output open. For programs plumb does not know (config management plugins).
   */
  killGroup?: boolean;
  /** Kill it when stdout and stderr together exceed this many bytes. */
  maxOutputBytes?: number;
  /** Written to its standard input (a password for `--password-stdin`); none: stdin is closed. */
  stdin?: string;
}

/** The most a render tool may write (stdout and stderr together): past it the run is stopped, not buffered. */
export const MAX_RENDER_OUTPUT_BYTES = 64 * 1024 * 1024;

/** Why a tool run failed, for a message: its time limit, its output limit, or its own (cleaned) words. */
export function toolFailure(run: ToolResult, timeoutMs: number, replacements: ReadonlyArray<[string, string]>): string {
  if (run.timedOut) return `timed out after ${timeoutMs} ms`;
  if (run.tooLarge) return `wrote more than ${MAX_RENDER_OUTPUT_BYTES / 1024 / 1024} MiB and was stopped`;
  return cleanToolError(run.stderr, replacements);
}

/** Runs `binary args…` to completion. Rejects only if it cannot start (or is aborted). */
export function runTool(binary: string, args: readonly string[], opts: RunOptions): Promise<ToolResult> {
  return new Promise((resolvePromise, reject) => {
    const group = opts.killGroup === true;
    if (group && opts.signal?.aborted) {
      reject(opts.signal.reason instanceof Error ? opts.signal.reason : new Error("aborted"));
      return;
    }
    const child = spawn(binary, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: [opts.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      ...(group ? { detached: true } : { signal: opts.signal }),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let timedOut = false;
    let tooLarge = false;
    const kill = (): void => {
      if (group && child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // the group is gone already
        }
      } else {
        child.kill("SIGKILL");
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, opts.timeoutMs);
    const onAbort = (): void => kill();
    if (group) opts.signal?.addEventListener("abort", onAbort, { once: true });
    const collect = (into: Buffer[]) => (b: Buffer) => {
      size += b.length;
      if (opts.maxOutputBytes !== undefined && size > opts.maxOutputBytes) {
        if (!tooLarge) {
          tooLarge = true;
          kill();
        }
        return;
      }
      into.push(b);
    };
    if (opts.stdin !== undefined) child.stdin?.end(opts.stdin);
    child.stdout!.on("data", collect(out));
    child.stderr!.on("data", collect(err));
    if (group) child.on("exit", kill);
    child.on("error", (e) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      if (group && opts.signal?.aborted) {
        reject(opts.signal.reason instanceof Error ? opts.signal.reason : new Error("aborted"));
        return;
      }
      resolvePromise({
        code,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        timedOut,
        ...(tooLarge ? { tooLarge } : {}),
      });
    });
  });
}

/** Runs `fn` with a fresh temporary folder, removed afterwards whatever happens. */
export async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `plumb-${prefix}-`));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A tool's error output made readable: trimmed, the leading "Error: " dropped, temporary paths replaced by
 * what they stand for, and cut to a reasonable length.
 */
export function cleanToolError(stderr: string, replacements: ReadonlyArray<[string, string]> = []): string {
  let text = stderr.trim();
  for (const [from, to] of replacements) text = text.split(from).join(to);
  const lines = text.split("\n").map((l) => l.trimEnd());
  const kept = lines.filter((l) => l && !/^(WARNING|walk\.go:\d+|# Warning|Use --debug flag)/.test(l));
  text = (kept.length ? kept : lines).join("\n").replace(/^Error: /, "");
  return text.length > 4000 ? `${text.slice(0, 4000)}…` : text;
}
