/**
 * The executor: carries a SyncPlan out against a cluster and returns a ChangeSet.
 *
 * Phases run in order (PreSync, Sync, PostSync). Within a phase, waves run one after another; the tasks of a
 * wave run together (bounded concurrency), and the next wave starts as soon as every object the wave
 * touched is healthy (Healthy or Suspended; objects whose kind has no health count as ready at once) and
 * every hook of the wave has completed — no fixed pause between waves. A failed task, a Degraded object or
 * a failed hook fails the sync: no later wave starts, the SyncFail hooks run, and the ChangeSet says why.
 * A sync of one wave without hooks may end at its writes instead (`waitSingleStep: false`), as Argo CD's does.
 *
 * Hooks (https://argo-cd.readthedocs.io/en/stable/user-guide/resource_hooks/): BeforeHookCreation deletes a
 * previous hook object of the same name first; HookSucceeded / HookFailed delete it once it has
 * succeeded / failed. A hook is complete when its health is Healthy (a Job Complete, a Pod Succeeded).
 *
 * The only I/O goes through the injected ClusterOps, so this file needs no cluster module: the engine
 * passes the real one, and nothing here knows about HTTP.
 */
import { entry, type ChangeEntry, type ChangeSet } from "../core/changeset.js";
import { mapLimit, sleep } from "../core/concurrency.js";
import { keyOf, keyString, type KubeObject } from "../core/object.js";
import { assessHealth } from "../health/index.js";
import type { CompareStatus, PlanWave, PropagationPolicy, SyncPlan, SyncTask } from "./types.js";

/** What the executor needs from a cluster. */
export interface ClusterOps {
  apply(obj: KubeObject, opts: { dryRun: boolean; fieldValidation: "Strict" | "Ignore" }): Promise<KubeObject>;
  create(obj: KubeObject, opts: { dryRun: boolean; fieldValidation: "Strict" | "Ignore" }): Promise<KubeObject>;
  replace(obj: KubeObject, live: KubeObject | undefined, opts: { dryRun: boolean; fieldValidation: "Strict" | "Ignore" }): Promise<KubeObject>;
  delete(obj: KubeObject, opts: { dryRun: boolean; propagationPolicy: "Foreground" | "Background" | "Orphan" }): Promise<boolean>;
  get(obj: KubeObject): Promise<KubeObject | undefined>;
  /**
   * Optional: the object as a watch cache holds it, so waiting for health costs no request. `watched`
   * false: no cache for its kind (the executor GETs). `live` is set only when the cache holds the object at
   * the version `obj` has (the one just written) or later; a cache that lags answers no `live` for a moment.
   */
  observe?(obj: KubeObject): { watched: false } | { watched: true; live?: KubeObject };
}

/**
 * How long an object written by the sync may be absent from a watch cache that should hold it before the
 * executor asks the API server instead (a cache normally catches up within milliseconds).
 */
const OBSERVE_GRACE_MS = 2000;

export interface ExecuteOptions {
  /** Tasks of one wave in flight at once. Default 16. */
  concurrency: number;
  /** How long a wave may take to become healthy (hooks to complete). Default 5 minutes. */
  waveTimeoutMs: number;
  /** The comparison status of each desired object by keyString: a Synced object is not sent again. */
  compareStatus?: ReadonlyMap<string, CompareStatus>;
  /** Called for every entry as it is decided (progress output, events). */
  onChange?: (e: ChangeEntry) => void;
  /** Called when a wave starts. */
  onWave?: (phase: string, wave: PlanWave) => void;
  /** Filled with the latest state seen of every object the sync wrote, by keyString (hooks included). */
  observed?: Map<string, KubeObject>;
  /**
   * Whether a single-step sync (one wave, no hook) waits for what it applied to become healthy. Default
   * true (`plumb sync` reports the health it left). The controller passes false, as Argo CD's sync
   * operation does: such a sync is an asynchronous apply that succeeds once every write has succeeded, and
   * the app's health follows from the watches afterwards. A sync of several waves or with hooks always
   * waits, wave by wave, the last one included.
   */
  waitSingleStep: boolean;
  signal?: AbortSignal;
}

export function defaultExecuteOptions(): ExecuteOptions {
  return { concurrency: 16, waveTimeoutMs: 300_000, waitSingleStep: true };
}

class SyncFailure extends Error {}
class Interrupted extends SyncFailure {}

const POLICY: Record<PropagationPolicy, "Foreground" | "Background" | "Orphan"> = {
  foreground: "Foreground",
  background: "Background",
  orphan: "Orphan",
};

/**
 * Whether running `plan` waits for health (hence may take a while): a plan of several waves or with hooks
 * always does; a single wave without hooks only if `waitSingleStep`.
 */
export function waitsForHealth(plan: SyncPlan, waitSingleStep: boolean): boolean {
  const waves = plan.phases.flatMap((p) => p.waves);
  return waitSingleStep || waves.length > 1 || waves.some((w) => w.tasks.some((t) => t.action === "hook"));
}

