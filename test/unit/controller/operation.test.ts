/**
 * The operation decided in one place (controller/operation.ts), in tables: which operation is pending,
 * what a failed attempt leads to, and how a ChangeSet entry becomes a result and back.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { entry, type ChangeEntry } from "../../../src/core/changeset.js";
import type { ApplicationSource, OperationState } from "../../../src/apps/index.js";
import { afterFailure, entryOf, pendingOperation, progressOf, resultOf, type Pending, type PendingInput } from "../../../src/controller/operation.js";

const SHA = "a".repeat(40);
const OTHER = "b".repeat(40);
const source: ApplicationSource = { repoURL: "https://git.example/apps", targetRevision: "main", path: "web" };
const destination = { server: "https://kubernetes.default.svc", namespace: "web" };
const now = Date.parse("2026-12-01T12:00:00Z");
const ago = (s: number) => new Date(now - s * 1000).toISOString().replace(/\.\d+Z$/, "Z");

function last(phase: OperationState["phase"], extra: Partial<OperationState> = {}, result: Partial<NonNullable<OperationState["syncResult"]>> = {}): OperationState {
  return { operation: { sync: { revision: SHA }, initiatedBy: { automated: true } }, phase, startedAt: ago(60), finishedAt: ago(30), syncResult: { revision: SHA, source, destination, ...result }, ...extra };
}

function input(over: Partial<PendingInput> = {}): PendingInput {
  return { known: false, automated: { prune: true, selfHeal: false, allowEmpty: false }, syncOptions: [], sha: SHA, source, destination, outOfSync: true, onlyExtras: false, now, ...over };
}

type Row = [string, Partial<PendingInput>, Pending["kind"], ((p: Pending) => void)?];

const rows: Row[] = [
  ["a Terminating record is terminated first, whatever else is asked", { state: last("Terminating"), requested: { sync: {} } }, "terminate"],
  ["a Running record this process carries out is advanced", { state: last("Running"), known: true }, "advance", (p) => assert.equal(p.kind === "advance" && p.trigger, "running")],
  ["a Running record this process did not start is resumed", { state: last("Running") }, "advance", (p) => assert.equal(p.kind === "advance" && p.trigger, "resumed")],
  ["a Running record is advanced even while a manual sync is requested (it waits its turn)", { state: last("Running"), requested: { sync: {} } }, "advance"],
  [
    "a failed attempt waiting for its retry backoff waits",
    { state: { ...last("Running", { retryCount: 1, finishedAt: ago(1) }), operation: { sync: {}, retry: { limit: 3, backoff: { duration: "10s", factor: 2, maxDuration: "3m" } } } } },
    "wait",
    (p) => assert.ok(p.kind === "wait" && p.ms > 8000 && p.ms <= 9100, JSON.stringify(p)),
  ],
  ["… and is retried once due", { state: { ...last("Running", { retryCount: 2, finishedAt: ago(30) }), operation: { sync: {}, retry: { limit: 3, backoff: { duration: "10s", factor: 2, maxDuration: "3m" } } } } }, "retry"],
  ["the operation field starts a manual sync", { requested: { sync: { revision: "v1" } }, automated: undefined }, "start", (p) => assert.equal(p.kind === "start" && p.trigger, "manual")],
  ["not automated and nothing requested: none", { automated: undefined }, "none"],
  ["automated but enabled: false: none", { automated: { prune: true, selfHeal: true, allowEmpty: false, enabled: false } }, "none"],
  ["automated and Synced: none", { outOfSync: false }, "none"],
  [
    "automated, a new commit: an automated sync, with the retry policy copied into the operation",
    { state: last("Succeeded", {}, { revision: OTHER }), retry: { limit: 2, backoff: { duration: "5s", factor: 2, maxDuration: "3m" } } },
    "start",
    (p) => {
      assert.ok(p.kind === "start" && p.trigger === "automated");
      assert.equal(p.operation.sync?.revision, SHA);
      assert.equal(p.operation.retry?.limit, 2);
      assert.equal(p.operation.initiatedBy?.automated, true);
    },
  ],
  ["automated, the commit already synced, no selfHeal: none (once per commit)", { state: last("Succeeded") }, "none"],
  ["automated, the commit already synced, selfHeal: self-heal", { state: last("Succeeded"), automated: { prune: true, selfHeal: true, allowEmpty: false } }, "start", (p) => assert.equal(p.kind === "start" && p.trigger, "self-heal")],
  ["same commit, another path: synced again (once per commit and spec)", { state: last("Succeeded"), source: { ...source, path: "web-v2" } }, "start", (p) => assert.equal(p.kind === "start" && p.trigger, "automated")],
  ["same commit, other Helm values: synced again", { state: last("Succeeded"), source: { ...source, helm: { valueFiles: ["prod.yaml"] } } }, "start"],
  ["same commit, another destination namespace: synced again", { state: last("Succeeded"), destination: { ...destination, namespace: "web-2" } }, "start"],
  ["same commit, the branch named differently but the same spec otherwise: not again", { state: last("Succeeded"), source: { ...source, targetRevision: SHA } }, "none"],
  ["a record from before destinations were recorded compares the source only", { state: last("Succeeded", {}, { destination: undefined }), destination: { ...destination, namespace: "x" } }, "none"],
  ["a failed sync of this commit, no selfHeal: not again", { state: last("Failed") }, "none"],
  ["… with selfHeal, before its backoff: wait", { state: last("Failed", { finishedAt: ago(1) }), automated: { prune: true, selfHeal: true, allowEmpty: false } }, "wait"],
  [
    "… with selfHeal, after its backoff: self-heal, counting the attempts",
    { state: { ...last("Failed", { finishedAt: ago(60) }), operation: { sync: { revision: SHA, selfHealAttemptsCount: 2 } } }, automated: { prune: true, selfHeal: true, allowEmpty: false } },
    "start",
    (p) => assert.equal(p.kind === "start" && p.operation.sync?.selfHealAttemptsCount, 3),
  ],
  ["only objects to prune, prune off: none (a sync would change nothing)", { onlyExtras: true, automated: { prune: false, selfHeal: true, allowEmpty: false } }, "none"],
  ["only objects to prune, prune on: a sync", { onlyExtras: true }, "start"],
];

describe("pendingOperation", () => {
  for (const [name, over, kind, check] of rows) {
    it(name, () => {
      const p = pendingOperation(input(over));
      assert.equal(p.kind, kind, JSON.stringify(p));
      check?.(p);
    });
  }
});

describe("afterFailure: the retry count lives in the record", () => {
  const retry = { limit: 2, backoff: { duration: "5s", factor: 2, maxDuration: "1m" } };
  const state = (retryCount: number): OperationState => ({ ...last("Running"), retryCount, operation: { sync: {}, retry } });
  it("retries while the limit allows, with the backoff and Argo CD's message", () => {
    const a = afterFailure(state(0), "hook Job ns/migrate failed", now);
    assert.ok(a.retry);
    assert.equal(a.retryCount, 1);
    assert.equal(a.retryAt, now + 5000);
    assert.match(a.message, /^hook Job ns\/migrate failed\. Retrying attempt #1 at 12:00:05 UTC\.$/);
    const b = afterFailure(state(1), "x", now);
    assert.ok(b.retry && b.retryAt === now + 10_000 && b.retryCount === 2);
  });
  it("ends the operation once the limit is reached", () => assert.deepEqual(afterFailure(state(2), "x", now), { retry: false, message: "x" }));
  it("a negative limit retries forever", () => assert.equal(afterFailure({ ...state(50), operation: { sync: {}, retry: { ...retry, limit: -1 } } }, "x", now).retry, true));
  it("no retry strategy: no retry (a manual sync without operation.retry)", () => assert.equal(afterFailure({ ...state(0), operation: { sync: {} } }, "x", now).retry, false));
});

describe("results from typed entries", () => {
  const at = { phase: "Sync", stage: "prune" as const, wave: 2 };
  const cm = { group: "", kind: "ConfigMap", namespace: "ns", name: "old" };
  const table: Array<[string, ChangeEntry, string | undefined]> = [
    ["Prune=false: PruneSkipped", entry(cm, "v1", "skipped", "Prune=false: kept in the cluster", at, { reason: "prune-false" }), "PruneSkipped"],
    ["prune disabled: PruneSkipped", entry(cm, "v1", "skipped", "prune disabled", at, { reason: "prune-disabled" }), "PruneSkipped"],
    ["the message alone does not make PruneSkipped", entry(cm, "v1", "skipped", "prune is mentioned here", { ...at, stage: "apply" }, { reason: "in-sync" }), undefined],
    ["pruned: Pruned", entry(cm, "v1", "pruned", "pruned", at), "Pruned"],
    ["failed: SyncFailed", entry(cm, "v1", "failed", "denied", { ...at, stage: "apply" }), "SyncFailed"],
    ["configured: Synced", entry(cm, "v1", "configured", "configured", { ...at, stage: "apply" }), "Synced"],
  ];
  for (const [name, e, want] of table) it(name, () => assert.equal(resultOf(e).status, want));

  it("keeps group, version, phase, wave and the hook's phase; entryOf reads them back", () => {
    const hook = entry({ group: "batch", kind: "Job", namespace: "ns", name: "migrate-x1" }, "batch/v1", "created", "hook created in PreSync", { phase: "PreSync", stage: "apply", wave: -2 }, { hook: true, hookPhase: "Running" });
    const r = resultOf(hook);
    assert.deepEqual(r, { group: "batch", version: "v1", kind: "Job", namespace: "ns", name: "migrate-x1", status: "Synced", message: "hook created in PreSync", hookType: "PreSync", hookPhase: "Running", syncPhase: "PreSync", syncWave: -2 });
    const back = entryOf(r);
    assert.deepEqual({ ...back }, { ...hook, action: "configured" });
    const pruned = entryOf(resultOf(table[3]![1]));
    assert.equal(pruned.stage, "prune");
  });

  it("progressOf rebuilds the recorded progress: step, failure and entries", () => {
    const hook = entry({ group: "batch", kind: "Job", namespace: "ns", name: "m" }, "batch/v1", "created", "hook created", { phase: "PreSync", stage: "apply", wave: 0 }, { hook: true, hookPhase: "Running" });
    const state: OperationState = { ...last("Running"), progress: { attemptStartedAt: ago(5), step: { phase: "PreSync", stage: "apply", wave: 0, appliedAt: ago(4) }, failure: "x" }, syncResult: { revision: SHA, resources: [resultOf(hook)] } };
    const p = progressOf(state)!;
    assert.deepEqual(p.step, { phase: "PreSync", stage: "apply", wave: 0, appliedAt: ago(4) });
    assert.equal(p.failure, "x");
    assert.equal(p.entries[0]?.hookPhase, "Running");
    assert.equal(progressOf({ ...state, progress: undefined }), undefined);
  });
});

describe("after a terminate, and a resume", () => {
  it("self-heal does not start a terminated sync again", () => {
    const terminated = last("Failed", { finishedAt: ago(600), terminatedAt: ago(600), message: "terminated" });
    assert.equal(pendingOperation(input({ state: terminated, automated: { prune: true, selfHeal: true, allowEmpty: false } })).kind, "none");
    // … while a sync that failed on its own is healed after its backoff.
    assert.equal(pendingOperation(input({ state: last("Failed", { finishedAt: ago(600) }), automated: { prune: true, selfHeal: true, allowEmpty: false } })).kind, "start");
  });

  it("a PruneSkipped result read back stays PruneSkipped", () => {
    const skipped = entry({ group: "", kind: "ConfigMap", namespace: "ns", name: "keep" }, "v1", "skipped", "Prune=false: kept in the cluster", { phase: "Sync", stage: "prune", wave: 0 }, { reason: "prune-false" });
    assert.equal(resultOf(entryOf(resultOf(skipped))).status, "PruneSkipped");
  });
});
