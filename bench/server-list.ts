/**
 * Benchmark (issue 10): `GET /api/v1/applications` with 1,000 and with 10,000 Applications, on the local
 * control plane.
 *
 * The apps are created without a Git source and with no controller running, each with the status a
 * controller leaves on a synced app of five objects (server-common.ts: ~3 KB of JSON). The server is
 * `plumb server --insecure --no-controller` as a separate process (so that its RSS is its own: VmRSS and
 * VmHWM of /proc/<pid>/status), with the real authentication (admin's session from POST /api/v1/session,
 * an API token of account `alice`) and the real RBAC from plumb-rbac-cm (alice may `get` apps of project
 * team-0: half of them). Per size, the server is started afresh once the apps exist; then:
 *
 *   1. the first request (admin), which serializes every app into the server's per-version cache;
 *   2. 50 requests by admin and 50 by alice, one after the other, timed to the last byte of the body.
 *
 * Then, in this process, over the same apps: the time of each part of a list — RBAC for every app
 * (`enforce` per app, and `filter` narrowed once, as the route does), JSON.stringify of every app (what a
 * cold cache costs), joining the cached strings into the body, encoding the body to UTF-8 (what Hono's
 * c.body does with a string), and, for comparison, a body made of per-app cached UTF-8 buffers — to tell
 * what dominates. `--cpu-prof DIR` also runs
 * the server under `node --cpu-prof` and summarizes where its CPU went, by function.
 *
 *   node dist/bench/server-list.js [--sizes 1000,10000] [--requests 50] [--create-concurrency 16] [--cpu-prof DIR] [--server-node-flags=--max-old-space-size=256]
 *
 * Output: one JSON object on stdout (machine, date, /proc/stat steal over the run, figures per size).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { installCRDs } from "../src/apps/index.js";
import { KubeClient } from "../src/cluster/client.js";
import { Resources } from "../src/cluster/resources.js";
import type { KubeObject } from "../src/core/object.js";
import { startLocalCluster } from "../src/localcluster/cluster.js";
import type { Principal } from "../src/server/auth/types.js";
import { Rbac } from "../src/server/rbac/index.js";
import { lean, rbacObject } from "../src/server/routes/common.js";
import { AppState, sharedInformers } from "../src/server/state.js";
import { repoRoot } from "../test/helpers/paths.js";
import { Harness, machine, machineCpu, memoryMiB, summary } from "./controller-common.js";
import { benchSettings, createApps, HALF_POLICY, NS, profileSummary, spawnUntil, stopChild, timedGet } from "./server-common.js";

const { values: args } = parseArgs({
  options: {
    sizes: { type: "string", default: "1000,10000" },
    requests: { type: "string", default: "50" },
    "create-concurrency": { type: "string", default: "16" },
    "cpu-prof": { type: "string" },
    /** Node flags for the server process, e.g. "--max-old-space-size=256" (how a deployment caps the heap). */
    "server-node-flags": { type: "string", default: "" },
  },
});
const SIZES = args.sizes.split(",").map(Number);
const REQUESTS = Number(args.requests);
const CONCURRENCY = Number(args["create-concurrency"]);

const h = new Harness("server-list", 60 * 60_000);

/** Median of `runs` timings of `fn`, in ms. */
function timeIt(runs: number, fn: () => unknown): number {
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  return summary(ms).p50;
}

/** The parts of a list of `apps`, in this process (see the module comment). */
async function decomposition(apps: KubeObject[]): Promise<Record<string, number>> {
  const rbac = await Rbac.create();
  await rbac.load({ "policy.csv": HALF_POLICY });
  const alice: Principal = { subject: "alice", username: "alice", groups: [], via: "apiKey", issuer: "plumb", issuedAt: 0 };
  const admin: Principal = { subject: "admin", username: "admin", groups: [], via: "session", issuer: "plumb", issuedAt: 0 };
  const deps = { namespace: NS };
  let kept = 0;
  const enforceAlice = timeIt(5, () => (kept = apps.filter((a) => rbac.enforce(alice, "applications", "get", rbacObject(deps, a))).length));
  const enforceAdmin = timeIt(5, () => apps.filter((a) => rbac.enforce(admin, "applications", "get", rbacObject(deps, a))).length);
  const filterAlice = timeIt(5, () => {
    const visible = rbac.filter(alice, "applications", "get");
    return apps.filter((a) => visible(rbacObject(deps, a))).length;
  });
  const stringify = timeIt(5, () => apps.map((a) => JSON.stringify(lean(a))));
  const cached = apps.map((a) => JSON.stringify(lean(a)));
  let body = "";
  const join = timeIt(5, () => (body = `{"metadata":{"resourceVersion":"1"},"items":[${cached.join(",")}]}`).length);
  const encoder = new TextEncoder();
  const encode = timeIt(5, () => encoder.encode(body).length);
  // The alternative: each app's UTF-8 bytes kept per version, the body a sequence of them (no join, no encode).
  const bytes = cached.map((c) => Buffer.from(c));
  const comma = Buffer.from(",");
  const chunks = timeIt(5, () => bytes.flatMap((b, i) => (i === 0 ? [b] : [comma, b])).length);
  const r = (ms: number): number => Math.round(ms * 10) / 10;
  return { apps: apps.length, aliceKeeps: kept, rbacEnforcePerAppAliceMs: r(enforceAlice), rbacEnforcePerAppAdminMs: r(enforceAdmin), rbacFilterAliceMs: r(filterAlice), jsonStringifyAllMs: r(stringify), joinCachedStringsMs: r(join), utf8EncodeBodyMs: r(encode), bodyAsCachedBufferChunksMs: r(chunks), bodyMiB: r(Buffer.byteLength(body) / 2 ** 20) };
}

