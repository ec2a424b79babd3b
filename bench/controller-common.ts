/**
 * What the controller benchmarks share: the machine's description, percentiles, a hard deadline that
 * cleans up before exiting, waiting on a watch cache, and process accounting from /proc.
 *
 * Cleanup is a stack of steps run once, in reverse order, whether the benchmark ends, throws, hits its
 * deadline or is interrupted (SIGINT, SIGTERM): the cluster, the Git server and the controller never outlive
 * the benchmark.
 */
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import type { KubeObject } from "../src/core/object.js";
import type { Informer } from "../src/cluster/informer.js";
import { KubeClient } from "../src/cluster/client.js";
import { Resources as ClusterResources } from "../src/cluster/resources.js";
import { Controller, type ControllerOptions } from "../src/controller/controller.js";
import { startGitServer, type GitServer } from "../src/gitserver/server.js";
import { startLocalCluster, type LocalCluster } from "../src/localcluster/cluster.js";
import { GitSources } from "../src/controller/git-sources.js";

/** A benchmark's cleanup steps and its hard deadline. */
export class Harness {
  private readonly steps: Array<{ what: string; run: () => Promise<void> | void }> = [];
  private cleaning?: Promise<void>;
  readonly startedAt = Date.now();

  constructor(
    readonly name: string,
    deadlineMs: number,
  ) {
    const timer = setTimeout(() => {
      process.stderr.write(`${name}: hard deadline of ${Math.round(deadlineMs / 1000)} s reached, cleaning up\n`);
      void this.cleanup().finally(() => process.exit(3));
    }, deadlineMs);
    timer.unref();
    for (const sig of ["SIGINT", "SIGTERM"] as const) {
      process.once(sig, () => {
        process.stderr.write(`${name}: ${sig}, cleaning up\n`);
        void this.cleanup().finally(() => process.exit(130));
      });
    }
  }

  /** Registers a cleanup step (run last-in, first-out). */
  defer(what: string, run: () => Promise<void> | void): void {
    this.steps.push({ what, run });
  }

