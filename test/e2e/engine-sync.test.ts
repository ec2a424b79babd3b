/**
 * The engine core against a real control plane: a Helm chart with three waves and two hooks syncs in
 * order, each wave healthy before the next; a diff right after shows nothing out of sync; a removed file
 * is pruned, except what says Prune=false; an empty render never prunes everything.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Resources } from "../../src/cluster/resources.js";
import { appSpec, type AppSpec } from "../../src/engine/app.js";
import { compareApp } from "../../src/engine/compare.js";
import { syncApp } from "../../src/engine/sync.js";
import { ownedObjects } from "../../src/engine/inventory.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { PlanError } from "../../src/sync/index.js";
import { fakeIngressController, observe, resourcesFor, type Sample } from "../helpers/cluster.js";
import { fixture } from "../helpers/paths.js";
import { waitFor } from "../helpers/wait.js";

const NS = "shop";
const ref = (apiVersion: string, kind: string, name: string, namespace: string | undefined = NS) => ({ apiVersion, kind, name, namespace, label: `${kind}/${name}` });

const WAVES = [
  [ref("apps/v1", "StatefulSet", "db"), ref("v1", "Service", "db"), ref("v1", "Secret", "db-credentials"), ref("v1", "ConfigMap", "db-config"), ref("apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.shop.example.com", undefined)],
  [ref("apps/v1", "Deployment", "api"), ref("v1", "Service", "api"), ref("v1", "ConfigMap", "api-config"), ref("batch/v1", "CronJob", "api-cleanup"), ref("shop.example.com/v1", "Widget", "api-widget")],
  [ref("apps/v1", "Deployment", "web"), ref("v1", "Service", "web"), ref("networking.k8s.io/v1", "Ingress", "web"), ref("v1", "ConfigMap", "web-banner")],
];
const PRESYNC = ref("batch/v1", "Job", "shop-migrate");
const POSTSYNC = ref("batch/v1", "Job", "shop-smoke-test");
const ready = (s: string | undefined): boolean => s === "Healthy" || s === "Suspended" || s === "none";

describe("engine: sync a Helm chart on a real cluster", { timeout: 300_000 }, () => {
  let cluster: LocalCluster;
  let resources: Resources;
  let repo: string;
  let app: AppSpec;
  let stopIngress: () => Promise<void>;

  before(async () => {
    cluster = await startLocalCluster({ name: "e2e-engine" });
    resources = await resourcesFor(cluster);
    repo = mkdtempSync(join(tmpdir(), "plumb-repo-"));
    cpSync(fixture("e2e", "shop-chart"), join(repo, "shop"), { recursive: true });
    app = appSpec({ name: "shop", namespace: NS, repoRoot: repo, path: "shop", syncOptions: ["CreateNamespace=true"], prune: true });
    stopIngress = fakeIngressController(resources, NS);
  });
  after(async () => {
    await stopIngress?.();
    resources?.client.close();
    await cluster?.stop();
    if (repo) rmSync(repo, { recursive: true, force: true });
  });

  it("syncs in wave order, each wave healthy before the next, PreSync hook first, PostSync hook last and deleted", async () => {
    const stop = observe(resources, [...WAVES.flat(), PRESYNC, POSTSYNC]);
    const { changes } = await syncApp({ resources }, app, { timeoutMs: 120_000 });
    const samples: Sample[] = await stop();
    assert.equal(changes.phase, "Succeeded", changes.message);

    let sawWavesApart = false;
    let sawSmokeTest = false;
    for (const s of samples) {
      const st = (r: { label: string }) => s.state.get(r.label);
      for (let w = 1; w < WAVES.length; w++) {
        if (WAVES[w]!.some((r) => st(r) !== undefined)) {
          for (const earlier of WAVES.slice(0, w).flat()) {
            assert.ok(ready(st(earlier)), `at ${s.at} wave ${w} had started while ${earlier.label} was ${st(earlier) ?? "absent"}`);
          }
        }
      }
      if (WAVES.flat().some((r) => st(r) !== undefined)) assert.equal(st(PRESYNC), "Healthy", "the PreSync Job completed before any resource was applied");
      if (st(POSTSYNC) !== undefined) {
        sawSmokeTest = true;
        for (const r of WAVES.flat()) assert.ok(ready(st(r)), `the PostSync hook ran while ${r.label} was ${st(r) ?? "absent"}`);
      }
      if (WAVES[0]!.some((r) => st(r) !== undefined) && WAVES[2]!.every((r) => st(r) === undefined)) sawWavesApart = true;
    }
    assert.ok(sawWavesApart, "the observer saw wave 0 up before wave 2 started");
    assert.ok(sawSmokeTest, "the observer saw the PostSync hook");

    const order = changes.entries.map((e) => `${e.action} ${e.key.kind}/${e.key.name}`);
    assert.deepEqual(order.slice(0, 2), ["created Namespace/shop", "created Job/shop-migrate"], "CreateNamespace, then the PreSync hook");
    assert.equal(order.at(-1), "created Job/shop-smoke-test", "the PostSync hook last");
    const smoke = changes.entries.at(-1)!;
    assert.equal(smoke.hookPhase, "Succeeded");
    assert.match(smoke.message, /deleted \(HookSucceeded\)/);
    // Deleted with foreground propagation: gone once its Pod is.
    const hook = await resources.get(POSTSYNC);
    assert.ok(!hook || hook.metadata.deletionTimestamp, "HookSucceeded deleted the PostSync Job");
    await waitFor("the PostSync Job to be gone", async () => (await resources.get(POSTSYNC)) === undefined || undefined, 30_000);
    assert.ok(await resources.get(PRESYNC), "the PreSync Job is kept (BeforeHookCreation)");
  });

  it("shows nothing out of sync right after the sync (no spurious drift)", async () => {
    const cmp = await compareApp({ resources }, app);
    const drift = cmp.resources.filter((r) => r.status !== "Synced").map((r) => `${r.status} ${r.key.kind}/${r.key.name}\n${r.diff}`);
    assert.deepEqual(drift, []);
    const kinds = new Set(cmp.resources.map((r) => r.key.kind));
    for (const k of ["Deployment", "Service", "ConfigMap", "Secret", "StatefulSet", "CronJob", "Ingress", "Widget"]) assert.ok(kinds.has(k), `${k} was compared`);
    const widget = await resources.get(ref("shop.example.com/v1", "Widget", "api-widget"));
    assert.equal((widget?.spec as { color?: string }).color, "blue", "the CRD's schema default is set live and not reported as drift");
  });

  it("a second sync of the unchanged app changes nothing and makes no write", async () => {
    const writes = resources.client.counts.writes;
    const { changes } = await syncApp({ resources }, app);
    // Hooks run on every sync; nothing else is written: delete + re-create the PreSync Job
    // (BeforeHookCreation), create + delete the PostSync Job (HookSucceeded).
    assert.equal(resources.client.counts.writes - writes, 4, "only the hooks' four writes");
    assert.equal(changes.phase, "Succeeded");
    const resourceEntries = changes.entries.filter((e) => !e.hook);
    assert.ok(resourceEntries.length > 10);
    assert.deepEqual(resourceEntries.filter((e) => e.action !== "unchanged").map((e) => `${e.action} ${e.id}`), []);
  });

  it("prunes a file removed from the source, but keeps what says Prune=false", async () => {
    rmSync(join(repo, "shop", "templates", "frontend-banner.yaml"));
    rmSync(join(repo, "shop", "templates", "keep.yaml"));
    const before = await compareApp({ resources }, app);
    assert.deepEqual(before.resources.filter((r) => r.status === "Extra").map((r) => r.key.name).sort(), ["keep-me", "web-banner"]);

    const { changes } = await syncApp({ resources }, app);
    assert.equal(changes.phase, "Succeeded", changes.message);
    const byName = new Map(changes.entries.map((e) => [e.key.name, e]));
    assert.equal(byName.get("web-banner")?.action, "pruned");
    assert.equal(byName.get("keep-me")?.action, "skipped");
    assert.equal(await resources.get(ref("v1", "ConfigMap", "web-banner")), undefined);
    assert.ok(await resources.get(ref("v1", "ConfigMap", "keep-me")), "Prune=false kept it");
  });

  it("reports removed objects as extra and deletes nothing when prune is off", async () => {
    rmSync(join(repo, "shop", "templates", "frontend.yaml"));
    const { changes } = await syncApp({ resources }, { ...app, prune: false });
    assert.equal(changes.phase, "Succeeded");
    const web = changes.entries.find((e) => e.key.kind === "Deployment" && e.key.name === "web");
    assert.equal(web?.action, "skipped");
    assert.ok(await resources.get(ref("apps/v1", "Deployment", "web")), "still there");
    cpSync(fixture("e2e", "shop-chart", "templates", "frontend.yaml"), join(repo, "shop", "templates", "frontend.yaml"));
  });

  it("refuses to prune everything when the render is empty, unless allowEmpty", async () => {
    mkdirSync(join(repo, "empty"));
    writeFileSync(join(repo, "empty", "README.md"), "nothing to deploy here\n");
    const empty = { ...app, path: "empty" };
    const alive = async () =>
      (await ownedObjects(resources, "shop")).filter((o) => !o.metadata.deletionTimestamp).map((o) => `${o.kind}/${o.metadata.name}`).sort();
    const owned = await alive();
    assert.ok(owned.length > 10);
    await assert.rejects(syncApp({ resources }, empty), (err: unknown) => {
      assert.ok(err instanceof PlanError);
      assert.match(err.message, /nothing is desired/);
      return true;
    });
    assert.deepEqual(await alive(), owned, "nothing was deleted");
    const { changes } = await syncApp({ resources }, { ...empty, allowEmpty: true });
    assert.equal(changes.phase, "Succeeded", changes.message);
    const left = await alive();
    assert.ok(left.includes("ConfigMap/keep-me"), "Prune=false still holds");
    assert.ok(!left.includes("Deployment/api"));
  });
});
