/**
 * The Application and AppProject CRDs on a real API server: installCRDs waits until they are Established;
 * `kubectl get applications` shows SYNC, HEALTH and REVISION once the controller writes a status; the
 * status subresource keeps spec and status writes apart; the status of 10,000 objects fits once fitStatus
 * shortens it; a typo survives the API server so the controller can report it; and with the compatibility
 * switch an Argo CD manifest applies unchanged.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { analyzeApplication, fitStatus, installCRDs, type ApplicationStatus } from "../../src/apps/index.js";
import type { Resources } from "../../src/cluster/resources.js";
import type { KubeObject } from "../../src/core/object.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { findBinary } from "../../src/tools/binaries.js";
import { resourcesFor } from "../helpers/cluster.js";
import { fixture } from "../helpers/paths.js";

const run = promisify(execFile);
const SHA = "4f1b2c3d4e5f60718293a4b5c6d7e8f901234567";
const load = (name: string): KubeObject => parse(readFileSync(fixture("apps", name), "utf8")) as KubeObject;

/** `kubectl get` as a table: one record per row, keyed by the column headers, cut at the headers' positions. */
function table(out: string): Array<Record<string, string>> {
  const [header, ...rows] = out.trimEnd().split("\n");
  const cols = [...header!.matchAll(/\S+/g)].map((m) => ({ name: m[0], at: m.index }));
  return rows.map((r) => Object.fromEntries(cols.map((c, i) => [c.name, r.slice(c.at, cols[i + 1]?.at ?? r.length).trim()])));
}

