/**
 * Benchmark (issue 10): what the resource tree's watches cost at 1,000 apps.
 *
 * 1,000 apps, each a Deployment of 1 replica and a Service, in `--namespaces` namespaces (bench-0 …),
 * created straight in the local control plane with the tracking label and annotation as the controller
 * applies them; the controller-manager and kwok make their ReplicaSets, Pods and EndpointSlices. Each app's
 * Application is built in memory with the status.resources the controller would write (the tree reads
 * only that; the controller is not what is measured here).
 *
 * The run, in this process (`node --expose-gc`, so that heap figures are after a full GC):
 *  1. Start the cluster (2 fake nodes), create the objects `--create-concurrency` at a time, wait until
 *     every Pod is Running and Ready.
 *  2. The managed watches (Deployments and Services, label-selected, what the controller already has when
 *     the server shares its process) are started and synced: the baseline, measured.
 *  3. Every app's tree is asked for once, one at a time, timed (the first of a namespace starts its watches
 *     and waits for their LIST; the others answer from the caches); measured again — the difference is what
 *     the tree's watches hold. Then a second pass over all apps, timed (warm caches).
 *  4. For comparison, the same kinds of the same namespaces are listed and held unstripped, as caches
 *     without the transform would hold them; measured again after the tree's watches are stopped.
 *
 * Prints one JSON object: the machine, CPU steal over the run (/proc/stat), heap and RSS at each step,
 * per-tree latency percentiles, the watches open, and objects cached.
 *
 *   node --expose-gc dist/bench/server-tree-memory.js [--apps 1000] [--namespaces 10] [--create-concurrency 16]
 *
 * With TREE_SNAPSHOTS=DIR it also writes V8 heap snapshots at the baseline, after the trees and after the
 * watches stopped (to find what holds memory; the snapshots themselves inflate RSS).
 */
import { parseArgs } from "node:util";
import { writeHeapSnapshot } from "node:v8";
import { KubeClient } from "../src/cluster/client.js";
import { Resources } from "../src/cluster/resources.js";
import { mapLimit, sleep } from "../src/core/concurrency.js";
import type { KubeObject } from "../src/core/object.js";
import { withTracking } from "../src/core/tracking.js";
import { startLocalCluster } from "../src/localcluster/cluster.js";
import { managedInformerFactory, ResourceTrees } from "../src/server/tree/children.js";
import { Harness, machine, machineCpu, summary } from "./controller-common.js";
import { appName } from "./fleet.js";

const { values: args } = parseArgs({
  options: {
    apps: { type: "string", default: "1000" },
    namespaces: { type: "string", default: "10" },
    "create-concurrency": { type: "string", default: "16" },
  },
});
const APPS = Number(args.apps);
const NAMESPACES = Number(args.namespaces);
const CONCURRENCY = Number(args["create-concurrency"]);

const nsOf = (i: number): string => `bench-${i % NAMESPACES}`;

/** App i's Deployment and Service, with a container of the usual bulk (env, probes, resources). */
function objects(i: number): KubeObject[] {
  const name = appName(i);
  const namespace = nsOf(i);
  const labels = { app: name };
  const container = {
    name: "web",
    image: "nginx:1.27",
    ports: [{ containerPort: 80 }],
    env: Array.from({ length: 5 }, (_, k) => ({ name: `SETTING_${k}`, value: `value-${k}-${name}` })),
    resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
    readinessProbe: { httpGet: { path: "/", port: 80 }, periodSeconds: 10 },
  };
  return [
    { apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace }, spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [container] } } } },
    { apiVersion: "v1", kind: "Service", metadata: { name, namespace }, spec: { selector: labels, ports: [{ port: 80, targetPort: 80 }] } },
  ].map((o) => withTracking(o, name));
}

/** App i's Application as the controller leaves it: its two objects Synced. */
function application(i: number): KubeObject {
  const name = appName(i);
  const namespace = nsOf(i);
  return {
    apiVersion: "plumb.dev/v1alpha1",
    kind: "Application",
    metadata: { name, namespace: "plumb" },
    spec: { project: "default", destination: { server: "https://kubernetes.default.svc", namespace } },
    status: {
      resources: [
        { group: "apps", version: "v1", kind: "Deployment", namespace, name, status: "Synced", health: { status: "Healthy" } },
        { group: "", version: "v1", kind: "Service", namespace, name, status: "Synced", health: { status: "Healthy" } },
      ],
    },
  };
}

/**
 * Heap and RSS in MiB after full GCs. Ten of them: V8 drops the bytecode of functions not run for several
 * GCs, which would otherwise show as memory "freed" by whatever is measured next.
 */
async function memory(): Promise<{ heapMiB: number; rssMiB: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with node --expose-gc");
  for (let k = 0; k < 10; k++) {
    gc();
    await sleep(20);
  }
  const m = process.memoryUsage();
  return { heapMiB: round(m.heapUsed / 2 ** 20), rssMiB: round(m.rss / 2 ** 20) };
}
const round = (x: number): number => Math.round(x * 10) / 10;
const diff = (a: { heapMiB: number; rssMiB: number }, b: { heapMiB: number; rssMiB: number }) => ({ heapMiB: round(b.heapMiB - a.heapMiB), rssMiB: round(b.rssMiB - a.rssMiB) });

/**
 * Waits until every app's Pod is Ready. A function of its own: the Pod lists it reads must not stay
 * reachable from the main function's suspended frame, where they would count in the baseline.
 */
