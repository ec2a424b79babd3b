/**
 * Sharding over Leases (issue 15, docs/adr/0023-sharding.md), on one local control plane with three
 * controller processes run with --shard: 300 apps (a ConfigMap each, automated sync with self-heal) are each
 * owned by exactly one member (the members' /metrics agree with the rendezvous hash, and the logs show each
 * app synced by one member only); a member SIGKILLed → a drift on one of its apps made after the kill is
 * reverted by another member within 2 lease periods; the member started again → the shares rebalance; a
 * member SIGKILLed mid-sync (the three-wave shop chart) → the interrupted sync is completed once, by the new
 * owner, from its record. Throughout, no app shows two members' syncs overlapping (the logs' sync
 * start/end lines per member and app).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Resources } from "../../src/cluster/resources.js";
import { ownerOf } from "../../src/controller/shard/rendezvous.js";
import { startGitServer, type GitServer } from "../../src/gitserver/server.js";
import { WorkDir } from "../../src/gitserver/workdir.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { fakeIngressController, resourcesFor } from "../helpers/cluster.js";
import { appStatus } from "../helpers/controller.js";
import { fixture, repoRoot } from "../helpers/paths.js";
import { waitFor } from "../helpers/wait.js";

const APPS = 300;
const LEASE_S = 6;
const IDS = ["m1", "m2", "m3"];
const name = (i: number) => `app-${String(i).padStart(3, "0")}`;

interface Line {
  msg?: string;
  app?: string;
  time?: number;
  trigger?: string;
  member?: string;
  owned?: number;
  members?: number;
  url?: string;
}

interface Member {
  id: string;
  killedAt?: number;
  /** When it was SIGSTOPped: a sync it had open then ends there (it was frozen); what it logs after SIGCONT counts anew. */
  pausedAt?: number;
  child: ChildProcess;
  lines: () => Line[];
  exited: Promise<unknown>;
  metrics: () => Promise<{ members: number; owned: number }>;
}

