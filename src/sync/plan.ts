/**
 * The sync planner: turns the desired objects, what the comparison found and the objects left over into a
 * SyncPlan, the ordered list of what the executor will do. It decides and orders; it talks to nothing.
 *
 * The algorithm, in the words of Argo CD's sync waves and hooks
 * (https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/):
 *
 * 1. Classify every desired object (hooks.ts): an ordinary resource, a hook with its phases and delete
 *    policies, or skipped (Skip, Helm hooks with no sync meaning). Read its wave (waves.ts). Bad wave or hook
 *    annotations, nameless non-hooks and duplicates are collected and reported together in one PlanError, so
 *    a user fixes them all in one commit rather than one per sync.
 * 2. Each resource becomes one task in the Sync phase at its wave: `create` when Missing, `skip` when Synced
 *    under ApplyOutOfSyncOnly=true, otherwise `replace` under Replace=true or `apply`. A Synced object is still
 *    applied without ApplyOutOfSyncOnly: the executor's server-side apply reports it unchanged, and anything
 *    the comparison ignored is corrected. Options come from the application, overridden by the object's
 *    sync-options annotation (options.ts).
 * 3. Each hook becomes one `hook` task per phase it names, at its wave: PreSync, Sync (next to the
 *    resources of the same wave), PostSync, and SyncFail, which is kept apart and run only on failure.
 * 4. Each live object to prune (hooks excepted: they are not resources) becomes a `prune` task, or a `skip`
 *    when its annotation says Prune=false or Prune=confirm or when the sync does not prune. Prunes run after
 *    every apply wave of the Sync phase and before PostSync, in reverse wave order and reverse kind order, so
 *    that things are removed in the opposite order to how they were built. PruneLast=true (application or
 *    object) moves a prune after PostSync, a last step once everything else is healthy and the hooks have run.
 *    Unlike gitops-engine, which mixes prunes into the Sync waves, plumb never deletes before all new objects
 *    are up: a failed wave then leaves the old objects in place.
 * 5. The empty-render guard: when no resource is desired (hooks and skipped objects do not count) but something
 *    would be deleted, refuse (PlanError) unless allowEmpty is set. A wrong path or an empty commit must not
 *    wipe out an application; with prune off nothing is deleted, so there is nothing to guard.
 * 6. CreateNamespace=true with a missing destination namespace adds a `create` of that Namespace as its own
 *    wave, the first of PreSync, since PreSync hooks may run in it (Argo CD creates it before the sync too).
 * 7. Group the tasks by phase, then wave (ascending for applies, descending for prunes), then sort each wave by
 *    kind, namespace and name (waves.ts).
 * 8. A selective sync (`options.resources`, Argo CD's `operation.sync.resources`) keeps only the tasks of the
 *    objects it names — applies and prunes — and no hooks, as Argo CD's selective sync runs none. The
 *    empty-render guard (5) still looks at the whole desired state, and CreateNamespace still creates the
 *    destination namespace the selected objects may need.
 *
 * Pure: imports nothing that does I/O.
 */
import { keyOf, keyString, type KubeObject, type ResourceKey } from "../core/object.js";
import { classifyHook } from "./hooks.js";
import { parseAppSyncOptions, pruneOptionsFor, taskOptionsFor, type AppSyncOptions } from "./options.js";
import {
  PlanError,
  problemsError,
  type DesiredResource,
  type ObjectProblem,
  type PhasePlan,
  type PlanInput,
  type PlanWave,
  type ResourceSelector,
  type SyncPhase,
  type SyncPlan,
  type SyncTask,
} from "./types.js";
import { compareForApply, compareForPrune, readWave } from "./waves.js";

/**
 * Plans a sync: which objects to create, apply, replace, prune, run as hooks or skip, in which phase and wave,
 * in which order. Throws PlanError when the manifests cannot be planned or the empty-render guard trips.
 */
