/**
 * Benchmark (issue 10): how long a status change takes to reach 100 clients of the Applications stream.
 *
 * The apps (1,000 by default, server-common.ts: realistic status, no controller) are created on the local
 * control plane. The server runs as a separate process (`--serve`, below): AppState over shared informers,
 * the real RBAC (casbin; plumb-rbac-cm's policy: alice may `get` project team-0), the stream hub
 * (server/streams.ts) and the list and stream routes on the server's app chain (createApp), tokens signed
 * with signToken. 100 clients — 50 as admin, 50 as alice — each list the apps and open the stream from the
 * list's resourceVersion, as a UI does; they parse SSE by hand (test/helpers/sse.ts).
 *
 * Then ~20 times: the status of one app of team-0 (which every client may see) is patched through the
 * status subresource, as the controller writes it (health alternating, a marker in health.message); the
 * clock starts just before the PATCH and stops when a client has parsed the event. A watch of the
 * Applications in this process gives, for each change, the API server's own delay (PATCH → watch event),
 * so that the fan-out's share can be told apart. The next change waits until every client has the last.
 *
 *   node dist/bench/server-sse.js [--apps 1000] [--clients 100] [--changes 20]
 *
 * Output: one JSON object on stdout (machine, date, /proc/stat steal, delays, the server's CPU and RSS).
 */
import { cpus } from "node:os";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { serve } from "@hono/node-server";
import { installCRDs } from "../src/apps/index.js";
import { KubeClient } from "../src/cluster/client.js";
import { InformerFactory } from "../src/cluster/informer.js";
import { Resources } from "../src/cluster/resources.js";
import { startLocalCluster } from "../src/localcluster/cluster.js";
import { createApp, type ApiDeps } from "../src/server/app.js";
import { newSigningKey, signToken, verifyToken } from "../src/server/auth/jwt.js";
import { UnauthenticatedError } from "../src/server/errors.js";
import { Rbac } from "../src/server/rbac/index.js";
import { mountApplications } from "../src/server/routes/applications.js";
import { mountStreams } from "../src/server/routes/streams.js";
import { AppState, sharedInformers } from "../src/server/state.js";
import { AppStreams } from "../src/server/streams.js";
import { SSEReader } from "../test/helpers/sse.js";
import { Harness, cpuSeconds, machine, machineCpu, memoryMiB, summary } from "./controller-common.js";
import { appName, benchSettings, benchStatus, createApps, HALF_POLICY, NS, patchStatus, spawnUntil } from "./server-common.js";

const { values: args } = parseArgs({
  options: {
    apps: { type: "string", default: "1000" },
    clients: { type: "string", default: "100" },
    changes: { type: "string", default: "20" },
    serve: { type: "boolean", default: false },
    kubeconfig: { type: "string" },
  },
});

/** The server process: state, RBAC, hub, routes; "serving at URL" on stderr once listening. */
async function serveMode(): Promise<void> {
  const key = process.env.PLUMB_BENCH_KEY ?? "";
  const resources = new Resources(await KubeClient.fromKubeconfigFile(args.kubeconfig));
  const state = new AppState(sharedInformers(resources));
  await state.start(resources);
  const rbac = await Rbac.create();
  await rbac.load({ "policy.csv": HALF_POLICY });
  const streams = new AppStreams(state, { rbac, namespace: NS });
  const log = { info: () => undefined, warn: () => undefined, error: (o: object, m: string) => process.stderr.write(`${m} ${JSON.stringify(o)}\n`) };
  const deps: ApiDeps & { resources: Resources } = {
    state,
    rbac,
    log,
    namespace: NS,
    version: "bench",
    resources,
    auth: {
      verify: async (token) => {
        const c = await verifyToken(key, token);
        return { subject: c.sub, username: c.sub, groups: [], via: "session", issuer: "plumb", tokenId: c.jti, issuedAt: c.iat ?? 0 };
      },
    },
    sessions: { login: () => Promise.reject(new UnauthenticatedError("tokens only")), logout: () => undefined },
  };
  const app = createApp(deps, (api) => {
    mountApplications(api, deps);
    mountStreams(api, { ...deps, streams });
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) => process.stderr.write(`serving at http://127.0.0.1:${info.port}\n`));
  await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
  streams.stop();
  (server as unknown as { closeAllConnections(): void }).closeAllConnections();
  server.close();
  process.exit(0);
}

interface Client {
  reader: SSEReader;
  /** Arrival (performance.now()) of each change's marker. */
  got: Map<string, number>;
}

