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
}

export interface RunOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Runs `binary args…` to completion. Rejects only if it cannot start (or is aborted). */
export function runTool(binary: string, args: readonly string[], opts: RunOptions): Promise<ToolResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(binary, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ["ignore", "pipe", "pipe"],
      signal: opts.signal,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, opts.timeoutMs);
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({
        code,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        timedOut,
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
