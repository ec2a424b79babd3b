/**
 * The sync operation as a re-entrant state machine, each story on a real cluster, a real Git server and
 * the controller in-process:
 *
 * - the last wave is not waited on (the sync succeeds, the app then says Degraded), an earlier one is;
 * - a wave that stays unhealthy holds no worker: with two workers and four apps waiting, a fresh app syncs;
 * - terminate mid-sync: nothing further applied, the running hook deleted, no prune, Failed "terminated";
 * - a selective sync applies and prunes only what it names, and is not history;
 * - a Prune=false object is reported PruneSkipped;
 * - a manual sync's operation.retry is honoured, inside the one operation (Argo CD's "Retrying attempt #1");
 * - once per commit *and* spec: a new path at the same commit syncs again;
 * - a sync timeout names what it still waited for.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import type { Resources } from "../../src/cluster/resources.js";
import type { KubeObject } from "../../src/core/object.js";
import { startGitServer, type GitServer } from "../../src/gitserver/server.js";
import { WorkDir } from "../../src/gitserver/workdir.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { resourcesFor } from "../helpers/cluster.js";
import { appStatus, runController, type RunningController } from "../helpers/controller.js";
import { repoRoot } from "../helpers/paths.js";
import { waitFor } from "../helpers/wait.js";

interface OpView {
  phase?: string;
  message?: string;
  startedAt?: string;
  retryCount?: number;
  progress?: { step?: { phase: string; stage: string; wave: number } };
  syncResult?: { revision?: string; resources?: Array<{ kind: string; name: string; status?: string; message?: string; hookPhase?: string }> };
}
type Status = NonNullable<Awaited<ReturnType<typeof appStatus>>> & { operationState?: OpView; history?: Array<{ id: number; revision?: string }> };
const status = async (resources: Resources, name: string, ns = "plumb"): Promise<Status | undefined> => (await appStatus(resources, name, ns)) as Status | undefined;

const wave = (w: number) => ({ "argocd.argoproj.io/sync-wave": String(w) });
const cm = (name: string, w = 0, data: Record<string, string> = { v: "1" }, annotations: Record<string, string> = {}) => stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, annotations: { ...wave(w), ...annotations } }, data });
/** A LoadBalancer Service: Progressing for ever here (no cloud controller assigns an address). */
const lb = (name: string, w = 0) => stringify({ apiVersion: "v1", kind: "Service", metadata: { name, annotations: wave(w) }, spec: { type: "LoadBalancer", selector: { app: name }, ports: [{ port: 80 }] } });
/** A Pod template no node accepts (unless a node gets the label `gate`): its Pods stay Pending. */
const unschedulable = (name: string, gate = "plumb.dev/no-such-node") => ({ metadata: { labels: { app: name } }, spec: { restartPolicy: "Never", nodeSelector: { [gate]: "true" }, containers: [{ name: "c", image: "busybox:1.36", command: ["true"] }] } });
/** A Deployment that turns Degraded: its Pods never run and its progress deadline is one second. */
const degrading = (name: string, w = 0) => stringify({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name, annotations: wave(w) }, spec: { replicas: 1, progressDeadlineSeconds: 1, selector: { matchLabels: { app: name } }, template: { ...unschedulable(name), spec: { ...unschedulable(name).spec, restartPolicy: "Always" } } } });
/** A hook Job that never completes (its Pod is never scheduled), or fails after two seconds. */
const hookJob = (name: string, hook: string, failing = false, gate?: string) =>
  stringify({ apiVersion: "batch/v1", kind: "Job", metadata: { name, annotations: { "argocd.argoproj.io/hook": hook } }, spec: { backoffLimit: 0, ...(failing ? { activeDeadlineSeconds: 2 } : {}), template: unschedulable(name, gate) } });

