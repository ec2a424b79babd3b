import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../../../src/core/object.js";
import { LAST_APPLIED_ANNOTATION, normalize, projectOnto, SERVER_METADATA_FIELDS } from "../../../src/diff/index.js";

function noisy(): KubeObject {
  return {
    kind: "ConfigMap",
    apiVersion: "v1",
    metadata: {
      name: "settings",
      namespace: "web",
      uid: "u-1",
      resourceVersion: "12",
      generation: 3,
      creationTimestamp: "2024-01-01T00:00:00Z",
      selfLink: "/api/v1/namespaces/web/configmaps/settings",
      deletionTimestamp: "2024-01-02T00:00:00Z",
      deletionGracePeriodSeconds: 30,
      managedFields: [{ manager: "plumb" }],
      labels: { app: "web" },
      annotations: { [LAST_APPLIED_ANNOTATION]: "{}", keep: "yes" },
      finalizers: ["example.com/keep"],
      ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: "o-1" }],
    },
    data: { z: "1", a: "2" },
    status: { phase: "whatever" },
  };
}

describe("normalize", () => {
  it("removes server-owned metadata, status and the last-applied annotation, and keeps the rest", () => {
    const n = normalize(noisy());
    for (const f of SERVER_METADATA_FIELDS) assert.ok(!(f in n.metadata), `${f} removed`);
    assert.ok(!("status" in n));
    assert.deepEqual(n.metadata.annotations, { keep: "yes" });
    assert.deepEqual(n.metadata.labels, { app: "web" });
    assert.deepEqual(n.metadata.finalizers, ["example.com/keep"]);
    assert.equal(n.metadata.ownerReferences?.length, 1);
    assert.deepEqual(n.data, { a: "2", z: "1" });
  });

  it("drops annotations and labels left empty, and only those", () => {
    const o = noisy();
    o.metadata.annotations = { [LAST_APPLIED_ANNOTATION]: "{}" };
    o.metadata.labels = {};
    o.spec = { template: { spec: { volumes: [{ name: "tmp", emptyDir: {} }] } } };
    const n = normalize(o);
    assert.ok(!("annotations" in n.metadata));
    assert.ok(!("labels" in n.metadata));
    assert.deepEqual(n.spec, { template: { spec: { volumes: [{ emptyDir: {}, name: "tmp" }] } } });
  });

  it("sorts keys at every level and does not change its input", () => {
    const o = noisy();
    const before = JSON.stringify(o);
    const n = normalize(o);
    assert.equal(JSON.stringify(o), before);
    assert.deepEqual(Object.keys(n), ["apiVersion", "data", "kind", "metadata"]);
    assert.deepEqual(Object.keys(n.metadata), ["annotations", "finalizers", "labels", "name", "namespace", "ownerReferences"]);
  });

  it("folds a Secret's stringData into data, stringData winning", () => {
    const s: KubeObject = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "db" },
      data: { user: Buffer.from("old").toString("base64"), keep: "a2VlcA==" },
      stringData: { user: "admin", "pass word": "ü" },
    };
    const n = normalize(s);
    assert.ok(!("stringData" in n));
    assert.deepEqual(n.data, {
      keep: "a2VlcA==",
      "pass word": Buffer.from("ü", "utf8").toString("base64"),
      user: Buffer.from("admin").toString("base64"),
    });
  });

  it("leaves stringData alone on objects that are not core Secrets", () => {
    const o: KubeObject = { apiVersion: "example.com/v1", kind: "Secret", metadata: { name: "x" }, stringData: { a: "b" } };
    assert.deepEqual(normalize(o).stringData, { a: "b" });
  });
});

describe("projectOnto", () => {
  it("keeps live's values only where desired has fields", () => {
    const live = { spec: { replicas: 2, revisionHistoryLimit: 10, ports: [{ port: 80, protocol: "TCP" }] } };
    const desired = { spec: { replicas: 3, ports: [{ port: 80 }] } };
    assert.deepEqual(projectOnto(live, desired), { spec: { replicas: 2, ports: [{ port: 80 }] } });
  });

  it("keeps a whole live list whose length differs from desired's", () => {
    assert.deepEqual(projectOnto({ a: [{ x: 1, y: 2 }, { x: 3 }] }, { a: [{ x: 1 }] }), { a: [{ x: 1, y: 2 }, { x: 3 }] });
  });
});
