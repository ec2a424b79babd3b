/**
 * Benchmark (issue 4, Performance): 1,000 Applications of 4 objects each — a Deployment scaled to 0, a
 * ServiceAccount, a Service and an Ingress, the shape of Flux's public benchmark — as plain-YAML folders
 * app-0000 … app-0999 of ONE Git repository, on the local control plane.
 *
 * The controller runs as a separate process (`plumb controller`, as a user runs it) so that its memory and
 * CPU can be read from /proc: peak RSS is VmHWM of /proc/<pid>/status, CPU is utime + stime of
 * /proc/<pid>/stat. The run:
 *
 * 1. Start the local control plane (1 fake node), the Git server with the repository, a stand-in ingress
 *    controller (a watch of Ingresses that sets status.loadBalancer, as a real one would: Argo CD's health
 *    rule keeps an Ingress Progressing until it has an address), then the controller; wait for its
 *    "caches ready" log line.
 * 2. Create the 1,000 Applications by server-side apply, `--create-concurrency` at a time. The clock of
 *    "to all Synced" runs from the first create; the controller's start is reported too.
 * 3. A watch of the Applications counts Synced (at the repository's commit) and Healthy apps as events
 *    come, noting when 50 %, 90 % and 100 % are reached.
 * 4. Idle: after a settling pause, `--idle` seconds in which nothing changes. The controller's CPU over that
 *    window as a percentage of one core, its RSS, the Git server's request counter (one fetch per
 *    repository per poll interval is the goal: `--poll-interval` is short, 20 s by default, so the window
 *    holds several) and the API server's request counter (apiserver_request_total).
 * 5. Optionally (`--resync-window`), a longer window that includes the periodic resync of every app.
 *
 * The control plane's own processes (kube-apiserver, etcd, controller-manager, scheduler, kwok) are
 * measured the same way during the burst, since on a 2-core machine they compete with the controller.
 *
 *   node dist/bench/controller-scale.js [--apps 1000] [--workers 16] [--namespaces 10] [--idle 60]
 *        [--poll-interval 20] [--resync 180] [--resync-window 0] [--create-concurrency 16] [--no-ingress-controller]
 *        [--sync-timeout 900] [--keep-log controller.log] [--cpu-prof DIR (the controller's V8 CPU profile)]
 *
 * `--floor` measures the control plane alone instead, with no controller: the same 4,000 objects applied
 * by server-side apply from this process, `--create-concurrency` at a time — once as plain applies, once
 * as one and as two dry-run applies and an apply per object (one dry run and the apply are what plumb
 * needs per new object at the least: the comparison's dry run, which the sync reuses as validation) — so
 * that the controller's figure can be read against what the API server can do on this machine.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { closeSync, copyFileSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { KubeConfig } from "@kubernetes/client-node";
import { KubeClient } from "../src/cluster/client.js";
import { InformerFactory } from "../src/cluster/informer.js";
import { Resources } from "../src/cluster/resources.js";
import { mapLimit, sleep } from "../src/core/concurrency.js";
import type { KubeObject } from "../src/core/object.js";
import { startGitServer } from "../src/gitserver/server.js";
import { WorkDir } from "../src/gitserver/workdir.js";
import { startLocalCluster } from "../src/localcluster/cluster.js";
import { repoRoot } from "../test/helpers/paths.js";
import { Harness, cpuSeconds, machine, machineCpu, memoryMiB, withTimeout } from "./controller-common.js";
import { fakeIngressController } from "./controller-process.js";
import { appObjects, application, fleetFiles } from "./fleet.js";

const { values: args } = parseArgs({
  options: {
    apps: { type: "string", default: "1000" },
    workers: { type: "string", default: "16" },
    namespaces: { type: "string", default: "10" },
    idle: { type: "string", default: "60" },
    "poll-interval": { type: "string", default: "20" },
    resync: { type: "string", default: "180" },
    "resync-window": { type: "string", default: "0" },
    "create-concurrency": { type: "string", default: "16" },
    "no-ingress-controller": { type: "boolean", default: false },
    "sync-timeout": { type: "string", default: "900" },
    "keep-log": { type: "string" },
    "cpu-prof": { type: "string" },
    floor: { type: "boolean", default: false },
  },
});
const APPS = Number(args.apps);
const WORKERS = Number(args.workers);
const NAMESPACES = Number(args.namespaces);
const IDLE_S = Number(args.idle);
const POLL_S = Number(args["poll-interval"]);
const RESYNC_S = Number(args.resync);
const RESYNC_WINDOW_S = Number(args["resync-window"]);
const CREATE_CONCURRENCY = Number(args["create-concurrency"]);
const INGRESS_CONTROLLER = !args["no-ingress-controller"];
const SYNC_TIMEOUT_S = Number(args["sync-timeout"]);

interface AppStatus {
  sync?: { status?: string; revision?: string };
  health?: { status?: string };
}

/** apiserver_request_total summed by verb (dry runs apart), from the API server's /metrics (text, not JSON). */
async function apiRequests(kc: KubeConfig, server: string): Promise<Map<string, number>> {
  const opts: RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const raw = await new Promise<string>((resolve) => {
    const req = httpsRequest(`${server}/metrics`, { ...opts, method: "GET", timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      res.on("error", () => resolve(""));
    });
    req.on("error", () => resolve(""));
    req.on("timeout", () => req.destroy());
    req.end();
  });
  const out = new Map<string, number>();
  for (const line of raw.split("\n")) {
    if (!line.startsWith("apiserver_request_total{")) continue;
    const verb = /verb="([^"]+)"/.exec(line)?.[1] ?? "?";
    const dry = /dry_run="([^"]*)"/.exec(line)?.[1];
    const key = dry ? `${verb} (dry run)` : verb;
    out.set(key, (out.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(" ") + 1)));
  }
  return out;
}