function application(name: string, repoURL: string, path: string, dest: string, opts: { automated?: boolean; namespace?: string; annotations?: Record<string, string>; syncOptions?: string[] } = {}): KubeObject {
  return {
    apiVersion: "plumb.dev/v1alpha1",
    kind: "Application",
    metadata: { name, namespace: opts.namespace ?? "plumb", ...(opts.annotations ? { annotations: opts.annotations } : {}) },
    spec: {
      source: { repoURL, targetRevision: "main", path },
      destination: { server: "https://kubernetes.default.svc", namespace: dest },
      syncPolicy: { ...(opts.automated === false ? {} : { automated: { prune: true } }), syncOptions: opts.syncOptions ?? ["CreateNamespace=true"] },
    },
  };
}

describe("controller: the sync as a re-entrant operation", { timeout: 400_000 }, () => {
  let cluster: LocalCluster;
  let resources: Resources;
  let git: GitServer;
  let ctrl: RunningController;
  const dirs: WorkDir[] = [];

  /** A repository with these files on main; returns its URL, work tree and the commit. */
  const repository = async (name: string, files: Record<string, string>) => {
    const url = await git.createRepo(name);
    const wd = await WorkDir.clone(url);
    dirs.push(wd);
    wd.write(files);
    const sha = await wd.commit(`${name}: first`);
    await wd.push("main");
    return { url, wd, sha };
  };
  const cli = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile(process.execPath, [join(repoRoot, "dist", "src", "cli", "main.js"), "app", ...args, "--kubeconfig", cluster.kubeconfigPath], { env: { ...process.env, NO_COLOR: "1" } }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
      });
    });
  const get = (kind: string, namespace: string, name: string, apiVersion = "v1") => resources.get({ apiVersion, kind, namespace, name });
  const ended = (name: string, ns = "plumb") =>
    waitFor(`${name}'s operation to end`, async () => {
      const s = await status(resources, name, ns);
      const phase = s?.operationState?.phase;
      return phase === "Succeeded" || phase === "Failed" ? s : undefined;
    }, 90_000);

  before(async () => {
    cluster = await startLocalCluster({ name: "e2e-operations" });
    resources = await resourcesFor(cluster);
    for (const ns of ["plumb", "fair"]) await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    git = await startGitServer();
    ctrl = await runController(resources, { namespace: "plumb" });
  });
  after(async () => {
    await ctrl?.stop();
    for (const wd of dirs) wd.dispose();
    await git?.close();
    resources?.client.close();
    await cluster?.stop();
  });

  it("does not wait on the last wave (the namespace of CreateNamespace=true is a wave of its own), but waits on an earlier one", async () => {
    const last = await repository("last-wave", { "app/web.yaml": degrading("web"), "app/settings.yaml": cm("settings") });
    await resources.apply(application("last-wave", last.url, "app", "last-wave"));
    const done = await ended("last-wave");
    assert.equal(done.operationState?.phase, "Succeeded", `the sync ends once the last wave is applied: ${done.operationState?.message}`);
    const degraded = await waitFor("the app to say Degraded", async () => {
      const s = await status(resources, "last-wave");
      return s?.health?.status === "Degraded" ? s : undefined;
    }, 60_000);
    assert.equal(degraded.operationState?.phase, "Succeeded", "the sync stays Succeeded; the health says Degraded");
    assert.equal(degraded.conditions?.some((c) => c.type === "SyncError") ?? false, false);

    const early = await repository("early-wave", { "app/web.yaml": degrading("web", 0), "app/after.yaml": cm("after", 1) });
    await resources.apply(application("early-wave", early.url, "app", "early-wave"));
    const failed = await ended("early-wave");
    assert.equal(failed.operationState?.phase, "Failed");
    assert.match(failed.operationState?.message ?? "", /Sync wave 0: Deployment early-wave\/web is Degraded/);
    assert.equal(await get("ConfigMap", "early-wave", "after"), undefined, "the next wave never started");
  });

  it("a wave that stays unhealthy holds no worker: with two workers and four apps waiting, a fresh app syncs", async () => {
    const repo = await repository("fair", { "slow/lb.yaml": lb("front", 0), "slow/after.yaml": cm("after", 1), "quick/settings.yaml": cm("settings") });
    const fair = await runController(resources, { namespace: "fair", workers: 2, installCRDs: false });
    try {
      const slow = ["slow-1", "slow-2", "slow-3", "slow-4"];
      for (const name of slow) await resources.apply(application(name, repo.url, "slow", name, { namespace: "fair" }));
      await waitFor("all four apps to be waiting at Sync wave 0", async () => {
        const states = await Promise.all(slow.map((n) => status(resources, n, "fair")));
        return states.every((s) => s?.operationState?.phase === "Running" && s.operationState.progress?.step?.phase === "Sync" && s.operationState.progress.step.wave === 0) || undefined;
      }, 60_000);
      await resources.apply(application("quick", repo.url, "quick", "quick", { namespace: "fair" }));
      const quick = await waitFor("the fresh app to sync", async () => {
        const s = await status(resources, "quick", "fair");
        return s?.operationState?.phase === "Succeeded" && s.sync?.status === "Synced" ? s : undefined;
      }, 60_000);
      assert.equal(quick.sync?.revision, repo.sha);
      const states = await Promise.all(slow.map((n) => status(resources, n, "fair")));
      assert.deepEqual(states.map((s) => s?.operationState?.phase), ["Running", "Running", "Running", "Running"], "none of the waiting apps was released before the fresh one synced");
      for (const [i, s] of states.entries()) assert.match(s?.operationState?.message ?? "", /Sync wave 0: waiting for Service slow-\d\/front \(Progressing/, `${slow[i]} says what it waits for`);
    } finally {
      await fair.stop();
    }
  });

  it("terminate mid-sync: nothing further applied, the running hook deleted, no prune, Failed with the message terminated", async () => {
    const repo = await repository("term", { "app/old.yaml": cm("old") });
    await resources.apply(application("term", repo.url, "app", "term", { automated: false }));
    assert.equal((await cli("sync", "term", "-n", "plumb", "--timeout", "60")).code, 0);
    assert.ok(await get("ConfigMap", "term", "old"));
    repo.wd.remove("app/old.yaml");
    // The hook runs once a node has the label plumb.dev/term-gate: given after the terminate, so that a
    // controller that ignored it would see the hook complete and go on with the Sync phase and the prune.
    repo.wd.write({ "app/migrate.yaml": hookJob("migrate", "PreSync", false, "plumb.dev/term-gate"), "app/after.yaml": cm("after") });
    await repo.wd.commit("a hook that waits for a node");
    await repo.wd.push();
    const sync = cli("sync", "term", "-n", "plumb", "--prune", "--timeout", "120");
    await waitFor("the sync to wait for its PreSync hook", async () => {
      const s = await status(resources, "term");
      return s?.operationState?.phase === "Running" && s.operationState.progress?.step?.phase === "PreSync" && (await get("Job", "term", "migrate", "batch/v1")) ? true : undefined;
    }, 60_000);
    const term = await cli("terminate-op", "term", "-n", "plumb");
    assert.equal(term.code, 0, term.stderr);
    const nodes = await resources.list("v1", "Node");
    const label = (value: string | null) =>
      Promise.all(nodes.items.map((n) => resources.client.request({ method: "PATCH", path: `/api/v1/nodes/${n.metadata.name}`, contentType: "application/merge-patch+json", body: { metadata: { labels: { "plumb.dev/term-gate": value } } } })));
    await label("true");
    const done = await sync;
    assert.equal(done.code, 1, "the waiting sync reports the failure");
    const s = await ended("term");
    assert.equal(s.operationState?.phase, "Failed");
    assert.equal(s.operationState?.message, "terminated");
    await waitFor("the running hook to be deleted", async () => (await get("Job", "term", "migrate", "batch/v1")) === undefined || undefined, 30_000);
    // The hook could run now; a sync that went on would apply the Sync phase and prune within seconds.
    await sleep(6000);
    await label(null);
    assert.equal(await get("ConfigMap", "term", "after"), undefined, "nothing of the Sync phase was applied");
    assert.ok(await get("ConfigMap", "term", "old"), "no prune ran");
    assert.equal((await status(resources, "term"))?.operationState?.message, "terminated");
    const again = await cli("terminate-op", "term", "-n", "plumb");
    assert.equal(again.code, 1, "nothing left to terminate");
    assert.match(again.stderr, /no operation in progress/);
  });

  it("a selective sync applies and prunes only the objects it names, runs no hook, and is not history", async () => {
    const repo = await repository("pick", { "app/a.yaml": cm("a", 0, { v: "1" }), "app/b.yaml": cm("b", 0, { v: "1" }), "app/c.yaml": cm("c") });
    await resources.apply(application("pick", repo.url, "app", "pick", { automated: false }));
    assert.equal((await cli("sync", "pick", "-n", "plumb", "--timeout", "60")).code, 0);
    repo.wd.remove("app/c.yaml");
    repo.wd.write({ "app/a.yaml": cm("a", 0, { v: "2" }), "app/b.yaml": cm("b", 0, { v: "2" }), "app/smoke.yaml": hookJob("smoke", "PostSync") });
    await repo.wd.commit("a and b change, c goes");
    await repo.wd.push();
    const one = await cli("sync", "pick", "-n", "plumb", "--resource", ":ConfigMap:a", "--prune", "--timeout", "60");
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual((await get("ConfigMap", "pick", "a"))?.data, { v: "2" });
    assert.deepEqual((await get("ConfigMap", "pick", "b"))?.data, { v: "1" }, "b was not selected");
    assert.ok(await get("ConfigMap", "pick", "c"), "c was not selected, so not pruned");
    assert.equal(await get("Job", "pick", "smoke", "batch/v1"), undefined, "no hook runs in a selective sync");
    const two = await cli("sync", "pick", "-n", "plumb", "--resource", ":ConfigMap:pick/c", "--prune", "--timeout", "60");
    assert.equal(two.code, 0, two.stderr);
    await waitFor("c to be pruned", async () => (await get("ConfigMap", "pick", "c")) === undefined || undefined, 30_000);
    const s = await status(resources, "pick");
    assert.deepEqual(s?.operationState?.syncResult?.resources?.map((r) => `${r.kind}/${r.name} ${r.status}`), ["ConfigMap/c Pruned"]);
    assert.equal(s?.history?.length, 1, "selective syncs are not recorded in history (as Argo CD)");
    assert.equal(s?.sync?.status, "OutOfSync", "b is still out of sync");
    const bad = await cli("sync", "pick", "-n", "plumb", "--resource", "ConfigMap:b");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /expected GROUP:KIND:NAME/);
  });

  it("reports a Prune=false object as PruneSkipped, and keeps it", async () => {
    const repo = await repository("keep", { "app/keep.yaml": cm("keep", 0, {}, { "argocd.argoproj.io/sync-options": "Prune=false" }), "app/gone.yaml": cm("gone"), "app/stay.yaml": cm("stay") });
    await resources.apply(application("keep", repo.url, "app", "keep"));
    await waitFor("the first sync", async () => (await status(resources, "keep"))?.operationState?.syncResult?.revision === repo.sha || undefined, 60_000);
    repo.wd.remove("app/keep.yaml", "app/gone.yaml");
    const sha = await repo.wd.commit("drop keep and gone");
    await repo.wd.push();
    const s = await waitFor("the second sync", async () => {
      const st = await status(resources, "keep");
      return st?.operationState?.syncResult?.revision === sha && st.operationState.phase === "Succeeded" ? st : undefined;
    }, 60_000);
    const result = new Map(s.operationState?.syncResult?.resources?.map((r) => [r.name, r.status]));
    assert.equal(result.get("keep"), "PruneSkipped");
    assert.equal(result.get("gone"), "Pruned");
    assert.ok(await get("ConfigMap", "keep", "keep"), "kept in the cluster");
  });

  it("honours operation.retry on a manual sync, inside the one operation", async () => {
    const repo = await repository("manual-retry", { "app/migrate.yaml": hookJob("migrate", "PreSync", true), "app/settings.yaml": cm("settings") });
    await resources.apply(application("manual-retry", repo.url, "app", "manual-retry", { automated: false }));
    await waitFor("the first comparison", async () => (await status(resources, "manual-retry"))?.sync?.status === "OutOfSync" || undefined, 60_000);
    const phases: string[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const op = (await status(resources, "manual-retry").catch(() => undefined))?.operationState;
        if (op) phases.push(`${op.phase}/${op.retryCount ?? 0}`);
        await sleep(100);
      }
    })();
    try {
      await resources.client.request({
        method: "PATCH",
        path: "/apis/plumb.dev/v1alpha1/namespaces/plumb/applications/manual-retry",
        contentType: "application/merge-patch+json",
        body: { operation: { sync: {}, initiatedBy: { username: "e2e" }, retry: { limit: 1, backoff: { duration: "1s", factor: 2, maxDuration: "5s" } } } },
      });
      const failed = await waitFor("the operation to fail after one retry", async () => {
        const s = await status(resources, "manual-retry");
        return s?.operationState?.phase === "Failed" ? s : undefined;
      }, 90_000);
      assert.equal(failed.operationState?.retryCount, 1, "one retry, as operation.retry.limit says");
      assert.match(failed.operationState?.message ?? "", /hook Job manual-retry\/migrate failed/);
    } finally {
      sampling = false;
      await sampler;
    }
    assert.ok(phases.includes("Running/1"), `the retry ran inside the operation, Running with retryCount 1: ${[...new Set(phases)].join(" ")}`);
    assert.ok(!phases.includes("Failed/0"), `the first attempt did not end the operation: ${[...new Set(phases)].join(" ")}`);
  });

  it("syncs again at the same commit when the spec changes (once per commit and spec)", async () => {
    const repo = await repository("spec", { "v1/settings.yaml": cm("settings", 0, { v: "1" }), "v2/settings.yaml": cm("settings", 0, { v: "2" }) });
    await resources.apply(application("spec", repo.url, "v1", "spec"));
    await waitFor("v1 deployed", async () => ((await get("ConfigMap", "spec", "settings"))?.data as { v?: string } | undefined)?.v === "1" || undefined, 60_000);
    await resources.client.request({ method: "PATCH", path: "/apis/plumb.dev/v1alpha1/namespaces/plumb/applications/spec", contentType: "application/merge-patch+json", body: { spec: { source: { path: "v2" } } } });
    await waitFor("v2 deployed at the same commit, without selfHeal", async () => ((await get("ConfigMap", "spec", "settings"))?.data as { v?: string } | undefined)?.v === "2" || undefined, 60_000);
    const s = await waitFor("the second history entry", async () => {
      const st = await status(resources, "spec");
      return (st?.history?.length ?? 0) >= 2 ? st : undefined;
    }, 30_000);
    assert.deepEqual(s.history?.map((h) => h.revision), [repo.sha, repo.sha]);
  });

  it("fails a sync that outlives its timeout, naming what it waited for", async () => {
    const repo = await repository("timeout", { "app/front.yaml": lb("front", 0), "app/after.yaml": cm("after", 1) });
    await resources.apply(application("timeout", repo.url, "app", "timeout", { annotations: { "plumb.dev/sync-timeout": "3s" } }));
    const s = await ended("timeout");
    assert.equal(s.operationState?.phase, "Failed");
    assert.match(s.operationState?.message ?? "", /Sync wave 0: timed out after 3 s waiting for Service timeout\/front \(Progressing: Waiting for the load balancer/);
    assert.equal(await get("ConfigMap", "timeout", "after"), undefined);
  });
});
