/**
 * The schemas `plumb validate` checks against, on the local control plane:
 * - the shipped file is exactly what the pinned Kubernetes serves at /openapi/v3 (else it is stale:
 *   bash hack/gen-kube-schemas.sh);
 * - the API server agrees with the unit tests' fixtures: every valid one passes a server-side dry run,
 *   every defect plumb reports is refused by the API server too (strict field validation);
 * - liveCRDs reads a CRD installed in the cluster, and a custom resource is validated with it.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { ApiError } from "../../src/cluster/client.js";
import { UnknownKindError } from "../../src/cluster/discovery.js";
import type { Resources } from "../../src/cluster/resources.js";
import type { KubeObject } from "../../src/core/object.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { toolVersions } from "../../src/tools/versions.js";
import { decodeSchemas, generateSchemas } from "../../src/validate/gen-schemas.js";
import { liveCRDs, loadSchemas, schemaFile, SHIPPED_KUBE_VERSIONS, type SchemaValidator } from "../../src/validate/schema.js";
import { resourcesFor } from "../helpers/cluster.js";
import { fixture } from "../helpers/paths.js";
import { waitFor } from "../helpers/wait.js";

const dir = fixture("validate", "schema");
const load = (name: string): KubeObject => parse(readFileSync(`${dir}/${name}`, "utf8")) as KubeObject;

/**
 * What the API server says of `obj` in a server-side dry run (strict field validation): undefined when it
 * accepts it, else the reason — only a refusal of the object itself counts (400 decoding, 422 invalid,
 * or a kind it does not serve), any other error fails the test.
 */
async function verdict(resources: Resources, obj: KubeObject): Promise<string | undefined> {
  const namespaced = resources.discovery.isNamespaced(obj.apiVersion.includes("/") ? obj.apiVersion.split("/")[0]! : "", obj.kind);
  const o = namespaced && !obj.metadata.namespace ? { ...obj, metadata: { ...obj.metadata, namespace: "default" } } : obj;
  try {
    await resources.apply(o, { dryRun: true });
    return undefined;
  } catch (err) {
    if (err instanceof UnknownKindError) return err.message;
    if (err instanceof ApiError && (err.status === 400 || err.status === 422)) return err.message;
    // Server-side apply's own schema check (unknown fields, duplicate keys of list maps and sets, bad quantities).
    if (err instanceof ApiError && /failed to (create typed patch object|convert new object)/.test(err.message)) return err.message;
    throw err;
  }
}

describe("validate: shipped schemas and live CRDs", { timeout: 300_000 }, () => {
  let cluster: LocalCluster;
  let resources: Resources;
  let validator: SchemaValidator;

  before(async () => {
    cluster = await startLocalCluster({ name: "e2e-validate-schemas", nodes: 1 });
    resources = await resourcesFor(cluster);
    validator = await loadSchemas();
    await resources.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } });
    await resources.discovery.refresh();
  });
  after(async () => {
    await cluster?.stop();
  });

  // First, while the cluster has no CRD: the document must be the plain control plane's.
  it(`schemas/kubernetes-${toolVersions().kubernetes}.json.gz is what the control plane serves (else: bash hack/gen-kube-schemas.sh)`, async () => {
    const fresh = await generateSchemas(resources.client);
    assert.equal(fresh.kubernetesVersion, toolVersions().kubernetes);
    assert.equal(SHIPPED_KUBE_VERSIONS[0], fresh.kubernetesVersion, "SHIPPED_KUBE_VERSIONS[0] is the pinned version");
    assert.equal(fresh.kinds["apps/v1/Deployment"], "io.k8s.api.apps.v1.Deployment");
    const shipped = decodeSchemas(readFileSync(schemaFile(fresh.kubernetesVersion)));
    assert.deepEqual(shipped, JSON.parse(JSON.stringify(fresh)), "the shipped schemas are stale: run bash hack/gen-kube-schemas.sh");
  });

  it("the API server agrees: valid fixtures pass a dry run, each defect plumb reports is refused", async () => {
    const files = readdirSync(dir).filter((f) => f.endsWith(".yaml") && !f.startsWith("cr"));
    assert.ok(files.length >= 15, "the fixtures are there");
    for (const f of files) {
      const obj = load(f);
      const findings = validator.validate(obj);
      const refused = await verdict(resources, obj);
      if (findings.length === 0) assert.equal(refused, undefined, `${f}: plumb finds nothing, the API server refused: ${refused}`);
      else assert.ok(refused, `${f}: plumb reports ${findings.map((x) => x.message).join("; ")} but the API server accepted it`);
    }
  });

  it("liveCRDs: a CRD installed in the cluster checks its custom resources", async () => {
    await resources.apply(load("crd-widget.yaml"));
    await waitFor("widgets.example.com Established", async () => {
      const crd = await resources.get({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: "widgets.example.com" });
      const conds = (crd?.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? [];
      return conds.some((c) => c.type === "Established" && c.status === "True");
    });
    for (const version of ["v1", "v1beta1"]) {
      await waitFor(`example.com/${version} served`, () => resources.client.request({ path: `/apis/example.com/${version}/widgets` }).then(() => true));
    }
    await resources.discovery.refresh();

    const crds = await liveCRDs(resources);
    assert.ok(crds.some((c) => c.metadata.name === "widgets.example.com"), "the live CRD is listed");
    const v = await loadSchemas();
    const valid = load("cr-widget-valid.yaml");
    const typo = load("cr-widget-unknown-field.yaml");
    assert.equal(v.validate(valid)[0]?.check, "schema-unknown-kind", "before addCRDs the kind is unknown");
    assert.deepEqual(v.addCRDs(crds), []);
    assert.deepEqual(v.validate(valid), []);
    assert.deepEqual(v.validate(typo).map((f) => [f.check, f.path]), [["schema-unknown-field", "spec.colour"]]);

    // And the API server says the same of every custom resource fixture it serves.
    const files = readdirSync(dir).filter((f) => f.startsWith("cr-widget-") && f !== "cr-widget-v1alpha1.yaml");
    assert.ok(files.length >= 4);
    for (const f of files) {
      const obj = load(f);
      const findings = v.validate(obj);
      const refused = await verdict(resources, obj);
      if (findings.length === 0) assert.equal(refused, undefined, `${f}: plumb finds nothing, the API server refused: ${refused}`);
      else assert.ok(refused, `${f}: plumb reports ${findings.map((x) => x.message).join("; ")} but the API server accepted it`);
    }
    assert.match((await verdict(resources, typo)) ?? "", /colour/, "strict field validation names the pruned field");
  });
});
