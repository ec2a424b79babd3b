/**
 * fitStatus: the status of an app of 10,000 objects is shortened to its budget, keeps what is wrong, and
 * counts the rest so that nothing is lost in silence; a status that fits is left alone.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ApplicationStatus,
  DEFAULT_STATUS_BUDGET_BYTES,
  fitStatus,
  jsonBytes,
  withComparison,
  type ResourceResult,
  type ResourceStatus,
} from "../../../src/apps/index.js";

const KINDS = [
  { group: "apps", kind: "Deployment", version: "v1" },
  { group: "", kind: "ConfigMap", version: "v1" },
  { group: "", kind: "Service", version: "v1" },
];

/** 10,000 objects: every 97th OutOfSync, every 89th Degraded, every 211th to prune; the rest Synced and Healthy. */
function resources(n = 10_000): ResourceStatus[] {
  return Array.from({ length: n }, (_, i) => {
    const k = KINDS[i % KINDS.length]!;
    const r: ResourceStatus = { ...k, namespace: "team-a", name: `object-${String(i).padStart(5, "0")}`, status: i % 97 === 0 ? "OutOfSync" : "Synced" };
    if (k.kind === "Deployment") r.health = i % 89 === 0 ? { status: "Degraded", message: "Deployment exceeded its progress deadline" } : { status: "Healthy" };
    if (i % 211 === 0) r.requiresPruning = true;
    return r;
  });
}

/** The last sync's 10,000 results: every 101st failed. */
function results(n = 10_000): ResourceResult[] {
  return Array.from({ length: n }, (_, i) => {
    const k = KINDS[i % KINDS.length]!;
    const failed = i % 101 === 0;
    return { ...k, namespace: "team-a", name: `object-${String(i).padStart(5, "0")}`, status: failed ? "SyncFailed" : "Synced", message: failed ? "admission webhook denied the request" : `${k.kind.toLowerCase()}/object configured`, syncPhase: "Sync" };
  });
}

function status(res = resources(), syncRes: ResourceResult[] | undefined = results()): ApplicationStatus {
  return {
    sync: { status: "OutOfSync", revision: "4f1b2c3d4e5f60718293a4b5c6d7e8f901234567" },
    health: { status: "Degraded" },
    resources: res,
    operationState: {
      operation: { sync: { revision: "4f1b2c3d4e5f60718293a4b5c6d7e8f901234567" } },
      phase: "Failed",
      message: "one or more objects failed to apply",
      startedAt: "2025-01-31T12:00:00Z",
      ...(syncRes ? { syncResult: { revision: "4f1b2c3d4e5f60718293a4b5c6d7e8f901234567", resources: syncRes } } : {}),
    },
    reconciledAt: "2025-01-31T12:00:05Z",
  };
}

const key = (r: { group: string; kind: string; namespace: string; name: string }): string => `${r.group}/${r.kind}/${r.namespace}/${r.name}`;
const sum = (counts: ReadonlyArray<{ count: number }>): number => counts.reduce((n, c) => n + c.count, 0);

