/**
 * Benchmark (issue 9, Performance): worker fairness. With 16 workers and 200 apps whose second wave stays
 * unhealthy, a push to another app is deployed about as fast as on an idle controller.
 *
 * One app `quick` (two ConfigMaps, automated sync) tracks `main` of repository `quick`. Each sample commits
 * a change, pushes it and POSTs a signed GitHub push webhook; the clock runs from just before the POST until
 * a watch of the Application shows it Synced at the pushed commit with its operation Succeeded.
 *
 *   1. idle: `samples` pushes with nothing else on the controller;
 *   2. 200 apps of repository `stuck` (a ConfigMap in wave 0, a LoadBalancer Service in wave 1 — which
 *      stays Progressing here, no cloud controller assigns it an address — and a ConfigMap in wave 2) are
 *      created and their syncs reach wave 1, where they wait; then `samples` pushes again, loaded;
 *   3. a quiet window of 30 s: what 200 waiting syncs cost the controller (reconciles, status writes, CPU).
 *
 * Before issue 9 a waiting wave held a worker for up to 5 minutes, so 16 of the 200 took every worker.
 *
 *   node dist/bench/controller-fairness.js [samples=15] [stuck=200] [workers=16]
 */
import { stringify } from "yaml";
import { KubeClient } from "../src/cluster/client.js";
import { InformerFactory } from "../src/cluster/informer.js";
import { Resources } from "../src/cluster/resources.js";
import { ControllerMetrics } from "../src/controller/metrics.js";
import { sleep } from "../src/core/concurrency.js";
import type { KubeObject } from "../src/core/object.js";
import { WorkDir } from "../src/gitserver/workdir.js";
import { benchWorld, cpuSeconds, githubPush, Harness, inProcessController, machine, machineCpu, summary, waitOn } from "./controller-common.js";

const SAMPLES = Number(process.argv[2] ?? 15);
const STUCK = Number(process.argv[3] ?? 200);
const WORKERS = Number(process.argv[4] ?? 16);
const SECRET = "bench-webhook-secret";

interface AppStatus {
  sync?: { status?: string; revision?: string };
  operationState?: { phase?: string; progress?: { step?: { phase?: string; wave?: number } } };
}
const statusOf = (o: KubeObject | undefined): AppStatus => (o?.status ?? {}) as AppStatus;

function application(name: string, repoURL: string, path: string, namespace: string): KubeObject {
  return {
    apiVersion: "plumb.dev/v1alpha1",
    kind: "Application",
    metadata: { name, namespace: "plumb" },
    spec: {
      source: { repoURL, targetRevision: "main", path },
      destination: { server: "https://kubernetes.default.svc", namespace },
      syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] },
    },
  };
}

const wave = (w: number) => ({ annotations: { "argocd.argoproj.io/sync-wave": String(w) } });

