/**
 * The CRDs generated from the schemas: structural, status subresource on, the printer columns kubectl shows,
 * the same shapes for argoproj.io — and deploy/crds/ exactly what the code generates.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { allCRDs, applicationCRD, appProjectCRD, crdFileName, crdYaml, structuralViolations, type JSONSchemaProps } from "../../../src/apps/index.js";
import type { KubeObject } from "../../../src/core/object.js";
import { repoRoot } from "../../helpers/paths.js";

interface Version {
  name: string;
  subresources?: { status?: object };
  additionalPrinterColumns?: Array<{ name: string; jsonPath: string; priority?: number }>;
  schema: { openAPIV3Schema: JSONSchemaProps };
}
const versionOf = (crd: KubeObject): Version => (crd.spec as { versions: Version[] }).versions[0]!;
const schemaOf = (crd: KubeObject): JSONSchemaProps => versionOf(crd).schema.openAPIV3Schema;

describe("generated CRDs", () => {
  it("are structural", () => {
    for (const crd of allCRDs({ argoCompat: true })) assert.deepEqual(structuralViolations(schemaOf(crd)), [], crd.metadata.name);
  });

  it("enable the status subresource", () => {
    for (const crd of allCRDs({ argoCompat: true })) assert.deepEqual(versionOf(crd).subresources, { status: {} }, crd.metadata.name);
  });

  it("show Sync, Health, Revision and Age for Applications", () => {
    const cols = versionOf(applicationCRD()).additionalPrinterColumns!.filter((c) => !c.priority);
    assert.deepEqual(
      cols.map((c) => [c.name, c.jsonPath]),
      [
        ["Sync", ".status.sync.status"],
        ["Health", ".status.health.status"],
        ["Revision", ".status.sync.revision"],
        ["Age", ".metadata.creationTimestamp"],
      ],
    );
  });

  it("have Argo CD's names, short names and plumb's category", () => {
    const app = applicationCRD().spec as { names: Record<string, unknown>; scope: string };
    assert.deepEqual(app.names, { kind: "Application", listKind: "ApplicationList", plural: "applications", singular: "application", shortNames: ["app", "apps"], categories: ["plumb"] });
    assert.equal(app.scope, "Namespaced");
    assert.deepEqual((appProjectCRD().spec as { names: { shortNames: string[] } }).names.shortNames, ["appproj", "appprojs"]);
  });

  it("keep unknown fields in spec (reported by the controller) and free-form parts free-form", () => {
    const spec = schemaOf(applicationCRD()).properties!.spec!;
    assert.equal(spec["x-kubernetes-preserve-unknown-fields"], true);
    const helm = spec.properties!.source!.properties!.helm!;
    assert.deepEqual(helm.properties!.valuesObject, { type: "object", "x-kubernetes-preserve-unknown-fields": true });
    assert.equal(spec.properties!.source!.properties!.plugin!["x-kubernetes-preserve-unknown-fields"], true);
    assert.equal(spec.properties!.syncPolicy!.properties!.automated!.properties!.enabled!.nullable, true);
    assert.equal(spec.properties!.source!.properties!.targetRevision!.type, "string");
    assert.deepEqual(spec.required, ["destination"]);
  });

  it("leave defaults to the code, so stored objects stay as written", () => {
    assert.doesNotMatch(JSON.stringify(applicationCRD()), /"default"\s*:/);
  });

  it("validate the status strictly", () => {
    const status = schemaOf(applicationCRD()).properties!.status!;
    assert.equal(status["x-kubernetes-preserve-unknown-fields"], undefined);
    assert.deepEqual(status.properties!.sync!.properties!.status!.enum, ["Synced", "OutOfSync", "Unknown"]);
    assert.deepEqual(status.properties!.operationState!.properties!.phase!.enum, ["Running", "Succeeded", "Failed", "Error", "Terminating"]);
  });

  it("have the same shapes in argoproj.io", () => {
    const plumb = applicationCRD("plumb.dev");
    const argo = applicationCRD("argoproj.io");
    assert.equal(argo.metadata.name, "applications.argoproj.io");
    assert.deepEqual(versionOf(argo), versionOf(plumb));
    assert.deepEqual(allCRDs().map((c) => c.metadata.name), ["applications.plumb.dev", "appprojects.plumb.dev"]);
    assert.equal(allCRDs({ argoCompat: true }).length, 4);
  });
});

describe("deploy/crds", () => {
  for (const crd of allCRDs({ argoCompat: true })) {
    const file = join(repoRoot, "deploy", "crds", crdFileName(crd));
    it(`${crdFileName(crd)} is what the code generates (else run node dist/src/apps/gen-crds.js)`, () => {
      assert.ok(existsSync(file), `${file} is missing`);
      const text = readFileSync(file, "utf8");
      assert.equal(text, crdYaml(crd));
      assert.deepEqual(parse(text), crd);
    });
  }
});
