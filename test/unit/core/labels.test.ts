/**
 * Label selectors with Kubernetes' semantics: the string form (a table of selector × labels → match, and of
 * selectors the API server refuses) and the LabelSelector object form (matching and its validation).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isEmptyLabelSelector, labelSelectorMatcher, labelSelectorProblems, LabelSelectorError, parseSelector } from "../../../src/core/labels.js";
import { UsageError } from "../../../src/core/errors.js";

const labels = { app: "web", tier: "front", "team.example.com/owner": "a", replicas: "3", empty: "" };
const cases: Array<[string, Record<string, string> | undefined, boolean]> = [
  ["", labels, true],
  ["   ", labels, true],
  ["app=web", labels, true],
  ["app==web", labels, true],
  ["app = web", labels, true],
  ["app=db", labels, false],
  ["app!=db", labels, true],
  ["app!=web", labels, false],
  ["missing!=x", labels, true],
  ["app=web,tier=back", labels, false],
  ["app=web, tier=front", labels, true],
  ["tier in (front,back)", labels, true],
  ["tier in(front)", labels, true],
  ["tier in (back)", labels, false],
  ["tier notin (back)", labels, true],
  ["tier notin (front)", labels, false],
  ["missing notin (x)", labels, true],
  ["missing in (x)", labels, false],
  ["app", labels, true],
  ["missing", labels, false],
  ["!app", labels, false],
  ["!missing", labels, true],
  ["team.example.com/owner=a", labels, true],
  // the empty value: `key=`, `()` and an empty item between commas all mean ""
  ["empty=", labels, true],
  ["app=", labels, false],
  ["empty in ()", labels, true],
  ["empty in (x,)", labels, true],
  ["app notin (,)", labels, true],
  // `in` and `notin` are plain words where a key or a value stands
  ["in=x", { in: "x" }, true],
  ["app in (in,notin)", { app: "notin" }, true],
  // > and < compare integers; a label that is not one never matches
  ["replicas>2", labels, true],
  ["replicas<3", labels, false],
  ["app>1", labels, false],
  ["missing<5", labels, false],
  ["app=web", undefined, false],
  ["!app", undefined, true],
];

const refused: Array<[string, RegExp]> = [
  ["app=we b", /found "b" after the requirement on "app"/],
  ["=x", /found "=", expected "!" or a key/],
  ["app in (a b)", /expected "," or "\)"/],
  ["app in (b", /expected "," or "\)"/],
  ["app in b", /expected "\(" after "app in"/],
  ["bad key=x", /found "key" after "bad"/],
  ["app=web,", /after the last ","/],
  [",app", /found ",", expected "!" or a key/],
  ["!app=web", /found "=" after the requirement on "app"/],
  ["app=a/b", /invalid label value "a\/b"/],
  ["-app=x", /invalid label key "-app"/],
  ["Upper.Case/app=x", /invalid label key .*prefix/],
  [`app=${"v".repeat(64)}`, /invalid label value/],
  ["a/b/c", /at most one "\/"/],
  ["replicas>two", /operator > takes one integer value/],
];

describe("core/labels: string form", () => {
  for (const [sel, l, want] of cases) {
    it(`${JSON.stringify(sel)} ${want ? "matches" : "does not match"} ${JSON.stringify(l)}`, () => {
      assert.equal(parseSelector(sel)(l), want);
    });
  }
  for (const [bad, why] of refused) {
    it(`refuses ${JSON.stringify(bad)}, saying where and the forms allowed`, () => {
      assert.throws(
        () => parseSelector(bad),
        (err: unknown) => err instanceof LabelSelectorError && err instanceof UsageError && why.test(err.message) && /key=value, key!=value, key in \(a,b\)/.test(err.message),
      );
    });
  }
});

describe("core/labels: LabelSelector objects", () => {
  const m = (sel: unknown, l: Record<string, string>): boolean => labelSelectorMatcher(sel)(l);
  it("an empty selector (and none) matches everything", () => {
    for (const sel of [{}, { matchLabels: {}, matchExpressions: [] }, undefined]) {
      assert.equal(m(sel, {}), true);
      assert.equal(m(sel, labels), true);
    }
    assert.equal(isEmptyLabelSelector({}), true);
    assert.equal(isEmptyLabelSelector(undefined), true);
    assert.equal(isEmptyLabelSelector({ matchLabels: { a: "b" } }), false);
    assert.equal(isEmptyLabelSelector({ matchExpressions: [{ key: "a", operator: "Exists" }] }), false);
  });
  it("matchLabels and every matchExpression must hold", () => {
    const sel = { matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["front", "back"] }] };
    assert.equal(m(sel, labels), true);
    assert.equal(m(sel, { ...labels, tier: "db" }), false);
    assert.equal(m(sel, { ...labels, app: "api" }), false);
  });
  it("In, NotIn, Exists, DoesNotExist as Kubernetes': NotIn and DoesNotExist match a missing key", () => {
    const e = (operator: string, values?: string[]) => ({ matchExpressions: [{ key: "a", operator, ...(values ? { values } : {}) }] });
    assert.equal(m(e("In", ["x"]), { a: "x" }), true);
    assert.equal(m(e("In", ["x"]), {}), false);
    assert.equal(m(e("NotIn", ["x"]), {}), true);
    assert.equal(m(e("NotIn", ["x"]), { a: "x" }), false);
    assert.equal(m(e("Exists"), {}), false);
    assert.equal(m(e("Exists", []), { a: "" }), true);
    assert.equal(m(e("DoesNotExist"), { a: "" }), false);
    assert.equal(m(e("DoesNotExist"), {}), true);
  });
  it("an unknown operator is an error that says which operators there are", () => {
    const sel = { matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] };
    assert.throws(
      () => labelSelectorMatcher(sel, "spec.selector"),
      (err: unknown) => err instanceof LabelSelectorError && /spec\.selector\.matchExpressions\[0\]: operator "Gt" is not one of In, NotIn, Exists, DoesNotExist/.test(err.message),
    );
  });
  it("In and NotIn need values; Exists and DoesNotExist take none", () => {
    const sel = {
      matchExpressions: [
        { key: "a", operator: "In" },
        { key: "b", operator: "NotIn", values: [] },
        { key: "c", operator: "Exists", values: ["x"] },
        { key: "d", operator: "DoesNotExist", values: ["y"] },
        { key: "e", operator: "In", values: ["ok"] },
      ],
    };
    assert.deepEqual(labelSelectorProblems(sel, "s"), [
      "s.matchExpressions[0]: operator In needs values",
      "s.matchExpressions[1]: operator NotIn needs values",
      "s.matchExpressions[2]: operator Exists takes no values",
      "s.matchExpressions[3]: operator DoesNotExist takes no values",
    ]);
    assert.throws(() => labelSelectorMatcher(sel), (err: unknown) => err instanceof LabelSelectorError && err.problems.length === 4 && /In and NotIn need values/.test(err.message));
  });
  it("keys and values are checked as the API server checks them, and a malformed shape is named", () => {
    assert.deepEqual(labelSelectorProblems({ matchLabels: { "bad key": "x", ok: "a b" } }, "s").length, 2);
    assert.match(labelSelectorProblems({ matchExpressions: [{ key: "-a", operator: "Exists" }] }, "s")[0]!, /s\.matchExpressions\[0\]: invalid label key "-a"/);
    assert.match(labelSelectorProblems({ matchExpressions: [{ key: "a", operator: "In", values: ["x/y"] }] }, "s")[0]!, /invalid label value "x\/y"/);
    assert.match(labelSelectorProblems("app=web", "s")[0]!, /s: must be an object/);
    assert.match(labelSelectorProblems({ matchLabels: ["a"] }, "s")[0]!, /s\.matchLabels: must be a map/);
    assert.match(labelSelectorProblems({ matchExpressions: [{ key: "a", operator: "In", values: [1] }] }, "s")[0]!, /values must be a list of strings/);
    assert.deepEqual(labelSelectorProblems({ matchLabels: { "team.example.com/owner": "a" }, matchExpressions: [{ key: "x", operator: "NotIn", values: ["", "b"] }] }), []);
  });
});