async function podsReady(resources: Resources): Promise<void> {
  for (;;) {
    const pods = (await resources.list("v1", "Pod")).items.filter((p) => p.metadata.namespace?.startsWith("bench-"));
    const ready = pods.filter((p) => ((p.status as { conditions?: Array<{ type: string; status: string }> }).conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")).length;
    if (ready >= APPS) return;
    h.log(`${ready}/${APPS} Pods Ready`);
    await sleep(5000);
  }
}

const h = new Harness("server-tree-memory", 40 * 60_000);
void h.run(async () => {
  const cpuStart = machineCpu();
  const cluster = await startLocalCluster({ name: "bench-tree", nodes: 2 });
  h.defer("local cluster", () => cluster.stop());
  const resources = new Resources(await KubeClient.fromKubeConfig(cluster.kubeConfig));
  h.defer("client", () => resources.client.close());
  const treeResources = new Resources(await KubeClient.fromKubeConfig(cluster.kubeConfig, { maxSockets: 256 }));
  h.defer("tree client", () => treeResources.client.close());
  h.log(`cluster up; creating ${APPS} apps in ${NAMESPACES} namespaces`);

  for (let n = 0; n < NAMESPACES; n++) await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: `bench-${n}` } });
  const createStart = performance.now();
  await mapLimit(
    Array.from({ length: APPS }, (_, i) => i),
    CONCURRENCY,
    async (i) => {
      for (const o of objects(i)) await resources.apply(o);
    },
  );
  h.log(`created in ${((performance.now() - createStart) / 1000).toFixed(1)} s; waiting for ${APPS} Pods Ready`);
  await podsReady(resources);
  h.log("all Pods Ready");

  const apps = Array.from({ length: APPS }, (_, i) => application(i));
  const managed = managedInformerFactory(treeResources);
  h.defer("managed informers", () => managed.stop());
  await Promise.all([managed.ensure("apps/v1", "Deployment"), managed.ensure("v1", "Service")]);
  await managed.waitForSync();
  const settling = await memory();
  await sleep(5000);
  const baseline = await memory();
  if (process.env.TREE_SNAPSHOTS) writeHeapSnapshot(`${process.env.TREE_SNAPSHOTS}/baseline.heapsnapshot`);
  h.log(`baseline ${JSON.stringify(settling)} → after 5 s ${JSON.stringify(baseline)}`);

  const log = { info: () => {}, warn: (o: object, m: string) => h.log(`${m} ${JSON.stringify(o)}`) };
  const trees = new ResourceTrees({ resources: treeResources, managed, log });
  h.defer("trees", () => trees.stop());
  const cpuTrees = machineCpu();
  const first: number[] = [];
  let nodes = 0;
  let pods = 0;
  for (const app of apps) {
    const t = performance.now();
    const tree = await trees.tree(app);
    first.push(performance.now() - t);
    nodes += tree.nodes.length;
    pods += tree.nodes.filter((n) => n.kind === "Pod").length;
  }
  const cpuTreesEnd = machineCpu();
  const afterTrees = await memory();
  if (process.env.TREE_SNAPSHOTS) writeHeapSnapshot(`${process.env.TREE_SNAPSHOTS}/after-trees.heapsnapshot`);
  const stats = trees.stats();
  h.log(`after trees ${JSON.stringify(afterTrees)} ${JSON.stringify(stats)}`);
  const warm: number[] = [];
  for (const app of apps) {
    const t = performance.now();
    await trees.tree(app);
    warm.push(performance.now() - t);
  }
  await trees.stop();
  const afterStop = await memory();
  if (process.env.TREE_SNAPSHOTS) writeHeapSnapshot(`${process.env.TREE_SNAPSHOTS}/after-stop.heapsnapshot`);

  // The same objects held as caches without the transform would hold them.
  const held: KubeObject[] = [];
  for (let n = 0; n < NAMESPACES; n++) {
    for (const [apiVersion, kind] of [["apps/v1", "ReplicaSet"], ["v1", "Pod"], ["discovery.k8s.io/v1", "EndpointSlice"]] as const) {
      held.push(...(await treeResources.list(apiVersion, kind, { namespace: `bench-${n}` })).items);
    }
  }
  const unstripped = await memory();
  const cpuEnd = machineCpu();
  const steal = (a: ReturnType<typeof machineCpu>, b: ReturnType<typeof machineCpu>) => {
    const total = b.busy + b.idle + b.steal - (a.busy + a.idle + a.steal);
    return { stealPercentOfMachine: round((100 * (b.steal - a.steal)) / total), busyPercentOfMachine: round((100 * (b.busy - a.busy)) / total), seconds: round(total / 2) };
  };
  const ms = (xs: number[]) => {
    const s = summary(xs);
    return { n: s.n, p50: round(s.p50), p90: round(s.p90), max: round(s.max) };
  };

  process.stdout.write(
    JSON.stringify(
      {
        machine: machine(),
        apps: apps.length,
        namespaces: NAMESPACES,
        cpu: { wholeRun: steal(cpuStart, cpuEnd), treePass: steal(cpuTrees, cpuTreesEnd) },
        treeNodes: nodes,
        treePods: pods,
        watches: { tree: stats.watches, managed: managed.list().length, namespacesWatched: stats.namespaces },
        objectsCachedByTreeWatches: stats.objects,
        memory: {
          baselineWithManagedCaches: baseline,
          afterEveryTreeOnce: afterTrees,
          growthFromBaseline: diff(baseline, afterTrees),
          afterTreeWatchesStopped: afterStop,
          freedByStoppingTreeWatches: diff(afterStop, afterTrees),
          sameObjectsHeldUnstripped: diff(afterStop, unstripped),
          unstrippedObjects: held.length,
        },
        treeMs: { firstPass: ms(first), firstPassColdNamespaces: ms(first.slice(0, NAMESPACES)), firstPassWarm: ms(first.slice(NAMESPACES)), secondPass: ms(warm) },
      },
      null,
      2,
    ) + "\n",
  );
});