await h.run(async () => {
  const cpu0 = machineCpu();
  const cluster = await startLocalCluster({ name: "bench-server-list", nodes: 1 });
  h.defer("local cluster", () => cluster.stop());
  const resources = new Resources(await KubeClient.fromKubeConfig(cluster.kubeConfig));
  h.defer("client", () => resources.client.close());
  await installCRDs(resources);
  await benchSettings(resources);
  const cacheDir = mkdtempSync(join(tmpdir(), "plumb-bench-server-"));
  h.defer("cache dir", () => rmSync(cacheDir, { recursive: true, force: true }));

  const figures: unknown[] = [];
  let created = 0;
  let adminPassword: string | undefined;
  for (const size of SIZES) {
    const t0 = Date.now();
    await createApps(h, resources, created, size, CONCURRENCY);
    h.log(`${size} apps in the cluster (+${size - created} in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    created = size;

    const profDir = args["cpu-prof"] ? join(args["cpu-prof"], `apps-${size}`) : undefined;
    const startedAt = Date.now();
    const { child, match } = await spawnUntil(
      h,
      `plumb server (${size} apps)`,
      [...args["server-node-flags"].split(" ").filter(Boolean), ...(profDir ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : []), join(repoRoot, "dist", "src", "cli", "main.js"), "server", "--kubeconfig", cluster.kubeconfigPath, "--insecure", "--port", "0", "--no-controller", "--namespace", NS, "--log-level", "warn", "--cache-dir", cacheDir],
      /server listening at (http:\/\/\S+)/,
    );
    const url = match[1]!;
    h.log(`server ready at ${url} in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    adminPassword ??= Buffer.from(((await resources.get({ apiVersion: "v1", kind: "Secret", namespace: NS, name: "plumb-initial-admin-secret" }))?.data as { password: string }).password, "base64").toString("utf8");
    const login = await fetch(`${url}/api/v1/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "admin", password: adminPassword }) });
    const adminToken = ((await login.json()) as { token: string }).token;
    const issued = await fetch(`${url}/api/v1/account/alice/token`, { method: "POST", headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" }, body: "{}" });
    if (issued.status !== 200) throw new Error(`alice's token: ${issued.status} ${await issued.text()}`);
    const aliceToken = ((await issued.json()) as { token: string }).token;
    const rssIdle = memoryMiB(child.pid!);

    const listURL = `${url}/api/v1/applications`;
    const first = await timedGet(listURL, adminToken);
    const items = (JSON.parse(first.body) as { items: unknown[] }).items.length;
    if (first.status !== 200 || items !== size) throw new Error(`first list: ${first.status}, ${items} items (want ${size})`);
    const run = async (token: string): Promise<{ ms: number[]; items: number; bytes: number }> => {
      const ms: number[] = [];
      let last = { bytes: 0, body: "" };
      for (let r = 0; r < REQUESTS; r++) {
        const res = await timedGet(listURL, token);
        if (res.status !== 200) throw new Error(`list: ${res.status}`);
        ms.push(res.ms);
        last = res;
      }
      return { ms, items: (JSON.parse(last.body) as { items: unknown[] }).items.length, bytes: last.bytes };
    };
    const admin = await run(adminToken);
    const alice = await run(aliceToken);
    const rss = memoryMiB(child.pid!);
    await stopChild(child);
    const fig = {
      apps: size,
      firstRequestMs: Math.round(first.ms),
      admin: { ...round(summary(admin.ms)), items: admin.items, bytes: admin.bytes },
      alice: { ...round(summary(alice.ms)), items: alice.items, bytes: alice.bytes },
      serverRssMiB: { idleAfterStart: Math.round(rssIdle.now), afterRequests: Math.round(rss.now), peak: Math.round(rss.peak) },
      ...(profDir ? { serverCpuProfileTop: { note: "the whole process (start, login, requests): self time, % of busy samples", top: profileSummary(profDir) } } : {}),
    };
    h.log(JSON.stringify(fig));
    figures.push(fig);
  }

  h.log("decomposition in this process");
  const informers = sharedInformers(resources);
  const state = new AppState(informers);
  await state.start(resources);
  h.defer("informers", async () => void (await Promise.all([informers.apps.stop(), informers.projects.stop()])));
  const parts = await decomposition(state.apps());
  const cpu1 = machineCpu();
  const wall = (cpu1.busy + cpu1.idle + cpu1.steal - (cpu0.busy + cpu0.idle + cpu0.steal)) || 1;
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: "server-list",
        machine: machine(),
        cpuOverRun: { busyPct: pct(cpu1.busy - cpu0.busy, wall), stealPct: pct(cpu1.steal - cpu0.steal, wall), note: `percent of one core (${cpus().length} cores: ${cpus().length * 100} % in all)` },
        requestsPerUser: REQUESTS,
        figures,
        decompositionInBenchProcess: parts,
      },
      null,
      2,
    )}\n`,
  );
});

function round(s: { n: number; p50: number; p90: number; min: number; max: number }): Record<string, number> {
  return { n: s.n, p50: Math.round(s.p50 * 10) / 10, p90: Math.round(s.p90 * 10) / 10, min: Math.round(s.min * 10) / 10, max: Math.round(s.max * 10) / 10 };
}

/** Share of the machine's CPU time, in percent of one core (all cores: 100 % × cores). */
function pct(part: number, total: number): number {
  return Math.round((part / total) * cpus().length * 100 * 10) / 10;
}
