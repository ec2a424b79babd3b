/**
 * The executor: carries a SyncPlan out against a cluster, one step at a time (progress.ts), and returns a
 * ChangeSet.
 *
 * `advance` is one round of the state machine: look at the current step's objects (a watch cache through
 * `ClusterOps.observe`, else a GET); if they are ready, apply the next step — its tasks together, with
 * bounded concurrency — and go on while what the writes answered is ready too; stop when something must be
 * waited for, when the sync failed, or when it is done. It never sleeps: the controller records the
 * progress, releases its worker and calls `advance` again when a watch event says an awaited object
 * changed. `executePlan` is the loop for a process that can wait (`plumb apply`): `advance`, then sleep a
 * little, until done.
 *
 * A failed task, a Degraded object or a failed hook fails the sync: no later step starts, the SyncFail
 * hooks run, and the ChangeSet says why. The sync times out `timeoutMs` after it started (its SyncFail
 * steps get as long again), naming what it still waited for.
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
import { keyDisplay, keyOf, type KubeObject } from "../core/object.js";
import { assessHealth, type HealthOverrides } from "../health/index.js";
import {
  awaited,
  endsAtApply,
  evaluate,
  findStep,
  nextStep,
  outcomeOf,
  stepName,
  withFailure,
  withStep,
  type Observation,
  type Step,
  type SyncProgress,
} from "./progress.js";
import type { CompareStatus, PropagationPolicy, SyncPlan, SyncTask } from "./types.js";

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
   * the version `obj` has (the one written) or later; a cache that lags answers no `live` for a moment.
   */
  observe?(obj: KubeObject): { watched: false } | { watched: true; live?: KubeObject };
}

/**
 * How long an object written by the sync may be absent from a watch cache that should hold it before the
 * executor asks the API server instead (a cache normally catches up within milliseconds).
 */
const OBSERVE_GRACE_MS = 2000;

/** What the executor remembers of an object it wrote: the version the write left and when. */
export interface Written {
  resourceVersion?: string;
  at: number;
}

export interface ExecuteOptions {
  /** Tasks of one step in flight at once. Default 16. */
  concurrency: number;
  /** How long the sync may take (its SyncFail steps get as long again). Default 5 minutes; 0: no limit. */
  timeoutMs: number;
  /** When the sync (this attempt) started, in ms since the epoch: the start of `timeoutMs`. Default: now. */
  startedAt?: number;
  /** The comparison status of each desired object by keyString: a Synced object is not sent again. */
  compareStatus?: ReadonlyMap<string, CompareStatus>;
  /** Called for every entry as it is decided (progress output, events). */
  onChange?: (e: ChangeEntry) => void;
  /** Called when a step starts. */
  onStep?: (step: Step) => void;
  /** Filled with the latest state seen of every object the sync wrote or looked at, by keyString (hooks included). */
  observed?: Map<string, KubeObject>;
  /**
   * What the sync wrote, by keyString, kept by the caller across rounds so that a watch cache behind a
   * write is not mistaken for the object's state. A fresh map (a restarted controller) trusts the caches.
   */
  written?: Map<string, Written>;
  /**
   * Whether the last step is waited on too (`plumb apply` reports the health it left). The controller
   * passes false, as Argo CD's sync does: the last step ends the sync once applied, unless it runs hooks.
   */
  waitLast: boolean;
  /** Stop before the next step (a shutting-down controller); the progress so far is returned. */
  signal?: AbortSignal;
  /** Asked before each step: true stops the round there (an operation being terminated). */
  stop?: () => boolean;
  /**
   * Hand hook deletions (HookSucceeded, HookFailed) back instead of making them, so the caller records the
   * hook's end before its object goes: a controller taking the sync over must not find it gone.
   */
  deferDeletions?: boolean;
  /** Users' health checks (Lua) that win over the built-in ones while the sync waits for health. */
  health?: HealthOverrides;
}

export function defaultExecuteOptions(): ExecuteOptions {
  return { concurrency: 16, timeoutMs: 300_000, waitLast: true };
}

/**
 * The result of one round of `advance`. `deletions`: with `deferDeletions`, the hook objects their delete
 * policy wants gone, for the caller to delete once it has recorded the progress (deleteObject).
 */
export type Advanced = { deletions: ChangeEntry[] } & (
  /** Something must be waited for (`waiting` names it); call again later. */
  | { state: "waiting"; progress: SyncProgress; waiting: string[] }
  /** Stopped before the next step: by the signal, or because `stop` said so (a terminate request). */
  | { state: "interrupted"; progress: SyncProgress }
  | { state: "done"; progress: SyncProgress; phase: "Succeeded" | "Failed"; message: string }
);

const POLICY: Record<PropagationPolicy, "Foreground" | "Background" | "Orphan"> = {
  foreground: "Foreground",
  background: "Background",
  orphan: "Orphan",
};

