/**
 * examples/multi-environment, run as `plumb demo --example multi-environment` runs it (src/examples'
 * startExample: push with branches main and develop, apply both apps of apps, wait), with the controller in
 * compat mode: dev and prod come up Synced and Healthy, each child Application created only once the one of
 * the wave before is Healthy (proved from the API server's own sequence of Application changes, a watch
 * opened before anything is applied, and from the roots' operation records — never from sampling); a
 * change pushed to develop reaches dev only; merging develop into main promotes it to prod; `git revert`
 * of the merge on main returns prod to the previous version.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Resources } from "../../src/cluster/resources.js";
import { resourceListerWatcher, type WatchEvent } from "../../src/cluster/watch.js";
import type { KubeObject } from "../../src/core/object.js";
import { loadExample } from "../../src/examples/catalog.js";
import { startExample, type StartedExample } from "../../src/examples/start.js";
import { git } from "../../src/gitserver/git.js";
import { startGitServer, type GitServer } from "../../src/gitserver/server.js";
import { WorkDir } from "../../src/gitserver/workdir.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { resourcesFor } from "../helpers/cluster.js";
import { appStatus, runController, type AppStatusView, type RunningController } from "../helpers/controller.js";
import { waitFor } from "../helpers/wait.js";

const ENVS = [
  { env: "dev", branch: "develop", namespace: "shop-dev" },
  { env: "prod", branch: "main", namespace: "shop-prod" },
] as const;
/** The child apps in wave order. */
const WAVES = ["database", "backend", "frontend"] as const;
const OLD = "ghcr.io/stefanprodan/podinfo:6.7.0";
const NEW = "ghcr.io/stefanprodan/podinfo:6.7.1";
const IDENTITY = { GIT_AUTHOR_NAME: "dev", GIT_AUTHOR_EMAIL: "dev@example.com", GIT_COMMITTER_NAME: "dev", GIT_COMMITTER_EMAIL: "dev@example.com" };

type Deploy = KubeObject & { spec: { template: { spec: { containers: Array<{ image: string }> } } } };
type Reported = { status?: { health?: { status?: string }; sync?: { status?: string } } };

/**
 * Every change to the Applications of namespace argocd, in the order the API server made them, from now on:
 * a list, then a watch from the list's resourceVersion (reopened from the last event's if it ends).
 */
async function recordApplications(resources: Resources): Promise<{ initial: KubeObject[]; events: WatchEvent[]; stop(): Promise<void> }> {
  const info = await resources.discovery.waitForKind("argoproj.io/v1alpha1", "Application");
  const lw = resourceListerWatcher(resources, info, { namespace: "argocd" });
  const list = await lw.list();
  const events: WatchEvent[] = [];
  const abort = new AbortController();
  let rv = list.resourceVersion;
  const loop = (async () => {
    while (!abort.signal.aborted) {
      try {
        for await (const ev of lw.watch(rv, 300, abort.signal)) {
          if (ev.type === "ERROR") throw new Error(`watch error: ${JSON.stringify(ev.object)}`);
          rv = ev.object.metadata.resourceVersion ?? rv;
          if (ev.type !== "BOOKMARK") events.push(ev);
        }
      } catch (err) {
        if (!abort.signal.aborted) throw err;
      }
    }
  })();
  return {
    initial: list.items,
    events,
    async stop() {
      abort.abort();
      await loop;
    },
  };
}

