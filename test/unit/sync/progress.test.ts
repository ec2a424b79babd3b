/**
 * The sync as a state machine of steps (sync/progress.ts), from fixture plans: the order of steps, the next
 * step after a recorded one (also when the re-made plan no longer has it), what ends a sync at its writes,
 * and what each observation of an awaited object means.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { entry, type ChangeEntry } from "../../../src/core/changeset.js";
import { keyOf, type KubeObject } from "../../../src/core/object.js";
import {
  endsAtApply,
  evaluate,
  findStep,
  nextStep,
  planSync,
  stepName,
  stepsOf,
  withStep,
  type Observation,
  type StepRef,
  type SyncPlan,
  type SyncProgress,
} from "../../../src/sync/index.js";

const ann = (a: Record<string, string>) => ({ annotations: a });
const cm = (name: string, wave = 0, extra: Record<string, string> = {}): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "ns", ...ann({ "argocd.argoproj.io/sync-wave": String(wave), ...extra }) }, data: {} });
const deploy = (name: string, wave = 0): KubeObject => ({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace: "ns", generation: 2, ...ann({ "argocd.argoproj.io/sync-wave": String(wave) }) }, spec: {} });
const job = (name: string, hook: string, policy?: string, generate = false): KubeObject => ({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: generate ? "" : name, ...(generate ? { generateName: `${name}-` } : {}), namespace: "ns", ...ann({ "argocd.argoproj.io/hook": hook, ...(policy ? { "argocd.argoproj.io/hook-delete-policy": policy } : {}) }) },
  spec: {},
});

function plan(desired: KubeObject[], opts: { toPrune?: KubeObject[]; namespaceExists?: boolean; dryRun?: boolean; syncOptions?: string[] } = {}): SyncPlan {
  return planSync({
    desired: desired.map((object) => ({ object, status: "Missing" })),
    toPrune: opts.toPrune ?? [],
    namespace: "ns",
    namespaceExists: opts.namespaceExists ?? true,
    options: { prune: true, dryRun: opts.dryRun ?? false, allowEmpty: false, syncOptions: opts.syncOptions ?? [] },
  });
}

const at = (ref: StepRef): SyncProgress => ({ step: { ...ref, appliedAt: "2026-01-01T00:00:00Z" }, entries: [] });
const names = (p: SyncPlan, failed = false) => stepsOf(p, failed).map(stepName);

describe("steps and the next step", () => {
  const full = plan([job("migrate", "PreSync"), cm("a", 0), deploy("b", 1), job("smoke", "PostSync"), job("notify", "SyncFail")], { toPrune: [cm("old", 0), cm("older", 3)], syncOptions: ["CreateNamespace=true"], namespaceExists: false });

  it("orders PreSync (the namespace first), Sync applies ascending, Sync prunes descending, PostSync; SyncFail apart", () => {
    assert.deepEqual(names(full), ["PreSync wave -1", "PreSync wave 0", "Sync wave 0", "Sync wave 1", "Sync prune wave 3", "Sync prune wave 0", "PostSync wave 0"]);
    assert.deepEqual(names(full, true), ["SyncFail wave 0"]);
  });

  const cases: Array<[string, SyncProgress, string | undefined]> = [
    ["nothing applied yet: the first step", { entries: [] }, "PreSync wave -1"],
    ["after the namespace: the PreSync hook", at({ phase: "PreSync", stage: "apply", wave: -1 }), "PreSync wave 0"],
    ["after Sync wave 0: Sync wave 1", at({ phase: "Sync", stage: "apply", wave: 0 }), "Sync wave 1"],
    ["after the last apply wave: the highest prune wave", at({ phase: "Sync", stage: "apply", wave: 1 }), "Sync prune wave 3"],
    ["prunes go down", at({ phase: "Sync", stage: "prune", wave: 3 }), "Sync prune wave 0"],
    ["after the prunes: PostSync", at({ phase: "Sync", stage: "prune", wave: 0 }), "PostSync wave 0"],
    ["after PostSync: done", at({ phase: "PostSync", stage: "apply", wave: 0 }), undefined],
    ["a failure moves on to SyncFail", { ...at({ phase: "Sync", stage: "apply", wave: 0 }), failure: "x" }, "SyncFail wave 0"],
    ["after the last SyncFail step: done", { ...at({ phase: "SyncFail", stage: "apply", wave: 0 }), failure: "x" }, undefined],
  ];
  for (const [name, progress, want] of cases) {
    it(name, () => {
      const next = nextStep(full, progress);
      assert.equal(next ? stepName(next) : undefined, want);
    });
  }

  it("goes on after a step the re-made plan no longer has (the namespace exists now)", () => {
    const again = plan([job("migrate", "PreSync"), cm("a", 0), deploy("b", 1)], { syncOptions: ["CreateNamespace=true"], namespaceExists: true });
    const progress = at({ phase: "PreSync", stage: "apply", wave: -1 });
    assert.equal(findStep(again, progress.step!), undefined);
    assert.equal(stepName(nextStep(again, progress)!), "PreSync wave 0");
  });

  it("goes on after a wave whose objects are all in sync now (the wave is still planned, not re-run)", () => {
    const again = plan([cm("a", 0), deploy("b", 1)]);
    assert.equal(stepName(nextStep(again, at({ phase: "Sync", stage: "apply", wave: 0 }))!), "Sync wave 1");
  });
});

describe("when a sync ends at its writes", () => {
  const two = plan([cm("a", 0), deploy("b", 1)]);
  const last = stepsOf(two)[1]!;
  const first = stepsOf(two)[0]!;
  const hooked = plan([cm("a", 0), job("smoke", "Sync")]);
  const rows: Array<[string, SyncPlan, SyncProgress, (typeof last), boolean, boolean]> = [
    ["the last step, no hook, not waitLast", two, at(first), last, false, true],
    ["the last step with waitLast (plumb apply)", two, at(first), last, true, false],
    ["a step before the last", two, { entries: [] }, first, false, false],
    ["a last step that runs a hook", hooked, { entries: [] }, stepsOf(hooked)[0]!, false, false],
    ["a dry run's last step", { ...two, dryRun: true }, at(first), last, true, true],
    ["a dry run's first step", { ...two, dryRun: true }, { entries: [] }, first, true, false],
  ];
  for (const [name, p, progress, step, waitLast, want] of rows) {
    it(`${want ? "ends" : "waits"}: ${name}`, () => assert.equal(endsAtApply(p, progress, step, waitLast), want));
  }
});

describe("evaluate: what an observation means", () => {
  const p = plan([deploy("web", 0), job("migrate", "PreSync", "HookSucceeded"), job("seed", "PreSync", "HookFailed", true)]);
  const sync = stepsOf(p).find((s) => s.phase === "Sync")!;
  const pre = stepsOf(p).find((s) => s.phase === "PreSync")!;
  const webEntry = entry(keyOf(deploy("web")), "apps/v1", "created", "created", { phase: "Sync", stage: "apply", wave: 0 });
  const hookEntry = (name: string): ChangeEntry => entry({ group: "batch", kind: "Job", namespace: "ns", name }, "batch/v1", "created", "hook created", { phase: "PreSync", stage: "apply", wave: 0 }, { hook: true, hookPhase: "Running" });
  const live = (o: KubeObject, status: unknown): Observation => ({ state: "live", object: { ...o, status } as KubeObject });
  const syncProgress = withStep({ entries: [] }, sync, [webEntry], "t");
  const deployment = { ...deploy("web"), metadata: { ...deploy("web").metadata, name: "web" } };

  const resourceRows: Array<[string, Observation | undefined, "ready" | "waiting" | "failed", RegExp?]> = [
    ["Available: ready", live(deployment, { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1, readyReplicas: 1 }), "ready"],
    ["rolling out: waiting, with its health message", live(deployment, { observedGeneration: 2, replicas: 1, updatedReplicas: 0 }), "waiting", /Deployment ns\/web \(Progressing: /],
    ["not seen at the written version yet: waiting", { state: "unseen" }, "waiting", /not observed yet/],
    ["not looked at (no observation): waiting", undefined, "waiting"],
    ["deleted mid-sync: failed", { state: "gone" }, "failed", /deleted during the sync/],
    ["progress deadline exceeded: failed", live(deployment, { observedGeneration: 2, conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: "too slow" }] }), "failed", /Degraded: Deployment "web" exceeded its progress deadline/],
  ];
  for (const [name, o, want, pattern] of resourceRows) {
    it(`a resource ${name}`, () => {
      const v = evaluate(syncProgress, new Map(o ? [[webEntry.id, o]] : []), sync);
      const got = v.failures.length ? "failed" : v.waiting.length ? "waiting" : "ready";
      assert.equal(got, want, JSON.stringify(v));
      if (pattern) assert.match([...v.failures, ...v.waiting].join(" "), pattern);
      assert.deepEqual(v.deletions, []);
    });
  }

  it("a user's health check (an override, as a Lua script is) decides instead of the built-in one", () => {
    const rolling = live(deployment, { observedGeneration: 2, replicas: 1, updatedReplicas: 0 });
    const says = (status: "Healthy" | "Degraded") => (group: string, kind: string) => (group === "apps" && kind === "Deployment" ? () => ({ status, message: "the user's script" }) : undefined);
    const healthy = evaluate(syncProgress, new Map([[webEntry.id, rolling]]), sync, says("Healthy"));
    assert.deepEqual([healthy.waiting, healthy.failures], [[], []]);
    const degraded = evaluate(syncProgress, new Map([[webEntry.id, rolling]]), sync, says("Degraded"));
    assert.match(degraded.failures.join(" "), /Degraded: the user's script/);
  });

  it("a hook that completed is Succeeded, and deleted per HookSucceeded; one still running keeps the step waiting", () => {
    const progress = withStep({ entries: [] }, pre, [hookEntry("migrate"), hookEntry("seed-x7k2p")], "t");
    const complete = live(job("migrate", "PreSync"), { conditions: [{ type: "Complete", status: "True" }] });
    const running = live(job("seed", "PreSync"), { active: 1 });
    const v = evaluate(progress, new Map([["batch/Job/ns/migrate", complete], ["batch/Job/ns/seed-x7k2p", running]]), pre);
    assert.deepEqual(v.failures, []);
    assert.equal(v.waiting.length, 1);
    assert.match(v.waiting[0]!, /hook Job ns\/seed-x7k2p/);
    assert.deepEqual(v.deletions.map((e) => e.key.name), ["migrate"]);
    assert.equal(v.progress.entries.find((e) => e.key.name === "migrate")?.hookPhase, "Succeeded");
  });

  it("a failed hook fails the step and is deleted per HookFailed — a generateName hook matched by its prefix", () => {
    const progress = withStep({ entries: [] }, pre, [hookEntry("seed-x7k2p")], "t");
    const failed = live(job("seed", "PreSync"), { conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" }] });
    const v = evaluate(progress, new Map([["batch/Job/ns/seed-x7k2p", failed]]), pre);
    assert.equal(v.failures.length, 1);
    assert.match(v.failures[0]!, /hook Job ns\/seed-x7k2p failed: .*backoff limit/);
    assert.deepEqual(v.deletions.map((e) => e.key.name), ["seed-x7k2p"]);
    assert.equal(v.progress.entries[0]?.hookPhase, "Failed");
    // The same failure with the plan's step gone: no policy known, so nothing is deleted.
    assert.deepEqual(evaluate(progress, new Map([["batch/Job/ns/seed-x7k2p", failed]]), undefined).deletions, []);
  });

  it("a write that failed fails the step (withStep), and later steps are not planned next but SyncFail's", () => {
    const failedEntry = { ...webEntry, action: "failed" as const, message: "admission webhook denied the request" };
    const progress = withStep({ entries: [] }, sync, [failedEntry], "t");
    assert.match(progress.failure ?? "", /Sync wave 0 failed: Deployment ns\/web: admission webhook denied/);
  });

  it("an object handled again in the same phase replaces its entry; in another phase it is kept apart", () => {
    const again = withStep(syncProgress, sync, [{ ...webEntry, action: "configured", message: "configured" }], "t2");
    assert.deepEqual(again.entries.map((e) => e.action), ["configured"]);
    const post = withStep(again, { phase: "PostSync", stage: "apply", wave: 0 }, [{ ...webEntry, phase: "PostSync" }], "t3");
    assert.equal(post.entries.length, 2);
  });
});