/** A duration for people: "300 ms", "45 s", "10 min", "1 h 30 min". */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  const min = Math.round(ms / 60_000);
  return min < 60 ? `${min} min` : `${Math.floor(min / 60)} h${min % 60 ? ` ${min % 60} min` : ""}`;
}

/** Whole seconds, as the status records them. */
function stamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/**
 * One round of the sync (see the module comment): from `progress` (a fresh `{ entries: [] }` to start),
 * as far as the cluster's state allows right now.
 */
export async function advance(plan: SyncPlan, progress: SyncProgress, ops: ClusterOps, options: Partial<ExecuteOptions> = {}): Promise<Advanced> {
  const opts = { ...defaultExecuteOptions(), ...options };
  const written = opts.written ?? new Map<string, Written>();
  const startedAt = opts.startedAt ?? Date.now();
  let p = progress;
  const deletions: ChangeEntry[] = [];
  /** What the writes of the step just applied answered, by id: the freshest state there is. */
  let answers: Map<string, KubeObject> | undefined;
  for (;;) {
    // An attempt that failed goes straight on to SyncFail; a SyncFail step is waited on like any other.
    const failing = p.failure !== undefined && p.step?.phase !== "SyncFail";
    const looking = failing ? [] : awaited(p);
    if (looking.length > 0 && !plan.dryRun) {
      const seen = await look(looking, ops, opts, written, answers);
      const verdict = evaluate(p, seen, findStep(plan, p.step!), opts.health);
      p = verdict.progress;
      for (const e of verdict.deletions) {
        if (opts.deferDeletions) deletions.push(e);
        else await deleteObject(e, ops);
        written.delete(e.id);
        opts.observed?.delete(e.id);
        opts.onChange?.(e);
      }
      const where = stepName(p.step!);
      const syncFail = p.step!.phase === "SyncFail";
      if (verdict.failures.length > 0 && !syncFail) {
        if (p.failure === undefined) {
          p = withFailure(p, `${where}: ${verdict.failures.join("; ")}`);
          continue;
        }
      }
      // A SyncFail hook that failed is noted; the others of its step are still waited for.
      if (syncFail && verdict.failures.length > 0) p = { ...p, failure: `${p.failure}; ${verdict.failures.join("; ")}` };
      if (verdict.waiting.length > 0) {
        const from = syncFail ? Date.parse(p.step!.appliedAt) : startedAt;
        if (opts.timeoutMs > 0 && Date.now() - from > opts.timeoutMs) {
          const limit = duration(opts.timeoutMs);
          if (syncFail) return { state: "done", progress: p, phase: "Failed", message: `${p.failure}; the SyncFail hooks did not complete within ${limit}: ${verdict.waiting.join(", ")}`, deletions };
          p = withFailure(p, `${where}: timed out after ${limit} waiting for ${verdict.waiting.join(", ")}`);
          continue;
        }
        return { state: "waiting", progress: p, waiting: verdict.waiting, deletions };
      }
    }
    const step = nextStep(plan, p);
    if (!step) return { state: "done", progress: p, ...outcomeOf(p), deletions };
    if (opts.signal?.aborted || opts.stop?.()) return { state: "interrupted", progress: p, deletions };
    opts.onStep?.(step);
    const before = p;
    const applied = await applyStep(step, plan.dryRun, ops, opts);
    for (const [id, obj] of applied.answers) {
      written.set(id, { resourceVersion: obj.metadata.resourceVersion, at: Date.now() });
      opts.observed?.set(id, obj);
    }
    for (const e of applied.entries) opts.onChange?.(e);
    p = withStep(p, step, applied.entries, stamp(Date.now()));
    answers = applied.answers;
    if (p.failure === undefined && endsAtApply(plan, before, step, opts.waitLast)) return { state: "done", progress: p, ...outcomeOf(p), deletions };
  }
}

/**
 * Runs a whole plan, waiting between rounds (`plumb apply`, tests). Never throws for a failed object:
 * failures are entries, and the ChangeSet's phase is Failed.
 */
export async function executePlan(plan: SyncPlan, ops: ClusterOps, options: Partial<ExecuteOptions> = {}): Promise<ChangeSet> {
  const opts = { ...defaultExecuteOptions(), ...options, startedAt: options.startedAt ?? Date.now(), written: options.written ?? new Map<string, Written>() };
  const startedAt = new Date(opts.startedAt).toISOString();
  let progress: SyncProgress = { entries: [] };
  let interval = 50;
  for (;;) {
    const r = await advance(plan, progress, ops, opts);
    progress = r.progress;
    if (r.state !== "waiting") {
      const phase = r.state === "done" ? r.phase : "Failed";
      const message = r.state === "done" ? (phase === "Succeeded" && plan.dryRun ? "dry run: nothing was changed" : r.message) : "sync interrupted";
      return { phase, message, dryRun: plan.dryRun, startedAt, finishedAt: new Date().toISOString(), entries: progress.entries };
    }
    await sleep(interval, opts.signal);
    // Reading a watch cache costs nothing: keep looking often. Requests back off to one a second.
    interval = Math.min(interval * 2, ops.observe ? 200 : 1000);
  }
}

