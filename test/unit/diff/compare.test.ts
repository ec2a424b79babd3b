import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UsageError } from "../../../src/core/errors.js";
import type { KubeObject } from "../../../src/core/object.js";
import { compareObject, countsAsOutOfSync, diffName, summarize, type ResourceDiff } from "../../../src/diff/index.js";

function cm(name: string, data: Record<string, string>, annotations?: Record<string, string>): KubeObject {
  const o: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "web" }, data };
  if (annotations) o.metadata.annotations = annotations;
  return o;
}

describe("compareObject", () => {
  it("needs something to compare and one object on both sides", () => {
    assert.throws(() => compareObject({}), UsageError);
    assert.throws(() => compareObject({ predicted: cm("a", {}), live: cm("b", {}) }), /two objects/);
  });

  it("accepts a manifest without a namespace against its live object", () => {
    const desired: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" }, data: { x: "1" } };
    const r = compareObject({ desired, live: cm("a", { x: "1" }) });
    assert.equal(r.key.namespace, "web");
  });

  it("returns normalized objects and keeps its inputs unchanged", () => {
    const live = cm("a", { x: "1" });
    live.metadata.resourceVersion = "5";
    const predicted = cm("a", { x: "2" });
    const before = JSON.stringify([live, predicted]);
    const r = compareObject({ predicted, live, contextLines: 0 });
    assert.equal(JSON.stringify([live, predicted]), before);
    assert.equal(r.status, "OutOfSync");
    assert.equal(r.live?.metadata.resourceVersion, undefined);
    assert.equal(r.basis, "dry-run");
    assert.ok(r.diff.includes('-  x: "1"\n+  x: "2"'), r.diff);
    assert.ok(!r.diff.includes("apiVersion"), "no context lines");
  });

  it("takes a prediction that is the live object itself as Synced, ignore rules applied to each side once", () => {
    const live: KubeObject = { ...cm("a", { x: "1" }), spec: { items: ["a", "b", "c"] } };
    live.metadata.resourceVersion = "5";
    const before = JSON.stringify(live);
    const plain = compareObject({ desired: cm("a", { x: "1" }), predicted: live, live });
    assert.equal(plain.status, "Synced");
    assert.equal(plain.diff, "");
    const r = compareObject({ desired: cm("a", { x: "1" }), predicted: live, live, ignore: [{ group: "", kind: "ConfigMap", jsonPointers: ["/spec/items/1"] }] });
    assert.equal(JSON.stringify(live), before);
    assert.equal(r.status, "Synced");
    assert.deepEqual((r.live as { spec?: unknown }).spec, { items: ["a", "c"] }, "one item removed, not two");
    assert.deepEqual(r.predicted, r.live);
  });

  it("falls back to comparing desired's fields when there is no dry-run result", () => {
    const live = cm("a", { x: "1", addedByController: "y" });
    const r = compareObject({ desired: cm("a", { x: "1" }), live });
    assert.equal(r.status, "Synced");
    assert.equal(r.basis, "desired");
    assert.equal(r.warnings.length, 1);
  });
});

describe("summarize", () => {
  const result = (status: ResourceDiff["status"], ignoreExtraneous = false): ResourceDiff => ({
    key: { group: "", kind: "ConfigMap", namespace: "web", name: status },
    status,
    ignoreExtraneous,
    basis: "dry-run",
    diff: "",
    warnings: [],
  });

  it("is Synced when every resource is, or is an ignored extraneous one", () => {
    assert.deepEqual(summarize([]), {
      status: "Synced",
      resources: 0,
      synced: 0,
      outOfSync: 0,
      missing: 0,
      extra: 0,
      ignoredExtraneous: 0,
    });
    const s = summarize([result("Synced"), result("Extra", true)]);
    assert.equal(s.status, "Synced");
    assert.equal(s.extra, 1);
    assert.equal(s.ignoredExtraneous, 1);
    assert.ok(!countsAsOutOfSync(result("Extra", true)));
  });

  it("is OutOfSync when anything else is, and counts each status", () => {
    const s = summarize([result("Synced"), result("OutOfSync"), result("Missing"), result("Extra"), result("Extra", true)]);
    assert.deepEqual(s, { status: "OutOfSync", resources: 5, synced: 1, outOfSync: 1, missing: 1, extra: 2, ignoredExtraneous: 1 });
    for (const st of ["OutOfSync", "Missing", "Extra"] as const) assert.equal(summarize([result(st)]).status, "OutOfSync");
  });
});

describe("diffName", () => {
  it("names resources for diff headers", () => {
    assert.equal(diffName({ group: "apps", kind: "Deployment", namespace: "web", name: "api" }), "apps/Deployment/web/api");
    assert.equal(diffName({ group: "", kind: "Namespace", namespace: "", name: "web" }), "Namespace/web");
  });
});
