/**
 * Multi-source (spec.sources) on the local control plane and the loopback Git server: a Helm chart stored
 * in one repository, its values in another (a `ref` source, read as `$values/…`). The app syncs with both
 * revisions in its status; a push to the values repository re-syncs it; a rollback restores both
 * revisions; an object rendered by two sources is a ComparisonError naming both, and nothing is pruned.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readApplication } from "../../src/apps/index.js";
import { rollbackSync } from "../../src/apps/client.js";
import type { KubeObject } from "../../src/core/object.js";
import { WorkDir } from "../../src/gitserver/workdir.js";
import { startGitOpsWorld, type GitOpsWorld } from "../helpers/controller.js";
import { waitFor } from "../helpers/wait.js";

const NS = "multi";
const APP = "/apis/plumb.dev/v1alpha1/namespaces/plumb/applications/multi";
const web = { apiVersion: "apps/v1", kind: "Deployment", namespace: NS, name: "multi-web" };
interface Status {
  sync?: { status?: string; revision?: string; revisions?: string[] };
  health?: { status?: string };
  conditions?: Array<{ type: string; message: string }>;
  operationState?: { phase?: string; syncResult?: { revision?: string; revisions?: string[]; sources?: unknown[] } };
  history?: Array<{ id: number; revision?: string; revisions?: string[]; sources?: unknown[] }>;
}

describe("controller: multi-source with a $ref values repository", { timeout: 400_000 }, () => {
  let world: GitOpsWorld;
  let values: WorkDir;
  let valuesURL: string;
  const get = async (): Promise<KubeObject | undefined> => world.resources.get({ apiVersion: "plumb.dev/v1alpha1", kind: "Application", namespace: "plumb", name: "multi" });
  const status = async (): Promise<Status | undefined> => (await get())?.status as Status | undefined;
  const replicas = async (): Promise<number | undefined> => ((await world.resources.get(web)) as { spec?: { replicas?: number } } | undefined)?.spec?.replicas;
  const patch = (body: unknown) => world.resources.client.request({ method: "PATCH", path: APP, contentType: "application/merge-patch+json", body });
  const syncedAt = (revisions: string[]) => async () => {
    const s = await status();
    return s?.sync?.status === "Synced" && s.health?.status === "Healthy" && JSON.stringify(s.sync.revisions) === JSON.stringify(revisions) && s.operationState?.phase !== "Running" ? s : undefined;
  };
  const sources = () => [
    { repoURL: world.repoURL, targetRevision: "main", path: "guestbook", helm: { valueFiles: ["values.yaml", "$values/env/multi.yaml"] } },
    { repoURL: valuesURL, targetRevision: "main", ref: "values" },
  ];

  before(async () => {
    world = await startGitOpsWorld("e2e-multi-source");
    valuesURL = await world.git.createRepo("values");
    values = await WorkDir.clone(valuesURL);
    values.write({ "env/multi.yaml": "web:\n  replicaCount: 1\n" });
    await values.commit("one replica");
    await values.push("main");
  });
  after(async () => {
    values?.dispose();
    await world?.close();
  });

  it("syncs a chart from one repository with values from another: Synced, Healthy, both revisions in status and history", async () => {
    await world.resources.apply({
      apiVersion: "plumb.dev/v1alpha1",
      kind: "Application",
      metadata: { name: "multi", namespace: "plumb" },
      spec: { sources: sources(), destination: { server: "https://kubernetes.default.svc", namespace: NS }, syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] } },
    });
    const revisions = [await world.wd.head(), await values.head()];
    const s = await waitFor("multi Synced and Healthy at both revisions", syncedAt(revisions), 90_000);
    assert.equal(await replicas(), 1, "the value file of the ref source is used");
    assert.equal(s.sync?.revision, undefined, "several sources: revisions, not revision");
    assert.deepEqual(s.operationState?.syncResult?.revisions, revisions);
    assert.equal(s.operationState?.syncResult?.sources?.length, 2);
    assert.deepEqual(s.history?.at(-1)?.revisions, revisions);
    assert.equal(s.history?.at(-1)?.sources?.length, 2);
  });

  it("re-syncs when the values repository moves", async () => {
    values.write({ "env/multi.yaml": "web:\n  replicaCount: 3\n" });
    const sha = await values.commit("three replicas");
    await values.push();
    const s = await waitFor("the values commit synced", syncedAt([await world.wd.head(), sha]), 60_000);
    assert.equal(await replicas(), 3);
    assert.equal(s.history?.length, 2);
  });

  it("rolls both sources back to a history entry", async () => {
    await patch({ spec: { syncPolicy: { automated: null } } });
    await waitFor("automated off", async () => (await get())?.spec && !(readApplication((await get())!).spec?.syncPolicy?.automated) || undefined, 10_000);
    const view = readApplication((await get())!);
    const first = view.status.history![0]!;
    const sync = rollbackSync(view, first.id);
    assert.deepEqual(sync.revisions, first.revisions);
    await patch({ operation: { sync, initiatedBy: { username: "e2e" } } });
    const s = await waitFor("the rollback synced", async () => {
      const st = await status();
      return st?.operationState?.phase === "Succeeded" && JSON.stringify(st.operationState.syncResult?.revisions) === JSON.stringify(first.revisions) ? st : undefined;
    }, 60_000);
    assert.deepEqual(s.history?.at(-1)?.revisions, first.revisions, "the rollback is a deployment of both old revisions");
    await waitFor("one replica again", async () => (await replicas()) === 1 || undefined, 30_000);
  });

  it("refuses an object rendered by two sources: a ComparisonError naming both, nothing pruned", async () => {
    // A folder in the chart's repository holding the chart's own Service.
    world.wd.write({ "dup/svc.yaml": `apiVersion: v1\nkind: Service\nmetadata:\n  name: multi-web\n  namespace: ${NS}\nspec:\n  ports: [{port: 80}]\n` });
    await world.wd.commit("a duplicate Service");
    await world.wd.push();
    await patch({ spec: { sources: [...sources(), { repoURL: world.repoURL, targetRevision: "main", path: "dup" }], syncPolicy: { automated: { prune: true } } } });
    // (Until the poll brings the new commit, the folder is not there yet: another ComparisonError.)
    const s = await waitFor("a ComparisonError for the duplicate", async () => {
      const st = await status();
      return st?.conditions?.find((c) => c.type === "ComparisonError" && c.message.includes("rendered by both")) ? st : undefined;
    }, 60_000);
    const message = s.conditions!.find((c) => c.type === "ComparisonError")!.message;
    assert.match(message, /Service.*multi-web/);
    assert.match(message, /spec\.sources\[0\] \(.*path guestbook\) and spec\.sources\[2\] \(.*path dup\)/);
    assert.ok(await world.resources.get(web), "nothing pruned");
    assert.ok(await world.resources.get({ apiVersion: "v1", kind: "Service", namespace: NS, name: "multi-web" }));
  });
});
