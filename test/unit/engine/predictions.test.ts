/**
 * Remembered dry runs: what the key sees (the desired object, the live object's content, plumb's own
 * field ownership, how it is written) and what it must not see (status, resourceVersion, other managers'
 * bookkeeping), eviction by count and by age.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../../../src/core/object.js";
import { Predictions, type WriteMode } from "../../../src/engine/predictions.js";

const SSA: WriteMode = { replace: false, validation: "Strict" };

const desired: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "ns", labels: { "plumb.dev/app": "a" } }, data: { k: "v" } };

function live(over: { data?: Record<string, string>; rv?: string; owned?: unknown; others?: unknown[]; status?: unknown } = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: "c",
      namespace: "ns",
      uid: "u1",
      resourceVersion: over.rv ?? "10",
      labels: { "plumb.dev/app": "a" },
      managedFields: [
        { manager: "plumb", operation: "Apply", apiVersion: "v1", time: "2026-01-01T00:00:00Z", fieldsType: "FieldsV1", fieldsV1: over.owned ?? { "f:data": { "f:k": {} } } },
        ...(over.others ?? []),
      ],
    },
    data: over.data ?? { k: "v" },
    ...(over.status ? { status: over.status } : {}),
  };
}

describe("Predictions", () => {
  it("answers for the same desired and live content, whatever the resourceVersion, status or others' bookkeeping", () => {
    const p = new Predictions();
    const predicted = { ...live(), metadata: { ...live().metadata, resourceVersion: "10" } };
    p.set(SSA, desired, live(), predicted);
    assert.deepEqual(p.get(SSA, desired, live({ rv: "11" })), predicted);
    assert.deepEqual(p.get(SSA, desired, live({ rv: "12", status: { phase: "x" } })), predicted);
    const other = { manager: "kube-controller-manager", operation: "Update", subresource: "status", apiVersion: "v1", fieldsV1: { "f:status": {} } };
    assert.deepEqual(p.get(SSA, desired, live({ rv: "13", others: [other] })), predicted);
    assert.deepEqual(p.stats(), { hits: 3, misses: 0, entries: 1 });
  });

  it("misses when the desired object, the live content, plumb's ownership or the write mode differ", () => {
    const p = new Predictions();
    p.set(SSA, desired, live(), live());
    assert.equal(p.get(SSA, { ...desired, data: { k: "w" } }, live()), undefined, "Git changed");
    assert.equal(p.get(SSA, desired, live({ data: { k: "edited" } })), undefined, "someone edited the object");
    assert.equal(p.get(SSA, desired, live({ owned: { "f:data": { "f:k": {}, "f:old": {} } } })), undefined, "plumb owns another field set");
    assert.equal(p.get({ replace: true, validation: "Strict" }, desired, live()), undefined, "Replace=true");
    assert.equal(p.get({ replace: false, validation: "Ignore" }, desired, live()), undefined, "Validate=false");
    assert.equal(p.stats().misses, 5);
  });

  it("answers whatever the order of the top-level and metadata keys (a list's items get apiVersion and kind last)", () => {
    const p = new Predictions();
    p.set(SSA, desired, live(), live());
    const { apiVersion, kind, metadata, ...rest } = live();
    const reordered = { ...rest, metadata: Object.fromEntries(Object.entries(metadata).reverse()), apiVersion, kind } as KubeObject;
    assert.ok(p.get(SSA, desired, reordered));
  });

  it("remembers a real write's answer as the prediction for the object it leaves", () => {
    const p = new Predictions();
    const result = live({ rv: "20" });
    p.remember(SSA, desired, result);
    assert.deepEqual(p.get(SSA, desired, result), result);
  });

  it("returns a copy: changing an answer does not change the next one", () => {
    const p = new Predictions();
    p.set(SSA, desired, live(), live());
    (p.get(SSA, desired, live())!.data as Record<string, string>).k = "changed";
    assert.equal((p.get(SSA, desired, live())!.data as Record<string, string>).k, "v");
  });

  it("drops the least recently used beyond its size, and anything older than its age", () => {
    let now = 0;
    const p = new Predictions(2, 1000, () => now);
    const d = (k: string): KubeObject => ({ ...desired, data: { k } });
    p.set(SSA, d("1"), live(), live());
    p.set(SSA, d("2"), live(), live());
    assert.ok(p.get(SSA, d("1"), live()), "1 used: 2 is now the least recent");
    p.set(SSA, d("3"), live(), live());
    assert.equal(p.stats().entries, 2);
    assert.equal(p.get(SSA, d("2"), live()), undefined);
    assert.ok(p.get(SSA, d("1"), live()));
    now = 1001;
    assert.equal(p.get(SSA, d("3"), live()), undefined, "too old");
  });
});
