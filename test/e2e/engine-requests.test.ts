/**
 * What the engine asks of the API server, counted by the client on a real control plane: a first sync
 * makes one dry run and one write per object and no GET for objects not there yet; its outcome already
 * says Synced; the comparison after it is answered from remembered dry runs, and so is one after another
 * controller changed a field plumb does not own; a change by hand is dry-run again and reported; and the
 * remembered answers agree with fresh dry runs.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import type { Resources } from "../../src/cluster/resources.js";
import { appSpec, type AppSpec } from "../../src/engine/app.js";
import { compareApp } from "../../src/engine/compare.js";
import { Predictions } from "../../src/engine/predictions.js";
import { syncApp } from "../../src/engine/sync.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { resourcesFor } from "../helpers/cluster.js";

const NS = "counted";

describe("engine: requests per object", { timeout: 120_000 }, () => {
  let cluster: LocalCluster;
  let resources: Resources;
  let repo: string;
  let app: AppSpec;
  const predictions = new Predictions();

  /** Requests made by `fn`: writes, dry runs, and the GETs of single objects (the inventory's lists and discovery apart). */
  async function counted<T>(fn: () => Promise<T>): Promise<{ result: T; objectGets: string[]; writes: number; dryRuns: number }> {
    const c0 = { ...resources.client.counts };
    const objectGets: string[] = [];
    const client = resources.client;
    const request = client.request.bind(client);
    client.request = ((req: Parameters<typeof request>[0]) => {
      // Discovery (/version, /api/v1, /apis/apps/v1) is not an object: an object's path has 4 or more parts.
      if ((req.method ?? "GET") === "GET" && !req.query?.labelSelector && req.path.split("/").length > 4) objectGets.push(req.path);
      return request(req);
    }) as typeof request;
    try {
      const result = await fn();
      const c = client.counts;
      return { result, objectGets, writes: c.writes - c0.writes, dryRuns: c.dryRuns - c0.dryRuns };
    } finally {
      client.request = request;
    }
  }

  /** A merge patch of one object of the app by another field manager (someone else's change). */
  async function patchAs(fieldManager: string, path: string, body: unknown): Promise<void> {
    await resources.client.request({ method: "PATCH", path: `/api/v1/namespaces/${NS}/${path}`, contentType: "application/merge-patch+json", query: { fieldManager }, body });
  }

  /** A comparison with the remembered dry runs and a fresh one (3 dry runs), each counted. */
  async function rememberedAndFresh() {
    const remembered = await counted(() => compareApp({ resources, predictions }, app));
    const fresh = await counted(() => compareApp({ resources }, app));
    assert.equal(fresh.dryRuns, 3);
    return { remembered, fresh };
  }

  const statuses = (r: Awaited<ReturnType<typeof compareApp>>) => r.resources.map((x) => `${x.key.kind} ${x.status}`).sort();

  before(async () => {
    cluster = await startLocalCluster({ name: "e2e-engine-requests" });
    resources = await resourcesFor(cluster);
    repo = mkdtempSync(join(tmpdir(), "plumb-repo-"));
    mkdirSync(join(repo, "app"));
    const objects = [
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings" }, data: { color: "blue" } },
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "runner" } },
      { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } },
    ];
    writeFileSync(join(repo, "app", "all.yaml"), objects.map((o) => stringify(o)).join("---\n"));
    app = appSpec({ name: "counted", namespace: NS, repoRoot: repo, path: "app", syncOptions: ["CreateNamespace=true"], prune: true });
    await resources.discovery.serverInfo(); // discovery's own requests are not the engine's
  });
  after(async () => {
    resources?.client.close();
    await cluster?.stop();
    if (repo) rmSync(repo, { recursive: true, force: true });
  });

  it("a first sync: one dry run and one write per object, no GET of objects not there yet, and its outcome says Synced", async () => {
    const { result, objectGets, writes, dryRuns } = await counted(() => syncApp({ resources, predictions }, app));
    assert.equal(result.changes.phase, "Succeeded", result.changes.message);
    assert.equal(dryRuns, 3, "one dry run per object (the comparison's, which the sync reuses as validation)");
    assert.equal(writes, 4, "the three objects and the namespace");
    assert.deepEqual(objectGets, [`/api/v1/namespaces/${NS}`], "only whether the namespace exists (CreateNamespace=true)");
    assert.equal(result.comparison.summary.status, "Synced");
    assert.deepEqual(
      result.comparison.resources.map((r) => `${r.key.kind} ${r.status}`).sort(),
      ["ConfigMap Synced", "Service Synced", "ServiceAccount Synced"],
    );
  });

  it("the comparison after the sync is answered from remembered dry runs, and finds nothing out of sync", async () => {
    const { result, dryRuns } = await counted(() => compareApp({ resources, predictions }, app));
    assert.equal(dryRuns, 0);
    assert.equal(result.summary.status, "Synced", result.resources.map((r) => r.diff).join("\n"));
  });

  it("another manager's change to fields plumb does not own costs no dry run, and a fresh dry run agrees", async () => {
    // What kube-controller-manager does to a Deployment (deployment.kubernetes.io/revision), done by a stand-in.
    await patchAs("other-controller", "serviceaccounts/runner", { metadata: { annotations: { "example.com/revision": "7" } } });
    const { remembered, fresh } = await rememberedAndFresh();
    assert.equal(remembered.dryRuns, 0, "the earlier apply changed nothing and plumb owns the same fields");
    assert.deepEqual(statuses(remembered.result), ["ConfigMap Synced", "Service Synced", "ServiceAccount Synced"]);
    assert.deepEqual(statuses(remembered.result), statuses(fresh.result));
  });

  it("a change by hand is dry-run again and reported; fresh dry runs agree with the remembered ones", async () => {
    await patchAs("kubectl-edit", "configmaps/settings", { data: { color: "red" } });
    const { remembered, fresh } = await rememberedAndFresh();
    assert.equal(remembered.dryRuns, 1, "only the edited object");
    assert.deepEqual(statuses(remembered.result), ["ConfigMap OutOfSync", "Service Synced", "ServiceAccount Synced"]);
    assert.deepEqual(statuses(remembered.result), statuses(fresh.result));
    const cm = remembered.result.resources.find((r) => r.key.kind === "ConfigMap")!;
    assert.match(cm.diff, /-\s+color: red\n\+\s+color: blue/);
  });
});
