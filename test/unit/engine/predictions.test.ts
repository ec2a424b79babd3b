/**
 * Remembered dry runs: what the key sees (the desired object, the live object's content, plumb's own
 * field ownership, how it is written) and what it must not see (status, resourceVersion, other managers'
 * bookkeeping), eviction by count and by age.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../../../src/core/object.js";
import { Predictions, project, type WriteMode } from "../../../src/engine/predictions.js";

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

/** What an apply that changes the object answers (not a no-op). */
const applied = live({ data: { k: "v2" }, rv: "11" });

describe("Predictions", () => {
  it("answers for the same desired and live content, whatever the resourceVersion, status or others' bookkeeping", () => {
    const p = new Predictions();
    const predicted = applied;
    p.set(SSA, desired, live(), predicted);
    assert.deepEqual(p.get(SSA, desired, live({ rv: "11" })), predicted);
    assert.deepEqual(p.get(SSA, desired, live({ rv: "12", status: { phase: "x" } })), predicted);
    const other = { manager: "kube-controller-manager", operation: "Update", subresource: "status", apiVersion: "v1", fieldsV1: { "f:status": {} } };
    assert.deepEqual(p.get(SSA, desired, live({ rv: "13", others: [other] })), predicted);
    assert.deepEqual(p.stats(), { hits: 3, misses: 0, entries: 1 });
  });

  it("misses when the desired object, the live content, plumb's ownership or the write mode differ", () => {
    const p = new Predictions();
    p.set(SSA, desired, live(), applied);
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

  it("remembers a real write's answer as the prediction for the object it leaves: that object itself", () => {
    const p = new Predictions();
    const result = live({ rv: "20" });
    p.remember(SSA, desired, result);
    assert.deepEqual(p.get(SSA, desired, result), result);
    const later = live({ rv: "21", status: { phase: "x" } });
    assert.equal(p.get(SSA, desired, later), later, "the live object at a later version (only its status changed), not a stored copy");
  });

  it("returns a copy: changing an answer does not change the next one", () => {
    const p = new Predictions();
    p.set(SSA, desired, live(), applied);
    (p.get(SSA, desired, live())!.data as Record<string, string>).k = "changed";
    assert.equal((p.get(SSA, desired, live())!.data as Record<string, string>).k, "v2");
  });

  it("drops the least recently used beyond its size, and anything older than its age", () => {
    let now = 0;
    const p = new Predictions(2, 1000, () => now);
    const d = (k: string): KubeObject => ({ ...desired, data: { k } });
    p.set(SSA, d("1"), live(), applied);
    p.set(SSA, d("2"), live(), applied);
    assert.ok(p.get(SSA, d("1"), live()), "1 used: 2 is now the least recent");
    p.set(SSA, d("3"), live(), applied);
    assert.equal(p.stats().entries, 2);
    assert.equal(p.get(SSA, d("2"), live()), undefined);
    assert.ok(p.get(SSA, d("1"), live()));
    now = 1001;
    assert.equal(p.get(SSA, d("3"), live()), undefined, "too old");
  });

  describe("an apply known to change nothing", () => {
    const revision = { manager: "kube-controller-manager", operation: "Update", apiVersion: "v1", fieldsV1: { "f:metadata": { "f:annotations": { "f:example.com/revision": {} } } } };
    /** The live object after another controller annotated it: content changed, plumb's ownership did not. */
    const annotated = (): KubeObject => {
      const o = live({ rv: "30", others: [revision] });
      o.metadata.annotations = { "example.com/revision": "1" };
      return o;
    };

    it("predicts the live object itself after others changed fields plumb does not own", () => {
      const p = new Predictions();
      const result = live({ rv: "20" });
      p.remember(SSA, desired, result);
      const now = annotated();
      assert.equal(p.get(SSA, desired, now), now, "the live object itself");
      assert.deepEqual(p.stats(), { hits: 1, misses: 0, entries: 1 });
    });

    it("learns it from a dry run that answered the live content unchanged", async () => {
      const p = new Predictions();
      let dryRuns = 0;
      const dryRun = async () => {
        dryRuns++;
        return live({ rv: "10" });
      };
      await p.predict(SSA, desired, live(), dryRun);
      assert.deepEqual(await p.predict(SSA, desired, annotated(), dryRun), annotated());
      assert.equal(dryRuns, 1);
    });

    it("does not infer it when plumb's ownership moved, with Replace=true, or when the apply changes something", () => {
      const p = new Predictions();
      p.remember(SSA, desired, live());
      // Someone set data.k by hand: the field moved to their manager, out of plumb's managedFields.
      const edited = live({ data: { k: "edited" }, owned: { "f:data": {} }, others: [{ manager: "kubectl-edit", operation: "Update", apiVersion: "v1", fieldsV1: { "f:data": { "f:k": {} } } }] });
      assert.equal(p.get(SSA, desired, edited), undefined);
      assert.equal(p.get({ replace: true, validation: "Strict" }, desired, annotated()), undefined, "Replace=true would undo others' changes");
      const lax = new Predictions();
      lax.remember({ replace: false, validation: "Ignore" }, desired, live());
      assert.equal(lax.get(SSA, desired, annotated()), undefined, "learned without validation: a validated apply is dry-run");
      const q = new Predictions();
      q.set(SSA, desired, live(), applied);
      assert.equal(q.get(SSA, desired, annotated()), undefined, "the known apply changes the object");
    });

    it("does not infer it after plumb applied another manifest: same fields, other values (a rollback)", () => {
      const p = new Predictions();
      p.remember(SSA, desired, live());
      const v2: KubeObject = { ...desired, data: { k: "w" } };
      p.remember(SSA, v2, live({ data: { k: "w" }, rv: "40" }));
      assert.equal(p.get(SSA, desired, live({ data: { k: "w" }, rv: "41" })), undefined, "going back to the first manifest changes data.k");
    });
  });

  describe("project", () => {
    const pod = {
      metadata: { labels: { app: "web", tier: "x" } },
      spec: {
        containers: [
          { name: "web", image: "nginx:1", ports: [{ containerPort: 80, protocol: "TCP" }] },
          { name: "side", image: "busybox" },
        ],
        finalizers: ["a", "b"],
        args: ["--x"],
      },
    };

    it("takes the values at f:, k:, v: and i: paths, a leaf whole, list items with their position", () => {
      const fields = {
        "f:metadata": { "f:labels": { "f:app": {} } },
        "f:spec": {
          "f:containers": { 'k:{"name":"web"}': { ".": {}, "f:image": {}, "f:ports": { 'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {} } } } },
          "f:finalizers": { 'v:"b"': {}, 'v:"c"': {} },
          "f:args": {},
        },
      };
      assert.deepEqual(project(pod, fields), {
        "f:metadata": { "f:labels": { "f:app": "web" } },
        "f:spec": {
          "f:containers": { 'k:{"name":"web"}': [0, { "f:image": "nginx:1", "f:ports": { 'k:{"containerPort":80,"protocol":"TCP"}': [0, { "f:containerPort": 80 }] } }] },
          "f:finalizers": { 'v:"b"': 1, 'v:"c"': -1 },
          "f:args": ["--x"],
        },
      });
      const reordered = { ...pod, spec: { ...pod.spec, containers: [...pod.spec.containers].reverse() } };
      assert.notDeepEqual(project(reordered, fields), project(pod, fields), "a reordered list reads differently");
    });

    it("reads nothing from a malformed key or an ambiguous one (then the object gets a real dry run)", () => {
      assert.equal(project(pod, { "f:spec": { "f:containers": { "k:{not json": {} } } }), undefined);
      const twice = { spec: { containers: [{ name: "web", image: "a" }, { name: "web", image: "b" }] } };
      assert.equal(project(twice, { "f:spec": { "f:containers": { 'k:{"name":"web"}': { "f:image": {} } } } }), undefined);
      const p = new Predictions();
      const bad = live({ owned: { "f:data": { "k:{oops": {} } } });
      p.remember(SSA, desired, bad);
      const other = live({ owned: { "f:data": { "k:{oops": {} } }, rv: "99" });
      other.metadata.annotations = { "example.com/x": "1" };
      assert.equal(p.get(SSA, desired, other), undefined, "no inference from an unreadable field set");
    });

    it("says null where a field is gone", () => {
      assert.deepEqual(project(pod, { "f:spec": { "f:containers": { 'k:{"name":"gone"}': { "f:image": {} } }, "f:nope": {} } }), {
        "f:spec": { "f:containers": { 'k:{"name":"gone"}': [-1, { "f:image": null }] }, "f:nope": null },
      });
    });
  });
});
