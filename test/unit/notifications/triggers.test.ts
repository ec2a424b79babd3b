/**
 * The catalog triggers on Application fixtures: each holds exactly when Argo CD's condition holds, with
 * the oncePer value Argo CD computes; an unsupported condition makes the trigger unsupported.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CATALOG_TRIGGERS, compileTrigger, conditionKey, runTrigger } from "../../../src/notifications/triggers.js";

const sha = "1111111111111111111111111111111111111111";
function app(status: Record<string, unknown>, metadata: Record<string, unknown> = {}) {
  return { apiVersion: "argoproj.io/v1alpha1", kind: "Application", metadata: { name: "web", namespace: "plumb", ...metadata }, status };
}
const succeeded = { operationState: { phase: "Succeeded", startedAt: "2026-01-01T10:00:00Z", finishedAt: "2026-01-01T10:00:10Z", syncResult: { revision: sha } }, sync: { status: "Synced" } };
const fixtures: Record<string, ReturnType<typeof app>> = {
  "new, not synced": app({ sync: { status: "OutOfSync" }, health: { status: "Missing" } }),
  running: app({ operationState: { phase: "Running", startedAt: "2026-01-01T10:00:00Z", syncResult: { revision: sha } }, sync: { status: "OutOfSync" }, health: { status: "Progressing" } }),
  "succeeded, healthy after": app({ ...succeeded, health: { status: "Healthy", lastTransitionTime: "2026-01-01T10:00:20Z" } }),
  "succeeded, healthy since before": app({ ...succeeded, health: { status: "Healthy", lastTransitionTime: "2026-01-01T09:00:00Z" } }),
  "succeeded, progressing": app({ ...succeeded, health: { status: "Progressing", lastTransitionTime: "2026-01-01T10:00:20Z" } }),
  failed: app({ operationState: { phase: "Failed", startedAt: "2026-01-01T10:00:00Z", finishedAt: "2026-01-01T10:00:10Z", message: "boom", syncResult: { revision: sha } }, sync: { status: "OutOfSync" }, health: { status: "Degraded" } }),
  error: app({ operationState: { phase: "Error", startedAt: "2026-01-01T10:00:00Z", finishedAt: "2026-01-01T10:00:10Z" }, sync: { status: "Unknown" }, health: { status: "Healthy" } }),
  deleting: app({ sync: { status: "Synced" } }, { deletionTimestamp: "2026-01-01T11:00:00Z" }),
};
// Which catalog triggers hold for which fixture (by reading Argo CD's conditions).
const want: Record<string, string[]> = {
  "new, not synced": ["on-created"],
  running: ["on-created", "on-sync-running"],
  "succeeded, healthy after": ["on-created", "on-deployed", "on-sync-succeeded"],
  "succeeded, healthy since before": ["on-created", "on-sync-succeeded"],
  "succeeded, progressing": ["on-created", "on-sync-succeeded"],
  failed: ["on-created", "on-health-degraded", "on-sync-failed"],
  error: ["on-created", "on-sync-failed", "on-sync-status-unknown"],
  deleting: ["on-created", "on-deleted"],
};

describe("catalog triggers", () => {
  const compiled = Object.entries(CATALOG_TRIGGERS).map(([n, c]) => compileTrigger(n, c));
  it("all compile (none is unsupported)", () => {
    assert.deepEqual(compiled.filter((t) => t.unsupported).map((t) => t.unsupported), []);
    assert.equal(compiled.length, 8);
  });
  for (const [name, fx] of Object.entries(fixtures)) {
    it(`${name}: ${want[name]!.join(", ")}`, () => {
      const held = compiled.filter((t) => runTrigger(t, { app: fx }).some((r) => r.triggered)).map((t) => t.name).sort();
      assert.deepEqual(held, want[name]);
    });
  }
  it("oncePer: the synced revision for sync triggers, the app name for on-created", () => {
    const byName = new Map(compiled.map((t) => [t.name, t]));
    const fx = fixtures["succeeded, healthy after"]!;
    assert.equal(runTrigger(byName.get("on-sync-succeeded")!, { app: fx })[0]!.oncePer, sha);
    assert.equal(runTrigger(byName.get("on-deployed")!, { app: fx })[0]!.oncePer, sha);
    assert.equal(runTrigger(byName.get("on-created")!, { app: fx })[0]!.oncePer, "web");
    // No syncResult: Go's %v of nil.
    assert.equal(runTrigger(byName.get("on-sync-failed")!, { app: fixtures.error! })[0]!.oncePer, "<nil>");
    // oncePer is not evaluated when the condition is false.
    assert.equal(runTrigger(byName.get("on-sync-failed")!, { app: fx })[0]!.oncePer, undefined);
  });
  it("the condition key is Argo CD's: [index].base64url(sha1(when))", () => {
    assert.equal(conditionKey(0, "true"), "[0].X_5TO4MPCKAyY0ipFgr6_IraRNs");
  });
  it("a condition outside the subset makes the trigger unsupported, not true or false", () => {
    const t = compileTrigger("custom", [{ when: "app.metadata.name matches '^w'", send: ["x"] }]);
    assert.match(t.unsupported ?? "", /matches/);
    assert.throws(() => runTrigger(t, { app: fixtures.running }));
  });
  it("a condition failing on the data is not triggered and says why", () => {
    const t = compileTrigger("custom", [{ when: "app.status.operationState.phase == 'Running'", send: ["x"] }]);
    const [r] = runTrigger(t, { app: fixtures["new, not synced"] });
    assert.equal(r!.triggered, false);
    assert.match(r!.error ?? "", /cannot fetch phase from nil/);
  });
});
