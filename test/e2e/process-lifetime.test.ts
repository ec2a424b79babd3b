/**
 * `plumb up` ends in every way a terminal ends it (issue 15, ADR 0024): SIGTERM, SIGHUP (pane closed),
 * its stdout closed (`plumb up | head`), its stderr closed (`2>&1 | head`, a killed `tee`). Each time every
 * process it started (etcd, kube-apiserver, controller-manager, scheduler, kwok, the watchdog) is gone and
 * its folder is removed — and the closed pipe is a stop, not an uncaught EPIPE.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../helpers/paths.js";
import { processAlive, waitFor } from "../helpers/wait.js";

const parent = mkdtempSync(join(tmpdir(), "plumb-lifetime-"));

/** Pids of processes whose command line names `dir` (the watchdog's), read from /proc. */
function watchdogsOf(dir: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0").includes(dir)) out.push(Number(p));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** True once the child's stderr has brought something (the runner's listener collects it). */
const stderrSeen = (child: ReturnType<typeof spawn>): boolean => (child as { seen?: boolean }).seen === true;

type Case = { name: string; end: (child: ReturnType<typeof spawn>, upIsReady: () => Promise<void>) => Promise<void> };

/** Runs `plumb up` in a folder of its own, ends it as `c` says, and checks that nothing is left. */
async function runCase(c: Case): Promise<void> {
  const dir = join(parent, c.name.replace(/\W+/g, "-"));
  const child = spawn(process.execPath, [join(repoRoot, "dist", "src", "cli", "main.js"), "up", "--nodes", "1", "--dir", dir], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr!.on("data", (b: Buffer) => {
    err += b.toString();
    (child as { seen?: boolean }).seen = true;
  });
  child.stdout!.on("error", () => {});
  child.stderr!.on("error", () => {});
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  // Every pid the cluster listed, sampled until the end (processes are added during start-up).
  const pids = new Set<number>();
  const watchdogs = new Set<number>();
  const sampler = setInterval(() => {
    try {
      for (const l of readFileSync(join(dir, "pids"), "utf8").split("\n")) if (l) pids.add(Number(l));
    } catch {
      // not yet, or already removed
    }
    for (const w of watchdogsOf(dir)) watchdogs.add(w);
  }, 100);
  const ready = (): Promise<void> => waitFor("plumb up to be ready", async () => out.includes("The local control plane is up") || undefined, 120_000, 100).then(() => undefined);
  try {
    await c.end(child, ready);
    const code = await Promise.race([exited, new Promise<"late">((r) => setTimeout(() => r("late"), 60_000).unref())]);
    assert.notEqual(code, "late", `plumb up did not exit (${c.name}); stderr: ${err}`);
    assert.equal(code, 0, `${c.name}: a clean stop (an uncaught EPIPE exits with another code); stderr: ${err}`);
  } finally {
    clearInterval(sampler);
    if (child.exitCode === null) child.kill("SIGKILL");
  }
  // An uncaught exception prints its stack ("    at …") and exits before the cleanup.
  assert.ok(!/Unhandled|uncaught|^\s+at /im.test(err), `no uncaught error (${c.name}): ${err}`);

  assert.ok(pids.size >= 4, `the cluster's processes were seen (${[...pids].join(", ")})`);
  assert.ok(watchdogs.size >= 1, "the watchdog was seen");
  await waitFor(`every process of the run gone (${c.name})`, async () => [...pids, ...watchdogs].every((p) => !processAlive(p)) || undefined, 10_000, 100).catch(() => {
    throw new Error(`${c.name}: still alive: ${[...pids, ...watchdogs].filter(processAlive).join(", ")}`);
  });
  assert.equal(existsSync(dir), false, `${c.name}: the folder ${dir} is removed`);
}

describe("plumb up: every way a terminal ends it leaves nothing behind", { timeout: 400_000 }, () => {
  after(() => rmSync(parent, { recursive: true, force: true }));

  it("stderr closed during start-up (2>&1 | head): stops once up, no uncaught EPIPE", async () => {
    await runCase({
      name: "stderr closed",
      end: async (child) => {
        await waitFor("a first progress line", async () => child.stderr!.readableLength > 0 || stderrSeen(child) || undefined, 30_000, 20);
        child.stderr!.destroy();
      },
    });
  });

  it("stdout closed (plumb up | head): the banner's EPIPE is a stop", async () => {
    await runCase({ name: "stdout closed", end: async (child) => void child.stdout!.destroy() });
  });

  for (const signal of ["SIGHUP", "SIGTERM"] as const) {
    it(`${signal} once it is up`, async () => {
      await runCase({
        name: signal,
        end: async (child, ready) => {
          await ready();
          child.kill(signal);
        },
      });
    });
  }
});