describe("examples/multi-environment: dev and prod from develop and main, waves, promotion, rollback", { timeout: 180_000 }, () => {
  let cluster: LocalCluster;
  let resources: Resources;
  let gitServer: GitServer;
  let ctrl: RunningController;
  let started: StartedExample;
  let wd: WorkDir;
  let recorded: WatchEvent[] = [];
  let initial: KubeObject[] = [];

  const status = (name: string): Promise<AppStatusView | undefined> => appStatus(resources, name, "argocd", "argoproj.io");
  const image = async (namespace: string, name: string): Promise<string | undefined> =>
    ((await resources.get({ apiVersion: "apps/v1", kind: "Deployment", namespace, name })) as Deploy | undefined)?.spec.template.spec.containers[0]?.image;
  /** Waits until app `name` is Synced at `sha`, Healthy, with no sync running, and the backend of `namespace` runs `want`. */
  const deployed = (name: string, sha: string, namespace: string, want: string) =>
    waitFor(`${name} Synced and Healthy at ${sha.slice(0, 7)} running ${want}`, async () => {
      const s = await status(name);
      const done = s?.sync?.status === "Synced" && s.sync.revision === sha && s.health?.status === "Healthy" && s.operationState?.phase !== "Running";
      return done && (await image(namespace, "backend")) === want ? s : undefined;
    }, 60_000);
  const head = async (ref: string): Promise<string> => (await git(["rev-parse", ref], { cwd: wd.dir })).trim();

  // The world of test/helpers/examples.ts, built by hand: the watch must open between the controller's start
  // (which installs the Application CRD) and the example's apply.
  before(async () => {
    cluster = await startLocalCluster({ name: "e2e-example-multi-environment" });
    resources = await resourcesFor(cluster);
    gitServer = await startGitServer();
    ctrl = await runController(resources, { argoCompat: true });
    // Opened before anything is applied, so that it sees every Application from its creation on.
    const rec = await recordApplications(resources);
    try {
      started = await startExample(loadExample("multi-environment"), { resources, git: gitServer, timeoutMs: 120_000 });
    } finally {
      await rec.stop();
      recorded = rec.events;
      initial = rec.initial;
    }
    wd = await WorkDir.clone(started.urls.get("multi-environment")!);
  });
  after(async () => {
    wd?.dispose();
    await ctrl?.stop();
    await gitServer?.close();
    resources?.client.close();
    await cluster?.stop();
  });

  it("brings dev and prod up Synced and Healthy, each child Application created only after the wave before it was Healthy", async () => {
    assert.deepEqual(initial, [], "no Application existed before the example was applied");
    const sha = started.repos[0]!.sha;
    for (const { env, branch, namespace } of ENVS) {
      const root = await status(`app-of-apps-${env}`);
      assert.equal(root?.sync?.revision, sha, `the ${env} root is at the pushed commit (branch ${branch})`);
      // The root's operation record: each child was synced in the wave its annotation gives.
      const waves = new Map((root?.operationState as { syncResult?: { resources?: Array<{ name: string; syncWave?: number }> } } | undefined)?.syncResult?.resources?.map((r) => [r.name, r.syncWave]));
      assert.deepEqual(WAVES.map((w) => waves.get(`${w}-${env}`)), [0, 1, 2], `the ${env} root's record of its children's waves`);
      for (const w of WAVES) {
        const child = await status(`${w}-${env}`);
        assert.equal(child?.sync?.revision, sha);
        assert.equal(child?.health?.status, "Healthy");
      }
      assert.equal(await image(namespace, "backend"), OLD);
      assert.ok(await resources.get({ apiVersion: "apps/v1", kind: "StatefulSet", namespace, name: "database" }), `the database runs in ${namespace}`);
      assert.ok(await resources.get({ apiVersion: "apps/v1", kind: "Deployment", namespace, name: "frontend" }), `the frontend runs in ${namespace}`);

      // The order, from the API server's own sequence of changes: the first event of a later wave's child
      // (its creation) comes after an event in which the earlier wave's child reports Synced and Healthy.
      const at = (pred: (e: WatchEvent) => boolean): number => recorded.findIndex(pred);
      for (let i = 1; i < WAVES.length; i++) {
        const earlier = `${WAVES[i - 1]}-${env}`;
        const later = `${WAVES[i]}-${env}`;
        const created = at((e) => e.object.metadata.name === later);
        const healthy = at((e) => e.object.metadata.name === earlier && (e.object as Reported).status?.health?.status === "Healthy" && (e.object as Reported).status?.sync?.status === "Synced");
        assert.ok(created >= 0 && recorded[created]!.type === "ADDED", `${later}'s first event is its creation`);
        assert.ok(healthy >= 0, `${earlier} was seen Synced and Healthy`);
        assert.ok(healthy < created, `${later} was created (event #${created}) only after ${earlier} was Healthy (event #${healthy})`);
      }
    }
  });

  it("a change pushed to develop deploys to dev only", async () => {
    const mainBefore = started.repos[0]!.sha;
    await wd.checkout("develop");
    const file = join(wd.dir, "apps", "backend", "deployment.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace(OLD, NEW));
    const sha = await wd.commit("backend 6.7.1");
    await wd.push("develop");
    await deployed("backend-dev", sha, "shop-dev", NEW);
    const prod = await status("backend-prod");
    assert.equal(prod?.sync?.revision, mainBefore, "prod still at main's commit");
    assert.equal(prod?.sync?.status, "Synced");
    assert.equal(await image("shop-prod", "backend"), OLD, "prod still runs the old backend");
  });

  it("merging develop into main promotes the change to prod; git revert of the merge on main rolls prod back", async () => {
    await wd.checkout("main");
    await git(["merge", "--no-ff", "develop", "-m", "promote backend 6.7.1 to prod"], { cwd: wd.dir, env: IDENTITY });
    const merge = await head("HEAD");
    await wd.push("main");
    await deployed("backend-prod", merge, "shop-prod", NEW);

    await git(["revert", "-m", "1", "--no-edit", "HEAD"], { cwd: wd.dir, env: IDENTITY });
    const revert = await head("HEAD");
    await wd.push("main");
    await deployed("backend-prod", revert, "shop-prod", OLD);
    assert.equal(await image("shop-dev", "backend"), NEW, "dev keeps the new backend: develop did not change");
    assert.equal((await status("backend-dev"))?.sync?.revision, await head("develop"));
  });
});