export function planSync(input: PlanInput): SyncPlan {
  const app = parseAppSyncOptions(input.options.syncOptions);
  const all = desiredTasks(input.desired, app);
  const allPrunes = pruneTasks(input.toPrune, app, input.options.prune);
  const resources = all.resources;
  const selection = input.options.resources?.length ? input.options.resources : undefined;
  const tasks = selection ? all.tasks.filter((t) => !t.hook && selected(selection, t)) : all.tasks;
  const prunes = selection ? allPrunes.filter((t) => selected(selection, t)) : allPrunes;

  const deleting = allPrunes.filter((t) => t.action === "prune");
  if (resources === 0 && deleting.length > 0 && !input.options.allowEmpty) {
    throw new PlanError(
      "refusing to sync: nothing is desired, and the sync would delete " +
        `all ${deleting.length} resource(s) of the application`,
      deleting.map((t) => t.key),
      "check the source path and revision; to empty the application on purpose, sync with allowEmpty",
    );
  }

  if (app.createNamespace && input.namespace && !input.namespaceExists) {
    tasks.push(namespaceTask(input.namespace, tasks, app));
  }

  const inPhase = (list: SyncTask[], phase: SyncPhase) => list.filter((t) => t.phase === phase);
  const phase = (p: SyncPhase, waves: PlanWave[]): PhasePlan => ({ phase: p, waves });
  return {
    phases: [
      phase("PreSync", group(inPhase(tasks, "PreSync"), "apply")),
      phase("Sync", [...group(inPhase(tasks, "Sync"), "apply"), ...group(inPhase(prunes, "Sync"), "prune")]),
      phase("PostSync", [
        ...group(inPhase(tasks, "PostSync"), "apply"),
        ...group(inPhase(prunes, "PostSync"), "prune"),
      ]),
    ],
    syncFail: phase("SyncFail", group(inPhase(tasks, "SyncFail"), "apply")),
    dryRun: input.options.dryRun,
    namespace: input.namespace,
  };
}

/** Step 8: whether a selective sync names the task's object (Argo CD's SyncOperationResource.HasIdentity). */
function selected(selection: readonly ResourceSelector[], t: SyncTask): boolean {
  return selection.some((r) => r.kind === t.key.kind && r.name === t.key.name && (r.group ?? "") === t.key.group && (!r.namespace || r.namespace === t.key.namespace));
}

/** Steps 1–3: the tasks of the desired objects, and how many ordinary resources there are. */
function desiredTasks(desired: readonly DesiredResource[], app: AppSyncOptions) {
  const problems: ObjectProblem[] = [];
  const tasks: SyncTask[] = [];
  const seen = new Set<string>();
  let resources = 0;

  for (const d of desired) {
    const key = keyOf(d.object);
    const id = keyString(key);
    const cls = classifyHook(d.object);
    const wave = readWave(d.object);
    const before = problems.length;
    if (cls.type === "invalid") problems.push({ key, problem: cls.problem });
    if (!wave.ok) problems.push({ key, problem: wave.problem });
    if (!key.name && cls.type !== "hook") {
      problems.push({ key, problem: "has no metadata.name (only hooks may use generateName)" });
    }
    if (key.name && seen.has(id)) problems.push({ key, problem: "appears more than once in the desired state" });
    seen.add(id);
    if (problems.length > before || cls.type === "invalid" || !wave.ok) continue;

    const base = { key, id, object: d.object, ...(d.live ? { live: d.live } : {}), wave: wave.wave };
    const options = taskOptionsFor(app, d.object);
    if (cls.type === "hook") {
      for (const phase of cls.hook.phases) tasks.push({ ...base, phase, action: "hook", options, hook: cls.hook });
    } else if (cls.type === "skip") {
      tasks.push({ ...base, phase: "Sync", action: "skip", message: cls.message, reason: "not-applied", options });
    } else {
      resources++;
      tasks.push({ ...base, phase: "Sync", options, ...resourceAction(d, app, options.replace) });
    }
  }
  if (problems.length > 0) throw problemsError(problems);
  return { tasks, resources };
}

