/** Status builders, history and retry arithmetic: pure functions the controller patches the status with. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ApplicationStatus,
  canRetry,
  historyAppend,
  mergePatch,
  parseDuration,
  retryDelayMs,
  RetryStrategy,
  setConditions,
  statusPatch,
  timestamp,
  withComparison,
  withOperationFinished,
  withOperationProgress,
  withOperationRetry,
  withOperationStarted,
  withSpecProblems,
  type RevisionHistory,
} from "../../../src/apps/index.js";

const t0 = new Date("2025-03-01T10:00:00.123Z");
const t1 = new Date("2025-03-01T10:05:00Z");

describe("conditions", () => {
  it("replace evaluated types, keep others, and keep the time of an unchanged condition", () => {
    const existing = [
      { type: "UnsupportedField", message: "spec.source.chart is not supported yet", lastTransitionTime: "2025-01-01T00:00:00Z" },
      { type: "UnsupportedField", message: "old problem", lastTransitionTime: "2025-01-01T00:00:00Z" },
      { type: "ComparisonError", message: "git unreachable", lastTransitionTime: "2025-02-01T00:00:00Z" },
    ];
    const out = setConditions(existing, [{ type: "UnsupportedField", message: "spec.source.chart is not supported yet" }, { type: "InvalidSpecError", message: "new" }], ["UnsupportedField", "InvalidSpecError"], t0);
    assert.deepEqual(out, [
      existing[2],
      existing[0],
      { type: "InvalidSpecError", message: "new", lastTransitionTime: "2025-03-01T10:00:00Z" },
    ]);
  });

  it("turn spec problems into conditions and clear them once fixed", () => {
    const s1 = withSpecProblems({}, [{ type: "UnsupportedField", field: "spec.source.chart", message: "chart!" }], t0);
    assert.deepEqual(s1.conditions, [{ type: "UnsupportedField", message: "chart!", lastTransitionTime: timestamp(t0) }]);
    assert.deepEqual(withSpecProblems(s1, [], t1).conditions, []);
  });
});

describe("comparison and operation", () => {
  it("records a comparison with reconciledAt", () => {
    const s = withComparison({}, { sync: { status: "Synced", revision: "abc" }, health: { status: "Healthy" }, resources: [], sourceType: "Helm", images: ["nginx:1.27"] }, t0);
    assert.equal(s.reconciledAt, "2025-03-01T10:00:00Z");
    assert.equal(s.sourceType, "Helm");
    assert.deepEqual(s.summary, { images: ["nginx:1.27"] });
    assert.ok(ApplicationStatus.safeParse(s).success);
  });

  it("goes Running → retry → Succeeded, never mutating its input", () => {
    const op = { sync: { revision: "abc", prune: true }, initiatedBy: { automated: true } };
    const started = withOperationStarted({ health: { status: "Healthy" } }, op, t0);
    const frozen = JSON.stringify(started);
    assert.deepEqual(started.operationState, { operation: op, phase: "Running", message: "", startedAt: "2025-03-01T10:00:00Z", retryCount: 0 });
    const retried = withOperationRetry(started, "retrying in 5s");
    assert.equal(retried.operationState?.retryCount, 1);
    const progressed = withOperationProgress(retried, { message: "wave 1", syncResult: { revision: "abc", resources: [{ group: "apps", version: "v1", kind: "Deployment", namespace: "web", name: "api", status: "Synced", syncPhase: "Sync" }] } });
    const done = withOperationFinished(progressed, { phase: "Succeeded", message: "successfully synced" }, t1);
    assert.equal(done.operationState?.phase, "Succeeded");
    assert.equal(done.operationState?.finishedAt, "2025-03-01T10:05:00Z");
    assert.equal(done.operationState?.syncResult?.resources?.length, 1);
    assert.equal(JSON.stringify(started), frozen);
    assert.ok(ApplicationStatus.safeParse(done).success, JSON.stringify(ApplicationStatus.safeParse(done).error));
  });
});

describe("historyAppend", () => {
  const entry = (revision: string): Omit<RevisionHistory, "id"> => ({ revision, deployedAt: "2025-03-01T10:00:00Z" });

  it("numbers entries from 0 and keeps the newest `limit`", () => {
    let h: RevisionHistory[] = [];
    for (const r of ["a", "b", "c", "d"]) h = historyAppend(h, entry(r), 3);
    assert.deepEqual(h.map((e) => [e.id, e.revision]), [[1, "b"], [2, "c"], [3, "d"]]);
  });

  it("keeps ids increasing after trimming, and keeps nothing with limit 0", () => {
    const h = historyAppend([{ id: 7, revision: "x", deployedAt: "t" }], entry("y"), 10);
    assert.deepEqual(h.map((e) => e.id), [7, 8]);
    assert.deepEqual(historyAppend(h, entry("z"), 0), []);
    assert.equal(historyAppend(undefined, entry("a"), 10)[0]!.id, 0);
  });
});

describe("statusPatch", () => {
  it("is undefined when nothing changed", () => {
    const s: ApplicationStatus = { sync: { status: "Synced", revision: "a" }, conditions: [] };
    assert.equal(statusPatch(s, structuredClone(s)), undefined);
  });

  it("sends changed fields, nulls removed ones and whole lists", () => {
    const before: ApplicationStatus = { sync: { status: "Synced", revision: "a" }, health: { status: "Healthy", message: "ok" }, conditions: [{ type: "X", message: "m" }] };
    const after: ApplicationStatus = { sync: { status: "OutOfSync", revision: "a" }, health: { status: "Healthy" }, conditions: [] };
    assert.deepEqual(statusPatch(before, after), { status: { sync: { status: "OutOfSync" }, health: { message: null }, conditions: [] } });
    assert.deepEqual(mergePatch({ a: 1 }, { a: 1, b: undefined }), undefined);
  });
});

describe("retry", () => {
  it("parses Go durations and bare seconds", () => {
    assert.equal(parseDuration("5s"), 5000);
    assert.equal(parseDuration("1m30s"), 90_000);
    assert.equal(parseDuration("300ms"), 300);
    assert.equal(parseDuration("2h"), 7_200_000);
    assert.equal(parseDuration("10"), 10_000);
    assert.equal(parseDuration("soon"), undefined);
    assert.equal(parseDuration("5 s"), undefined);
  });

  it("backs off by factor up to maxDuration, and honours the limit", () => {
    const r = RetryStrategy.parse({ limit: 3 });
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(r, n)), [5000, 10_000, 20_000, 40_000, 80_000, 160_000, 180_000]);
    assert.equal(canRetry(r, 2), true);
    assert.equal(canRetry(r, 3), false);
    assert.equal(canRetry(RetryStrategy.parse({ limit: -1 }), 1000), true);
    assert.equal(canRetry(undefined, 0), false);
  });
});

describe("health.lastTransitionTime", () => {
  const cmp = (status: "Healthy" | "Progressing") => ({ sync: { status: "Synced" as const }, health: { status }, resources: [] });
  it("is set when the health status changes and kept while it holds (Argo CD's field, read by on-deployed)", () => {
    const first = withComparison({}, cmp("Progressing"), t0);
    assert.equal(first.health?.lastTransitionTime, timestamp(t0));
    const same = withComparison(first, cmp("Progressing"), t1);
    assert.equal(same.health?.lastTransitionTime, timestamp(t0));
    const changed = withComparison(same, cmp("Healthy"), t1);
    assert.equal(changed.health?.lastTransitionTime, timestamp(t1));
  });
});
