import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { UsageError } from "../../../src/core/errors.js";
import type { KubeObject, ResourceKey } from "../../../src/core/object.js";
import {
  applyIgnore,
  effectiveIgnore,
  globMatch,
  loadJqPathEvaluator,
  parseIgnoreDifferences,
  parseJsonPointer,
  removeIgnored,
  ruleMatches,
  type JqPathEvaluator,
} from "../../../src/diff/index.js";
import { deletePaths } from "../../../src/diff/paths.js";

const deployment: ResourceKey = { group: "apps", kind: "Deployment", namespace: "web", name: "api" };
const configMap: ResourceKey = { group: "", kind: "ConfigMap", namespace: "web", name: "settings" };

describe("JSON pointers and paths", () => {
  it("parses RFC 6901 pointers with escapes", () => {
    assert.deepEqual(parseJsonPointer("/spec/replicas"), ["spec", "replicas"]);
    assert.deepEqual(parseJsonPointer("/metadata/annotations/a.io~1b"), ["metadata", "annotations", "a.io/b"]);
    assert.deepEqual(parseJsonPointer("/a~01"), ["a~1"]);
    assert.throws(() => parseJsonPointer("spec/replicas"), UsageError);
  });

  it("deletes array items from the highest index down", () => {
    const doc = { a: [0, 1, 2, 3], b: { c: 1 } };
    deletePaths(doc, [["a", 1], ["a", "3"], ["b", "c"], ["a", 9]]);
    assert.deepEqual(doc, { a: [0, 2], b: {} });
  });
});

describe("ignoreDifferences rules", () => {
  it("parses Argo CD's shape and reports the bad entry", () => {
    const rules = parseIgnoreDifferences([{ kind: "Deployment", group: "apps", jsonPointers: ["/spec/replicas"] }, { kind: "ConfigMap" }]);
    assert.equal(rules[1]?.group, "");
    assert.deepEqual(parseIgnoreDifferences(undefined), []);
    assert.throws(() => parseIgnoreDifferences([{ group: "apps" }]), /ignoreDifferences\[0\]\["kind"\]/);
    assert.throws(() => parseIgnoreDifferences([{ kind: "X", jsonPointers: ["spec"] }]), /JSON pointer starts with/);
  });

  it("matches by group, kind, name and namespace, with * globs", () => {
    const [rule] = parseIgnoreDifferences([{ group: "apps", kind: "Deployment" }]);
    assert.ok(ruleMatches(rule!, deployment));
    assert.ok(!ruleMatches(rule!, configMap));
    const core = parseIgnoreDifferences([{ kind: "ConfigMap" }])[0]!;
    assert.ok(ruleMatches(core, configMap));
    assert.ok(!ruleMatches(core, { ...configMap, group: "example.com" }));
    const any = parseIgnoreDifferences([{ group: "*", kind: "*", namespace: "w*" }])[0]!;
    assert.ok(ruleMatches(any, deployment) && ruleMatches(any, configMap));
    assert.ok(!ruleMatches(any, { ...configMap, namespace: "other" }));
    const named = parseIgnoreDifferences([{ group: "apps", kind: "Deployment", name: "other" }])[0]!;
    assert.ok(!ruleMatches(named, deployment));
    assert.ok(globMatch("a.*.io", "a.b.io") && !globMatch("a.*.io", "axb.io") && globMatch("x", "x"));
  });

  it("merges all matching rules", () => {
    const rules = parseIgnoreDifferences([
      { group: "apps", kind: "Deployment", jsonPointers: ["/spec/replicas"], managedFieldsManagers: ["hpa"] },
      { group: "*", kind: "*", jsonPointers: ["/spec/replicas", "/metadata/labels"] },
      { group: "", kind: "ConfigMap", jsonPointers: ["/data"] },
    ]);
    assert.deepEqual(effectiveIgnore(rules, deployment), {
      jsonPointers: ["/spec/replicas", "/metadata/labels"],
      jqPathExpressions: [],
      managedFieldsManagers: ["hpa"],
    });
  });

  it("removes containers left empty on both sides, but not real differences", () => {
    const a = { metadata: { annotations: { x: "1" } }, spec: { s: {} } };
    const b = { metadata: {}, spec: { s: [] as unknown[] } };
    removeIgnored(a, b, [["metadata", "annotations", "x"]]);
    assert.deepEqual(a, { spec: { s: {} } }, "annotations, then metadata, emptied on both sides");
    assert.deepEqual(b, { spec: { s: [] } });
    const c = { spec: { s: { x: 1 } } };
    const d = { spec: { s: [] as unknown[] } };
    removeIgnored(c, d, [["spec", "s", "x"]]);
    assert.deepEqual(c, { spec: { s: {} } }, "{} vs [] stays a difference");
  });
});

describe("jq path expressions", () => {
  let jq: JqPathEvaluator;
  before(async () => {
    jq = await loadJqPathEvaluator();
  });

  it("evaluates real jq path() over several documents and expressions in one go", () => {
    const docs = [{ a: [{ n: "x" }, { n: "y" }] }, { a: [{ n: "y" }] }];
    const r = jq.paths(docs, ['.a[] | select(.n == "y")', ".b.c", '.["a"][0].n']);
    assert.deepEqual(r, [
      [{ paths: [["a", 1]] }, { paths: [["b", "c"]] }, { paths: [["a", 0, "n"]] }],
      [{ paths: [["a", 0]] }, { paths: [["b", "c"]] }, { paths: [["a", 0, "n"]] }],
    ]);
  });

  it("reports run-time errors per document and expression", () => {
    const r = jq.paths([{ a: [1] }, {}], [".a[]", "1 + 1"]);
    assert.deepEqual(r[0]?.[0], { paths: [["a", 0]] });
    assert.match((r[1]?.[0] as { error: string }).error, /Cannot iterate over null/);
    assert.match((r[0]?.[1] as { error: string }).error, /Invalid path expression/);
  });

  it("throws a UsageError naming an expression that is not jq", () => {
    assert.throws(() => jq.paths([{}], [".ok", ".a[[["]), (e: unknown) => e instanceof UsageError && /"\.a\[\[\["/.test(e.message));
  });

  it("removes what an expression selects on each side separately", () => {
    const obj = (names: string[]): KubeObject => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "api", namespace: "web" },
      spec: { containers: names.map((name) => ({ name })) },
    });
    const predicted = obj(["api", "sidecar"]);
    const live = obj(["sidecar", "api", "debug"]);
    const rules = parseIgnoreDifferences([
      { group: "apps", kind: "Deployment", jqPathExpressions: ['.spec.containers[] | select(.name != "api")', ".spec.x | tostring"] },
    ]);
    const warnings = applyIgnore({ predicted, live, rawLive: live }, deployment, rules, jq);
    assert.deepEqual(predicted.spec, { containers: [{ name: "api" }] });
    assert.deepEqual(live.spec, { containers: [{ name: "api" }] });
    assert.equal(warnings.length, 2, "the invalid path expression warns on both sides");
  });

  it("needs an evaluator when a matching rule has jq expressions", () => {
    const o: KubeObject = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "api" } };
    const rules = parseIgnoreDifferences([{ group: "apps", kind: "Deployment", jqPathExpressions: [".spec"] }]);
    assert.throws(() => applyIgnore({ predicted: o, live: o, rawLive: o }, deployment, rules), /no jq evaluator/);
    assert.deepEqual(applyIgnore({ predicted: o, live: o, rawLive: o }, configMap, rules), [], "not matching: not needed");
  });
});
