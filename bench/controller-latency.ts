/**
 * Benchmark (issue 4, Performance): the controller's latency on one small app — 10 objects (a Deployment of
 * one replica, a Service, 8 ConfigMaps) in a plain-YAML folder, tracked with automated sync, prune and
 * selfHeal on the local control plane, with the controller running in this process.
 *
 * (a) Webhook push → Synced and Healthy at the new commit. Each sample commits and pushes a change, then
 *     POSTs a signed GitHub push webhook to the controller's receiver; the clock runs from just before the
 *     POST until a watch of the Application shows sync Synced at the new revision and health Healthy. The
 *     poll interval is an hour, so only the webhook can trigger. Two kinds of change: a ConfigMap's data
 *     ("config"), and the Deployment's pod template as well ("rollout": a new ReplicaSet whose Pod must
 *     become Ready before the Deployment is Healthy).
 * (b) Manual drift → reverted. Each sample patches a managed object — a ConfigMap's data, or the
 *     Deployment's scale subresource — and the clock runs from just before the PATCH until a watch of that
 *     object shows it back as Git has it.
 *
 * Every watch is event-driven (no polling), so the figures are not rounded to a poll period. Milestones of
 * (a) come from the same watch: the sync operation seen Running, then Succeeded, then the app Synced and
 * Healthy.
 *
 *   node dist/bench/controller-latency.js [samples=20] [workers=4]
 */
import { stringify } from "yaml";
import { KubeClient } from "../src/cluster/client.js";
import { InformerFactory, type Informer } from "../src/cluster/informer.js";
import { Resources } from "../src/cluster/resources.js";
import { sleep } from "../src/core/concurrency.js";
import type { KubeObject } from "../src/core/object.js";
import { WorkDir } from "../src/gitserver/workdir.js";
import { benchWorld, githubPush, Harness, inProcessController, machine, summary, waitOn } from "./controller-common.js";
import { ControllerMetrics } from "../src/controller/metrics.js";

const SAMPLES = Number(process.argv[2] ?? 20);
const WORKERS = Number(process.argv[3] ?? 4);
const NS = "latency";
const APP = "latency";
const SECRET = "bench-webhook-secret";

interface AppStatus {
  sync?: { status?: string; revision?: string };
  health?: { status?: string };
  operationState?: { phase?: string; operation?: { sync?: { revision?: string } }; syncResult?: { revision?: string } };
}

/** The app's folder at change number `rev` (`rollout` also changes the Deployment's pod template). */
function manifests(rev: number, rolloutRev: number): Record<string, string> {
  const files: Record<string, string> = {};
  files[`${APP}/deployment.yaml`] = stringify({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web" },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" }, annotations: { "bench.plumb.dev/rollout": String(rolloutRev) } },
        spec: { containers: [{ name: "web", image: "nginx:1.27", ports: [{ containerPort: 80 }] }] },
      },
    },
  });
  files[`${APP}/service.yaml`] = stringify({ apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 80 }] } });
  for (let i = 0; i < 8; i++) {
    files[`${APP}/config-${i}.yaml`] = stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `config-${i}` }, data: { rev: i === 0 ? String(rev) : "0", setting: `value-${i}` } });
  }
  return files;
}

function application(repoURL: string): KubeObject {
  return {
    apiVersion: "plumb.dev/v1alpha1",
    kind: "Application",
    metadata: { name: APP, namespace: "plumb" },
    spec: {
      project: "default",
      source: { repoURL, targetRevision: "main", path: APP },
      destination: { server: "https://kubernetes.default.svc", namespace: NS },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["CreateNamespace=true"] },
    },
  };
}

const statusOf = (o: KubeObject | undefined): AppStatus => (o?.status ?? {}) as AppStatus;
const syncedAt = (sha: string) => (o: KubeObject | undefined) => {
  const s = statusOf(o);
  return s.sync?.status === "Synced" && s.sync.revision === sha && s.health?.status === "Healthy" && s.operationState?.phase !== "Running";
};