function diffCounts(a: Map<string, number>, b: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of b) {
    const d = v - (a.get(k) ?? 0);
    if (d > 0 && k !== "WATCH" && k !== "CONNECT") out[k] = d;
  }
  return out;
}

/** CPU seconds of a set of processes (missing ones count 0). */
function cpuOf(pids: Array<{ name: string; pid: number }>): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of pids) {
    try {
      out.set(p.name, cpuSeconds(p.pid));
    } catch {
      out.set(p.name, 0);
    }
  }
  return out;
}

/** `--floor`: the control plane's own throughput for the same objects, with no controller. */
async function floor(h: Harness): Promise<void> {
  const cluster = await startLocalCluster({ name: "bench-floor", nodes: 1 });
  h.defer("local cluster", () => cluster.stop());
  const bench = new Resources(await KubeClient.fromKubeConfig(cluster.kubeConfig, { maxSockets: 64 }));
  h.defer("bench client", () => bench.client.close());
  const rows: string[] = [];
  for (const variant of [
    { name: "server-side apply", dryRuns: 0 },
    { name: "a dry-run apply + server-side apply", dryRuns: 1 },
    { name: "2 dry-run applies + server-side apply", dryRuns: 2 },
  ]) {
    const prefix = `floor-${variant.dryRuns}`;
    const objects = Array.from({ length: APPS }, (_, i) => appObjects(i).map((o) => ({ ...o, metadata: { ...o.metadata, namespace: `${prefix}-${i % NAMESPACES}` } }))).flat();
    const cpu0 = cpuOf(cluster.processes);
    const api0 = await apiRequests(cluster.kubeConfig, cluster.server);
    const t0 = performance.now();
    await mapLimit(Array.from({ length: NAMESPACES }, (_, n) => n), NAMESPACES, (n) => bench.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: `${prefix}-${n}` } }));
    await mapLimit(objects, CREATE_CONCURRENCY, async (o) => {
      for (let d = 0; d < variant.dryRuns; d++) await bench.apply(o, { dryRun: true });
      await bench.apply(o);
    });
    const s = (performance.now() - t0) / 1000;
    const cpu1 = cpuOf(cluster.processes);
    const api = diffCounts(api0, await apiRequests(cluster.kubeConfig, cluster.server));
    const apiserver = ((cpu1.get("kube-apiserver") ?? 0) - (cpu0.get("kube-apiserver") ?? 0)) / s;
    const etcd = ((cpu1.get("etcd") ?? 0) - (cpu0.get("etcd") ?? 0)) / s;
    h.log(`${variant.name}: ${objects.length} objects in ${s.toFixed(1)} s`);
    rows.push(`| ${variant.name} of ${objects.length} objects, ${CREATE_CONCURRENCY} at a time | ${s.toFixed(1)} s | ${(apiserver * 100).toFixed(0)} % | ${(etcd * 100).toFixed(0)} % | ${JSON.stringify(api)} |`);
    await sleep(10_000); // let the controller-manager's follow-up work (ReplicaSets, endpoints) settle
  }
  process.stdout.write(
    [`Machine: ${machine()}.`, "", "| control plane alone | time | kube-apiserver CPU (% of one core) | etcd CPU | API requests (whole cluster) |", "| --- | --- | --- | --- | --- |", ...rows, ""].join("\n"),
  );
}

