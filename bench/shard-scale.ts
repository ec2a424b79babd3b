/**
 * Benchmark (issue 15, Performance): the fleet of bench/fleet.ts (apps × 4 objects — a Deployment scaled
 * to 0, a ServiceAccount, a Service, an Ingress — in one repository) reconciled by 1, 2 and 4 controller
 * members run with `--shard` (ADR 0023) against one local control plane: a fresh control plane per
 * member count, every member its own process, the Applications created by the benchmark, the clock from
 * the first create to every app Synced at the repository's commit and Healthy. Per member: peak RSS
 * (VmHWM), CPU seconds over the burst, syncs logged. The machine's busy / idle / stolen share over the
 * burst is printed as the other benchmarks do.
 *
 *   node dist/bench/shard-scale.js [--apps 10000] [--members 1,2,4] [--workers 16] [--namespaces 10]
 *        [--lease-duration 8] [--poll-interval 60] [--sync-timeout 2400] [--until healthy|synced]
 *
 * `--until synced` ends each run once every app is Synced (the Deployments' and Ingresses' health, which
 * waits on kube-controller-manager and the stand-in ingress controller, is then not waited for).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { KubeClient } from "../src/cluster/client.js";
import { InformerFactory } from "../src/cluster/informer.js";
import { Resources } from "../src/cluster/resources.js";
import { mapLimit, sleep } from "../src/core/concurrency.js";
import type { KubeObject } from "../src/core/object.js";
import { startLocalCluster } from "../src/localcluster/cluster.js";
import { Harness, cpuSeconds, machine, machineCpu, memoryMiB } from "./controller-common.js";
import { type ControllerProcess, fakeIngressController, fleetRepo, startControllerProcess } from "./controller-process.js";
import { application } from "./fleet.js";

const { values: args } = parseArgs({
  options: {
    apps: { type: "string", default: "10000" },
    members: { type: "string", default: "1,2,4" },
    workers: { type: "string", default: "16" },
    namespaces: { type: "string", default: "10" },
    "lease-duration": { type: "string", default: "8" },
    "poll-interval": { type: "string", default: "60" },
    "sync-timeout": { type: "string", default: "2400" },
    until: { type: "string", default: "healthy" },
  },
});
const APPS = Number(args.apps);
const MEMBERS = args.members.split(",").map(Number);
const WORKERS = Number(args.workers);
const NAMESPACES = Number(args.namespaces);
const LEASE_S = Number(args["lease-duration"]);
const POLL_S = Number(args["poll-interval"]);
const SYNC_TIMEOUT_S = Number(args["sync-timeout"]);
const CREATE_CONCURRENCY = 32;
const UNTIL = args.until === "synced" ? "synced" : "both";

interface Row {
  members: number;
  synced: string;
  both: string;
  rss: number[];
  cpu: number[];
  syncs: number[];
  failures: number;
  machine: { busy: number; idle: number; steal: number };
  burstS: number;
}

/** One member count: fresh control plane, `n` members, all apps created, until all Synced and Healthy. */
async function runWith(n: number, repoURL: string, sha: string): Promise<Row> {
  const h = new Harness(`shard-scale ×${n}`, (SYNC_TIMEOUT_S + 600) * 1000);
  try {
    const cluster = await startLocalCluster({ name: `bench-shard-${n}`, nodes: 1 });
    h.defer("local cluster", () => cluster.stop());
    const work = mkdtempSync(join(tmpdir(), "plumb-bench-shard-"));
    h.defer("work folder", () => rmSync(work, { recursive: true, force: true }));
    // The CRDs first (the first member installs them), then the Lease namespace, then the members.
    const members: ControllerProcess[] = [];
    const memberArgs = (i: number): string[] => ["--shard", "--member-id", `m${i}`, "--lease-duration", String(LEASE_S), "--lease-namespace", "default", "--cache-dir", join(work, `repos-${i}`), "--workers", String(WORKERS), "--poll-interval", String(POLL_S), "--no-applicationsets", "--no-notifications"];
    for (let i = 0; i < n; i++) members.push(await startControllerProcess(h, `member m${i}`, cluster.kubeconfigPath, join(work, `m${i}.log`), memberArgs(i)));
    const bench = new Resources(await KubeClient.fromKubeConfig(cluster.kubeConfig, { maxSockets: 64 }));
    h.defer("bench client", () => bench.client.close());
    await bench.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "plumb" } });
    h.defer("fake ingress controller", await fakeIngressController(bench, h));
    // Every member sees the others before the apps come (so the figures are of the shared steady state).
    const seen = (m: ControllerProcess): number => Number([...m.log().matchAll(/"members":(\d+)/g)].at(-1)?.[1] ?? 0);
    while (!members.every((m) => seen(m) === n)) await sleep(200);

    const informers = new InformerFactory(bench, { namespace: "plumb" });
    h.defer("bench informers", () => informers.stop());
    const states = new Map<string, { synced: boolean; both: boolean }>();
    let synced = 0;
    let both = 0;
    const marks = new Map<string, number>();
    const track = (o: KubeObject): void => {
      const s = (o.status ?? {}) as { sync?: { status?: string; revision?: string }; health?: { status?: string } };
      const prev = states.get(o.metadata.name);
      const next = { synced: s.sync?.status === "Synced" && s.sync.revision === sha, both: false };
      next.both = next.synced && s.health?.status === "Healthy";
      synced += Number(next.synced) - Number(prev?.synced ?? false);
      both += Number(next.both) - Number(prev?.both ?? false);
      states.set(o.metadata.name, next);
      for (const [k, v] of [["synced", synced], ["both", both]] as const) if (v >= APPS && !marks.has(k)) marks.set(k, performance.now());
    };
    informers.on("add", track);
    informers.on("update", (_old, o) => track(o));
    await (await informers.ensure("plumb.dev/v1alpha1", "Application")).synced;

    const cpu0 = { members: members.map((m) => cpuSeconds(m.pid)), machine: machineCpu() };
    const t0 = performance.now();
    await mapLimit(Array.from({ length: APPS }, (_, i) => i), CREATE_CONCURRENCY, (i) => bench.apply(application(i, repoURL, NAMESPACES), { fieldManager: "bench" }));
    h.log(`×${n}: ${APPS} Applications created in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const deadline = Date.now() + SYNC_TIMEOUT_S * 1000;
    let lastLog = 0;
    while (!marks.has(UNTIL)) {
      const dead = members.find((m) => m.exited());
      if (dead) throw new Error(`a member exited:\n${dead.log().slice(-3000)}`);
      if (Date.now() > deadline) {
        h.log(`×${n}: gave up after ${SYNC_TIMEOUT_S} s: ${synced} Synced, ${both} Synced and Healthy`);
        break;
      }
      if (Date.now() - lastLog > 15_000) {
        lastLog = Date.now();
        h.log(`×${n}: ${synced} Synced, ${both} both; RSS ${members.map((m) => memoryMiB(m.pid).now.toFixed(0)).join(" / ")} MiB`);
      }
      await sleep(200);
    }
    const burstS = (performance.now() - t0) / 1000;
    const m1 = machineCpu();
    const at = (k: string): string => (marks.has(k) ? ((marks.get(k)! - t0) / 1000).toFixed(1) : "—");
    const count = (m: ControllerProcess, re: RegExp): number => (m.log().match(re) ?? []).length;
    const row: Row = {
      members: n,
      synced: at("synced"),
      both: at("both"),
      rss: members.map((m) => memoryMiB(m.pid).peak),
      cpu: members.map((m, i) => cpuSeconds(m.pid) - cpu0.members[i]!),
      syncs: members.map((m) => count(m, /"msg":"sync succeeded"/g)),
      failures: members.reduce((s, m) => s + count(m, /"msg":"(sync failed|reconcile failed|comparison failed)"/g), 0),
      machine: { busy: m1.busy - cpu0.machine.busy, idle: m1.idle - cpu0.machine.idle, steal: m1.steal - cpu0.machine.steal },
      burstS,
    };
    h.log(`×${n}: all Synced ${row.synced} s, Synced and Healthy ${row.both} s; peak RSS ${row.rss.map((r) => r.toFixed(0)).join(" / ")} MiB; CPU ${row.cpu.map((c) => c.toFixed(0)).join(" / ")} s; syncs ${row.syncs.join(" / ")}; failures ${row.failures}; machine busy / idle / stolen ${[row.machine.busy, row.machine.idle, row.machine.steal].map((x) => ((x / row.burstS) * 100).toFixed(0)).join(" / ")} % of one core`);
    return row;
  } finally {
    await h.cleanup();
  }
}

async function main(h: Harness): Promise<void> {
  h.log(`apps ${APPS}, members ${MEMBERS.join(", ")}, workers ${WORKERS} each, lease ${LEASE_S} s`);
  const { repoURL, sha } = await fleetRepo(h, APPS);
  h.log(`repository ready at ${sha.slice(0, 7)}`);
  const rows: Row[] = [];
  for (const n of MEMBERS) rows.push(await runWith(n, repoURL, sha));
  const pct = (r: Row, x: number): string => ((x / r.burstS) * 100).toFixed(0);
  process.stdout.write(
    [
      `Machine: ${machine()}.`,
      `${APPS} apps × 4 objects, one repository, destinations over ${NAMESPACES} namespaces; each member \`--shard --lease-duration ${LEASE_S} --workers ${WORKERS} --poll-interval ${POLL_S}\`; a fresh local control plane per member count.`,
      "",
      "| members | first create → all Synced | → all Synced and Healthy | peak RSS per member (MiB) | CPU per member over the burst (s) | syncs per member | failures | machine busy / idle / stolen (% of one core) |",
      "| --- | --- | --- | --- | --- | --- | --- | --- |",
      ...rows.map((r) => `| ${r.members} | ${r.synced} s | ${r.both} s | ${r.rss.map((x) => x.toFixed(0)).join(" / ")} | ${r.cpu.map((x) => x.toFixed(0)).join(" / ")} | ${r.syncs.join(" / ")} | ${r.failures} | ${pct(r, r.machine.busy)} / ${pct(r, r.machine.idle)} / ${pct(r, r.machine.steal)} |`),
      "",
    ].join("\n"),
  );
}

const harness = new Harness("shard-scale", 4 * 3600_000);
await harness.run(() => main(harness));
