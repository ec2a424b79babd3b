/**
 * The progress of one sync operation, as a state machine advanced one step at a time (after gitops-engine's
 * sync context, which a controller calls again and again, each call doing what can be done now).
 *
 * A plan (plan.ts) is a list of **steps**: the waves of PreSync, Sync (applies ascending, then prunes
 * descending) and PostSync, in that order — and, only once the sync has failed, the waves of SyncFail.
 * A step is named by its phase, stage and wave (`StepRef`), never by its position, because the plan is made
 * again at every step from a fresh comparison: a wave already applied is still in it (its objects now
 * Synced), while the namespace that CreateNamespace=true created, or objects already pruned, are not.
 * "The next step" is therefore the first step of the plan that comes after the recorded one in that order.
 *
 * Progress is what a record must hold to go on from where the sync is (`SyncProgress`): the last step
 * applied, the entry of every object handled so far, and — once the sync failed — why. One round:
 *
 *   1. `awaited(progress)`: the objects of the current step still to be looked at — resources that were
 *      written and hooks not yet complete. The caller finds their live state (a watch cache, a GET).
 *   2. `evaluate(...)` (pure): each object is ready (Healthy, Suspended, a kind without health; a hook
 *      that completed), waiting (Progressing, a hook still running, not seen yet at the written version) or
 *      failed (Degraded, a failed hook, deleted mid-sync). Hooks completed are marked Succeeded or Failed
 *      and, per their delete policy, handed back for deletion.
 *   3. A failure fails the sync: no later step of PreSync/Sync/PostSync runs, the SyncFail steps do.
 *      Objects still waiting keep the step: the caller records the progress and comes back later.
 *   4. Otherwise `nextStep` is applied by the caller (the executor), its entries merged with
 *      `withStep`, and the round starts again with what the writes answered.
 *
 * When a sync is done, as in gitops-engine: every step before the last waits until its objects are healthy
 * (so PostSync hooks wait for the Sync phase), but the last step is not waited on when it runs no hook — the
 * sync succeeds once it is applied, even if those objects degrade afterwards; the app's health then says so.
 * (`plumb apply` waits anyway: `waitLast`.) Prunes follow the applies of their phase, so a sync that prunes
 * waits for the new objects before deleting the old ones (docs/adr/0002-prune-after-apply.md).
 *
 * Pure: imports nothing that does I/O.
 */
import type { ChangeEntry, HookPhase } from "../core/changeset.js";
import { keyDisplay, type KubeObject } from "../core/object.js";
import { assessHealth, type HealthOverrides } from "../health/index.js";
import { SYNC_PHASES, type PlanWave, type SyncPhase, type SyncPlan, type SyncTask } from "./types.js";

/** A step of a plan by name: phase, stage and wave. */
export interface StepRef {
  phase: SyncPhase;
  stage: PlanWave["stage"];
  wave: number;
}

/** A step of a plan: its name and its tasks. */
export interface Step extends StepRef {
  tasks: SyncTask[];
}

/** Where a sync is: see the module comment. */
export interface SyncProgress {
  /** The last step applied, and when (RFC 3339); undefined before the first. */
  step?: StepRef & { appliedAt: string };
  /** Set once the sync failed: why. The SyncFail steps run after it. */
  failure?: string;
  /** Every object handled so far, one entry per object and phase, in the order handled. */
  entries: ChangeEntry[];
}

/** The live state of an object the sync wrote, as the caller found it. */
export type Observation =
  /**
   * Not seen yet at the version written (a watch cache a moment behind, or a write's answer whose status
   * predates the write): look again later. `last` is the latest state known, for saying what is awaited.
   */
  | { state: "unseen"; last?: KubeObject }
  /** Not in the cluster. */
  | { state: "gone" }
  | { state: "live"; object: KubeObject };

/** What `evaluate` found about the current step. */
export interface StepVerdict {
  /** The progress with the step's hook entries brought up to date. */
  progress: SyncProgress;
  /** Objects not ready yet, each as "Kind namespace/name (why)". */
  waiting: string[];
  /** Why the step failed, one line per object; empty when it did not. */
  failures: string[];
  /** Hook objects to delete now, per their delete policy (HookSucceeded, HookFailed). */
  deletions: ChangeEntry[];
}

const PHASE_ORDER = new Map<SyncPhase, number>(SYNC_PHASES.map((p, i) => [p, i]));