function resourceAction(
  d: DesiredResource,
  app: AppSyncOptions,
  replace: boolean,
): Pick<SyncTask, "action" | "message" | "reason"> {
  if (d.status === "Missing") return { action: "create" };
  if (d.status === "Synced" && app.applyOutOfSyncOnly) {
    return { action: "skip", message: "already synced, ApplyOutOfSyncOnly=true", reason: "in-sync" };
  }
  return { action: replace ? "replace" : "apply" };
}

/** Step 4: prune tasks (or skips) for the leftover live objects; PruneLast ones land in PostSync. */
function pruneTasks(live: readonly KubeObject[], app: AppSyncOptions, prune: boolean): SyncTask[] {
  const tasks: SyncTask[] = [];
  for (const obj of live) {
    // Hooks (and objects marked Skip) were never applied as resources, so they are not pruned as resources.
    if (classifyHook(obj).type !== "resource") continue;
    const key = keyOf(obj);
    const wave = readWave(obj);
    const p = pruneOptionsFor(obj);
    const [action, why, reason] = p.never
      ? (["skip", "Prune=false: kept in the cluster", "prune-false"] as const)
      : p.confirm
        ? (["skip", "Prune=confirm: needs a confirmed prune", "prune-confirm"] as const)
        : !prune
          ? (["skip", "prune disabled", "prune-disabled"] as const)
          : (["prune", undefined, undefined] as const);
    // A live object that is no longer in Git cannot have its annotations fixed there: prune it anyway.
    const note = wave.ok ? undefined : `${wave.problem}: pruned as wave 0`;
    const message = [why, note].filter((m) => m !== undefined).join("; ");
    tasks.push({
      key,
      id: keyString(key),
      object: obj,
      live: obj,
      phase: app.pruneLast || p.last ? "PostSync" : "Sync",
      wave: wave.ok ? wave.wave : 0,
      action,
      ...(message ? { message } : {}),
      ...(reason ? { reason } : {}),
      options: taskOptionsFor(app, obj),
    });
  }
  return tasks;
}

/** Step 6: the Namespace create that precedes everything; takes over the desired Namespace if there is one. */
function namespaceTask(namespace: string, tasks: SyncTask[], app: AppSyncOptions): SyncTask {
  const key: ResourceKey = { group: "", kind: "Namespace", namespace: "", name: namespace };
  const id = keyString(key);
  const desired = tasks.find((t) => t.id === id && t.phase === "Sync" && t.hook === undefined);
  if (desired?.action === "create") {
    // It will exist by the time its own wave runs.
    desired.action = "apply";
    desired.message = "created first by CreateNamespace=true";
  }
  const object: KubeObject = desired?.object ?? { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } };
  const first = Math.min(0, ...tasks.filter((t) => t.phase === "PreSync").map((t) => t.wave));
  return {
    key,
    id,
    object,
    phase: "PreSync",
    wave: first - 1,
    action: "create",
    message: "CreateNamespace=true: the destination namespace is missing",
    options: taskOptionsFor(app, object),
  };
}

/** Step 7: tasks of one phase and stage into waves, applies ascending, prunes descending, each wave sorted. */
function group(tasks: readonly SyncTask[], stage: PlanWave["stage"]): PlanWave[] {
  const byWave = new Map<number, SyncTask[]>();
  for (const t of tasks) {
    const list = byWave.get(t.wave);
    if (list) list.push(t);
    else byWave.set(t.wave, [t]);
  }
  const order = stage === "apply" ? (a: number, b: number) => a - b : (a: number, b: number) => b - a;
  const compare = stage === "apply" ? compareForApply : compareForPrune;
  return [...byWave.keys()].sort(order).map((wave) => ({
    wave,
    stage,
    tasks: (byWave.get(wave) ?? []).sort(
      (a, b) => compare(a.key, b.key) || generated(a).localeCompare(generated(b), "en"),
    ),
  }));
}

/** The generateName of a hook without a name, to order such hooks stably. */
function generated(t: SyncTask): string {
  const g = t.object.metadata?.generateName;
  return typeof g === "string" ? g : "";
}
