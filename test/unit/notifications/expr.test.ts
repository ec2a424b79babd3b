/**
 * The expr-lang subset of trigger conditions: what it evaluates, expr-lang's nil semantics, and what it
 * refuses at compile time (never guessed at run time).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compile, EvaluationError, UnsupportedExpression } from "../../../src/notifications/expr.js";

const app = {
  metadata: { name: "web", annotations: { "example.com/version": "v0.1" }, labels: { env: "prod" } },
  status: { operationState: { phase: "Succeeded", finishedAt: "2026-01-01T10:00:00Z", syncResult: { revision: "abc" } }, health: { status: "Healthy", lastTransitionTime: "2026-01-01T10:00:05Z" }, sync: { status: "Synced" }, conditions: [{ type: "A" }, { type: "B" }] },
};
const run = (text: string, vars: Record<string, unknown> = { app }) => compile(text)(vars);

describe("trigger expressions", () => {
  const table: Array<[string, unknown]> = [
    ["app.status.operationState.phase in ['Succeeded']", true],
    ["app.status.operationState.phase in ['Error', 'Failed']", false],
    ["app.status.operationState != nil and app.status.health.status == 'Healthy'", true],
    ["app.status.sync.status == 'Unknown' or app.status.sync.status == 'Synced'", true],
    ["not (app.status.sync.status == 'Synced')", false],
    ["!(app.status.sync.status == 'Synced')", false],
    ["app.status.operationState?.syncResult?.revision", "abc"],
    ["app.status.missing?.revision", undefined],
    ["app.metadata.annotations[\"example.com/version\"]", "v0.1"],
    ["app.metadata.deletionTimestamp != nil", false],
    ["app.metadata.deletionTimestamp == nil", true],
    ["!time.Parse(app.status.health.lastTransitionTime).Before(time.Parse(app.status.operationState.finishedAt))", true],
    ["time.Parse(app.status.operationState.finishedAt).After(time.Parse(app.status.health.lastTransitionTime))", false],
    ["len(app.status.conditions) == 2", true],
    ["'env' in app.metadata.labels", true],
    ["app.metadata.name startsWith 'we' && app.metadata.name endsWith 'b'", true],
    ["app.metadata.name contains 'x'", false],
    ["strings.ToUpper(app.metadata.name) == 'WEB'", true],
    ["app.status.sync.status == 'Synced' ? 'yes' : 'no'", "yes"],
    ["1 + 2 * 3 == 7", true],
    ["true", true],
  ];
  for (const [text, want] of table) it(`${text} → ${String(want)}`, () => assert.equal(run(text), want));

  it("fetching a field of nil is an error, as in expr-lang", () => {
    assert.throws(() => run("app.status.missing.revision == 'x'"), EvaluationError);
  });
  it("and/or take booleans only", () => {
    assert.throws(() => run("app.metadata.name and true"), EvaluationError);
  });
  for (const text of ["app.metadata.name matches 'w.*'", "x not in ['a']", "foo(1)", "time.Since(app.x)", "a = 1", "app.items | filter(.x)"]) {
    it(`refuses at compile time: ${text}`, () => assert.throws(() => compile(text), UnsupportedExpression));
  }
});