  /** Runs every cleanup step once; a failing step does not stop the others. */
  cleanup(): Promise<void> {
    this.cleaning ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await withTimeout(Promise.resolve(step.run()), 60_000, `cleanup: ${step.what}`);
        } catch (err) {
          process.stderr.write(`cleanup of ${step.what} failed: ${err instanceof Error ? err.message : String(err)}\n`);
        }
      }
    })();
    return this.cleaning;
  }

  /** Runs `main`, then cleans up; exits 1 on failure. */
  async run(main: () => Promise<void>): Promise<void> {
    let failed = false;
    try {
      await main();
    } catch (err) {
      failed = true;
      process.stderr.write(`${this.name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    } finally {
      await this.cleanup();
    }
    process.exit(failed ? 1 : 0);
  }

  /** Progress on stderr, with seconds since start. */
  log(line: string): void {
    process.stderr.write(`[${((Date.now() - this.startedAt) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** The machine, for the figures' header. */
export function machine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const load = loadavg().map((l) => l.toFixed(2)).join(" ");
  return `${cpus().length} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM; Node ${process.version}; ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}; load average at the end ${load}`;
}

/** The q-quantile (0..1) of `xs`, nearest rank. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

/** "p50 / p90 / max" of milliseconds, as a Markdown table row's cells. */
export function summary(ms: readonly number[]): { n: number; p50: number; p90: number; min: number; max: number } {
  return { n: ms.length, p50: quantile(ms, 0.5), p90: quantile(ms, 0.9), min: Math.min(...ms), max: Math.max(...ms) };
}

/**
 * Resolves with performance.now() at the first moment `pred` holds for the cached object `key` — checked at
 * once and on every watch event of the informer — or rejects after `timeoutMs`. With `afterFalse`, only
 * once it has first been seen not to hold (a drift reverted: first the drift, then the revert).
 */
export function waitOn(informer: Informer, key: string, pred: (o: KubeObject | undefined) => boolean, timeoutMs: number, what: string, afterFalse = false): Promise<number> {
  let sawFalse = !afterFalse;
  return new Promise<number>((resolve, reject) => {
    const offs: Array<() => void> = [];
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      for (const off of offs) off();
      if (err) reject(err);
      else resolve(performance.now());
    };
    const check = (): void => {
      if (!pred(informer.get(key))) sawFalse = true;
      else if (sawFalse) finish();
    };
    const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(informer.get(key)?.status ?? null).slice(0, 600)}`)), timeoutMs);
    offs.push(informer.on("add", check), informer.on("update", check), informer.on("delete", check));
    check();
  });
}

/** Peak resident set (VmHWM) and current (VmRSS) of a process, in MiB. */
export function memoryMiB(pid: number): { peak: number; now: number } {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN);
  return { peak: kb("VmHWM") / 1024, now: kb("VmRSS") / 1024 };
}

/** CPU seconds (user + system) a process has used. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of proc(5))
  return ticks / clockTicks();
}

/**
 * The whole machine's CPU time so far, in seconds summed over its cores, from /proc/stat: busy (user,
 * nice, system, irq, softirq), idle (idle, iowait) and steal (time the hypervisor gave another guest while
 * this one wanted to run). Two readings tell how much of the machine a run had: on a shared host, steal
 * makes the same work take longer.
 */
export function machineCpu(): { busy: number; idle: number; steal: number } {
  const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = cpu;
  const t = clockTicks();
  return { busy: (user + nice + system + irq + softirq) / t, idle: (idle + iowait) / t, steal: steal / t };
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** A local control plane of one fake node, a client for the controller, and a Git server; all stopped at cleanup. */
export async function benchWorld(h: Harness, name: string): Promise<{ cluster: LocalCluster; ctrlResources: ClusterResources; git: GitServer }> {
  const cluster = await startLocalCluster({ name, nodes: 1 });
  h.defer("local cluster", () => cluster.stop());
  const ctrlResources = new ClusterResources(await KubeClient.fromKubeConfig(cluster.kubeConfig));
  h.defer("controller client", () => ctrlResources.client.close());
  const git = await startGitServer();
  h.defer("git server", () => git.close());
  return { cluster, ctrlResources, git };
}

/**
 * The controller in this process, as the latency and fairness benchmarks run it: polls and resyncs an hour
 * apart (only the webhook and the watches trigger anything), a webhook receiver on a free port taking
 * GitHub pushes signed with `secret`; everything removed at the harness's cleanup.
 */
export async function inProcessController(h: Harness, resources: ClusterResources, secret: string, opts: Partial<ControllerOptions> = {}): Promise<{ controller: Controller; webhookURL: string }> {
  const cacheDir = mkdtempSync(join(tmpdir(), "plumb-bench-ctrl-"));
  h.defer("controller cache", () => rmSync(cacheDir, { recursive: true, force: true }));
  const log = pino({ level: process.env.PLUMB_BENCH_LOG ?? "silent" });
  const sources = new GitSources({ cacheDir, pollIntervalMs: 3_600_000, resources, log });
  h.defer("git sources", () => sources.close());
  const controller = new Controller({ resources, repos: sources, log, resyncMs: 3_600_000, webhook: { port: 0, secrets: { github: secret } }, ...opts });
  await controller.start();
  h.defer("controller", () => controller.stop());
  return { controller, webhookURL: `${controller.webhookURL}/api/webhook` };
}

/** POSTs a GitHub push event of `sha` on `main` of `repoURL`, signed with `secret`. */
export function githubPush(webhookURL: string, secret: string, repoURL: string, sha: string): Promise<Response> {
  const body = JSON.stringify({ ref: "refs/heads/main", before: "0".repeat(40), after: sha, repository: { clone_url: repoURL, html_url: repoURL, full_name: "local/apps" } });
  const signature = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
  return fetch(webhookURL, { method: "POST", headers: { "content-type": "application/json", "x-github-event": "push", "x-hub-signature-256": signature }, body });
}