async function main(h: Harness): Promise<void> {
  h.log(`starting the local control plane (samples ${SAMPLES}, workers ${WORKERS})`);
  const { cluster, ctrlResources, git } = await benchWorld(h, "bench-latency");
  const repoURL = await git.createRepo("apps");
  const wd = await WorkDir.clone(repoURL);
  h.defer("work dir", () => wd.dispose());
  let rev = 0;
  let rolloutRev = 0;
  wd.write({ "README.md": "bench\n", ...manifests(rev, rolloutRev) });
  await wd.commit("initial");
  await wd.push("main");

  const { controller, webhookURL } = await inProcessController(h, ctrlResources, SECRET, { workers: WORKERS });
  // The benchmark's own client, apart from the controller's (no shared sockets), made once the CRDs exist.
  const bench = new Resources(await KubeClient.fromKubeConfig(cluster.kubeConfig));
  h.defer("bench client", () => bench.client.close());
  await bench.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "plumb" } });

  const informers = new InformerFactory(bench);
  h.defer("bench informers", () => informers.stop());
  const apps = await informers.ensure("plumb.dev/v1alpha1", "Application", { namespace: "plumb" });
  const configMaps = await informers.ensure("v1", "ConfigMap", { namespace: NS });
  const deployments = await informers.ensure("apps/v1", "Deployment", { namespace: NS });
  await Promise.all([apps.synced, configMaps.synced, deployments.synced]);
  const appKey = `plumb.dev/Application/plumb/${APP}`;
  const objKey = (group: string, kind: string, name: string): string => `${group}/${kind}/${NS}/${name}`;

  const t0 = performance.now();
  await bench.apply(application(repoURL));
  const first = await wd.head();
  await waitOn(apps, appKey, syncedAt(first), 120_000, "the first sync");
  h.log(`first sync Synced and Healthy after ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  const appInformer: Informer = apps;
  const reconcilesBefore = await ControllerMetrics.total(controller.metrics.reconciles);

  const webhook = (sha: string): Promise<Response> => githubPush(webhookURL, SECRET, repoURL, sha);

  // (a) webhook push → Synced and Healthy.
  type PushSample = { total: number; webhookAnswered: number; running: number; succeeded: number };
  const push: Record<"config" | "rollout", PushSample[]> = { config: [], rollout: [] };
  for (const kind of ["config", "rollout"] as const) {
    for (let i = 0; i < SAMPLES; i++) {
      rev++;
      if (kind === "rollout") rolloutRev++;
      wd.write(manifests(rev, rolloutRev));
      const sha = await wd.commit(`${kind} ${i}`);
      await wd.push();
      const marks: { running?: number; succeeded?: number } = {};
      const mark = (o: KubeObject): void => {
        const s = statusOf(o);
        const now = performance.now();
        if (marks.running === undefined && s.operationState?.phase === "Running" && s.operationState.operation?.sync?.revision === sha) marks.running = now;
        if (marks.succeeded === undefined && s.operationState?.phase === "Succeeded" && s.operationState.syncResult?.revision === sha) marks.succeeded = now;
      };
      const offs = [appInformer.on("add", mark), appInformer.on("update", (_old, o) => mark(o))];
      const start = performance.now();
      const done = waitOn(apps, appKey, syncedAt(sha), 60_000, `${kind} push ${i} Synced and Healthy`);
      const res = await webhook(sha);
      const answered = performance.now();
      if (res.status !== 200) throw new Error(`the webhook answered ${res.status}: ${await res.text()}`);
      const end = await done;
      for (const off of offs) off();
      push[kind].push({ total: end - start, webhookAnswered: answered - start, running: (marks.running ?? NaN) - start, succeeded: (marks.succeeded ?? NaN) - start });
      h.log(`push ${kind} ${i + 1}/${SAMPLES}: ${(end - start).toFixed(0)} ms (webhook answered ${(answered - start).toFixed(0)}, sync running ${((marks.running ?? NaN) - start).toFixed(0)}, succeeded ${((marks.succeeded ?? NaN) - start).toFixed(0)})`);
      await sleep(300);
    }
  }

  // (b) manual drift → reverted.
  const drift: Record<"configmap" | "scale", number[]> = { configmap: [], scale: [] };
  const head = await wd.head();
  for (const kind of ["configmap", "scale"] as const) {
    for (let i = 0; i < SAMPLES; i++) {
      await waitOn(apps, appKey, syncedAt(head), 30_000, "the app Synced before a drift sample");
      await sleep(300);
      const start = performance.now();
      let back: Promise<number>;
      if (kind === "configmap") {
        const want = String(rev);
        back = waitOn(configMaps, objKey("", "ConfigMap", "config-0"), (o) => (o?.data as Record<string, string> | undefined)?.rev === want, 30_000, "config-0 reverted", true);
        await bench.client.request({ method: "PATCH", path: `/api/v1/namespaces/${NS}/configmaps/config-0`, contentType: "application/merge-patch+json", body: { data: { rev: `drift-${i}` } } });
      } else {
        back = waitOn(deployments, objKey("apps", "Deployment", "web"), (o) => (o?.spec as { replicas?: number } | undefined)?.replicas === 1, 30_000, "web scaled back to 1", true);
        await bench.client.request({ method: "PATCH", path: `/apis/apps/v1/namespaces/${NS}/deployments/web/scale`, contentType: "application/merge-patch+json", body: { spec: { replicas: 3 } } });
      }
      const end = await back;
      drift[kind].push(end - start);
      h.log(`drift ${kind} ${i + 1}/${SAMPLES}: reverted in ${(end - start).toFixed(0)} ms`);
    }
  }

  const reconciles = (await ControllerMetrics.total(controller.metrics.reconciles)) - reconcilesBefore;
  const row = (what: string, xs: number[], goal: string): string => {
    const s = summary(xs);
    return `| ${what} | ${s.n} | ${s.p50.toFixed(0)} | ${s.p90.toFixed(0)} | ${s.min.toFixed(0)} | ${s.max.toFixed(0)} | ${goal} |`;
  };
  const lines = [
    `Machine: ${machine()}.`,
    `Controller in-process, ${WORKERS} workers, poll interval and resync 1 h; ${reconciles} reconciles during the samples.`,
    "",
    "| what (ms) | n | p50 | p90 | min | max | goal p50 |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    row("webhook push → Synced+Healthy (ConfigMap change)", push.config.map((s) => s.total), "≤ 1000"),
    row("webhook push → Synced+Healthy (rollout: pod template change)", push.rollout.map((s) => s.total), "≤ 1000"),
    row("manual drift → reverted (ConfigMap data patched)", drift.configmap, "≤ 500"),
    row("manual drift → reverted (Deployment scaled 1 → 3)", drift.scale, "≤ 500"),
    "",
    "Milestones of the webhook samples (p50 ms from the POST):",
    "",
    "| change | webhook answered (fetch done) | sync seen Running | sync Succeeded | Synced+Healthy |",
    "| --- | --- | --- | --- | --- |",
    ...(["config", "rollout"] as const).map((k) => {
      // An automated sync of one wave is not recorded Running (it ends at its writes): "—" then.
      const p = (f: (s: PushSample) => number): string => {
        const seen = push[k].map(f).filter(Number.isFinite);
        return seen.length ? summary(seen).p50.toFixed(0) : "—";
      };
      return `| ${k} | ${p((s) => s.webhookAnswered)} | ${p((s) => s.running)} | ${p((s) => s.succeeded)} | ${p((s) => s.total)} |`;
    }),
    "",
  ];
  process.stdout.write(lines.join("\n"));
  process.stderr.write(`raw: ${JSON.stringify({ push, drift })}\n`);
}

const harness = new Harness("controller-latency", 20 * 60_000);
await harness.run(() => main(harness));