/** A reference to an entry's object, enough to read or delete it. */
function ref(e: ChangeEntry): KubeObject {
  return { apiVersion: e.apiVersion, kind: e.key.kind, metadata: { name: e.key.name, ...(e.key.namespace ? { namespace: e.key.namespace } : {}) } };
}

/**
 * The live state of each awaited object: what the step's writes just answered when that is final (Healthy,
 * or a kind without health — anything else is looked at again, as a stale status may say anything but
 * Healthy is reached only once the new generation is observed), else a watch cache holding the object at
 * least at the version written, else (no cache for the kind, or one that lags for too long) a GET.
 */
async function look(entries: readonly ChangeEntry[], ops: ClusterOps, opts: ExecuteOptions, written: ReadonlyMap<string, Written>, answers: ReadonlyMap<string, KubeObject> | undefined): Promise<Map<string, Observation>> {
  const states = await mapLimit(entries, opts.concurrency, async (e): Promise<[string, Observation]> => {
    const answer = answers?.get(e.id);
    if (answer) {
      const health = assessHealth(answer, opts.health);
      return [e.id, !health || health.status === "Healthy" ? { state: "live", object: answer } : { state: "unseen", last: answer }];
    }
    const w = written.get(e.id);
    const obj = ref(e);
    if (w?.resourceVersion) obj.metadata.resourceVersion = w.resourceVersion;
    const cached = ops.observe?.(obj);
    let live: KubeObject | undefined;
    if (cached?.watched && cached.live) live = cached.live;
    else if (cached?.watched && w && Date.now() - w.at < OBSERVE_GRACE_MS) return [e.id, { state: "unseen" }];
    else live = await ops.get(obj);
    if (!live) return [e.id, { state: "gone" }];
    opts.observed?.set(e.id, live);
    return [e.id, { state: "live", object: live }];
  });
  return new Map(states);
}

/** Applies one step's tasks together. Never throws: a failed task is a `failed` entry. */
export async function applyStep(step: Step, dryRun: boolean, ops: ClusterOps, opts: Pick<ExecuteOptions, "concurrency" | "compareStatus" | "timeoutMs">): Promise<{ entries: ChangeEntry[]; answers: Map<string, KubeObject> }> {
  const results = await mapLimit(step.tasks, opts.concurrency, (task) => runTask(task, step, dryRun, ops, opts));
  const answers = new Map<string, KubeObject>();
  for (const r of results) if (r.answer && !dryRun) answers.set(r.entry.id, r.answer);
  return { entries: results.map((r) => r.entry), answers };
}

interface TaskResult {
  entry: ChangeEntry;
  /** What the write answered (or the live object of a task that needed no write), to watch its health. */
  answer?: KubeObject;
}

