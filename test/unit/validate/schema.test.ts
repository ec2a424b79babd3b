/**
 * Schema validation against the shipped Kubernetes schemas and CRDs, on fixture manifests
 * (test/fixtures/validate/schema/): valid objects give nothing; each planted defect gives exactly one
 * finding, with its check id, the object and the field path as Kubernetes writes it.
 */
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { parse } from "yaml";
import type { KubeObject } from "../../../src/core/object.js";
import { UsageError } from "../../../src/core/errors.js";
import { toolVersions } from "../../../src/tools/versions.js";
import type { Finding } from "../../../src/validate/findings.js";
import { loadSchemas, resolveKubeVersion, schemaFile, SHIPPED_KUBE_VERSIONS, type SchemaValidator } from "../../../src/validate/schema.js";
import { fixture } from "../../helpers/paths.js";

const load = (name: string): KubeObject => parse(readFileSync(fixture("validate", "schema", name), "utf8")) as KubeObject;
const brief = (fs: Finding[]): Array<{ check: string; path: string | undefined }> => fs.map((f) => ({ check: f.check, path: f.path }));

describe("schema validation: shipped versions", () => {
  it("ships the pinned Kubernetes version first, and its file is there", () => {
    assert.equal(SHIPPED_KUBE_VERSIONS[0], toolVersions().kubernetes);
    for (const v of SHIPPED_KUBE_VERSIONS) assert.ok(existsSync(schemaFile(v)), `${schemaFile(v)} exists`);
  });

  it("accepts the shipped version as 1.36, v1.36, 1.36.3 and v1.36.3", () => {
    const v = SHIPPED_KUBE_VERSIONS[0]!;
    const [maj, min] = v.slice(1).split(".");
    for (const given of [`${maj}.${min}`, `v${maj}.${min}`, v.slice(1), v, undefined]) assert.equal(resolveKubeVersion(given), v, String(given));
  });

  it("refuses another version with a UsageError naming the shipped ones", async () => {
    for (const given of ["1.20", "v1.36.99", "latest"]) {
      await assert.rejects(loadSchemas({ kubeVersion: given }), (err: unknown) => {
        assert.ok(err instanceof UsageError, String(err));
        assert.match(err.message, new RegExp(`${given.replace(/\./g, "\\.")}.*${SHIPPED_KUBE_VERSIONS[0]!.replace(/\./g, "\\.")}`));
        return true;
      });
    }
  });
});