describe("fitStatus", () => {
  it("returns a status that fits as it is: the same object, not summarised", () => {
    const s = status(resources(20), results(20));
    const r = fitStatus(s);
    assert.equal(r.status, s);
    assert.equal(r.summarized, false);
    assert.equal(r.message, undefined);
  });

  it("brings 10,000 objects and results within the default budget of 512 KiB", () => {
    const s = status();
    assert.ok(jsonBytes(s) > 3 * DEFAULT_STATUS_BUDGET_BYTES, "the input is well over the budget");
    const before = JSON.stringify(s);
    const r = fitStatus(s);
    assert.equal(DEFAULT_STATUS_BUDGET_BYTES, 512 * 1024);
    assert.ok(jsonBytes(r.status) <= DEFAULT_STATUS_BUDGET_BYTES, `${jsonBytes(r.status)} bytes`);
    assert.ok(jsonBytes(r.status) > DEFAULT_STATUS_BUDGET_BYTES * 0.9, "and uses most of it");
    assert.equal(r.summarized, true);
    assert.equal(JSON.stringify(s), before, "the input is not changed");
    assert.doesNotThrow(() => ApplicationStatus.parse(r.status), "the output is a valid status (the CRD's schema)");
  });

  it("counts the objects left out per group, kind, status and health, adding up to the total", () => {
    const input = resources();
    const r = fitStatus(status(input), 300_000);
    const summary = r.status.resourcesSummary!;
    assert.equal(summary.total, 10_000);
    assert.equal(summary.listed, r.status.resources!.length);
    assert.ok(summary.listed > 100 && summary.listed < 10_000, `${summary.listed} listed`);
    assert.equal(summary.listed + sum(summary.counts), 10_000);
    // Per key: listed + counted = as many as in the input.
    const want = new Map<string, number>();
    const id = (group: string, kind: string, status?: string, health?: string): string => [group, kind, status ?? "", health ?? ""].join("|");
    for (const x of input) want.set(id(x.group, x.kind, x.status, x.health?.status), (want.get(id(x.group, x.kind, x.status, x.health?.status)) ?? 0) + 1);
    const got = new Map<string, number>();
    for (const x of r.status.resources!) got.set(id(x.group, x.kind, x.status, x.health?.status), (got.get(id(x.group, x.kind, x.status, x.health?.status)) ?? 0) + 1);
    for (const c of summary.counts) got.set(id(c.group, c.kind, c.status, c.health), (got.get(id(c.group, c.kind, c.status, c.health)) ?? 0) + c.count);
    assert.deepEqual(new Map([...got].sort()), new Map([...want].sort()));
    assert.ok(summary.counts.some((c) => c.group === "apps" && c.kind === "Deployment" && c.status === "Synced" && c.health === "Healthy"));
  });

  it("keeps every object that is not Synced, not Healthy or to prune, and every failed result", () => {
    const r = fitStatus(status(), 300_000);
    const listed = new Set(r.status.resources!.map(key));
    const telling = resources().filter((x) => x.status !== "Synced" || (x.health && x.health.status !== "Healthy") || x.requiresPruning);
    assert.ok(telling.length > 150);
    for (const x of telling) assert.ok(listed.has(key(x)), `${key(x)} was dropped`);
    const failed = results().filter((x) => x.status === "SyncFailed");
    const listedResults = new Set(r.status.operationState!.syncResult!.resources!.map(key));
    for (const x of failed) assert.ok(listedResults.has(key(x)), `failed ${key(x)} was dropped`);
    assert.ok(r.status.operationState!.syncResult!.resources!.some((x) => x.status === "Synced"), "the rest of the room holds other results");
  });

  it("keeps the listed entries in their original order", () => {
    const r = fitStatus(status(), 300_000);
    const names = r.status.resources!.map((x) => x.name);
    assert.deepEqual(names, [...names].sort());
  });

  it("counts the sync result's left-out entries in syncResult.resourcesSummary", () => {
    const r = fitStatus(status(), 300_000);
    const s = r.status.operationState!.syncResult!.resourcesSummary!;
    assert.equal(s.total, 10_000);
    assert.equal(s.listed, r.status.operationState!.syncResult!.resources!.length);
    assert.equal(s.listed + sum(s.counts), 10_000);
    assert.ok(s.counts.every((c) => c.status === "Synced"), "every failed result is listed, so only Synced ones are counted");
  });

  it("says what it left out, for a condition", () => {
    const r = fitStatus(status(), 300_000);
    const res = r.status.resourcesSummary!;
    const syn = r.status.operationState!.syncResult!.resourcesSummary!;
    assert.equal(
      r.message,
      `status lists ${res.listed.toLocaleString("en-US")} of 10,000 resources; the rest are counted per kind and status in status.resourcesSummary. ` +
        `the last sync's result lists ${syn.listed.toLocaleString("en-US")} of 10,000 resources; the rest are counted per kind and result in status.operationState.syncResult.resourcesSummary`,
    );
  });

  it("gives a short list all it needs and the long one the rest", () => {
    const s = status(resources(30), results());
    const r = fitStatus(s, 200_000);
    assert.equal(r.status.resources, s.resources, "the short list is kept whole");
    assert.equal(r.status.resourcesSummary, undefined);
    assert.ok(r.status.operationState!.syncResult!.resourcesSummary);
    assert.ok(jsonBytes(r.status) <= 200_000);
    assert.ok(jsonBytes(r.status) > 180_000, "the long list uses the room the short one leaves");
    assert.doesNotMatch(r.message!, /^status lists/);
  });

  it("stays within its budget when every object is out of sync", () => {
    const all = resources().map((x) => ({ ...x, status: "OutOfSync" as const }));
    const r = fitStatus(status(all, undefined), 100_000);
    assert.ok(jsonBytes(r.status) <= 100_000);
    assert.equal(r.status.resourcesSummary!.listed, r.status.resources!.length);
    assert.deepEqual(r.status.resources!.map((x) => x.name), all.slice(0, r.status.resources!.length).map((x) => x.name), "the first ones, in order");
  });

  it("summarises a summarised status again with the same total and consistent counts", () => {
    const once = fitStatus(status(), 400_000).status;
    const twice = fitStatus(once, 150_000);
    const s = twice.status.resourcesSummary!;
    assert.equal(s.total, 10_000);
    assert.equal(s.listed, twice.status.resources!.length);
    assert.equal(s.listed + sum(s.counts), 10_000);
    assert.ok(jsonBytes(twice.status) <= 150_000);
    assert.equal(fitStatus(twice.status, 150_000).status, twice.status, "a fitted status fits");
  });

  it("keeps no entries, and says so, when the status is too large even without its lists", () => {
    const s: ApplicationStatus = { ...status(resources(50), results(50)), conditions: [{ type: "ComparisonError", message: "x".repeat(50_000) }] };
    const r = fitStatus(s, 20_000);
    assert.equal(r.summarized, true);
    assert.deepEqual(r.status.resources, []);
    assert.equal(r.status.resourcesSummary!.total, 50);
    assert.equal(sum(r.status.resourcesSummary!.counts), 50);
    assert.match(r.message!, /^status lists 0 of 50 resources; .* the status is still [\d,]+ bytes, over its budget of 20,000$/);
  });

  it("says why it cannot help a status with no resource lists", () => {
    const s: ApplicationStatus = { conditions: [{ type: "ComparisonError", message: "x".repeat(50_000) }] };
    const r = fitStatus(s, 20_000);
    assert.equal(r.status, s);
    assert.equal(r.summarized, false);
    assert.match(r.message!, /over its budget of 20,000, and lists no resources to shorten/);
  });
});