async function runTask(task: SyncTask, step: Step, dryRun: boolean, ops: ClusterOps, opts: Pick<ExecuteOptions, "compareStatus" | "timeoutMs">): Promise<TaskResult> {
  const at = { phase: task.phase, stage: step.stage, wave: task.wave };
  const done = (action: ChangeEntry["action"], message: string, answer?: KubeObject, extra: Pick<ChangeEntry, "reason" | "hook" | "hookPhase"> = {}): TaskResult => ({
    entry: entry(answer ? keyOf(answer) : task.key, answer?.apiVersion ?? task.object.apiVersion, action, message, at, { ...(task.hook ? { hook: true } : {}), ...extra }),
    ...(answer ? { answer } : {}),
  });
  const validation = task.options.validate ? "Strict" : "Ignore";
  try {
    switch (task.action) {
      case "skip":
        return done("skipped", task.message ?? "skipped", undefined, task.reason ? { reason: task.reason } : {});
      case "prune": {
        const existed = await ops.delete(task.object, { dryRun, propagationPolicy: POLICY[task.options.propagationPolicy] });
        return done("pruned", existed ? (dryRun ? "would be pruned (dry run)" : "pruned") : "already gone");
      }
      case "create":
      case "apply": {
        let forced = false;
        if (task.action === "apply" && opts.compareStatus?.get(task.id) === "Synced") return done("unchanged", "in sync", task.live);
        // Replace=true creates with a plain POST too, so the object is never server-side applied.
        const writeOpts = { dryRun, fieldValidation: validation } as const;
        const write = () => (task.options.replace && !task.live ? ops.create(task.object, writeOpts) : ops.apply(task.object, writeOpts));
        const result = await write().catch(async (err: unknown) => {
          // Force=true (Argo CD's `kubectl apply --force`): an object the API server refuses to change in
          // place (an immutable field: 422 Invalid, "field is immutable" / "Forbidden") is deleted and created
          // again. Any other 422 (an invalid manifest) is an error as it is: deleting would not help. If the
          // new object is refused after all, the old one is put back, as kubectl does.
          if (!task.options.force || !task.live || dryRun || !refusedInPlace(err)) throw err;
          const previous = task.live;
          await ops.delete(previous, { dryRun: false, propagationPolicy: "Foreground" });
          await waitGone(previous, ops, opts.timeoutMs);
          forced = true;
          return ops.apply(task.object, writeOpts).catch(async (again: unknown) => {
            await ops.create(restorable(previous), { dryRun: false, fieldValidation: "Ignore" }).catch(() => undefined);
            throw again;
          });
        });
        if (forced) return done("configured", "deleted and created again (Force=true: it could not be changed in place)", result);
        if (task.action === "create" || !task.live) return done("created", dryRun ? "would be created (dry run)" : "created", result);
        const same = result.metadata.resourceVersion === task.live.metadata.resourceVersion;
        return done(same ? "unchanged" : "configured", same ? "unchanged" : dryRun ? "would be configured (dry run)" : "configured", result);
      }
      case "replace": {
        let live = task.live;
        if (live && task.options.force && !dryRun) {
          await ops.delete(live, { dryRun, propagationPolicy: "Foreground" });
          await waitGone(live, ops, opts.timeoutMs);
          live = undefined;
        }
        const result = await ops.replace(task.object, live, { dryRun, fieldValidation: validation });
        return done(live ? "configured" : "created", `${live ? "replaced" : "created"}${dryRun ? " (dry run)" : ""}`, result);
      }
      case "hook": {
        if (dryRun) return done("created", `hook would run in ${task.phase} (dry run)`, undefined, { hookPhase: "Succeeded" });
        const policies = task.hook?.deletePolicies ?? ["BeforeHookCreation"];
        const named = Boolean(task.object.metadata.name);
        if (named && policies.includes("BeforeHookCreation")) {
          const previous = await ops.get(task.object);
          if (previous) {
            await ops.delete(previous, { dryRun: false, propagationPolicy: "Foreground" });
            await waitGone(previous, ops, opts.timeoutMs);
          }
        }
        const created = named ? await ops.apply(task.object, { dryRun: false, fieldValidation: validation }) : await ops.create(task.object, { dryRun: false, fieldValidation: validation });
        return done("created", `hook created in ${task.phase}`, created, { hookPhase: "Running" });
      }
    }
  } catch (err) {
    return done("failed", err instanceof Error ? err.message.split("\n")[0]! : String(err), undefined, task.hook ? { hookPhase: "Failed" } : {});
  }
}

/** Waits until a deleted object is gone (a hook's previous run, a forced replace): a bounded wait inside one step. */
async function waitGone(obj: KubeObject, ops: ClusterOps, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + Math.min(timeoutMs > 0 ? timeoutMs : Infinity, 60_000);
  let interval = 50;
  while (await ops.get(obj)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${keyDisplay(keyOf(obj))} to be deleted`);
    await sleep(interval);
    interval = Math.min(interval * 2, 1000);
  }
}

/** Deletes an entry's object (a hook, per its delete policy or a terminate); a failure is not the sync's. */
export async function deleteObject(e: ChangeEntry, ops: ClusterOps): Promise<void> {
  await ops.delete(ref(e), { dryRun: false, propagationPolicy: "Foreground" }).catch(() => false);
}

/** Deletes hook objects of a terminated sync (those still running), as Argo CD's terminate does. */
export async function deleteHooks(hooks: readonly ChangeEntry[], ops: ClusterOps): Promise<void> {
  await mapLimit(hooks, 8, (e) => deleteObject(e, ops));
}

/** Whether an apply error is the API server refusing to change a field in place (what Force=true recreates for). */
export function refusedInPlace(err: unknown): boolean {
  const e = err as { status?: unknown; message?: unknown };
  return e.status === 422 && typeof e.message === "string" && /immutable|Forbidden/.test(e.message);
}

/** A live object as it can be created again: without its server-set identity, bookkeeping and status. */
function restorable(live: KubeObject): KubeObject {
  const { resourceVersion: _rv, uid: _uid, creationTimestamp: _ct, managedFields: _mf, generation: _g, deletionTimestamp: _dt, deletionGracePeriodSeconds: _dg, ...metadata } = live.metadata as KubeObject["metadata"] & Record<string, unknown>;
  const { status: _s, ...rest } = live;
  return { ...rest, metadata } as KubeObject;
}
