/**
 * Benchmark (issue 4, Performance): what the controller asks of the API server per Application — the
 * fleet of controller-scale.ts (fleet.ts: a Deployment scaled to 0, a ServiceAccount, a Service and an
 * Ingress per app, destinations over 10 namespaces), on fewer apps, with the controller in this process and its
 * client's requests counted by verb and resource (dry runs apart) until every app is Synced and Healthy.
 * The counts explain controller-scale.ts's time: on a 2-core machine the API server is the bottleneck, so
 * requests per app are what to cut.
 *
 *   node dist/bench/controller-requests.js [apps=100] [workers=16]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { KubeClient, type KubeRequest } from "../src/cluster/client.js";
import { Resources } from "../src/cluster/resources.js";
import { Controller, DEFAULT_WORKERS } from "../src/controller/controller.js";
import { GitSources } from "../src/controller/git-sources.js";
import { mapLimit, sleep } from "../src/core/concurrency.js";
import { startLocalCluster } from "../src/localcluster/cluster.js";
import { fakeIngressController } from "../test/helpers/cluster.js";
import { fleetRepo } from "./controller-process.js";
import { Harness, machine } from "./controller-common.js";
import { application } from "./fleet.js";
import { ControllerMetrics } from "../src/controller/metrics.js";

const APPS = Number(process.argv[2] ?? 100);
const WORKERS = Number(process.argv[3] ?? DEFAULT_WORKERS);
const NAMESPACES = 10;
/** "GET deployments", "PATCH applications/status", "PATCH services (dry run)", "GET /version". */
function requestKind(req: KubeRequest): string {
  const parts = req.path.split("?")[0]!.split("/").filter(Boolean);
  const base = parts[0] === "api" ? 2 : parts[0] === "apis" ? 3 : -1;
  let resource: string;
  if (base < 0) resource = `/${parts.join("/")}`;
  else {
    let rest = parts.slice(base);
    if (rest[0] === "namespaces" && rest.length > 2) rest = rest.slice(2);
    // rest: [resource] | [resource, name] | [resource, name, subresource]
    resource = [rest[0], rest[2]].filter(Boolean).join("/");
  }
  return `${req.method ?? "GET"} ${resource}${req.query?.dryRun ? " (dry run)" : ""}`;
}

async function main(h: Harness): Promise<void> {
  const cluster = await startLocalCluster({ name: "bench-requests", nodes: 1 });
  h.defer("local cluster", () => cluster.stop());
  const { repoURL, sha } = await fleetRepo(h, APPS);

  const client = await KubeClient.fromKubeConfig(cluster.kubeConfig);
  h.defer("controller client", () => client.close());
  const counts = new Map<string, number>();
  let counting = false;
  const request = client.request.bind(client);
  client.request = <T>(req: KubeRequest): Promise<T> => {
    if (counting) counts.set(requestKind(req), (counts.get(requestKind(req)) ?? 0) + 1);
    return request<T>(req);
  };
  const resources = new Resources(client);
  const cacheDir = mkdtempSync(join(tmpdir(), "plumb-bench-req-"));
  h.defer("cache", () => rmSync(cacheDir, { recursive: true, force: true }));
  const log = pino({ level: "silent" });
  const sources = new GitSources({ cacheDir, pollIntervalMs: 3_600_000, resources, log });
  h.defer("git sources", () => sources.close());
  const controller = new Controller({ resources, repos: sources, log, resyncMs: 3_600_000, workers: WORKERS });
  await controller.start();
  h.defer("controller", () => controller.stop());

  const bench = new Resources(await KubeClient.fromKubeConfig(cluster.kubeConfig));
  h.defer("bench client", () => bench.client.close());
  await bench.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "plumb" } });
  for (let n = 0; n < NAMESPACES; n++) {
    const stop = fakeIngressController(bench, `bench-${n}`);
    h.defer(`fake ingress controller ${n}`, stop);
  }
  const reconciles0 = await ControllerMetrics.total(controller.metrics.reconciles);
  counting = true;
  const t0 = performance.now();
  await mapLimit(
    Array.from({ length: APPS }, (_, i) => i),
    16,
    (i) =>
      bench.apply(application(i, repoURL, NAMESPACES)),
  );
  const deadline = Date.now() + 600_000;
  for (;;) {
    const list = await bench.list("plumb.dev/v1alpha1", "Application", { namespace: "plumb" });
    const done = list.items.filter((o) => {
      const s = o.status as { sync?: { status?: string; revision?: string }; health?: { status?: string } } | undefined;
      return s?.sync?.status === "Synced" && s.sync.revision === sha && s.health?.status === "Healthy";
    }).length;
    if (done === APPS) break;
    if (Date.now() > deadline) throw new Error(`only ${done} of ${APPS} apps Synced and Healthy after 600 s`);
    await sleep(250);
  }
  const seconds = (performance.now() - t0) / 1000;
  await sleep(2000); // requests already under way when the last app turned Synced
  counting = false;
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const lines = [
    `Machine: ${machine()}.`,
    `${APPS} apps, ${WORKERS} workers: all Synced and Healthy in ${seconds.toFixed(1)} s; ${(await ControllerMetrics.total(controller.metrics.reconciles)) - reconciles0} reconciles.`,
    "",
    "| controller request | per app |",
    "| --- | --- |",
    ...[...counts].sort((a, b) => b[1] - a[1]).map(([k, v]) => `| ${k} | ${(v / APPS).toFixed(2)} |`),
    `| **total** | **${(total / APPS).toFixed(1)}** |`,
    "",
  ];
  process.stdout.write(lines.join("\n"));
}

const harness = new Harness("controller-requests", 15 * 60_000);
await harness.run(() => main(harness));
