/**
 * Benchmark (issue 14, Performance): one unreachable cluster among three must not raise the push → Synced
 * p50 of the apps on the other two by more than 10 %.
 *
 * Three local control planes: A (the controller's home; its apps target it as in-cluster), B and C
 * (registered as cluster Secrets, as `plumb cluster add` writes them). APPS apps per cluster, one folder
 * each in one repository, automated sync. Each round commits a change to every app's folder, POSTs a
 * signed push webhook, and times, per app on A and B, the webhook → the app Synced at the new commit (a
 * watch of the Applications in this process). ROUNDS rounds with C up, then C's API server is stopped
 * (connection refused) and ROUNDS rounds again; C's apps go to ComparisonError meanwhile. Last, C is
 * started and frozen (SIGSTOP: connections accepted, nothing answered — a hanging cluster), one round is
 * left for the controller to find out, and ROUNDS rounds are timed again.
 *
 *   node dist/bench/clusters.js [apps-per-cluster=10] [rounds=5]
 */
import { stringify } from "yaml";
import { InformerFactory } from "../src/cluster/informer.js";
import { sleep } from "../src/core/concurrency.js";
import type { KubeObject } from "../src/core/object.js";
import { clusterConfigFromKubeconfig, clusterSecret } from "../src/clusters/kubeconfig.js";
import { WorkDir } from "../src/gitserver/workdir.js";
import { startLocalCluster, type LocalCluster } from "../src/localcluster/cluster.js";
import { benchWorld, githubPush, Harness, inProcessController, machine, machineCpu, summary } from "./controller-common.js";

const APPS = Number(process.argv[2] ?? 10);
const ROUNDS = Number(process.argv[3] ?? 5);
const NS = "plumb";
const SECRET = "bench-webhook-secret";