describe("withComparison after a summarised status", () => {
  it("drops the summary of the older, shortened list", () => {
    const fitted = fitStatus(status(), 300_000).status;
    assert.ok(fitted.resourcesSummary);
    const next = withComparison(fitted, { sync: { status: "Synced" }, health: { status: "Healthy" }, resources: resources(3) });
    assert.equal(next.resourcesSummary, undefined);
    assert.equal(next.resources!.length, 3);
  });
});

describe("fitStatus while a sync runs", () => {
  it("keeps failures and running hooks first, then the recorded step's objects, then the rest", () => {
    const many = results(6000).map((r, i) => ({ ...r, status: "Synced" as const, message: "configured", syncWave: i < 3000 ? 0 : 1 }));
    const hook: ResourceResult = { group: "batch", version: "v1", kind: "Job", namespace: "team-a", name: "smoke-x1", status: "Synced", message: "hook created", hookType: "PostSync", hookPhase: "Running", syncPhase: "PostSync", syncWave: 0 };
    const failed: ResourceResult = { ...many[5999]!, name: "broken", status: "SyncFailed", message: "denied" };
    const list = [...many, hook, failed];
    const running: ApplicationStatus = {
      ...status(resources(10), list),
      operationState: { ...status().operationState!, phase: "Running", progress: { attemptStartedAt: "2025-01-31T12:00:00Z", step: { phase: "Sync", stage: "apply", wave: 1, appliedAt: "2025-01-31T12:00:01Z" } }, syncResult: { revision: "x", resources: list } },
    };
    const fitted = fitStatus(running, 128 * 1024);
    assert.ok(fitted.summarized);
    const kept = fitted.status.operationState!.syncResult!.resources!;
    assert.ok(kept.some((r) => r.name === "smoke-x1"), "the running hook is kept");
    assert.ok(kept.some((r) => r.name === "broken"), "the failure is kept");
    const waveOf = (w: number) => kept.filter((r) => r.syncWave === w && r.kind !== "Job").length;
    assert.ok(waveOf(1) > 0, "objects of the recorded step are kept");
    assert.equal(waveOf(0), 0, "other steps' objects go before the recorded step's");
    // Without the Running phase the recorded step means nothing: the first entries are kept instead.
    const ended = fitStatus({ ...running, operationState: { ...running.operationState!, phase: "Succeeded" } }, 128 * 1024);
    assert.ok(ended.status.operationState!.syncResult!.resources!.some((r) => r.syncWave === 0 && r.kind !== "Job"));
  });
});