describe("sharding: three members share 300 apps over Leases", { timeout: 300_000 }, () => {
  let cluster: LocalCluster;
  let resources: Resources;
  let git: GitServer;
  let stopIngress: () => Promise<void>;
  const tmp = mkdtempSync(join(tmpdir(), "plumb-shard-"));
  const all: Member[] = [];

  async function startMember(id: string): Promise<Member> {
    const cacheDir = join(tmp, `cache-${id}-${all.length}`);
    const args = ["controller", "--kubeconfig", cluster.kubeconfigPath, "--shard", "--member-id", id, "--lease-duration", String(LEASE_S), "--metrics-port", "0", "--poll-interval", "5", "--cache-dir", cacheDir, "--no-applicationsets", "--no-notifications"];
    const child = spawn(process.execPath, [join(repoRoot, "dist", "src", "cli", "main.js"), ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const logFile = process.env.PLUMB_SHARD_LOGS ? join(process.env.PLUMB_SHARD_LOGS, `${id}-${all.length}.log`) : undefined;
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      if (logFile) appendFileSync(logFile, c);
    });
    child.stderr!.on("data", (c: Buffer) => (err += c.toString()));
    const exited = new Promise((r) => child.once("exit", r));
    const lines = () => out.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Line);
    await waitFor(`member ${id} to be ready`, async () => {
      if (child.exitCode !== null) throw new Error(`member ${id} exited: ${out}${err}`);
      return lines().some((l) => l.msg === "metrics served");
    }, 60_000, 100);
    const url = lines().find((l) => l.msg === "metrics served")!.url!;
    const metrics = async () => {
      const text = await (await fetch(url)).text();
      const read = (metric: string) => Number(new RegExp(`^${metric} (\\S+)$`, "m").exec(text)?.[1]);
      return { members: read("plumb_shard_members"), owned: read("plumb_shard_owned_applications") };
    };
    const m = { id, child, lines, exited, metrics };
    all.push(m);
    return m;
  }

  const kill = async (m: Member) => {
    m.killedAt = Date.now();
    m.child.kill("SIGKILL");
    await m.exited;
  };
  const live = () => all.filter((m) => m.child.exitCode === null && m.child.signalCode === null);
  const configMap = (i: number) => resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "shard", name: name(i) });

  /** Every member's sync intervals per app; fails when two members' intervals of one app overlap. */
  function assertNoOverlap(): number {
    const spans = new Map<string, Array<{ member: Member; from: number; to: number }>>();
    for (const m of all) {
      const open = new Map<string, number>();
      // A span still open ends when its member was killed (or now, while it runs).
      const end = m.killedAt ?? Date.now();
      for (const l of m.lines()) {
        if (!l.app || !l.time) continue;
        if (l.msg === "sync started" || l.msg === "sync resumed") open.set(l.app, l.time);
        if ((l.msg === "sync succeeded" || l.msg === "sync failed") && open.has(l.app)) {
          (spans.get(l.app) ?? spans.set(l.app, []).get(l.app)!).push({ member: m, from: open.get(l.app)!, to: l.time });
          open.delete(l.app);
        }
      }
      for (const [app, from] of open) (spans.get(app) ?? spans.set(app, []).get(app)!).push({ member: m, from, to: m.pausedAt !== undefined && from < m.pausedAt ? m.pausedAt : end });
    }
    for (const [app, list] of spans)
      for (const a of list)
        for (const b of list) {
          if (a === b || a.member === b.member) continue;
          assert.ok(a.to < b.from || b.to < a.from, `${app}: syncs by ${a.member.id} [${a.from}, ${a.to}] and ${b.member.id} [${b.from}, ${b.to}] overlap`);
        }
    return spans.size;
  }

  before(async () => {
    cluster = await startLocalCluster({ name: "e2e-shard" });
    resources = await resourcesFor(cluster);
    for (const ns of ["plumb", "shard"]) await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    git = await startGitServer();
    const wd = await WorkDir.clone(await git.createRepo("fleet"));
    for (let i = 0; i < APPS; i++) {
      mkdirSync(join(wd.dir, "apps", name(i)), { recursive: true });
      writeFileSync(join(wd.dir, "apps", name(i), "cm.yaml"), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name(i)}\ndata:\n  v: "1"\n`);
    }
    cpSync(fixture("e2e", "shop-chart"), join(wd.dir, "shop"), { recursive: true });
    // The same chart for a second app, without the CRD (the first app's).
    cpSync(fixture("e2e", "shop-chart"), join(wd.dir, "shop2"), { recursive: true });
    rmSync(join(wd.dir, "shop2", "crds"), { recursive: true });
    await wd.commit("fleet");
    await wd.push("main");
    wd.dispose();
    const ingress = [fakeIngressController(resources, "shop"), fakeIngressController(resources, "shop2")];
    stopIngress = async () => void (await Promise.all(ingress.map((stop) => stop())));
  });
  after(async () => {
    for (const m of all) if (m.child.exitCode === null) m.child.kill("SIGKILL");
    await stopIngress?.();
    await git?.close();
    resources?.client.close();
    await cluster?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("each app has one owner; a killed member's apps are reconciled by the others within 2 lease periods; a restarted member takes its share back", async () => {
    for (const id of IDS) await startMember(id);
    await waitFor("the three members to see each other", async () => (await Promise.all(live().map((m) => m.metrics()))).every((x) => x.members === 3), 30_000, 250);
    for (let i = 0; i < APPS; i += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, APPS - i) }, (_, j) =>
          resources.apply({
            apiVersion: "plumb.dev/v1alpha1",
            kind: "Application",
            metadata: { name: name(i + j), namespace: "plumb" },
            spec: { source: { repoURL: git.repoUrl("fleet"), targetRevision: "main", path: `apps/${name(i + j)}` }, destination: { server: "https://kubernetes.default.svc", namespace: "shard" }, syncPolicy: { automated: { prune: true, selfHeal: true } } },
          }),
        ),
      );
    }
    const expected = (ids: string[], id: string) => Array.from({ length: APPS }, (_, i) => `plumb/${name(i)}`).filter((k) => ownerOf(k, ids) === id).length;
    await waitFor("every member to own its rendezvous share", async () => {
      const ms = await Promise.all(live().map((m) => m.metrics()));
      return ms.every((x, i) => x.members === 3 && x.owned === expected(IDS, live()[i]!.id));
    }, 60_000, 500);
    const owned = await Promise.all(live().map((m) => m.metrics()));
    assert.equal(owned.reduce((n, x) => n + x.owned, 0), APPS, "the shares add up to all apps");
    await waitFor("all 300 apps Synced", async () => {
      const list = await resources.client.request<{ items: Array<{ status?: { sync?: { status?: string } } }> }>({ path: "/apis/plumb.dev/v1alpha1/namespaces/plumb/applications" });
      return list.items.filter((a) => a.status?.sync?.status === "Synced").length === APPS;
    }, 150_000, 1000);
    // The logs: each app's sync was run by its owner only.
    for (const m of all)
      for (const l of m.lines()) if (l.msg === "sync started" && l.app?.startsWith("plumb/app-")) assert.equal(ownerOf(l.app, IDS), m.id, `${l.app} was synced by ${m.id}, not its owner`);
    assert.equal(assertNoOverlap(), APPS, "every app synced once, by one member");

    // SIGKILL m2, then drift one of its apps: another member reverts it.
    const [m1, m2, m3] = all as [Member, Member, Member];
    const victim = Array.from({ length: APPS }, (_, i) => i).find((i) => ownerOf(`plumb/${name(i)}`, IDS) === "m2")!;
    const heir = ownerOf(`plumb/${name(victim)}`, ["m1", "m3"])!;
    const killedAt = Date.now();
    await kill(m2);
    const cm = (await configMap(victim))!;
    await resources.apply({ ...cm, metadata: { name: cm.metadata.name, namespace: "shard" }, data: { v: "drift" } } as never);
    await waitFor("the drift on the killed member's app to be reverted", async () => ((await configMap(victim)) as { data?: { v?: string } } | undefined)?.data?.v === "1", 60_000, 100);
    const failoverMs = Date.now() - killedAt;
    console.log(`failover: drift on ${name(victim)} reverted ${failoverMs} ms after SIGKILL (lease ${LEASE_S} s)`);
    assert.ok(failoverMs <= 2 * LEASE_S * 1000, `reverted ${failoverMs} ms after the kill: more than 2 lease periods (${2 * LEASE_S} s)`);
    const fixer = [m1, m3].find((m) => m.lines().some((l) => l.app === `plumb/${name(victim)}` && l.msg === "sync started" && (l.time ?? 0) >= killedAt))!;
    assert.equal(fixer?.id, heir, "the member next in the hash reverted it");
    await waitFor("the two survivors to share all apps", async () => {
      const ms = await Promise.all([m1, m3].map((m) => m.metrics()));
      return ms.every((x, i) => x.members === 2 && x.owned === expected(["m1", "m3"], [m1, m3][i]!.id));
    }, 30_000, 250);

    // m2 back under the same id: the shares rebalance to what they were.
    await startMember("m2");
    await waitFor("the shares to rebalance over three members", async () => {
      const ms = await Promise.all(live().map((m) => m.metrics()));
      return ms.length === 3 && ms.every((x, i) => x.members === 3 && x.owned === expected(IDS, live()[i]!.id));
    }, 30_000, 250);
    const changes = m1.lines().filter((l) => l.msg === "shard membership changed");
    assert.ok(changes.some((l) => l.members === 2) && changes.at(-1)?.members === 3, "m1 logged both membership changes with the counts");
    assertNoOverlap();
  });

  it("a member SIGKILLed mid-sync: the new owner completes the interrupted sync once, from its record", async () => {
    const key = "plumb/shop";
    const owner = live().find((m) => m.id === ownerOf(key, IDS))!;
    await resources.apply({
      apiVersion: "plumb.dev/v1alpha1",
      kind: "Application",
      metadata: { name: "shop", namespace: "plumb" },
      spec: { source: { repoURL: git.repoUrl("fleet"), targetRevision: "main", path: "shop" }, destination: { server: "https://kubernetes.default.svc", namespace: "shop" }, syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] } },
    });
    type Recorded = { phase?: string; startedAt?: string; resumedAt?: string; progress?: { step?: { phase: string; wave: number } } };
    const atKill = await waitFor("the shop sync to be recorded before its last wave", async () => {
      const s = (await appStatus(resources, "shop"))?.operationState as Recorded | undefined;
      return s?.phase === "Running" && s.progress?.step?.phase === "Sync" && s.progress.step.wave < 2 ? s : undefined;
    }, 60_000, 10);
    await kill(owner);
    const heir = live().find((m) => m.id === ownerOf(key, IDS.filter((i) => i !== owner.id)))!;
    const done = await waitFor("the interrupted sync to complete", async () => {
      const s = await appStatus(resources, "shop");
      return s?.operationState?.phase === "Succeeded" && s.sync?.status === "Synced" ? s : undefined;
    }, 90_000);
    assert.equal(done.history?.length, 1, "one sync on record, not two");
    assert.equal((done.operationState as Recorded).startedAt, atKill.startedAt, "the completed operation is the interrupted one");
    const lines = heir.lines().filter((l) => l.app === key);
    assert.ok(lines.some((l) => l.msg === "sync resumed"), `the new owner ${heir.id} resumed it`);
    assert.ok(!lines.some((l) => l.msg === "sync started"), "the new owner did not start a sync of its own");
    for (const m of live()) if (m !== heir) assert.ok(!m.lines().some((l) => l.app === key && l.msg?.startsWith("sync ")), `${m.id} never touched the shop sync`);
    assertNoOverlap();
  });

  it("a member paused mid-sync (SIGSTOP): the other completes the sync; woken (SIGCONT), the paused one is fenced and writes nothing until it has its share back", async () => {
    const key = "plumb/shop2";
    const ids = live().map((m) => m.id);
    const owner = live().find((m) => m.id === ownerOf(key, ids))!;
    const heir = live().find((m) => m !== owner)!;
    await resources.apply({
      apiVersion: "plumb.dev/v1alpha1",
      kind: "Application",
      metadata: { name: "shop2", namespace: "plumb" },
      spec: { source: { repoURL: git.repoUrl("fleet"), targetRevision: "main", path: "shop2" }, destination: { server: "https://kubernetes.default.svc", namespace: "shop2" }, syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] } },
    });
    type Recorded = { phase?: string; startedAt?: string; progress?: { step?: { phase: string; wave: number } } };
    const atPause = await waitFor("the shop2 sync to be recorded before its last wave", async () => {
      const s = (await appStatus(resources, "shop2"))?.operationState as Recorded | undefined;
      return s?.phase === "Running" && s.progress?.step?.phase === "Sync" && s.progress.step.wave < 2 ? s : undefined;
    }, 60_000, 10);
    owner.pausedAt = Date.now();
    owner.child.kill("SIGSTOP");
    const done = await waitFor("the other member to complete the paused member's sync", async () => {
      const s = await appStatus(resources, "shop2");
      return s?.operationState?.phase === "Succeeded" && s.sync?.status === "Synced" ? s : undefined;
    }, 90_000);
    assert.equal((done.operationState as Recorded).startedAt, atPause.startedAt, "the completed operation is the paused one");
    assert.ok(heir.lines().some((l) => l.app === key && l.msg === "sync resumed"), `${heir.id} resumed it`);
    const before = owner.lines().length;
    const wokenAt = Date.now();
    owner.child.kill("SIGCONT");
    await waitFor("the woken member to say it is fenced", async () => owner.lines().slice(before).some((l) => l.msg?.startsWith("shard member fenced")), 20_000, 50);
    await waitFor("the shares to rebalance over both members", async () => {
      const ms = await Promise.all(live().map((m) => m.metrics()));
      const keys = [...Array.from({ length: APPS }, (_, j) => `plumb/${name(j)}`), "plumb/shop", key];
      return ms.every((x, i) => x.members === 2 && x.owned === keys.filter((k) => ownerOf(k, ids) === live()[i]!.id).length);
    }, 30_000, 250);
    const after = owner.lines().slice(before);
    const rejoined = after.find((l) => l.msg === "shard membership changed" && l.members === 2 && (l.owned ?? 0) > 0)?.time ?? Date.now();
    const early = after.filter((l) => l.msg?.startsWith("sync ") && l.msg !== "sync handed over" && (l.time ?? 0) >= wokenAt && (l.time ?? 0) < rejoined);
    assert.deepEqual(early.map((l) => `${l.app} ${l.msg}`), [], "the woken member synced nothing before it had its share back");
    assert.ok(!after.some((l) => l.app === key && l.msg?.startsWith("sync ") && l.msg !== "sync handed over"), "the woken member did not go on with the sync it had been running");
    const final = await appStatus(resources, "shop2");
    assert.equal(final?.history?.length, 1, "one sync on record");
    assertNoOverlap();
    for (const m of live()) m.child.kill("SIGTERM");
    for (const m of all) await m.exited;
  });
});
