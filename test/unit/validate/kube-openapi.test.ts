/**
 * Compacting /openapi/v3 documents into the shipped form, and Kubernetes' rules as JSON Schema, on small
 * documents shaped like the API server's.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { compactDocuments, compactNode } from "../../../src/validate/kube-openapi.js";
import { convertNode, stripNulls } from "../../../src/validate/kube-rules.js";

const appsDoc = {
  openapi: "3.0.0",
  paths: {
    "/apis/apps/v1/namespaces/{namespace}/deployments": {
      get: { "x-kubernetes-group-version-kind": { group: "apps", version: "v1", kind: "Deployment" } },
      post: { "x-kubernetes-group-version-kind": { group: "apps", version: "v1", kind: "Deployment" } },
    },
  },
  components: {
    schemas: {
      "io.k8s.api.apps.v1.Deployment": {
        description: "Deployment enables declarative updates for Pods and ReplicaSets.",
        type: "object",
        properties: {
          spec: { allOf: [{ $ref: "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec" }], default: {}, description: "Specification." },
        },
        "x-kubernetes-group-version-kind": [{ group: "apps", version: "v1", kind: "Deployment" }],
      },
      "io.k8s.api.apps.v1.DeploymentList": {
        type: "object",
        properties: { items: { type: "array", items: { $ref: "#/components/schemas/io.k8s.api.apps.v1.Deployment" } } },
        "x-kubernetes-group-version-kind": [{ group: "apps", version: "v1", kind: "DeploymentList" }],
      },
      "io.k8s.api.apps.v1.DeploymentSpec": {
        type: "object",
        required: ["selector"],
        properties: { replicas: { type: "integer", format: "int32", description: "x" }, strategy: { "x-kubernetes-patch-strategy": "retainKeys", type: "object" } },
      },
      "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions": {
        type: "object",
        properties: { dryRun: { type: "array", items: { type: "string", default: "" } } },
        "x-kubernetes-group-version-kind": [{ group: "apps", version: "v1", kind: "DeleteOptions" }],
      },
    },
  },
};

describe("compacting Kubernetes' OpenAPI", () => {
  it("keeps validation keywords, drops descriptions and defaults, collapses allOf wrappers", () => {
    const s = compactDocuments("v1.36.3", { "apis/apps/v1": appsDoc });
    assert.deepEqual(s.definitions["io.k8s.api.apps.v1.Deployment"], { properties: { spec: { $ref: "io.k8s.api.apps.v1.DeploymentSpec" } }, type: "object" });
    assert.deepEqual(s.definitions["io.k8s.api.apps.v1.DeploymentSpec"], {
      properties: { replicas: { format: "int32", type: "integer" }, strategy: { type: "object" } },
      required: ["selector"],
      type: "object",
    });
  });

  it("indexes only the kinds the document's operations serve", () => {
    const s = compactDocuments("v1.36.3", { "apis/apps/v1": appsDoc });
    assert.deepEqual(s.kinds, { "apps/v1/Deployment": "io.k8s.api.apps.v1.Deployment" });
  });

  it("an allOf with a constraint beside the reference stays an allOf", () => {
    assert.deepEqual(compactNode({ allOf: [{ $ref: "#/components/schemas/X" }], nullable: true }), { allOf: [{ $ref: "X" }], nullable: true });
  });

  it("refuses one schema name compacting differently in two documents", () => {
    const other = structuredClone(appsDoc);
    (other.components.schemas["io.k8s.api.apps.v1.DeploymentSpec"].properties.replicas as { type: string }).type = "string";
    assert.throws(() => compactDocuments("v1.36.3", { "apis/apps/v1": appsDoc, "apis/apps/v2": other }), /io\.k8s\.api\.apps\.v1\.DeploymentSpec differs/);
  });
});

describe("Kubernetes' schema rules as JSON Schema", () => {
  const builtin = { origin: "builtin" as const, problems: [] };
  it("closes objects with properties; leaves maps, preserved and embedded objects, and branches open", () => {
    assert.equal(convertNode({ type: "object", properties: { a: { type: "string" } } }, builtin).additionalProperties, false);
    assert.deepEqual(convertNode({ type: "object", additionalProperties: { type: "string" } }, builtin).additionalProperties, { type: "string" });
    assert.equal(convertNode({ type: "object", properties: {}, "x-kubernetes-preserve-unknown-fields": true }, builtin).additionalProperties, undefined);
    assert.equal(convertNode({ type: "object", properties: {}, "x-kubernetes-embedded-resource": true }, builtin).additionalProperties, undefined);
    assert.equal(convertNode({ type: "object" }, builtin).additionalProperties, undefined, "a built-in object without properties is free-form (RawExtension)");
    const crd = convertNode({ type: "object", anyOf: [{ properties: { a: {} } }] }, { origin: "crd", problems: [] });
    assert.equal(crd.additionalProperties, false, "a CRD object is pruned even without properties");
    assert.equal((crd.anyOf as Array<Record<string, unknown>>)[0]!.additionalProperties, undefined, "a branch declares no fields");
  });

  it("int-or-string and Quantity's oneOf become one type union", () => {
    assert.deepEqual(convertNode({ format: "int-or-string", oneOf: [{ type: "integer" }, { type: "string" }] }, builtin), { type: ["integer", "string"] });
    assert.deepEqual(convertNode({ oneOf: [{ type: "string" }, { type: "number" }] }, builtin), { type: ["string", "number"] });
    assert.deepEqual(convertNode({ "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }], pattern: "^\\d+%?$" }, { origin: "crd", problems: [] }), {
      type: ["integer", "string"],
      pattern: "^\\d+%?$",
    });
  });

  it("collects a CRD schema's problems with their place", () => {
    const problems: string[] = [];
    convertNode({ type: "object", properties: { spec: { type: "object", properties: { a: { type: "strin" }, b: { type: "string", pattern: "(?i)x" } } } } }, { origin: "crd", problems }, "");
    assert.deepEqual(problems.map((p) => p.split(":")[0]), ["properties.spec.properties.a", "properties.spec.properties.b"]);
    assert.match(problems[1]!, /pattern "\(\?i\)x" is not a regular expression/);
  });

  it("stripNulls drops null fields at any depth and returns the object itself when there are none", () => {
    const clean = { a: 1, b: [{ c: "x" }] };
    assert.equal(stripNulls(clean), clean);
    assert.deepEqual(stripNulls({ metadata: { creationTimestamp: null, name: "x" }, spec: { list: [{ a: null, b: 1 }] } }), { metadata: { name: "x" }, spec: { list: [{ b: 1 }] } });
  });
});