/** Runs a plan. Never throws for a failed object: failures are entries, and the ChangeSet's phase is Failed. */
export async function executePlan(plan: SyncPlan, ops: ClusterOps, options: Partial<ExecuteOptions> = {}): Promise<ChangeSet> {
  const opts = { ...defaultExecuteOptions(), ...options };
  const startedAt = new Date().toISOString();
  const entries: ChangeEntry[] = [];
  const record = (e: ChangeEntry): void => {
    entries.push(e);
    opts.onChange?.(e);
  };
  let failure: string | undefined;
  const settle = waitsForHealth(plan, opts.waitSingleStep);
  try {
    for (const phase of plan.phases) {
      for (const wave of phase.waves) {
        if (opts.signal?.aborted) throw new Interrupted("sync interrupted");
        opts.onWave?.(phase.phase, wave);
        await runWave(wave, plan.dryRun, ops, opts, record, settle);
      }
    }
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err);
    // An interrupted sync did not fail: its SyncFail hooks do not run (it is resumed later).
    for (const wave of opts.signal?.aborted ? [] : plan.syncFail.waves) {
      opts.onWave?.("SyncFail", wave);
      await runWave(wave, plan.dryRun, ops, opts, record, true).catch(() => undefined);
    }
  }
  return {
    phase: failure ? "Failed" : "Succeeded",
    message: failure ?? (plan.dryRun ? "dry run: nothing was changed" : "successfully synced"),
    dryRun: plan.dryRun,
    startedAt,
    finishedAt: new Date().toISOString(),
    entries,
  };
}

/** Runs one wave's tasks, then (`settle`) waits until what they touched is healthy. Throws SyncFailure on failure. */
async function runWave(wave: PlanWave, dryRun: boolean, ops: ClusterOps, opts: ExecuteOptions, record: (e: ChangeEntry) => void, settle: boolean): Promise<void> {
  const results = await mapLimit(wave.tasks, opts.concurrency, (task) => runTask(task, dryRun, ops, opts));
  const failed: string[] = [];
  const toWatch: Array<{ task: SyncTask; obj: KubeObject }> = [];
  for (const r of results) {
    record(r.entry);
    if (r.watch && !dryRun) opts.observed?.set(keyString(keyOf(r.watch)), r.watch);
    if (r.entry.action === "failed") failed.push(`${r.entry.id}: ${r.entry.message}`);
    else if (r.watch) toWatch.push({ task: r.task, obj: r.watch });
  }
  if (failed.length > 0) throw new SyncFailure(`wave ${wave.wave} failed: ${failed.join("; ")}`);
  if (dryRun || !settle || toWatch.length === 0) return;
  await waitHealthy(wave, toWatch, ops, opts, record);
}

interface TaskResult {
  task: SyncTask;
  entry: ChangeEntry;
  /** The object to wait for, if the task applied something whose health matters. */
  watch?: KubeObject;
}

async function runTask(task: SyncTask, dryRun: boolean, ops: ClusterOps, opts: ExecuteOptions): Promise<TaskResult> {
  const done = (action: ChangeEntry["action"], message: string, watch?: KubeObject): TaskResult => ({
    task,
    entry: entry(watch ? keyOf(watch) : task.key, action, message, task.phase, task.wave, task.hook ? true : undefined),
    watch,
  });
  const validation = task.options.validate ? "Strict" : "Ignore";
  try {
    switch (task.action) {
      case "skip":
        return done("skipped", task.message ?? "skipped");
      case "prune": {
        const existed = await ops.delete(task.object, { dryRun, propagationPolicy: POLICY[task.options.propagationPolicy] });
        return done("pruned", existed ? (dryRun ? "would be pruned (dry run)" : "pruned") : "already gone");
      }
      case "create":
      case "apply": {
        if (task.action === "apply" && opts.compareStatus?.get(task.id) === "Synced") return done("unchanged", "in sync", task.live);
        // Replace=true creates with a plain POST too, so the object is never server-side applied.
        const writeOpts = { dryRun, fieldValidation: validation } as const;
        const result = await (task.options.replace && !task.live ? ops.create(task.object, writeOpts) : ops.apply(task.object, writeOpts));
        if (task.action === "create" || !task.live) return done("created", dryRun ? "would be created (dry run)" : "created", result);
        const same = result.metadata.resourceVersion === task.live.metadata.resourceVersion;
        return done(same ? "unchanged" : "configured", same ? "unchanged" : dryRun ? "would be configured (dry run)" : "configured", result);
      }
      case "replace": {
        let live = task.live;
        if (live && task.options.force && !dryRun) {
          await ops.delete(live, { dryRun, propagationPolicy: "Foreground" });
          await waitGone(live, ops, opts);
          live = undefined;
        }
        const result = await ops.replace(task.object, live, { dryRun, fieldValidation: validation });
        return done(live ? "configured" : "created", `${live ? "replaced" : "created"}${dryRun ? " (dry run)" : ""}`, result);
      }
      case "hook":
        return await runHook(task, dryRun, ops, opts, validation, done);
    }
  } catch (err) {
    return done("failed", err instanceof Error ? err.message.split("\n")[0]! : String(err));
  }
}