describe("schema validation: Kubernetes' own kinds", () => {
  let v: SchemaValidator;
  before(async () => {
    v = await loadSchemas();
  });

  for (const file of ["valid-deployment.yaml", "valid-service.yaml", "valid-configmap.yaml", "valid-ingress.yaml", "valid-cronjob.yaml", "valid-pod.yaml"]) {
    it(`${file}: no findings`, () => {
      assert.deepEqual(v.validate(load(file)), []);
    });
  }

  const cases: Array<{ file: string; check: string; path: string; message: RegExp }> = [
    { file: "deployment-unknown-field.yaml", check: "schema-unknown-field", path: "spec.template.spec.containers[0].imagePullPolcy", message: /^unknown field "imagePullPolcy" \(did you mean "imagePullPolicy"\?\)$/ },
    { file: "deployment-replica-typo.yaml", check: "schema-unknown-field", path: "spec.replica", message: /^unknown field "replica" \(did you mean "replicas"\?\)$/ },
    { file: "deployment-wrong-type.yaml", check: "schema-type", path: "spec.template.spec.containers[0].ports[0].containerPort", message: /containerPort: expected integer, got string "eighty"$/ },
    { file: "deployment-replicas-string.yaml", check: "schema-type", path: "spec.replicas", message: /^spec\.replicas: expected integer, got string "3"$/ },
    { file: "pod-container-without-name.yaml", check: "schema-required", path: "spec.containers[0].name", message: /^spec\.containers\[0\]\.name: required field is missing$/ },
    { file: "label-number.yaml", check: "schema-type", path: "metadata.labels[version]", message: /expected string, got number 2/ },
    { file: "metadata-unknown-field.yaml", check: "schema-unknown-field", path: "metadata.label", message: /did you mean "labels"/ },
    { file: "service-target-port-boolean.yaml", check: "schema-type", path: "spec.ports[0].targetPort", message: /expected integer or string, got boolean true/ },
    { file: "pod-bad-quantity.yaml", check: "schema-format", path: "spec.containers[0].resources.limits[memory]", message: /"12 GB" is not a valid quantity/ },
    { file: "pull-policy-enum.yaml", check: "schema-enum", path: "spec.containers[0].imagePullPolicy", message: /"Allways" is not one of .*"Always".*\(did you mean "Always"\?\)/ },
    { file: "deployment-duplicate-env.yaml", check: "schema-duplicate", path: "spec.template.spec.containers[0].env", message: /items 0 and 1 have the same name="MODE"/ },
    { file: "deployment-status-unknown-field.yaml", check: "schema-unknown-field", path: "status.ready", message: /^unknown field "ready"/ },
    { file: "deployment-old-apiversion.yaml", check: "schema-unknown-kind", path: "apiVersion", message: /not served at apps\/v1beta1 .*apps\/v1\b/ },
  ];
  for (const c of cases) {
    it(`${c.file}: one ${c.check} at ${c.path}`, () => {
      const obj = load(c.file);
      const findings = v.validate(obj);
      assert.deepEqual(brief(findings), [{ check: c.check, path: c.path }], JSON.stringify(findings, null, 2));
      const f = findings[0]!;
      assert.match(f.message, c.message);
      assert.equal(f.severity, "error");
      assert.deepEqual(f.object, { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name });
    });
  }

  it("a Secret's value never appears in a message", () => {
    const findings = v.validate(load("secret-bad-base64.yaml"));
    assert.deepEqual(brief(findings), [{ check: "schema-format", path: "data[password]" }]);
    assert.doesNotMatch(findings[0]!.message, /hunter2/);
  });

  it("an object without apiVersion or kind is a finding, not a crash", () => {
    const findings = v.validate({ metadata: { name: "x" } } as unknown as KubeObject);
    assert.deepEqual(brief(findings), [{ check: "schema-required", path: "apiVersion" }]);
  });

  it("validates many objects of one kind with one compiled validator, results unchanged", () => {
    const good = load("valid-deployment.yaml");
    const bad = load("deployment-unknown-field.yaml");
    for (let i = 0; i < 50; i++) {
      assert.deepEqual(v.validate(good), []);
      assert.equal(v.validate(bad).length, 1);
    }
  });
});

