/**
 * What every running peer shares: a temp folder (logs, storage, data) and a ProcessGroup whose watchdog kills
 * the peer's processes and removes the folder if the owner dies; waiting for an HTTP health endpoint while
 * watching that the process is still alive; and a stop that leaves no process and no folder behind.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ProcessGroup, sleep, type ManagedProcess } from "../localcluster/processes.js";

export interface PeerRun {
  /** The peer's folder: logs (<process>.log), storage and data; removed by stop(). */
  dir: string;
  group: ProcessGroup;
  /** The last `lines` lines of every process's log, for a failure message. */
  logs(lines?: number): string;
  /** Stops every process (SIGTERM, then SIGKILL) and removes the folder. Safe to call twice. */
  stop(): Promise<void>;
}

export function newPeerRun(name: string): PeerRun {
  const dir = mkdtempSync(join(tmpdir(), `plumb-peer-${name}-`));
  const group = new ProcessGroup(dir);
  group.guard();
  let stopped = false;
  return {
    dir,
    group,
    logs: (lines = 30) => group.list().map((p) => `--- ${p.name}\n${group.tail(p, lines)}`).join("\n"),
    async stop() {
      if (stopped) return;
      stopped = true;
      await group.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
  });
}

/** Resolves once `url` answers 200; throws with the log's tail if `proc` exits first or `timeoutMs` passes. */
export async function waitHealthy(run: PeerRun, proc: ManagedProcess, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exit) throw new Error(`${proc.name} exited (${proc.exit.code ?? proc.exit.signal}) before ${url} was healthy:\n${run.group.tail(proc)}`);
    if ((await httpStatus(url)) === 200) return;
    if (Date.now() > deadline) throw new Error(`${proc.name} was not healthy at ${url} within ${timeoutMs} ms:\n${run.group.tail(proc)}`);
    await sleep(200);
  }
}

/** Resolves once the process's log holds `text`; throws with the log's tail if it exits first or `timeoutMs` passes. */
export async function waitLog(run: PeerRun, proc: ManagedProcess, text: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exit) throw new Error(`${proc.name} exited (${proc.exit.code ?? proc.exit.signal}) before logging "${text}":\n${run.group.tail(proc)}`);
    if (run.group.tail(proc, 200).includes(text)) return;
    if (Date.now() > deadline) throw new Error(`${proc.name} did not log "${text}" within ${timeoutMs} ms:\n${run.group.tail(proc)}`);
    await sleep(100);
  }
}
