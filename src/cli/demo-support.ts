/**
 * The parts of `plumb demo` that are not its story: undo steps run in reverse, the state folder, the
 * controller's logger for people, flag parsing and the hints printed with "what to try". Shared by the
 * plain demo and `plumb demo --example NAME` (commands/demo.ts, demo-example.ts).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { UsageError } from "../core/errors.js";
import type { Logger } from "../controller/reconcile.js";
import { git } from "../gitserver/git.js";
import { findBinary } from "../tools/binaries.js";

/** Undo steps, run in reverse order of registration; each failure is reported and the rest still run. */
export class Teardown {
  private readonly steps: Array<{ what: string; run: () => Promise<void> | void; limitMs: number }> = [];

  /** `limitMs`: how long the step may take before the rest go on without it. */
  defer(what: string, run: () => Promise<void> | void, limitMs = 20_000): void {
    this.steps.push({ what, run, limitMs });
  }

  /** Runs every step; resolves false when one failed or did not finish in time. */
  async run(): Promise<boolean> {
    let clean = true;
    for (const step of this.steps.reverse()) {
      let timer: NodeJS.Timeout | undefined;
      try {
        const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`did not finish within ${step.limitMs / 1000} s; going on without it`)), step.limitMs)));
        await Promise.race([Promise.resolve().then(step.run), late]);
      } catch (err) {
        clean = false;
        process.stderr.write(`plumb: stopping ${step.what}: ${err instanceof Error ? err.message : String(err)}\n`);
      } finally {
        clearTimeout(timer);
      }
    }
    this.steps.length = 0;
    return clean;
  }
}

export class Interrupted extends Error {}

/** The state folder: `dir` (new or empty) or a new temp folder, and how to remove what the demo created there. */
export function prepareStateDir(dir: string | undefined): { state: string; remove: () => void } {
  if (dir === undefined) {
    const state = mkdtempSync(join(tmpdir(), "plumb-demo-"));
    return { state, remove: () => rmSync(state, { recursive: true, force: true }) };
  }
  const state = resolve(dir);
  const existed = existsSync(state);
  if (existed && readdirSync(state).length > 0) throw new UsageError(`--dir ${state} is not empty`, "give a new or empty folder, or leave --dir out for a temp folder");
  mkdirSync(state, { recursive: true });
  const remove = (): void => {
    if (!existed) rmSync(state, { recursive: true, force: true });
    else for (const entry of readdirSync(state)) rmSync(join(state, entry), { recursive: true, force: true });
  };
  return { state, remove };
}


/** Sleeps `ms`, or less when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((done) => {
    const finish = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", finish);
      done();
    };
    const timer = setTimeout(finish, ms);
    signal.addEventListener("abort", finish, { once: true });
  });
}

/** `export PATH=…` when no kubectl is on PATH but plumb's pinned build is (hack/tools.sh). */
export function kubectlPathHint(): string | undefined {
  const onPath = (process.env.PATH ?? "").split(delimiter).some((d) => d && existsSync(join(d, "kubectl")));
  if (onPath) return undefined;
  try {
    return `export PATH=${dirname(findBinary("kubectl"))}:$PATH`;
  } catch {
    return undefined;
  }
}

/** `plumb` when it is on PATH (npm link), else `node <this CLI>`: either works as printed. */
export function plumbCommand(): string {
  const onPath = (process.env.PATH ?? "").split(delimiter).some((d) => d && existsSync(join(d, "plumb")));
  return onPath ? "plumb" : `node ${resolve(process.argv[1] ?? "dist/src/cli/main.js")}`;
}

export async function hasGitIdentity(): Promise<boolean> {
  try {
    return (await git(["config", "--get", "user.email"])).trim() !== "";
  } catch {
    return false;
  }
}


/**
 * The controller's logger for people: one short line per sync, self-heal, webhook push or problem on
 * stderr; routine info is dropped. A sync of a commit already synced is a self-heal (or a retry).
 */
export class LineLogger implements Logger {
  /** Set while stopping: the cluster going away makes noise nobody needs. */
  quiet = false;
  private readonly synced = new Map<string, string>();

  info(obj: object, msg: string): void {
    const f = obj as Record<string, unknown>;
    const app = typeof f.app === "string" ? f.app.split("/").pop() : "";
    if (msg === "sync succeeded") {
      const revision = String(f.revision ?? "");
      const changes = String(f.changes ?? "");
      const again = f.automated === true && this.synced.get(String(f.app)) === revision;
      this.synced.set(String(f.app), revision);
      // A re-sync of the same commit that changed nothing (a watch cache lagging behind) is no news.
      if (again && !changes) return;
      if (again) this.line(`${app}: self-heal at ${revision.slice(0, 7)}: ${changes}`);
      else this.line(`${app}: synced to ${revision.slice(0, 7)}${f.automated === true ? "" : " (manual)"}: ${changes || "nothing to change"}`);
    } else if (msg === "webhook push") {
      this.line(`webhook: push to ${String(f.ref ?? "")} of ${String(f.repo ?? "")}, ${String(f.refreshed ?? 0)} app(s) refreshed`);
    } else if (msg.startsWith("cascade delete")) {
      this.line(`${app}: ${msg}`);
    }
  }

  warn(obj: object, msg: string): void {
    const f = obj as Record<string, unknown>;
    const app = typeof f.app === "string" ? f.app.split("/").pop() : "";
    const first = (v: unknown): string => String(v ?? "").split("\n")[0] ?? "";
    if (msg === "sync failed") this.line(`${app}: sync to ${String(f.revision ?? "").slice(0, 7)} failed: ${first(f.message)}`);
    else if (msg === "comparison failed") this.line(`${app}: cannot compare with Git: ${first(f.error)}`);
    else this.line(`warning: ${msg}${details(obj)}`);
  }

  error(obj: object, msg: string): void {
    this.line(`error: ${msg}${details(obj)}`);
  }

  private line(text: string): void {
    if (this.quiet) return;
    process.stderr.write(`[${new Date().toTimeString().slice(0, 8)}] ${text}\n`);
  }
}

export function details(obj: object): string {
  const parts = Object.entries(obj as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && v !== "")
    .map(([k, v]) => `${k}=${(typeof v === "string" ? v : JSON.stringify(v)).split("\n")[0]}`);
  return parts.length ? ` (${parts.join(", ")})` : "";
}

export function optionalPort(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new UsageError(`${flag} must be a port number (1-65535), got "${value}"`);
  return n;
}

export function positive(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number, got "${value}"`);
  return n;
}