async function main(h: Harness): Promise<void> {
  h.log(`starting the local control plane (samples ${SAMPLES}, stuck apps ${STUCK}, workers ${WORKERS})`);
  const { cluster, ctrlResources, git } = await benchWorld(h, "bench-fairness");
  const quickURL = await git.createRepo("quick");
  const stuckURL = await git.createRepo("stuck");
  const quick = await WorkDir.clone(quickURL);
  h.defer("quick work dir", () => quick.dispose());
  const settings = (rev: number) => ({ "app/settings.yaml": stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings" }, data: { rev: String(rev) } }), "app/more.yaml": stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "more" }, data: { a: "b" } }) });
  quick.write(settings(0));
  await quick.commit("quick");
  await quick.push("main");
  const stuck = await WorkDir.clone(stuckURL);
  h.defer("stuck work dir", () => stuck.dispose());
  stuck.write({
    "app/first.yaml": stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "first", ...wave(0) }, data: { a: "b" } }),
    "app/front.yaml": stringify({ apiVersion: "v1", kind: "Service", metadata: { name: "front", ...wave(1) }, spec: { type: "LoadBalancer", selector: { app: "front" }, ports: [{ port: 80 }] } }),
    "app/last.yaml": stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "last", ...wave(2) }, data: { a: "b" } }),
  });
  await stuck.commit("stuck");
  await stuck.push("main");

  // No sync timeout: the waiting syncs must keep waiting for the whole benchmark.
  const { controller, webhookURL } = await inProcessController(h, ctrlResources, SECRET, { workers: WORKERS, syncTimeoutMs: 0 });
  const bench = new Resources(await KubeClient.fromKubeConfig(cluster.kubeConfig));
  h.defer("bench client", () => bench.client.close());
  await bench.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "plumb" } });
  const informers = new InformerFactory(bench);
  h.defer("bench informers", () => informers.stop());
  const apps = await informers.ensure("plumb.dev/v1alpha1", "Application", { namespace: "plumb" });
  await apps.synced;

  const webhook = (sha: string): Promise<Response> => githubPush(webhookURL, SECRET, quickURL, sha);
  const quickKey = "plumb.dev/Application/plumb/quick";
  const syncedAt = (sha: string) => (o: KubeObject | undefined) => {
    const s = statusOf(o);
    return s.sync?.status === "Synced" && s.sync.revision === sha && s.operationState?.phase === "Succeeded";
  };
  await bench.apply(application("quick", quickURL, "app", "quick"));
  await waitOn(apps, quickKey, syncedAt(await quick.head()), 120_000, "the quick app's first sync");

  let rev = 0;
  const pushes = async (label: string): Promise<{ ms: number[]; steal: number; busy: number }> => {
    const ms: number[] = [];
    const before = machineCpu();
    const t0 = performance.now();
    for (let i = 0; i < SAMPLES; i++) {
      quick.write(settings(++rev));
      const sha = await quick.commit(`rev ${rev}`);
      await quick.push();
      const start = performance.now();
      const done = waitOn(apps, quickKey, syncedAt(sha), 120_000, `${label} push ${i}`);
      const res = await webhook(sha);
      if (res.status !== 200) throw new Error(`the webhook answered ${res.status}`);
      ms.push((await done) - start);
      h.log(`${label} ${i + 1}/${SAMPLES}: ${ms.at(-1)!.toFixed(0)} ms`);
      await sleep(300);
    }
    const after = machineCpu();
    const wall = (performance.now() - t0) / 1000;
    return { ms, steal: ((after.steal - before.steal) / wall) * 100, busy: ((after.busy - before.busy) / wall) * 100 };
  };

  const idle = await pushes("idle");

  h.log(`creating ${STUCK} apps whose wave 1 never becomes healthy`);
  const names = Array.from({ length: STUCK }, (_, i) => `stuck-${String(i).padStart(3, "0")}`);
  // Each app in a namespace of its own: two apps must not manage one object.
  for (const name of names) await bench.apply(application(name, stuckURL, "app", name));
  const waiting = (): number =>
    names.filter((n) => {
      const s = statusOf(apps.get(`plumb.dev/Application/plumb/${n}`));
      return s.operationState?.phase === "Running" && s.operationState.progress?.step?.phase === "Sync" && s.operationState.progress.step.wave === 1;
    }).length;
  const t1 = performance.now();
  while (waiting() < STUCK) {
    if (performance.now() - t1 > Number(process.env.PLUMB_BENCH_WAIT_MS ?? 300_000)) throw new Error(`only ${waiting()} of ${STUCK} apps reached wave 1 in 5 minutes`);
    await sleep(500);
  }
  h.log(`all ${STUCK} apps wait at Sync wave 1 after ${((performance.now() - t1) / 1000).toFixed(1)} s`);

  const loaded = await pushes("loaded");
  const stillWaiting = waiting();

  // The quiet window: what the waiting syncs cost with nothing else going on.
  const pid = process.pid;
  const reconciles0 = await ControllerMetrics.total(controller.metrics.reconciles);
  const cpu0 = cpuSeconds(pid);
  const machine0 = machineCpu();
  const WINDOW_S = 30;
  await sleep(WINDOW_S * 1000);
  const reconciles = (await ControllerMetrics.total(controller.metrics.reconciles)) - reconciles0;
  const cpu = cpuSeconds(pid) - cpu0;
  const machine1 = machineCpu();

  const i = summary(idle.ms);
  const l = summary(loaded.ms);
  const lines = [
    `Machine: ${machine()}.`,
    `Controller in-process (this process: the benchmark's own watches and Git work count too), ${WORKERS} workers, no sync timeout, poll and resync 1 h.`,
    "",
    "| push → Synced (ms) | n | p50 | p90 | min | max | machine busy / stolen (% of one core) |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    `| idle controller | ${i.n} | ${i.p50.toFixed(0)} | ${i.p90.toFixed(0)} | ${i.min.toFixed(0)} | ${i.max.toFixed(0)} | ${idle.busy.toFixed(0)} / ${idle.steal.toFixed(0)} |`,
    `| ${STUCK} syncs waiting at wave 1 | ${l.n} | ${l.p50.toFixed(0)} | ${l.p90.toFixed(0)} | ${l.min.toFixed(0)} | ${l.max.toFixed(0)} | ${loaded.busy.toFixed(0)} / ${loaded.steal.toFixed(0)} |`,
    "",
    `p50 loaded / idle: ${(l.p50 / i.p50).toFixed(2)} (goal ≤ 1.5). Apps still waiting at wave 1 after the loaded pushes: ${stillWaiting} of ${STUCK}.`,
    `Quiet window of ${WINDOW_S} s with ${STUCK} syncs waiting: ${reconciles} reconciles (${(reconciles / WINDOW_S).toFixed(1)}/s), process CPU ${((cpu / WINDOW_S) * 100).toFixed(1)} % of one core, machine stolen ${(((machine1.steal - machine0.steal) / WINDOW_S) * 100).toFixed(0)} %.`,
    "",
  ];
  process.stdout.write(lines.join("\n"));
  process.stderr.write(`raw: ${JSON.stringify({ idle: idle.ms, loaded: loaded.ms })}\n`);
}

const harness = new Harness("controller-fairness", 30 * 60_000);
await harness.run(() => main(harness));
