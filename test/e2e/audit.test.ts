/**
 * The local control plane's audit log: started with auditLog, kube-apiserver records every write in the
 * cluster's folder — two applies of an object are two patches, a dry run is told apart, a failed write is
 * left out unless asked for, and reads, events and leases are not recorded at all.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Resources } from "../../src/cluster/resources.js";
import type { KubeObject } from "../../src/core/object.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { readAudit, writesOf, writesTo, type AuditTarget } from "../helpers/audit.js";
import { resourcesFor } from "../helpers/cluster.js";
import { waitFor } from "../helpers/wait.js";

const configMap = (value: string): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "audited", namespace: "default" }, data: { value } });
const target: AuditTarget = { resource: "configmaps", namespace: "default", name: "audited" };

describe("the local control plane's audit log", { timeout: 300_000 }, () => {
  let cluster: LocalCluster;
  let resources: Resources;
  before(async () => {
    cluster = await startLocalCluster({ name: "e2e-audit", nodes: 1, auditLog: true });
    resources = await resourcesFor(cluster);
  });
  after(async () => {
    await cluster?.stop();
  });

  it("is a file in the cluster's folder", () => {
    assert.ok(cluster.auditLogPath, "auditLogPath is set");
    assert.ok(cluster.auditLogPath.startsWith(`${cluster.dir}/`), cluster.auditLogPath);
    assert.ok(readAudit(cluster.auditLogPath).length > 0, "the start-up's own writes (the fake nodes) are there already");
  });

  it("records two applies of an object as two patches, and a dry run apart from them", async () => {
    await resources.apply(configMap("one"));
    await resources.apply(configMap("two"));
    await resources.apply(configMap("three"), { dryRun: true });
    const events = await waitFor("3 writes in the audit log", async () => {
      const all = readAudit(cluster.auditLogPath!);
      return writesTo(all, target) + writesTo(all, target, { dryRun: true }) === 3 ? all : undefined;
    }, 10_000, 50);
    const real = writesOf(events, target);
    assert.deepEqual(real.map((e) => e.verb), ["patch", "patch"]);
    assert.deepEqual(real.map((e) => e.responseStatus?.code), [201, 200], "the first apply created it");
    assert.ok(real.every((e) => e.user.username === "plumb-admin"));
    assert.equal(writesTo(events, target, { dryRun: true }), 1);
    assert.match(writesOf(events, target, { dryRun: true })[0]!.requestURI, /[?&]dryRun=All/);
    const live = (await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "audited" })) as { data?: Record<string, string> } | undefined;
    assert.equal(live?.data?.value, "two", "the dry run changed nothing");
  });

  it("tells a dry-run delete apart too (its dry run is in the body) and counts the real one", async () => {
    const ref = { apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "audited" };
    await resources.delete(ref, { dryRun: true });
    await resources.delete(ref);
    const events = await waitFor("the two deletes", async () => {
      const all = readAudit(cluster.auditLogPath!);
      return all.filter((e) => e.verb === "delete" && e.objectRef?.name === "audited").length === 2 ? all : undefined;
    }, 10_000, 50);
    assert.deepEqual(writesOf(events, target).map((e) => e.verb), ["patch", "patch", "delete"]);
    assert.deepEqual(writesOf(events, target, { dryRun: true }).map((e) => e.verb), ["patch", "delete"]);
  });

  it("leaves out a refused write unless asked for", async () => {
    const bad = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "refused", namespace: "default" }, data: { value: "x" }, spec: { unknown: true } } as KubeObject;
    await assert.rejects(resources.apply(bad));
    const refused: AuditTarget = { resource: "configmaps", namespace: "default", name: "refused" };
    const events = await waitFor("the refused write", async () => {
      const all = readAudit(cluster.auditLogPath!);
      return writesTo(all, refused, { includeFailed: true }) === 1 ? all : undefined;
    }, 10_000, 50);
    assert.equal(writesTo(events, refused), 0);
    assert.ok((writesOf(events, refused, { includeFailed: true })[0]!.responseStatus?.code ?? 0) >= 400);
  });

  it("records no reads, events or leases", async () => {
    await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "kube-system", name: "kube-root-ca.crt" });
    await resources.list("v1", "ConfigMap", { namespace: "default" });
    // kwok renews the node's lease every few seconds, and the controllers write events: none may appear.
    await new Promise((r) => setTimeout(r, 3000));
    const events = readAudit(cluster.auditLogPath!);
    assert.deepEqual(events.filter((e) => ["get", "list", "watch"].includes(e.verb)).map((e) => e.requestURI), []);
    assert.deepEqual(events.filter((e) => ["events", "leases", "tokenreviews", "subjectaccessreviews"].includes(e.objectRef?.resource ?? "")).map((e) => e.requestURI), []);
    assert.ok(events.every((e) => e.stage === "ResponseComplete"), "one line per request");
  });
});