describe("Application and AppProject CRDs", { timeout: 300_000 }, () => {
  let cluster: LocalCluster;
  let resources: Resources;
  let kubectl: (...args: string[]) => Promise<string>;

  /** Writes a status through the status subresource, as the controller does. */
  const writeStatus = (group: string, namespace: string, name: string, status: unknown) =>
    resources.client.request({
      method: "PATCH",
      path: `/apis/${group}/v1alpha1/namespaces/${namespace}/applications/${name}/status`,
      contentType: "application/merge-patch+json",
      body: { status },
    });

  before(async () => {
    cluster = await startLocalCluster({ name: "e2e-crds", nodes: 1 });
    resources = await resourcesFor(cluster);
    const bin = findBinary("kubectl");
    const cacheDir = join(cluster.dir, "kubectl-cache");
    kubectl = async (...args) => (await run(bin, ["--kubeconfig", cluster.kubeconfigPath, "--cache-dir", cacheDir, ...args])).stdout;
  });
  after(async () => {
    await cluster?.stop();
  });

  it("installCRDs applies plumb's CRDs and returns once they are Established", async () => {
    const names = await installCRDs(resources);
    assert.deepEqual(names, ["applications.plumb.dev", "appprojects.plumb.dev"]);
    for (const name of names) {
      const crd = await resources.get({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name });
      const conds = (crd?.status as { conditions: Array<{ type: string; status: string }> }).conditions;
      assert.ok(conds.some((c) => c.type === "Established" && c.status === "True"), name);
    }
    // The same Resources serves the new kinds at once, and installing again is harmless.
    assert.deepEqual((await resources.list("plumb.dev/v1alpha1", "Application")).items, []);
    assert.deepEqual(await installCRDs(resources), names);
  });

  it("kubectl get applications shows SYNC, HEALTH and REVISION from the status", async () => {
    await resources.apply(load("minimal.yaml"));
    const before = table(await kubectl("get", "applications", "-n", "default"));
    assert.deepEqual({ ...before[0], AGE: undefined }, { NAME: "web", SYNC: "", HEALTH: "", REVISION: "", AGE: undefined }, "no status yet");

    await writeStatus("plumb.dev", "default", "web", { sync: { status: "Synced", revision: SHA }, health: { status: "Healthy" }, reconciledAt: "2025-03-01T10:00:00Z" });
    const rows = table(await kubectl("get", "applications", "-n", "default"));
    assert.equal(rows.length, 1);
    assert.deepEqual({ ...rows[0], AGE: undefined }, { NAME: "web", SYNC: "Synced", HEALTH: "Healthy", REVISION: SHA, AGE: undefined });
    // The short name and the category reach the same objects; -o wide adds the project (as written: the
    // CRD sets no defaults, so an application that names none shows none).
    assert.equal(table(await kubectl("get", "app", "web", "-n", "default"))[0]!.SYNC, "Synced");
    assert.match(await kubectl("get", "plumb", "-n", "default"), /application\.plumb\.dev\/web/);
    assert.equal(table(await kubectl("get", "apps.plumb.dev", "-n", "default", "-o", "wide"))[0]!.PROJECT, "");
  });

  it("keeps spec and status writes apart (status subresource)", async () => {
    const ref = { apiVersion: "plumb.dev/v1alpha1", kind: "Application", namespace: "default", name: "web" };
    const before = (await resources.get(ref))!;
    const spec = { ...(before.spec as Record<string, unknown>), revisionHistoryLimit: 3 };
    // A spec write carrying a status: the spec changes, the status does not.
    await resources.apply({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: "web", namespace: "default" }, spec, status: { sync: { status: "OutOfSync" } } });
    const afterSpec = (await resources.get(ref))!;
    assert.equal((afterSpec.spec as { revisionHistoryLimit: number }).revisionHistoryLimit, 3);
    assert.deepEqual(afterSpec.status, before.status);
    assert.equal(afterSpec.metadata.generation, before.metadata.generation! + 1);
    // A status write: the status changes, the spec and generation do not.
    await writeStatus("plumb.dev", "default", "web", { health: { status: "Degraded", message: "crash loop" } });
    const afterStatus = (await resources.get(ref))!;
    assert.equal((afterStatus.status as { health: { status: string } }).health.status, "Degraded");
    assert.deepEqual(afterStatus.spec, afterSpec.spec);
    assert.equal(afterStatus.metadata.generation, afterSpec.metadata.generation);
  });

  it("refuses a status the schema does not allow", async () => {
    await assert.rejects(writeStatus("plumb.dev", "default", "web", { sync: { status: "Sideways" } }), /Unsupported value|Sideways/);
  });

  it("refuses the status of an app of 10,000 objects, and stores it once fitStatus has shortened it, summaries and all", async () => {
    const objects = Array.from({ length: 10_000 }, (_, i) => ({ group: "apps", version: "v1", kind: "Deployment", namespace: "shop", name: `web-${String(i).padStart(5, "0")}` }));
    const status: ApplicationStatus = {
      sync: { status: "OutOfSync", revision: SHA },
      resources: objects.map((o, i) => ({ ...o, status: i % 100 ? "Synced" : "OutOfSync", health: { status: "Healthy" } })),
      operationState: {
        operation: { sync: { revision: SHA } },
        phase: "Succeeded",
        startedAt: "2025-03-01T10:00:00Z",
        syncResult: { revision: SHA, resources: objects.map((o) => ({ ...o, status: "Synced", message: "deployment.apps/configured", syncPhase: "Sync" })) },
      },
    };
    await assert.rejects(writeStatus("plumb.dev", "default", "web", status), /larger than max|too large/i, "the whole status is over the API server's limits");
    const fitted = fitStatus(status);
    assert.ok(fitted.summarized);
    await writeStatus("plumb.dev", "default", "web", fitted.status);
    const live = (await resources.get({ apiVersion: "plumb.dev/v1alpha1", kind: "Application", namespace: "default", name: "web" }))!;
    const stored = live.status as ApplicationStatus;
    assert.deepEqual(stored.resourcesSummary, fitted.status.resourcesSummary, "the CRD keeps the summary (not pruned as unknown)");
    assert.deepEqual(stored.operationState?.syncResult?.resourcesSummary, fitted.status.operationState?.syncResult?.resourcesSummary);
    assert.equal(stored.resources?.length, fitted.status.resourcesSummary!.listed);
  });

  it("keeps a misspelt spec field, so the controller can report it", async () => {
    const file = fixture("apps", "typos.yaml");
    assert.match(await kubectl("apply", "-f", file), /application\.plumb\.dev\/typos created/);
    const live = await resources.get({ apiVersion: "plumb.dev/v1alpha1", kind: "Application", namespace: "default", name: "typos" });
    const fields = analyzeApplication(live).problems.map((p) => p.field);
    assert.ok(fields.includes("spec.source.targetRevison"), fields.join(", "));
    assert.ok(fields.includes("spec.destination.namspace"), fields.join(", "));
  });

  it("accepts an AppProject", async () => {
    const project: KubeObject = {
      apiVersion: "plumb.dev/v1alpha1",
      kind: "AppProject",
      metadata: { name: "retail", namespace: "default" },
      spec: { sourceRepos: ["https://git.example.com/retail/*"], destinations: [{ server: "https://kubernetes.default.svc", namespace: "shop-*" }], clusterResourceWhitelist: [{ group: "", kind: "Namespace" }] },
    };
    await resources.apply(project);
    assert.match(await kubectl("get", "appproj", "-n", "default"), /retail/);
  });

  it("with argoCompat, applies an Argo CD Application manifest unchanged", async () => {
    const names = await installCRDs(resources, { argoCompat: true });
    assert.ok(names.includes("applications.argoproj.io") && names.includes("appprojects.argoproj.io"));
    await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "argocd" } });
    const file = fixture("apps", "argocd-helm.yaml");
    assert.match(await kubectl("apply", "-f", file), /application\.argoproj\.io\/guestbook created/);

    const live = (await resources.get({ apiVersion: "argoproj.io/v1alpha1", kind: "Application", namespace: "argocd", name: "guestbook" }))!;
    assert.deepEqual(live.spec, load("argocd-helm.yaml").spec, "stored exactly as written");
    const { spec, problems } = analyzeApplication(live);
    assert.deepEqual(problems, []);
    assert.equal(spec?.syncPolicy?.automated?.selfHeal, true);

    await writeStatus("argoproj.io", "argocd", "guestbook", { sync: { status: "OutOfSync", revision: SHA }, health: { status: "Missing" } });
    const rows = table(await kubectl("get", "applications.argoproj.io", "-n", "argocd", "-o", "wide"));
    assert.deepEqual({ ...rows[0], AGE: undefined }, { NAME: "guestbook", SYNC: "OutOfSync", HEALTH: "Missing", REVISION: SHA, PROJECT: "default", AGE: undefined });
  });
});