describe("schema validation: custom resources", () => {
  let v: SchemaValidator;
  before(async () => {
    v = await loadSchemas();
    assert.deepEqual(v.addCRDs([load("crd-widget.yaml")]), []);
  });

  it("a CR without its CRD is schema-unknown-kind", async () => {
    const fresh = await loadSchemas();
    assert.deepEqual(brief(fresh.validate(load("cr-widget-valid.yaml"))), [{ check: "schema-unknown-kind", path: "apiVersion" }]);
    assert.deepEqual(brief(v.validate(load("cr-gadget.yaml"))), [{ check: "schema-unknown-kind", path: "apiVersion" }]);
  });

  it("a valid CR (int-or-string, nullable, set, map-list, preserved and embedded fields, status): no findings", () => {
    assert.deepEqual(v.validate(load("cr-widget-valid.yaml")), []);
  });

  it("an unknown field is one schema-unknown-field that says the API server would prune it", () => {
    const findings = v.validate(load("cr-widget-unknown-field.yaml"));
    assert.deepEqual(brief(findings), [{ check: "schema-unknown-field", path: "spec.colour" }]);
    assert.match(findings[0]!.message, /^unknown field "colour" \(did you mean "color"\?\).*pruned/);
  });

  it("status is checked against the CRD's status schema", () => {
    assert.deepEqual(brief(v.validate(load("cr-widget-status-unknown-field.yaml"))), [{ check: "schema-unknown-field", path: "status.phase" }]);
  });

  it("a wrong type is one schema-type", () => {
    const findings = v.validate(load("cr-widget-wrong-type.yaml"));
    assert.deepEqual(brief(findings), [{ check: "schema-type", path: "spec.size" }]);
    assert.match(findings[0]!.message, /^spec\.size: expected integer, got string "three"$/);
  });

  it("enum, pattern, bound, int-or-string, null, set and map-list key: one finding each", () => {
    const findings = v.validate(load("cr-widget-many.yaml"));
    const got = brief(findings).sort((a, b) => `${a.path}`.localeCompare(`${b.path}`));
    assert.deepEqual(got, [
      { check: "schema-enum", path: "spec.color" },
      { check: "schema-type", path: "spec.labels[team]" },
      { check: "schema-duplicate", path: "spec.listeners" },
      { check: "schema-required", path: "spec.listeners[2].name" },
      { check: "schema-value", path: "spec.owner" },
      { check: "schema-type", path: "spec.port" },
      { check: "schema-value", path: "spec.size" },
      { check: "schema-required", path: "spec.source" },
      { check: "schema-duplicate", path: "spec.tags" },
    ], JSON.stringify(findings, null, 2));
  });

  it("a oneOf of required fields says which are wanted, once", () => {
    const cr = load("cr-widget-valid.yaml");
    const spec = cr.spec as Record<string, unknown>;
    spec.source = {};
    const none = v.validate(cr);
    assert.deepEqual(brief(none), [{ check: "schema-required", path: "spec.source" }]);
    assert.match(none[0]!.message, /^spec\.source: exactly one of "git", "oci" is required$/);
    spec.source = { git: { url: "a" }, oci: { ref: "b" } };
    assert.deepEqual(brief(v.validate(cr)), [{ check: "schema-value", path: "spec.source" }]);
  });

  it("preserve-unknown-fields is honoured (and only where it is given)", () => {
    assert.deepEqual(v.validate(load("cr-widget-v1beta1.yaml")), []);
    const cr = load("cr-widget-valid.yaml");
    (cr.spec as { listeners: Array<Record<string, unknown>> }).listeners[0]!.extra = 1;
    assert.deepEqual(brief(v.validate(cr)), [{ check: "schema-unknown-field", path: "spec.listeners[0].extra" }]);
  });

  it("a version the CRD does not serve has no schema", () => {
    assert.deepEqual(brief(v.validate(load("cr-widget-v1alpha1.yaml"))), [{ check: "schema-unknown-kind", path: "apiVersion" }]);
  });

  it("a CRD with a broken schema is schema-crd, and its CRs are not checked against it", async () => {
    const fresh = await loadSchemas();
    const findings = fresh.addCRDs([load("crd-broken.yaml")]);
    assert.deepEqual(brief(findings), [{ check: "schema-crd", path: "spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.size" }]);
    assert.match(findings[0]!.message, /strin/);
    assert.deepEqual(findings[0]!.object, { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: "gizmos.example.com" });
    assert.deepEqual(brief(fresh.validate(load("cr-gizmo.yaml"))), [{ check: "schema-unknown-kind", path: "apiVersion" }]);
  });

  it("the CRD itself is checked against Kubernetes' CustomResourceDefinition schema", () => {
    assert.deepEqual(v.validate(load("crd-widget.yaml")), []);
    const crd = load("crd-broken.yaml");
    (crd.spec as Record<string, unknown>).scpoe = "Namespaced";
    assert.deepEqual(brief(v.validate(crd)), [{ check: "schema-unknown-field", path: "spec.scpoe" }]);
  });
});
