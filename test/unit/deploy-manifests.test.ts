/**
 * deploy/: the Kustomize base passes `plumb validate`, the Helm chart renders the same objects as the base
 * (they are kept in step by hand), and `plumb install`'s retarget moves every reference to the namespace
 * and the image.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../../src/core/object.js";
import { buildBase, retarget } from "../../src/install/manifests.js";
import { findBinary } from "../../src/tools/binaries.js";
import { repoRoot } from "../helpers/paths.js";

const deploy = join(repoRoot, "deploy");

/** Objects keyed by kind/namespace/name, without labels (kustomize adds part-of) and with null data as {}. */
function normalized(objects: KubeObject[]): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const o of objects) {
    const c = structuredClone(o) as KubeObject & { data?: unknown };
    delete c.metadata.labels;
    if (c.kind === "ConfigMap" && !c.data) c.data = {};
    m.set(`${c.kind}/${c.metadata.namespace ?? ""}/${c.metadata.name}`, c);
  }
  return m;
}

describe("deploy/ manifests", () => {
  it("plumb validate deploy/ reports no findings", () => {
    const r = spawnSync(process.execPath, [join(repoRoot, "dist", "src", "cli", "main.js"), "validate", deploy], { encoding: "utf8", timeout: 120_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /No findings in 1 app/);
  });

  it("the Helm chart renders the objects of the Kustomize base", async () => {
    const base = await buildBase(deploy);
    const helm = execFileSync(findBinary("helm"), ["template", "plumb", join(deploy, "helm", "plumb"), "--namespace", "plumb", "--include-crds", "--set", "createNamespace=true"], { encoding: "utf8" });
    const chart = parseAllDocuments(helm).map((d) => d.toJS() as KubeObject).filter((o) => o?.kind);
    const want = normalized(base);
    const got = normalized(chart);
    assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), "the same objects");
    for (const [k, v] of want) assert.deepEqual(got.get(k), v, `${k} is the same in the chart`);
  });

  it("retarget moves the namespace, the RBAC subjects, the flags and the image", async () => {
    const moved = retarget(await buildBase(deploy), { namespace: "gitops", image: "registry.example/plumb:1.2.3" });
    const text = JSON.stringify(moved);
    assert.doesNotMatch(text, /"namespace":"plumb"|=plumb"|"name":"plumb"/, "no reference to namespace plumb is left");
    assert.ok(moved.some((o) => o.kind === "Namespace" && o.metadata.name === "gitops"));
    const images = moved.flatMap((o) => ((o.spec as { template?: { spec?: { containers?: Array<{ image: string }> } } })?.template?.spec?.containers ?? []).map((c) => c.image));
    assert.deepEqual(images, ["registry.example/plumb:1.2.3", "registry.example/plumb:1.2.3"]);
    const binding = moved.find((o) => o.kind === "ClusterRoleBinding") as { subjects: Array<{ namespace: string }> } | undefined;
    assert.equal(binding?.subjects[0]?.namespace, "gitops");
    assert.throws(() => retarget([], { namespace: "Bad_NS", image: "x" }), /not a valid namespace/);
  });
});
