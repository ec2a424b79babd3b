/**
 * A group of child processes that live and die together: each one's output goes to a log file in the
 * group's folder, and stopping sends SIGTERM in reverse start order, then SIGKILL to whatever is left.
 *
 * A watchdog (a detached `sh`) polls the owning Node process: if that dies without cleaning up — SIGKILL,
 * a crash, a test runner killing its worker — the watchdog kills the children listed in `<dir>/pids` and
 * removes the folder, so nothing outlives its owner.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface ManagedProcess {
  name: string;
  pid: number;
  logFile: string;
  child: ChildProcess;
  /** Set once the process has exited: its exit code, or the signal's name. */
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  /** Resolves when the process exits. */
  exited: Promise<void>;
}

const WATCHDOG = `
parent="$1"; dir="$2"
while kill -0 "$parent" 2>/dev/null; do sleep 1; done
if [ -f "$dir/pids" ]; then
  for p in $(cat "$dir/pids"); do kill -TERM "$p" 2>/dev/null; done
  sleep 3
  for p in $(cat "$dir/pids"); do kill -KILL "$p" 2>/dev/null; done
fi
rm -rf "$dir"
`;

/**
 * Starts a detached watchdog that removes `dir` once this process is gone (however it ended), after
 * killing the pids listed in `<dir>/pids` if there is such a file. For folders a process owns beside a
 * ProcessGroup's (plumb demo's state folder holds the cluster's, the Git server's and the cache).
 */
export function removeWhenOwnerDies(dir: string): ChildProcess {
  const watchdog = spawn("sh", ["-c", WATCHDOG, "plumb-watchdog", String(process.pid), dir], { detached: true, stdio: "ignore" });
  watchdog.unref();
  return watchdog;
}

export class ProcessGroup {
  private readonly procs: ManagedProcess[] = [];
  private watchdog?: ChildProcess;
  private readonly onExit = (): void => this.killNow();

  /** @param dir folder for logs and the pid list (it must exist); removed by the watchdog if the owner dies. */
  constructor(readonly dir: string) {
    process.once("exit", this.onExit);
  }

  /** Starts the watchdog. Call once, before starting children. */
  guard(): void {
    if (this.watchdog) return;
    this.watchdog = removeWhenOwnerDies(this.dir);
  }

  /** Starts `bin args` with output to `<dir>/<name>.log`. */
  start(name: string, bin: string, args: string[], env?: NodeJS.ProcessEnv): ManagedProcess {
    const logFile = join(this.dir, `${name}.log`);
    const fd = openSync(logFile, "a");
    const child = spawn(bin, args, { stdio: ["ignore", fd, fd], env: env ?? process.env });
    closeSync(fd);
    if (child.pid === undefined) throw new Error(`could not start ${bin}`);
    appendFileSync(join(this.dir, "pids"), `${child.pid}\n`);
    let resolveExit!: () => void;
    const proc: ManagedProcess = {
      name,
      pid: child.pid,
      logFile,
      child,
      exited: new Promise<void>((r) => (resolveExit = r)),
    };
    child.once("exit", (code, signal) => {
      proc.exit = { code, signal };
      resolveExit();
    });
    child.once("error", () => {
      proc.exit ??= { code: 127, signal: null };
      resolveExit();
    });
    this.procs.push(proc);
    return proc;
  }

  /**
   * Stops one process (SIGTERM, SIGKILL after `graceMs`) and forgets it, so that another of the same name
   * can start; the rest of the group runs on.
   */
  async stopOne(proc: ManagedProcess, graceMs = 5000): Promise<void> {
    if (!proc.exit) proc.child.kill("SIGTERM");
    const timedOut = await Promise.race([proc.exited.then(() => false), sleep(graceMs).then(() => true)]);
    if (timedOut && !proc.exit) {
      proc.child.kill("SIGKILL");
      await proc.exited;
    }
    const i = this.procs.indexOf(proc);
    if (i >= 0) this.procs.splice(i, 1);
  }

  /** The processes started so far. */
  list(): readonly ManagedProcess[] {
    return this.procs;
  }

  /** The last `lines` lines of a process's log. */
  tail(proc: ManagedProcess, lines = 25): string {
    try {
      const text = readFileSync(proc.logFile, "utf8").trimEnd().split("\n");
      return text.slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  }

  /** SIGTERM in reverse start order, SIGKILL after `graceMs`; resolves when all have exited. */
  async stop(graceMs = 5000): Promise<void> {
    for (const p of [...this.procs].reverse()) {
      if (!p.exit) p.child.kill("SIGTERM");
      // Give each its turn: a controller stopping before its API server avoids noisy reconnect loops.
      await Promise.race([p.exited, sleep(Math.min(graceMs, 2000))]);
    }
    const all = Promise.all(this.procs.map((p) => p.exited));
    const timedOut = await Promise.race([all.then(() => false), sleep(graceMs).then(() => true)]);
    if (timedOut) {
      for (const p of this.procs) if (!p.exit) p.child.kill("SIGKILL");
      await all;
    }
    this.release();
  }

  /** Synchronous last resort (process exit): SIGKILL everything. */
  killNow(): void {
    for (const p of this.procs) {
      if (!p.exit) {
        try {
          p.child.kill("SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    this.release();
  }

  private release(): void {
    process.removeListener("exit", this.onExit);
    if (this.watchdog?.pid !== undefined && this.watchdog.exitCode === null) {
      try {
        process.kill(-this.watchdog.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    this.watchdog = undefined;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