const h = new Harness("clusters", 30 * 60_000);
void h.run(async () => {
  const { ctrlResources: ra, git } = await benchWorld(h, "a");
  const others: LocalCluster[] = [];
  for (const name of ["b", "c"]) {
    const c = await startLocalCluster({ name, nodes: 1 });
    h.defer(`cluster ${name}`, () => c.stop());
    others.push(c);
  }
  const [b, c] = others as [LocalCluster, LocalCluster];
  await ra.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  for (const [name, lc] of [["b", b], ["c", c]] as const) {
    const kc = lc.kubeConfig;
    const ctx = kc.getContextObject(kc.getCurrentContext())!;
    const { server, config } = clusterConfigFromKubeconfig(name, kc.getCluster(ctx.cluster)!, kc.getUser(ctx.user) ?? undefined, () => "");
    await ra.create(clusterSecret({ namespace: NS, name, server, config }));
  }
  const repoURL = await git.createRepo("apps");
  const wd = await WorkDir.clone(repoURL);
  h.defer("work dir", () => wd.dispose());
  const apps: Array<{ name: string; cluster: "a" | "b" | "c" }> = [];
  for (const cl of ["a", "b", "c"] as const) for (let i = 0; i < APPS; i++) apps.push({ name: `${cl}-${i}`, cluster: cl });
  const write = (rev: number): void => {
    wd.write(Object.fromEntries(apps.map((x) => [`${x.name}/cm.yaml`, stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: x.name }, data: { rev: String(rev) } })])));
  };
  write(0);
  let sha = await wd.commit("rev 0");
  await wd.push("main");

  const { webhookURL } = await inProcessController(h, ra, SECRET, { clusters: { namespace: NS } });
  const watch = new InformerFactory(ra, { namespace: NS });
  h.defer("app watch", () => watch.stop());
  const informer = await watch.ensure("plumb.dev/v1alpha1", "Application");
  await informer.synced;
  const server = { a: "https://kubernetes.default.svc", b: b.server, c: c.server };
  for (const x of apps) {
    await ra.apply({
      apiVersion: "plumb.dev/v1alpha1",
      kind: "Application",
      metadata: { name: x.name, namespace: NS },
      spec: { project: "default", source: { repoURL, path: x.name, targetRevision: "main" }, destination: { server: server[x.cluster], namespace: "bench" }, syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] } },
    } as KubeObject);
  }
  const statusOf = (name: string): { sync?: { status?: string; revision?: string } } | undefined => informer.get(`plumb.dev/Application/${NS}/${name}`)?.status as never;
  const syncedAt = (name: string, at: string): boolean => statusOf(name)?.sync?.status === "Synced" && statusOf(name)?.sync?.revision === at;
  const waitAll = async (names: string[], at: string, ms: number): Promise<void> => {
    const deadline = Date.now() + ms;
    while (!names.every((n) => syncedAt(n, at))) {
      if (Date.now() > deadline) throw new Error(`not Synced at ${at.slice(0, 7)} within ${ms} ms: ${names.filter((n) => !syncedAt(n, at)).join(", ")}`);
      await sleep(20);
    }
  };
  await waitAll(apps.map((x) => x.name), sha, 180_000);
  h.log(`${apps.length} apps Synced on three clusters`);

  const healthy = apps.filter((x) => x.cluster !== "c").map((x) => x.name);
  let rev = 0;
  const round = async (): Promise<number[]> => {
    rev++;
    write(rev);
    sha = await wd.commit(`rev ${rev}`);
    await wd.push("main");
    const t0 = Date.now();
    const done = new Map<string, number>();
    await githubPush(webhookURL, SECRET, repoURL, sha);
    const deadline = t0 + 60_000;
    while (done.size < healthy.length) {
      for (const n of healthy) if (!done.has(n) && syncedAt(n, sha)) done.set(n, Date.now() - t0);
      if (Date.now() > deadline) throw new Error(`round ${rev}: ${healthy.length - done.size} apps not Synced within 60 s`);
      await sleep(5);
    }
    await sleep(1000);
    return [...done.values()];
  };
  const phase = async (label: string): Promise<{ label: string; s: ReturnType<typeof summary>; steal: number; busy: number }> => {
    const cpu0 = machineCpu();
    const t0 = Date.now();
    const all: number[] = [];
    for (let i = 0; i < ROUNDS; i++) all.push(...(await round()));
    const cpu1 = machineCpu();
    const secs = (Date.now() - t0) / 1000;
    const s = summary(all);
    h.log(`${label}: p50 ${s.p50} ms, p90 ${s.p90} ms (n=${s.n})`);
    return { label, s, steal: (cpu1.steal - cpu0.steal) / secs, busy: (cpu1.busy - cpu0.busy) / secs };
  };
  await round(); // warm-up
  const up = await phase("C up");
  await c.stopApiServer();
  // C's apps notice (the check fails within a second or two) before the clock runs again.
  const cApps = apps.filter((x) => x.cluster === "c").map((x) => x.name);
  for (let i = 0; i < 600 && !cApps.every((n) => (informer.get(`plumb.dev/Application/${NS}/${n}`)?.status as { conditions?: Array<{ type: string }> } | undefined)?.conditions?.some((k) => k.type === "ComparisonError")); i++) await sleep(100);
  await round(); // warm-up
  const down = await phase("C unreachable");
  // The hardest case: C hangs (its port accepts, nothing answers) instead of refusing.
  await c.startApiServer();
  await waitAll(cApps, sha, 120_000).catch(() => undefined);
  c.pauseApiServer();
  await round(); // C's apps find out (requests time out, the check marks it Failed); this round pays for it
  const hanging = await phase("C hanging");
  c.resumeApiServer();

  const pct = ((down.s.p50 - up.s.p50) / up.s.p50) * 100;
  const pctHang = ((hanging.s.p50 - up.s.p50) / up.s.p50) * 100;
  const row = (p: typeof up): string => `| ${p.label} | ${p.s.n} | ${p.s.p50} | ${p.s.p90} | ${p.s.max} | ${(p.busy * 100).toFixed(0)} % | ${(p.steal * 100).toFixed(0)} % |`;
  process.stdout.write(
    [
      `machine: ${machine()}`,
      `${APPS} apps per cluster (A home, B, C), ${ROUNDS} rounds per phase; push (webhook) → Synced of the ${healthy.length} apps on A and B`,
      "| phase | samples | p50 ms | p90 ms | max ms | machine busy | steal |",
      "|---|---|---|---|---|---|---|",
      row(up),
      row(down),
      row(hanging),
      `p50 change with C unreachable: ${pct >= 0 ? "+" : ""}${pct.toFixed(1)} %; with C hanging: ${pctHang >= 0 ? "+" : ""}${pctHang.toFixed(1)} %`,
      "",
    ].join("\n"),
  );
});