async function benchMode(): Promise<void> {
  const APPS = Number(args.apps);
  const CLIENTS = Number(args.clients);
  const CHANGES = Number(args.changes);
  const h = new Harness("server-sse", 30 * 60_000);
  await h.run(async () => {
    const cpu0 = machineCpu();
    const cluster = await startLocalCluster({ name: "bench-server-sse", nodes: 1 });
    h.defer("local cluster", () => cluster.stop());
    const resources = new Resources(await KubeClient.fromKubeConfig(cluster.kubeConfig));
    h.defer("client", () => resources.client.close());
    await installCRDs(resources);
    await benchSettings(resources);
    await createApps(h, resources, 0, APPS);
    h.log(`${APPS} apps created`);

    const key = newSigningKey();
    const { child, match } = await spawnUntil(h, "stream server", [process.argv[1]!, "--serve", "--kubeconfig", cluster.kubeconfigPath], /serving at (http:\/\/\S+)/, { ...process.env, PLUMB_BENCH_KEY: key });
    const url = match[1]!;
    const tokens = { admin: (await signToken(key, { sub: "admin", kind: "session" })).token, alice: (await signToken(key, { sub: "alice", kind: "session" })).token };

    // The API server's own delay: a watch of the Applications in this process.
    const watched = new InformerFactory(resources, { namespace: NS });
    const watchGot = new Map<string, number>();
    const marker = (o: object): string | undefined => ((o as { status?: unknown }).status as { health?: { message?: string } } | undefined)?.health?.message;
    watched.on("update", (_old, o) => {
      const m = marker(o);
      if (o.metadata.name === TARGET && m && !watchGot.has(m)) watchGot.set(m, performance.now());
    });
    await watched.ensure("plumb.dev/v1alpha1", "Application");
    await watched.waitForSync();
    h.defer("watch", () => watched.stop());

    const connectMs: number[] = [];
    const clients: Client[] = [];
    const cpuServer0 = cpuSeconds(child.pid!);
    for (let i = 0; i < CLIENTS; i++) {
      const token = i % 2 === 0 ? tokens.admin : tokens.alice;
      const t0 = performance.now();
      const list = await fetch(`${url}/api/v1/applications`, { headers: { authorization: `Bearer ${token}` } });
      const rv = ((await list.json()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
      const res = await fetch(`${url}/api/v1/stream/applications?resourceVersion=${rv}`, { headers: { authorization: `Bearer ${token}` } });
      if (res.status !== 200) throw new Error(`stream: ${res.status} ${await res.text()}`);
      connectMs.push(performance.now() - t0);
      const c: Client = { reader: new SSEReader(res.body!), got: new Map() };
      clients.push(c);
      void (async () => {
        for (;;) {
          const m = await c.reader.next(3_600_000).catch(() => undefined);
          if (!m) return;
          if (!m.data || m.event) continue;
          const ev = (JSON.parse(m.data) as { result: { type: string; application: { metadata: { name: string }; status?: unknown } } }).result;
          const mk = marker(ev.application);
          if (ev.application.metadata.name === TARGET && mk && !c.got.has(mk)) c.got.set(mk, m.at);
        }
      })();
    }
    h.log(`${CLIENTS} clients connected (list + stream, p50 ${Math.round(summary(connectMs).p50)} ms each)`);
    const rssConnected = memoryMiB(child.pid!);

    const delays: number[] = [];
    const perChange: Array<{ change: number; watchMs: number; p50: number; p90: number; max: number }> = [];
    const cpuChanges0 = cpuSeconds(child.pid!);
    for (let k = 0; k < CHANGES; k++) {
      const mk = `change-${k}`;
      const status = benchStatus(0, k % 2 === 0 ? "Progressing" : "Healthy", new Date().toISOString());
      status.health = { ...status.health!, message: mk };
      const t0 = performance.now();
      await patchStatus(resources, TARGET, status);
      const deadline = Date.now() + 15_000;
      while (clients.some((c) => !c.got.has(mk))) {
        if (Date.now() > deadline) throw new Error(`change ${k}: ${clients.filter((c) => !c.got.has(mk)).length} clients did not receive it in 15 s`);
        await new Promise((r) => setTimeout(r, 5));
      }
      const ds = clients.map((c) => c.got.get(mk)! - t0);
      delays.push(...ds);
      const s = summary(ds);
      perChange.push({ change: k, watchMs: r1((watchGot.get(mk) ?? NaN) - t0), p50: r1(s.p50), p90: r1(s.p90), max: r1(s.max) });
      await new Promise((r) => setTimeout(r, 250));
    }
    const cpuChanges = cpuSeconds(child.pid!) - cpuChanges0;
    const all = summary(delays);
    const watch = summary(perChange.map((c) => c.watchMs));
    const cpu1 = machineCpu();
    const wall = cpu1.busy + cpu1.idle + cpu1.steal - (cpu0.busy + cpu0.idle + cpu0.steal) || 1;
    const pct = (x: number): number => Math.round((x / wall) * cpus().length * 1000) / 10;
    process.stdout.write(
      `${JSON.stringify(
        {
          benchmark: "server-sse",
          machine: machine(),
          cpuOverRun: { busyPct: pct(cpu1.busy - cpu0.busy), stealPct: pct(cpu1.steal - cpu0.steal), note: `percent of one core (${cpus().length} cores)` },
          apps: APPS,
          clients: { total: CLIENTS, admin: Math.ceil(CLIENTS / 2), alice: Math.floor(CLIENTS / 2), connectListAndStreamMs: rounded(summary(connectMs)) },
          changes: CHANGES,
          deliveryMs: { ...rounded(all), note: "PATCH sent → event parsed by a client, over every client and change" },
          apiServerWatchMs: { ...rounded(watch), note: "PATCH sent → this process's own watch event (the floor under the figures above)" },
          perChange,
          server: { cpuSecondsDuringChanges: Math.round(cpuChanges * 100) / 100, cpuSecondsConnecting: Math.round((cpuChanges0 - cpuServer0) * 100) / 100, rssMiBWithClients: Math.round(rssConnected.now), peakRssMiB: Math.round(memoryMiB(child.pid!).peak) },
        },
        null,
        2,
      )}\n`,
    );
    for (const c of clients) await c.reader.cancel();
  });
}

const TARGET = appName(0);
const r1 = (x: number): number => Math.round(x * 10) / 10;
const rounded = (s: { n: number; p50: number; p90: number; min: number; max: number }) => ({ n: s.n, p50: r1(s.p50), p90: r1(s.p90), min: r1(s.min), max: r1(s.max) });

if (args.serve) await serveMode();
else await benchMode();