async function runHook(
  task: SyncTask,
  dryRun: boolean,
  ops: ClusterOps,
  opts: ExecuteOptions,
  validation: "Strict" | "Ignore",
  done: (action: ChangeEntry["action"], message: string, watch?: KubeObject) => TaskResult,
): Promise<TaskResult> {
  const policies = task.hook?.deletePolicies ?? ["BeforeHookCreation"];
  const named = Boolean(task.object.metadata.name);
  if (dryRun) return done("created", `hook would run in ${task.phase} (dry run)`);
  if (named && policies.includes("BeforeHookCreation")) {
    const previous = await ops.get(task.object);
    if (previous) {
      await ops.delete(previous, { dryRun: false, propagationPolicy: "Foreground" });
      await waitGone(previous, ops, opts);
    }
  }
  const created = named ? await ops.apply(task.object, { dryRun: false, fieldValidation: validation }) : await ops.create(task.object, { dryRun: false, fieldValidation: validation });
  return done("created", `hook created in ${task.phase}`, created);
}

/** Waits until every watched object is healthy (hooks: complete), applying hook delete policies. */
async function waitHealthy(wave: PlanWave, items: Array<{ task: SyncTask; obj: KubeObject }>, ops: ClusterOps, opts: ExecuteOptions, record: (e: ChangeEntry) => void): Promise<void> {
  const started = Date.now();
  const deadline = started + opts.waveTimeoutMs;
  // What the write answered is the object's state a moment ago: already Healthy (a Service, a ConfigMap's
  // kin) needs no second look. Anything else is looked at again — a stale status may say anything but
  // Healthy is reached (a spec change bumps the generation, which the health rules wait to be observed).
  let pending = items.filter(({ task, obj }) => {
    const health = assessHealth(obj);
    return task.action === "hook" ? true : health !== undefined && health.status !== "Healthy";
  });
  let interval = 50;
  for (;;) {
    let requests = 0;
    const states = await mapLimit(pending, opts.concurrency, async (it) => {
      const seen = ops.observe?.(it.obj);
      if (seen?.watched && !seen.live && Date.now() - started < OBSERVE_GRACE_MS) return { it, unseen: true as const };
      if (!seen?.watched || !seen.live) requests++;
      const live = seen?.watched && seen.live ? seen.live : await ops.get(it.obj);
      return { it, live, health: live ? assessHealth(live) : { status: "Missing" as const, message: "not found" } };
    });
    const still: typeof pending = [];
    const failures: string[] = [];
    for (const state of states) {
      const { it } = state;
      if ("unseen" in state) {
        still.push(it);
        continue;
      }
      const { live, health } = state;
      const id = keyString(keyOf(it.obj));
      if (!live) {
        // Applied moments ago and now gone: someone deleted it mid-sync. Waiting would never end.
        failures.push(`${id} was deleted during the sync`);
        continue;
      }
      opts.observed?.set(id, live);
      if (it.task.action === "hook") {
        if (health?.status === "Degraded") {
          failures.push(`hook ${id} failed: ${health.message}`);
          if (live && it.task.hook?.deletePolicies.includes("HookFailed")) await ops.delete(live, { dryRun: false, propagationPolicy: "Foreground" });
        } else if (!health || health.status === "Healthy") {
          if (live && it.task.hook?.deletePolicies.includes("HookSucceeded")) {
            await ops.delete(live, { dryRun: false, propagationPolicy: "Foreground" });
            opts.observed?.delete(id);
            record(entry(keyOf(live), "pruned", "hook succeeded and was deleted (HookSucceeded)", it.task.phase, it.task.wave, true));
          }
        } else still.push(it);
        continue;
      }
      if (!health || health.status === "Healthy" || health.status === "Suspended") continue;
      if (health.status === "Degraded") failures.push(`${id} is Degraded: ${health.message}`);
      else still.push(it);
    }
    if (failures.length > 0) throw new SyncFailure(`wave ${wave.wave}: ${failures.join("; ")}`);
    if (still.length === 0) return;
    if (opts.signal?.aborted) throw new Interrupted("sync interrupted");
    if (Date.now() > deadline) {
      const names = still.map(({ obj }) => keyString(keyOf(obj))).join(", ");
      throw new SyncFailure(`wave ${wave.wave}: timed out after ${Math.round(opts.waveTimeoutMs / 1000)} s waiting for ${names} to become healthy`);
    }
    pending = still;
    await sleep(interval, opts.signal);
    // Reading a watch cache costs nothing: keep looking often. Requests back off to one a second.
    interval = requests === 0 ? Math.min(interval * 2, 200) : Math.min(interval * 2, 1000);
  }
}

async function waitGone(obj: KubeObject, ops: ClusterOps, opts: ExecuteOptions): Promise<void> {
  const deadline = Date.now() + opts.waveTimeoutMs;
  let interval = 50;
  while (await ops.get(obj)) {
    if (Date.now() > deadline) throw new SyncFailure(`timed out waiting for ${keyString(keyOf(obj))} to be deleted`);
    await sleep(interval, opts.signal);
    interval = Math.min(interval * 2, 1000);
  }
}
