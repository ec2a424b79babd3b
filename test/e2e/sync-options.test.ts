/**
 * Per-object sync options and a CRD with its custom resources, on a real control plane (one world, several
 * apps, each in its own folder of one repository):
 *  - a CRD and a custom resource of its new kind sync in one pass (issue 13 item 7);
 *  - SkipDryRunOnMissingResource=true lets a resource of a kind the cluster does not serve be compared
 *    (Missing) instead of failing the comparison;
 *  - Force=true deletes and re-creates an object the API server refuses to change in place (an immutable
 *    ConfigMap), where without it the comparison's dry run fails.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Resources } from "../../src/cluster/resources.js";
import { appSpec } from "../../src/engine/app.js";
import { compareApp, ComparisonError } from "../../src/engine/compare.js";
import { syncApp } from "../../src/engine/sync.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { resourcesFor } from "../helpers/cluster.js";

const NS = "opts";
const CRD = (group: string, kind: string, plural: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${plural}.${group}
spec:
  group: ${group}
  names: { kind: ${kind}, plural: ${plural}, singular: ${kind.toLowerCase()}, listKind: ${kind}List }
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: { type: object, x-kubernetes-preserve-unknown-fields: true }
`;
const CR = (group: string, kind: string, name: string, annotations = "") => `apiVersion: ${group}/v1
kind: ${kind}
metadata:
  name: ${name}
  namespace: ${NS}
${annotations ? `  annotations: ${annotations}\n` : ""}spec:
  size: 3
`;
const immutableConfigMap = (value: string, force: boolean) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: frozen
  namespace: ${NS}
${force ? `  annotations: { argocd.argoproj.io/sync-options: "Force=true" }\n` : ""}immutable: true
data:
  value: "${value}"
`;

describe("sync options and CRDs on a real cluster", { timeout: 240_000 }, () => {
  let cluster: LocalCluster;
  let resources: Resources;
  let repo: string;
  const write = (folder: string, file: string, text: string) => {
    mkdirSync(join(repo, folder), { recursive: true });
    writeFileSync(join(repo, folder, file), text);
  };
  const app = (name: string, over: Partial<Parameters<typeof appSpec>[0]> = {}) => appSpec({ name, namespace: NS, repoRoot: repo, path: name, syncOptions: ["CreateNamespace=true"], ...over });

  before(async () => {
    cluster = await startLocalCluster({ name: "e2e-sync-options" });
    resources = await resourcesFor(cluster);
    repo = mkdtempSync(join(tmpdir(), "plumb-options-"));
  });
  after(async () => {
    resources?.client.close();
    await cluster?.stop();
    if (repo) rmSync(repo, { recursive: true, force: true });
  });

  it("a CRD and a custom resource of its new kind sync in one pass", async () => {
    write("crd", "crd.yaml", CRD("gadgets.example.com", "Gadget", "gadgets"));
    write("crd", "gadget.yaml", CR("gadgets.example.com", "Gadget", "first"));
    const comparison = await compareApp({ resources }, app("crd"));
    assert.deepEqual(comparison.resources.map((r) => `${r.key.kind} ${r.status}`).sort(), ["CustomResourceDefinition Missing", "Gadget Missing"]);
    const { changes } = await syncApp({ resources }, app("crd"), { timeoutMs: 60_000 });
    assert.equal(changes.phase, "Succeeded", changes.message);
    const live = await resources.get({ apiVersion: "gadgets.example.com/v1", kind: "Gadget", namespace: NS, name: "first" });
    assert.equal((live?.spec as { size?: number } | undefined)?.size, 3);
    const again = await compareApp({ resources }, app("crd"));
    assert.equal(again.summary.status, "Synced");
  });

  it("SkipDryRunOnMissingResource=true compares a resource of an unserved kind as Missing; without it the comparison fails", async () => {
    write("skip", "widget.yaml", CR("widgets.example.com", "Widget", "w", `{ argocd.argoproj.io/sync-options: "SkipDryRunOnMissingResource=true" }`));
    const comparison = await compareApp({ resources }, app("skip"));
    assert.deepEqual(comparison.resources.map((r) => `${r.key.kind} ${r.status}`), ["Widget Missing"]);

    write("noskip", "widget.yaml", CR("widgets.example.com", "Widget", "w"));
    await assert.rejects(compareApp({ resources }, app("noskip")), (err: unknown) => err instanceof ComparisonError && /Widget/.test(err.message));
  });

  it("Force=true re-creates an immutable ConfigMap whose data changed; a plain apply fails", async () => {
    write("plain", "cm.yaml", immutableConfigMap("1", false).replace("name: frozen", "name: frozen-plain"));
    assert.equal((await syncApp({ resources }, app("plain"))).changes.phase, "Succeeded");
    write("plain", "cm.yaml", immutableConfigMap("2", false).replace("name: frozen", "name: frozen-plain"));
    await assert.rejects(syncApp({ resources }, app("plain")), (err: unknown) => err instanceof ComparisonError && /immutable/.test(err.message), "an immutable ConfigMap cannot be changed in place");

    write("force", "cm.yaml", immutableConfigMap("1", true));
    assert.equal((await syncApp({ resources }, app("force"))).changes.phase, "Succeeded");
    const before = await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: NS, name: "frozen" });
    write("force", "cm.yaml", immutableConfigMap("2", true));
    const forced = await syncApp({ resources }, app("force"), { timeoutMs: 60_000 });
    assert.equal(forced.changes.phase, "Succeeded", forced.changes.message);
    const after = await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: NS, name: "frozen" });
    assert.equal((after?.data as Record<string, string> | undefined)?.value, "2");
    assert.notEqual(after?.metadata.uid, before?.metadata.uid, "deleted and created again");
  });
});