async function main(h: Harness): Promise<void> {
  if (args.floor) return floor(h);
  h.log(`apps ${APPS}, workers ${WORKERS}, namespaces ${NAMESPACES}, poll ${POLL_S} s, resync ${RESYNC_S} s, idle ${IDLE_S} s, ingress controller ${INGRESS_CONTROLLER}`);
  const cluster = await startLocalCluster({ name: "bench-scale", nodes: 1 });
  h.defer("local cluster", () => cluster.stop());
  h.log("control plane ready");

  // The repository: app-0000 … app-0999, four files each, one commit.
  const git = await startGitServer();
  h.defer("git server", () => git.close());
  const repoURL = await git.createRepo("fleet");
  const wd = await WorkDir.clone(repoURL);
  h.defer("work dir", () => wd.dispose());
  const files: Record<string, string> = { "README.md": "1,000 apps\n", ...fleetFiles(APPS) };
  wd.write(files);
  const sha = await wd.commit(`${APPS} apps`);
  await wd.push("main");
  h.log(`repository ready at ${sha.slice(0, 7)} (${Object.keys(files).length} files)`);

  // The controller, as its own process.
  const work = mkdtempSync(join(tmpdir(), "plumb-bench-scale-"));
  h.defer("work folder", () => rmSync(work, { recursive: true, force: true }));
  const logPath = join(work, "controller.log");
  const keepLog = args["keep-log"];
  if (keepLog) h.defer("copy of the controller log", () => copyFileSync(logPath, keepLog));
  const logFd = openSync(logPath, "w");
  const cli = join(repoRoot, "dist", "src", "cli", "main.js");
  const tSpawn = performance.now();
  const child: ChildProcess = spawn(
    process.execPath,
    [...(args["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${args["cpu-prof"]}`] : []), cli, "controller", "--kubeconfig", cluster.kubeconfigPath, "--cache-dir", join(work, "repos"), "--workers", String(WORKERS), "--poll-interval", String(POLL_S), "--resync", String(RESYNC_S)],
    { stdio: ["ignore", logFd, logFd] },
  );
  closeSync(logFd);
  const pid = child.pid!;
  let exited = false;
  child.once("exit", () => (exited = true));
  h.defer("controller process", async () => {
    if (exited) return;
    child.kill("SIGTERM");
    const t = Date.now();
    while (!exited && Date.now() - t < 15_000) await sleep(100);
    if (!exited) child.kill("SIGKILL");
  });
  const logText = (): string => readFileSync(logPath, "utf8");
  await withTimeout(
    (async () => {
      while (!logText().includes("caches ready")) {
        if (exited) throw new Error(`the controller exited during start:\n${logText().slice(-3000)}`);
        await sleep(50);
      }
    })(),
    60_000,
    "the controller's caches ready",
  );
  const tReady = performance.now();
  h.log(`controller pid ${pid} ready after ${((tReady - tSpawn) / 1000).toFixed(2)} s`);

  // The benchmark's client, made after the controller installed the CRDs.
  const bench = new Resources(await KubeClient.fromKubeConfig(cluster.kubeConfig, { maxSockets: 64 }));
  h.defer("bench client", () => bench.client.close());
  await bench.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "plumb" } });
  if (INGRESS_CONTROLLER) {
    const stopIngress = await fakeIngressController(bench, h);
    h.defer("fake ingress controller", stopIngress);
  }

  // Progress, from a watch of the Applications.
  const informers = new InformerFactory(bench, { namespace: "plumb" });
  h.defer("bench informers", () => informers.stop());
  const states = new Map<string, { synced: boolean; healthy: boolean }>();
  let synced = 0;
  let healthy = 0;
  let both = 0;
  const marks = new Map<string, number>();
  const thresholds = [0.5, 0.9, 1];
  const track = (o: KubeObject): void => {
    const s = (o.status ?? {}) as AppStatus;
    const next = { synced: s.sync?.status === "Synced" && s.sync.revision === sha, healthy: s.health?.status === "Healthy" };
    const prev = states.get(o.metadata.name) ?? { synced: false, healthy: false };
    synced += Number(next.synced) - Number(prev.synced);
    healthy += Number(next.healthy) - Number(prev.healthy);
    both += Number(next.synced && next.healthy) - Number(prev.synced && prev.healthy);
    states.set(o.metadata.name, next);
    const now = performance.now();
    for (const t of thresholds) {
      if (synced >= t * APPS && !marks.has(`synced ${t}`)) marks.set(`synced ${t}`, now);
      if (both >= t * APPS && !marks.has(`both ${t}`)) marks.set(`both ${t}`, now);
    }
  };
  informers.on("add", track);
  informers.on("update", (_old, o) => track(o));
  const appInformer = await informers.ensure("plumb.dev/v1alpha1", "Application");
  await appInformer.synced;

  // Sampling once a second: the controller's RSS, for the curve's peak and shape.
  const rssSamples: Array<{ t: number; rss: number }> = [];
  const sampler = setInterval(() => {
    try {
      rssSamples.push({ t: performance.now(), rss: memoryMiB(pid).now });
    } catch {
      // exited
    }
  }, 1000);
  h.defer("sampler", () => clearInterval(sampler));

  const plane = cluster.processes;
  const cpu0 = { ctrl: cpuSeconds(pid), plane: cpuOf(plane), bench: process.cpuUsage(), machine: machineCpu() };
  const api0 = await apiRequests(cluster.kubeConfig, cluster.server);
  const tCreate = performance.now();
  await mapLimit(
    Array.from({ length: APPS }, (_, i) => i),
    CREATE_CONCURRENCY,
    (i) => bench.apply(application(i, repoURL, NAMESPACES)),
  );
  const tCreated = performance.now();
  h.log(`${APPS} Applications created in ${((tCreated - tCreate) / 1000).toFixed(2)} s`);

  const deadline = Date.now() + SYNC_TIMEOUT_S * 1000;
  let lastLog = 0;
  while (!(marks.has("synced 1") && marks.has("both 1"))) {
    if (exited) throw new Error(`the controller exited:\n${logText().slice(-3000)}`);
    if (Date.now() > deadline) {
      h.log(`gave up after ${SYNC_TIMEOUT_S} s: ${synced} Synced, ${healthy} Healthy, ${both} both`);
      break;
    }
    if (Date.now() - lastLog > 5000) {
      lastLog = Date.now();
      h.log(`${synced} Synced, ${healthy} Healthy, ${both} both; controller RSS ${memoryMiB(pid).now.toFixed(0)} MiB`);
    }
    await sleep(100);
  }
  const tDone = performance.now();
  const cpu1 = { ctrl: cpuSeconds(pid), plane: cpuOf(plane), bench: process.cpuUsage(cpu0.bench), machine: machineCpu() };
  const api1 = await apiRequests(cluster.kubeConfig, cluster.server);
  const burstS = (tDone - tCreate) / 1000;
  const at = (k: string): string => (marks.has(k) ? ((marks.get(k)! - tCreate) / 1000).toFixed(1) : "—");
  h.log(`all Synced at ${at("synced 1")} s, all Synced and Healthy at ${at("both 1")} s after the first create`);

  // Idle.
  h.log("settling 15 s before the idle window");
  await sleep(15_000);
  const gitBefore = new Map(git.requests);
  const idle0 = { cpu: cpuSeconds(pid), t: performance.now(), api: await apiRequests(cluster.kubeConfig, cluster.server), events: appInformer.stats.events };
  await sleep(IDLE_S * 1000);
  const idle1 = { cpu: cpuSeconds(pid), t: performance.now(), api: await apiRequests(cluster.kubeConfig, cluster.server), events: appInformer.stats.events };
  const idleS = (idle1.t - idle0.t) / 1000;
  const idleCpuPct = ((idle1.cpu - idle0.cpu) / idleS) * 100;
  const gitDelta: Record<string, number> = {};
  for (const [k, v] of git.requests) if (v - (gitBefore.get(k) ?? 0) > 0) gitDelta[k] = v - (gitBefore.get(k) ?? 0);
  const mem = memoryMiB(pid);
  h.log(`idle ${idleS.toFixed(0)} s: CPU ${idleCpuPct.toFixed(2)} % of one core; RSS ${mem.now.toFixed(0)} MiB, peak ${mem.peak.toFixed(0)} MiB; git ${JSON.stringify(gitDelta)}`);

  let resync: { seconds: number; cpuPct: number; api: Record<string, number>; appEvents: number } | undefined;
  if (RESYNC_WINDOW_S > 0) {
    const r0 = { cpu: cpuSeconds(pid), t: performance.now(), api: await apiRequests(cluster.kubeConfig, cluster.server), events: appInformer.stats.events };
    await sleep(RESYNC_WINDOW_S * 1000);
    const r1 = { cpu: cpuSeconds(pid), t: performance.now(), api: await apiRequests(cluster.kubeConfig, cluster.server), events: appInformer.stats.events };
    const s = (r1.t - r0.t) / 1000;
    resync = { seconds: s, cpuPct: ((r1.cpu - r0.cpu) / s) * 100, api: diffCounts(r0.api, r1.api), appEvents: r1.events - r0.events };
    h.log(`resync window ${s.toFixed(0)} s: CPU ${resync.cpuPct.toFixed(2)} % of one core; API ${JSON.stringify(resync.api)}`);
  }
  const finalMem = memoryMiB(pid);
  const syncs = (logText().match(/"msg":"sync succeeded"/g) ?? []).length;
  const failures = (logText().match(/"msg":"(sync failed|reconcile failed|comparison failed)"/g) ?? []).length;

  // Figures.
  const planeRows = plane.map((p) => `| ${p.name} | ${(((cpu1.plane.get(p.name) ?? 0) - (cpu0.plane.get(p.name) ?? 0)) / burstS * 100).toFixed(0)} |`);
  const benchCpu = ((cpu1.bench.user + cpu1.bench.system) / 1e6 / burstS) * 100;
  const lines = [
    `Machine: ${machine()}.`,
    `${APPS} apps × 4 objects in one repository, destinations spread over ${NAMESPACES} namespaces (CreateNamespace=true); controller \`--workers ${WORKERS} --poll-interval ${POLL_S} --resync ${RESYNC_S}\`; ingress controller stand-in ${INGRESS_CONTROLLER ? "on" : "off"}; Applications created ${CREATE_CONCURRENCY} at a time.`,
    "",
    "| what | figure | goal |",
    "| --- | --- | --- |",
    `| controller start → caches ready | ${((tReady - tSpawn) / 1000).toFixed(2)} s | |`,
    `| creating the ${APPS} Applications (server-side apply) | ${((tCreated - tCreate) / 1000).toFixed(1)} s | |`,
    `| first create → 50 % / 90 % / 100 % Synced | ${at("synced 0.5")} / ${at("synced 0.9")} / ${at("synced 1")} s | 100 % ≤ 60 s |`,
    `| first create → 100 % Synced and Healthy | ${at("both 1")} s | |`,
    `| controller start → 100 % Synced and Healthy | ${marks.has("both 1") ? ((marks.get("both 1")! - tSpawn) / 1000).toFixed(1) : "—"} s | |`,
    `| controller peak RSS (VmHWM) | ${finalMem.peak.toFixed(0)} MiB | ≤ 300 MiB |`,
    `| controller RSS when idle | ${mem.now.toFixed(0)} MiB | |`,
    `| controller CPU during the burst (create → all Synced and Healthy) | ${(((cpu1.ctrl - cpu0.ctrl) / burstS) * 100).toFixed(0)} % of one core (${(cpu1.ctrl - cpu0.ctrl).toFixed(1)} s CPU) | |`,
    `| controller CPU when idle (${idleS.toFixed(0)} s) | ${idleCpuPct.toFixed(2)} % of one core | < 5 % |`,
    `| Git requests when idle (${idleS.toFixed(0)} s, poll interval ${POLL_S} s) | ${Object.entries(gitDelta).map(([k, v]) => `${k}: ${v}`).join(", ") || "none"} | one fetch per repository per interval |`,
    `| API requests when idle (${idleS.toFixed(0)} s, whole cluster, watches excluded) | ${JSON.stringify(diffCounts(idle0.api, idle1.api))} | |`,
    `| Application watch events when idle | ${idle1.events - idle0.events} | |`,
    ...(resync ? [`| resync window (${resync.seconds.toFixed(0)} s, resync ${RESYNC_S} s) | CPU ${resync.cpuPct.toFixed(1)} % of one core; API ${JSON.stringify(resync.api)}; ${resync.appEvents} Application events | |`] : []),
    `| syncs logged; sync/reconcile/comparison failures logged | ${syncs}; ${failures} | |`,
    "",
    `CPU during the burst (${burstS.toFixed(1)} s), % of one core:`,
    "",
    "| process | CPU % |",
    "| --- | --- |",
    `| plumb controller | ${(((cpu1.ctrl - cpu0.ctrl) / burstS) * 100).toFixed(0)} |`,
    ...planeRows,
    `| benchmark (watches, ingress stand-in) | ${benchCpu.toFixed(0)} |`,
    `| the machine: busy / idle / stolen by the hypervisor | ${pct(cpu1.machine.busy - cpu0.machine.busy)} / ${pct(cpu1.machine.idle - cpu0.machine.idle)} / ${pct(cpu1.machine.steal - cpu0.machine.steal)} |`,
    "",
    `API requests during the burst (whole cluster, watches excluded): ${JSON.stringify(diffCounts(api0, api1))}`,
    "",
  ];
  process.stdout.write(lines.join("\n"));

  function pct(seconds: number): string {
    return ((seconds / burstS) * 100).toFixed(0);
  }
  const peakAt = rssSamples.reduce((m, s) => (s.rss > m.rss ? s : m), { t: 0, rss: 0 });
  process.stderr.write(`rss samples (s since create → MiB): ${rssSamples.filter((_, i) => i % 5 === 0).map((s) => `${((s.t - tCreate) / 1000).toFixed(0)}:${s.rss.toFixed(0)}`).join(" ")}; max sampled ${peakAt.rss.toFixed(0)} MiB at ${((peakAt.t - tCreate) / 1000).toFixed(0)} s\n`);
}

const harness = new Harness("controller-scale", 40 * 60_000);
await harness.run(() => main(harness));
