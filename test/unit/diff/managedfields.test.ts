import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../../../src/core/object.js";
import {
  applyTrustedManagers,
  listFieldPaths,
  ownedFieldSets,
  parseFieldPathElement,
  parseFieldsV1,
} from "../../../src/diff/index.js";

function obj(spec: Record<string, unknown>, managedFields: unknown[] = [], extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "api", managedFields, ...extra }, spec };
}

const entry = (manager: string, fieldsV1: unknown, more: Record<string, unknown> = {}): unknown => ({
  manager,
  operation: "Update",
  apiVersion: "apps/v1",
  fieldsType: "FieldsV1",
  fieldsV1,
  ...more,
});

describe("fieldsV1 parser", () => {
  it("parses each kind of path element", () => {
    assert.deepEqual(parseFieldPathElement("f:spec"), { kind: "field", name: "spec" });
    assert.deepEqual(parseFieldPathElement("f:app.kubernetes.io/name"), { kind: "field", name: "app.kubernetes.io/name" });
    assert.deepEqual(parseFieldPathElement('k:{"containerPort":80,"protocol":"TCP"}'), {
      kind: "key",
      fields: { containerPort: 80, protocol: "TCP" },
    });
    assert.deepEqual(parseFieldPathElement('v:"foregroundDeletion"'), { kind: "value", value: "foregroundDeletion" });
    assert.deepEqual(parseFieldPathElement("v:80"), { kind: "value", value: 80 });
    assert.deepEqual(parseFieldPathElement("i:2"), { kind: "index", index: 2 });
  });

  it("rejects malformed keys", () => {
    assert.throws(() => parseFieldPathElement("x:spec"), /expected f:, k:, v:, i:/);
    assert.throws(() => parseFieldPathElement("k:{name"), /not JSON/);
    assert.throws(() => parseFieldPathElement('k:["a"]'), /not a JSON object/);
    assert.throws(() => parseFieldPathElement("i:-1"), /malformed/);
    assert.throws(() => parseFieldsV1([]), /not an object/);
  });

  it("parses a tree with '.' and lists its owned paths", () => {
    const set = parseFieldsV1({
      "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
      "f:spec": {
        "f:replicas": {},
        "f:template": {
          "f:spec": { "f:containers": { 'k:{"name":"api"}': { ".": {}, "f:image": {}, "f:name": {} } } },
        },
      },
      "f:finalizers": { 'v:"example.com/protect"': {} },
    });
    assert.equal(set.self, false);
    assert.deepEqual(listFieldPaths(set), [
      ".metadata.labels",
      ".metadata.labels.app",
      ".spec.replicas",
      '.spec.template.spec.containers[name="api"]',
      '.spec.template.spec.containers[name="api"].image',
      '.spec.template.spec.containers[name="api"].name',
      '.finalizers[="example.com/protect"]',
    ]);
  });

  it("collects only the listed managers' sets and reports malformed entries", () => {
    const live = obj({}, [
      entry("plumb", { "f:spec": { "f:replicas": {} } }),
      entry("kube-controller-manager", { "f:spec": { "f:replicas": {} } }, { subresource: "scale" }),
      entry("kube-controller-manager", { "f:spec": { "bogus": {} } }),
    ]);
    const warnings: string[] = [];
    const sets = ownedFieldSets(live, ["kube-controller-manager"], warnings);
    assert.equal(sets.length, 1);
    assert.deepEqual(listFieldPaths(sets[0]!), [".spec.replicas"]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /kube-controller-manager.*bogus/);
  });
});

describe("applyTrustedManagers", () => {
  it("copies an owned scalar from live and leaves other fields alone", () => {
    const rawLive = obj({ replicas: 6, paused: false }, [entry("hpa", { "f:spec": { "f:replicas": {} } })]);
    const live = obj({ replicas: 6, paused: false });
    const predicted = obj({ replicas: 3, paused: true });
    applyTrustedManagers(predicted, live, rawLive, ["hpa"]);
    assert.deepEqual(predicted.spec, { replicas: 6, paused: true });
  });

  it("does nothing for managers that are not trusted", () => {
    const rawLive = obj({ replicas: 6 }, [entry("hpa", { "f:spec": { "f:replicas": {} } })]);
    const predicted = obj({ replicas: 3 });
    applyTrustedManagers(predicted, obj({ replicas: 6 }), rawLive, ["someone-else"]);
    assert.deepEqual(predicted.spec, { replicas: 3 });
  });

  it("inserts a list item the manager owns, in live's order, and updates owned fields of shared items", () => {
    const containers = [
      { name: "init-proxy", image: "proxy:2" },
      { name: "api", image: "api:1", env: [{ name: "A", value: "x" }] },
      { name: "proxy", image: "proxy:2" },
    ];
    const fields = {
      "f:spec": {
        "f:containers": {
          'k:{"name":"init-proxy"}': { ".": {}, "f:name": {}, "f:image": {} },
          'k:{"name":"api"}': { "f:env": { 'k:{"name":"A"}': { "f:value": {} } } },
          'k:{"name":"proxy"}': { ".": {}, "f:name": {}, "f:image": {} },
        },
      },
    };
    const rawLive = obj({ containers }, [entry("injector", fields)]);
    const predicted = obj({ containers: [{ name: "api", image: "api:2", env: [{ name: "A", value: "y" }] }] });
    applyTrustedManagers(predicted, obj({ containers }), rawLive, ["injector"]);
    assert.deepEqual(predicted.spec, {
      containers: [
        { name: "init-proxy", image: "proxy:2" },
        { name: "api", image: "api:2", env: [{ name: "A", value: "x" }] },
        { name: "proxy", image: "proxy:2" },
      ],
    });
  });

  it("creates missing parents holding only the owned children", () => {
    const metadata = { annotations: { "a.example/x": "1", "b.example/y": "2" } };
    const fields = { "f:metadata": { "f:annotations": { "f:a.example/x": {} } } };
    const rawLive = obj({}, [entry("operator", fields)], metadata);
    const live = obj({}, [], metadata);
    const predicted = obj({});
    applyTrustedManagers(predicted, live, rawLive, ["operator"]);
    assert.deepEqual(predicted.metadata.annotations, { "a.example/x": "1" });
  });

  it("adds owned set values and removes owned fields live no longer has", () => {
    const fields = { "f:metadata": { "f:finalizers": { 'v:"b"': {} } }, "f:spec": { "f:paused": {} } };
    const rawLive = obj({}, [entry("op", fields)], { finalizers: ["a", "b"] });
    const live = obj({}, [], { finalizers: ["a", "b"] });
    const predicted = obj({ paused: true }, [], { finalizers: ["a"] });
    applyTrustedManagers(predicted, live, rawLive, ["op"]);
    assert.deepEqual(predicted.metadata.finalizers, ["a", "b"]);
    assert.deepEqual(predicted.spec, {});
  });

  it("replaces a value of another type with live's", () => {
    const fields = { "f:spec": { "f:strategy": { "f:type": {} } } };
    const rawLive = obj({ strategy: { type: "Recreate" } }, [entry("op", fields)]);
    const predicted = obj({ strategy: "oops" });
    applyTrustedManagers(predicted, obj({ strategy: { type: "Recreate" } }), rawLive, ["op"]);
    assert.deepEqual(predicted.spec, { strategy: { type: "Recreate" } });
  });
});