/** The order of steps: phase, then applies before prunes, applies by ascending wave, prunes by descending wave. */
export function compareSteps(a: StepRef, b: StepRef): number {
  const phase = PHASE_ORDER.get(a.phase)! - PHASE_ORDER.get(b.phase)!;
  if (phase !== 0) return phase;
  if (a.stage !== b.stage) return a.stage === "apply" ? -1 : 1;
  return a.stage === "apply" ? a.wave - b.wave : b.wave - a.wave;
}

/** Whether two refs name the same step. */
export function sameStep(a: StepRef | undefined, b: StepRef | undefined): boolean {
  return !!a && !!b && a.phase === b.phase && a.stage === b.stage && a.wave === b.wave;
}

/** The steps of a plan, in order: PreSync, Sync, PostSync; or, after a failure, SyncFail's. */
export function stepsOf(plan: SyncPlan, failed = false): Step[] {
  const phases = failed ? [plan.syncFail] : plan.phases;
  return phases.flatMap((p) => p.waves.filter((w) => w.tasks.length > 0).map((w) => ({ phase: p.phase, stage: w.stage, wave: w.wave, tasks: w.tasks })));
}

/** The step to apply after the one recorded (the first when none is), or undefined when none is left. */
export function nextStep(plan: SyncPlan, progress: SyncProgress): Step | undefined {
  const failed = progress.failure !== undefined;
  const steps = stepsOf(plan, failed);
  const at = progress.step;
  // A failure moves on to SyncFail: its first step comes after any step of the other phases.
  if (!at || (failed && at.phase !== "SyncFail")) return steps[0];
  return steps.find((s) => compareSteps(s, at) > 0);
}

/** The plan's step named by `ref`, if it still has one. */
export function findStep(plan: SyncPlan, ref: StepRef): Step | undefined {
  return stepsOf(plan, ref.phase === "SyncFail").find((s) => sameStep(s, ref));
}

/** Whether a step runs hooks (a step with hooks is always waited on: a hook must complete). */
export function hasHooks(step: Step): boolean {
  return step.tasks.some((t) => t.action === "hook");
}

/**
 * Whether the sync may end as soon as `step` is applied: it is the last step, it runs no hook, and the
 * caller does not wait for the last step's health (`waitLast`). A dry run never waits.
 */
export function endsAtApply(plan: SyncPlan, progress: SyncProgress, step: Step, waitLast: boolean): boolean {
  const after = nextStep(plan, { ...progress, step: { ...step, appliedAt: "" } });
  return after === undefined && (plan.dryRun || (!hasHooks(step) && !waitLast));
}

/** The progress after `step` was applied with these entries (an object handled again in a phase replaces its entry). */
export function withStep(progress: SyncProgress, step: StepRef, entries: readonly ChangeEntry[], appliedAt: string): SyncProgress {
  const replaced = new Set(entries.map(entryKey));
  const kept = progress.entries.filter((e) => !replaced.has(entryKey(e)));
  const failed = entries.filter((e) => e.action === "failed").map((e) => `${keyDisplay(e.key)}: ${e.message}`);
  const failure = progress.failure ?? (failed.length > 0 ? `${stepName(step)} failed: ${failed.join("; ")}` : undefined);
  return { step: { phase: step.phase, stage: step.stage, wave: step.wave, appliedAt }, ...(failure !== undefined ? { failure } : {}), entries: [...kept, ...entries] };
}

/** The progress of a sync that failed for `why` (the SyncFail steps come next). */
export function withFailure(progress: SyncProgress, why: string): SyncProgress {
  return progress.failure !== undefined ? progress : { ...progress, failure: why };
}

function entryKey(e: ChangeEntry): string {
  return `${e.phase}|${e.stage}|${e.id}`;
}

/** "Sync wave 1", "PreSync wave -1", "Sync prune wave 0". */
export function stepName(step: StepRef): string {
  return `${step.phase} ${step.stage === "prune" ? "prune " : ""}wave ${step.wave}`;
}

/** Whether an entry belongs to the step. */
function inStep(e: ChangeEntry, step: StepRef): boolean {
  return e.phase === step.phase && e.stage === step.stage && e.wave === step.wave;
}

/** The entries of the current step whose objects must still be looked at (see the module comment). */
export function awaited(progress: SyncProgress): ChangeEntry[] {
  const step = progress.step;
  if (!step || step.stage === "prune") return [];
  return progress.entries.filter((e) => inStep(e, step) && (e.hook ? e.hookPhase === "Running" : e.action === "created" || e.action === "configured" || e.action === "unchanged"));
}

