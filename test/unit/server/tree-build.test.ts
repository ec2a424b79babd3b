/**
 * The pure tree: every YAML file under test/fixtures/tree/ is one case, named for the case — the app's
 * status.resources, the live managed objects, the candidate children, and the expected nodes as one line
 * each, in the answer's order:
 *
 *     "<group/>Kind namespace/name <- ParentKind/name,... [health or none] (sync status, prune)"
 *
 * Each case is also run with its inputs reversed, which must give the same answer (deterministic order).
 * Then the owner table's closure and which changes affect which tree.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parse } from "yaml";
import type { KubeObject } from "../../../src/core/object.js";
import { buildTree, changeAffects, descendantKinds, managedEntries } from "../../../src/server/tree/build.js";
import { ApplicationTree, type ResourceNode } from "../../../src/server/tree/types.js";
import { fixture } from "../../helpers/paths.js";

interface Case {
  app: { status?: { resources?: unknown[] } };
  managed: KubeObject[];
  candidates: KubeObject[];
  expect: string[];
}

/** The one-line form of a node the fixtures expect. */
function line(n: ResourceNode): string {
  const parents = n.parentRefs?.length ? ` <- ${n.parentRefs.map((p) => `${p.kind}/${p.name}`).join(",")}` : "";
  const verdict = [n.status, n.requiresPruning ? "prune" : undefined, n.hook ? "hook" : undefined].filter(Boolean);
  return `${n.group ? `${n.group}/` : ""}${n.kind} ${n.namespace}/${n.name}${parents} [${n.health?.status ?? "none"}]${verdict.length ? ` (${verdict.join(", ")})` : ""}`;
}

const dir = fixture("tree");
const files = readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();

describe("buildTree fixtures", () => {
  it("has cases", () => assert.ok(files.length >= 6));
  for (const file of files) {
    const c = parse(readFileSync(`${dir}/${file}`, "utf8")) as Case;
    it(file.replace(/\.yaml$/, ""), () => {
      const tree = buildTree(c.app, c.managed, c.candidates);
      assert.deepEqual(tree.nodes.map(line), c.expect);
      ApplicationTree.parse(tree);
      const reversed = buildTree({ status: { resources: [...(c.app.status?.resources ?? [])].reverse() } }, [...c.managed].reverse(), [...c.candidates].reverse());
      assert.deepEqual(reversed, tree, "the same answer whatever the order of the inputs");
    });
  }
});

describe("buildTree node fields", () => {
  const c = parse(readFileSync(`${dir}/deployment-replicasets-pods.yaml`, "utf8")) as Case;
  const tree = buildTree(c.app, c.managed, c.candidates);
  const node = (name: string) => tree.nodes.find((n) => n.name === name)!;

  it("a node names its object and its parents by group, version, kind, namespace, name and uid", () => {
    const pod = node("api-new-a");
    assert.deepEqual(
      { group: pod.group, version: pod.version, kind: pod.kind, namespace: pod.namespace, name: pod.name, uid: pod.uid },
      { group: "", version: "v1", kind: "Pod", namespace: "shop", name: "api-new-a", uid: "p-a" },
    );
    assert.deepEqual(pod.parentRefs, [{ group: "apps", version: "v1", kind: "ReplicaSet", namespace: "shop", name: "api-new", uid: "rs-new" }]);
  });

  it("live nodes carry health with its message, info and images; managed ones their sync status", () => {
    const d = node("api");
    assert.equal(d.status, "OutOfSync");
    assert.equal(d.health?.status, "Progressing");
    assert.ok(d.health?.message, "the health message is kept");
    assert.deepEqual(d.info, [{ name: "Revision", value: "Rev:2" }]);
    assert.deepEqual(d.images, ["api:2"]);
    assert.deepEqual(node("api-new-a").info, [
      { name: "Status Reason", value: "Running" },
      { name: "Node", value: "" },
      { name: "Containers", value: "1/1" },
    ]);
    assert.equal(node("api-new-a").status, undefined, "children have no sync verdict");
  });

  it("a Missing node has no uid and says the resource does not exist", () => {
    const m = parse(readFileSync(`${dir}/missing-hook-prune.yaml`, "utf8")) as Case;
    const missing = buildTree(m.app, m.managed, m.candidates).nodes.find((n) => n.kind === "Deployment")!;
    assert.equal(missing.uid, undefined);
    assert.equal(missing.version, "v1");
    assert.deepEqual(missing.health, { status: "Missing", message: "Resource does not exist in the cluster" });
  });

  it("status entries without kind or name are skipped, unknown sync statuses dropped", () => {
    const entries = managedEntries({ status: { resources: [{ kind: "ConfigMap" }, { name: "x" }, "junk", { kind: "ConfigMap", name: "a", status: "Weird" }] } });
    assert.deepEqual(entries, [{ group: "", version: "", kind: "ConfigMap", namespace: "", name: "a" }]);
    assert.deepEqual(buildTree({ status: { resources: "not a list" } }, [], []).nodes, []);
  });
});

describe("descendantKinds", () => {
  const names = (roots: Array<{ group: string; kind: string }>) => descendantKinds(roots).map((k) => `${k.apiVersion}/${k.kind}`);
  const table: Array<[string, Array<{ group: string; kind: string }>, string[]]> = [
    ["a Deployment owns ReplicaSets and, through them, Pods", [{ group: "apps", kind: "Deployment" }], ["v1/Pod", "apps/v1/ReplicaSet"]],
    ["a CronJob owns Jobs and their Pods", [{ group: "batch", kind: "CronJob" }], ["v1/Pod", "batch/v1/Job"]],
    ["a Service owns EndpointSlices", [{ group: "", kind: "Service" }], ["discovery.k8s.io/v1/EndpointSlice"]],
    ["a StatefulSet owns Pods and ControllerRevisions", [{ group: "apps", kind: "StatefulSet" }], ["v1/Pod", "apps/v1/ControllerRevision"]],
    ["a ConfigMap owns nothing", [{ group: "", kind: "ConfigMap" }], []],
    ["kinds are listed once", [{ group: "apps", kind: "Deployment" }, { group: "batch", kind: "Job" }, { group: "apps", kind: "ReplicaSet" }], ["v1/Pod", "apps/v1/ReplicaSet"]],
  ];
  for (const [name, roots, want] of table) it(name, () => assert.deepEqual(names(roots), want));

  it("a table with a cycle ends", () => {
    const cyclic = new Map([
      ["x/A", [{ apiVersion: "x/v1", kind: "B" }]],
      ["x/B", [{ apiVersion: "x/v1", kind: "A" }]],
    ]);
    assert.deepEqual(descendantKinds([{ group: "x", kind: "A" }], cyclic).map((k) => k.kind), ["A", "B"]);
  });
});

describe("changeAffects", () => {
  const tree = { nodes: [{ group: "", version: "v1", kind: "Pod", namespace: "shop", name: "p" }] };
  const table: Array<[string, Parameters<typeof changeAffects>[0], boolean]> = [
    ["a managed object of this app", { namespace: "elsewhere", app: "web" }, true],
    ["a managed object of another app, even in the same namespace", { namespace: "shop", app: "other" }, false],
    ["a child in a namespace of the tree", { namespace: "shop" }, true],
    ["a child in another namespace", { namespace: "ops" }, false],
  ];
  for (const [name, change, want] of table) it(name, () => assert.equal(changeAffects(change, "web", tree), want));
});
