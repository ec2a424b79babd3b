/**
 * Reading a plan: the flat execution order (for tests, logs and the executor's progress), one line per task,
 * and a human-readable outline for the CLI and the UI.
 *
 * Pure: imports nothing that does I/O.
 */
import type { PlanWave, SyncPlan, SyncTask, TaskAction } from "./types.js";

/**
 * The tasks in execution order: PreSync, Sync (applies, then prunes), PostSync (then PruneLast prunes).
 * SyncFail tasks follow only when `syncFail` is set, since they run only if the sync fails.
 */
export function flattenPlan(plan: SyncPlan, options: { syncFail?: boolean } = {}): SyncTask[] {
  const phases = options.syncFail ? [...plan.phases, plan.syncFail] : plan.phases;
  return phases.flatMap((p) => p.waves.flatMap((w) => w.tasks));
}

/** The task's object as "Kind namespace/name"; a hook named by generateName shows as "prefix-*". */
export function taskObject(task: SyncTask): string {
  const generateName = task.object.metadata?.generateName;
  const name = task.key.name || (typeof generateName === "string" ? `${generateName}*` : "");
  return `${task.key.kind} ${task.key.namespace ? `${task.key.namespace}/` : ""}${name}`;
}

/** What sets a task apart beyond its action: options off their defaults, hook delete policies, the message. */
function taskDetails(task: SyncTask): string {
  const o = task.options;
  const flags = [
    o.validate ? "" : "validate=false",
    o.serverSide ? "serverSide" : "",
    o.force ? "force" : "",
    o.skipDryRunOnMissingResource ? "skipDryRun" : "",
    task.action === "prune" && o.propagationPolicy !== "foreground" ? `propagation=${o.propagationPolicy}` : "",
  ].filter((f) => f !== "");
  let out = flags.length > 0 ? ` {${flags.join(",")}}` : "";
  if (task.hook) out += ` [${task.hook.deletePolicies.join(",")}]`;
  if (task.message) out += ` (${task.message})`;
  return out;
}

/**
 * One line per task: `phase wave action Kind namespace/name`, then any options off their defaults in braces,
 * a hook's delete policies in brackets and the message in parentheses:
 * `Sync 0 apply Deployment web/api {serverSide}`, `PreSync 0 hook Job web/migrate [HookSucceeded]`.
 */
export function formatTask(task: SyncTask): string {
  return `${task.phase} ${task.wave} ${task.action} ${taskObject(task)}${taskDetails(task)}`;
}

/** How many tasks of each action the plan has (SyncFail hooks not counted: they may never run). */
export function countActions(plan: SyncPlan): Record<TaskAction, number> {
  const counts: Record<TaskAction, number> = { create: 0, apply: 0, replace: 0, prune: 0, hook: 0, skip: 0 };
  for (const t of flattenPlan(plan)) counts[t.action]++;
  return counts;
}

function waveLines(waves: readonly PlanWave[]): string[] {
  if (waves.length === 0) return ["  (nothing to do)"];
  return waves.flatMap((w) => [
    `  ${w.stage === "prune" ? "prune " : ""}wave ${w.wave}`,
    ...w.tasks.map((t) => `    ${t.action.padEnd(7)} ${taskObject(t)}${taskDetails(t)}`),
  ]);
}

/**
 * The plan as lines for people: a summary, then each phase with its waves and tasks, SyncFail last.
 *
 *     Sync plan for namespace "web": 1 create, 2 apply, 1 prune, 1 hook
 *     PreSync
 *       wave 0
 *         hook    Job web/migrate [BeforeHookCreation]
 *     Sync
 *       wave 0
 *         ...
 */
export function describePlan(plan: SyncPlan): string[] {
  const counts = Object.entries(countActions(plan))
    .filter(([, n]) => n > 0)
    .map(([action, n]) => `${n} ${action}`);
  const where = plan.namespace ? ` for namespace "${plan.namespace}"` : "";
  const summary = counts.length > 0 ? counts.join(", ") : "nothing to do";
  const lines = [`Sync plan${where}${plan.dryRun ? " (dry run)" : ""}: ${summary}`];
  for (const p of plan.phases) lines.push(p.phase, ...waveLines(p.waves));
  if (plan.syncFail.waves.length > 0) {
    lines.push("SyncFail (only if the sync fails)", ...waveLines(plan.syncFail.waves));
  }
  return lines;
}