/** The delete policies of the hook task an entry was made from (a generateName hook matched by its prefix). */
function policiesOf(e: ChangeEntry, step: Step | undefined): readonly string[] {
  const task = step?.tasks.find((t) => {
    if (t.action !== "hook" || t.key.kind !== e.key.kind || t.key.group !== e.key.group || t.key.namespace !== e.key.namespace) return false;
    if (t.key.name) return t.key.name === e.key.name;
    const prefix = t.object.metadata?.generateName;
    return typeof prefix === "string" && e.key.name.startsWith(prefix);
  });
  return task?.hook?.deletePolicies ?? ["BeforeHookCreation"];
}

/**
 * Looks at the current step's awaited objects (`seen`, by entry id; an entry missing from it counts as
 * unseen) and says which are ready, waiting or failed. `step` is the plan's step of that name, for the
 * hooks' delete policies (undefined when the plan no longer has it: no deletions then). `overrides`: users'
 * health checks (Lua), which win over the built-in ones as they do in the comparison.
 */
export function evaluate(progress: SyncProgress, seen: ReadonlyMap<string, Observation>, step: Step | undefined, overrides?: HealthOverrides): StepVerdict {
  const waiting: string[] = [];
  const failures: string[] = [];
  const deletions: ChangeEntry[] = [];
  const updated = new Map<ChangeEntry, ChangeEntry>();
  for (const e of awaited(progress)) {
    const where = keyDisplay(e.key);
    const o = seen.get(e.id) ?? { state: "unseen" };
    if (o.state === "unseen") {
      const h = o.last ? assessHealth(o.last, overrides) : undefined;
      waiting.push(`${e.hook ? "hook " : ""}${where} (${h ? `${h.status}${h.message ? `: ${h.message}` : ""}` : "not observed yet"})`);
      continue;
    }
    if (e.hook) {
      const done = (phase: HookPhase, message: string): void => {
        const policy = phase === "Succeeded" ? "HookSucceeded" : "HookFailed";
        const remove = o.state === "live" && policiesOf(e, step).includes(policy);
        const next = { ...e, hookPhase: phase, message: remove ? `${message}; deleted (${policy})` : message };
        updated.set(e, next);
        if (remove) deletions.push(next);
      };
      if (o.state === "gone") {
        failures.push(`hook ${where} was deleted before it completed`);
        done("Failed", "deleted before it completed");
        continue;
      }
      const health = assessHealth(o.object, overrides);
      if (health?.status === "Degraded") {
        failures.push(`hook ${where} failed: ${health.message ?? "Degraded"}`);
        done("Failed", health.message ?? "hook failed");
      } else if (!health || health.status === "Healthy") {
        done("Succeeded", health?.message || "hook completed");
      } else {
        waiting.push(`hook ${where} (${health.status}${health.message ? `: ${health.message}` : ""})`);
      }
      continue;
    }
    if (o.state === "gone") {
      failures.push(`${where} was deleted during the sync`);
      continue;
    }
    const health = assessHealth(o.object, overrides);
    if (!health || health.status === "Healthy" || health.status === "Suspended") continue;
    if (health.status === "Degraded") failures.push(`${where} is Degraded${health.message ? `: ${health.message}` : ""}`);
    else waiting.push(`${where} (${health.status}${health.message ? `: ${health.message}` : ""})`);
  }
  const entries = updated.size === 0 ? progress.entries : progress.entries.map((e) => updated.get(e) ?? e);
  return { progress: updated.size === 0 ? progress : { ...progress, entries }, waiting, failures, deletions };
}

/** The sync's end: Failed with the failure when there was one, else Succeeded. */
export function outcomeOf(progress: SyncProgress): { phase: "Succeeded" | "Failed"; message: string } {
  return progress.failure !== undefined ? { phase: "Failed", message: progress.failure } : { phase: "Succeeded", message: "successfully synced" };
}

/** The hook entries still running (a terminated sync deletes their objects, as Argo CD does). */
export function runningHooks(progress: SyncProgress): ChangeEntry[] {
  return progress.entries.filter((e) => e.hook && e.hookPhase === "Running");
}

/** The progress with these hook entries marked as ended (`phase`) with `message`. */
export function withHooksEnded(progress: SyncProgress, hooks: readonly ChangeEntry[], phase: HookPhase, message: string): SyncProgress {
  const ids = new Set(hooks.map(entryKey));
  return { ...progress, entries: progress.entries.map((e) => (ids.has(entryKey(e)) ? { ...e, hookPhase: phase, message } : e)) };
}
