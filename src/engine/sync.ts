/**
 * Syncing an application: compare (compare.ts), plan (sync/ planner, pure), execute (sync/ executor through
 * the cluster's Resources) → a ChangeSet. A render or comparison failure throws before anything is applied;
 * the empty-render guard is the planner's.
 */
import type { ChangeEntry, ChangeSet } from "../core/changeset.js";
import { keyOf, keyString, type KubeObject } from "../core/object.js";
import { sleep } from "../core/concurrency.js";
import { UnknownKindError } from "../cluster/discovery.js";
import type { Resources } from "../cluster/resources.js";
import { advance, deleteHooks, executePlan, type Advanced, type ClusterOps, type Written } from "../sync/execute.js";
import type { Step, SyncProgress } from "../sync/progress.js";
import { parseAppSyncOptions, planSync, type CompareStatus, type ResourceSelector, type SyncPlan } from "../sync/index.js";
import type { AppSpec } from "./app.js";
import { compareObject, effectiveIgnore, keepLiveAtIgnored, summarize, type ResourceDiff } from "../diff/index.js";
import { compareApp, type AppComparison, type EngineContext } from "./compare.js";
import type { Predictions } from "./predictions.js";

export interface SyncOptions {
  dryRun?: boolean;
  /** How long the sync may take. Default 5 minutes. */
  timeoutMs?: number;
  onChange?: (e: ChangeEntry) => void;
  onStep?: (step: Step) => void;
  /** Whether the last step is waited on too (ExecuteOptions.waitLast). Default true. */
  waitLast?: boolean;
  signal?: AbortSignal;
}

export interface SyncOutcome {
  comparison: AppComparison;
  plan: SyncPlan;
  changes: ChangeSet;
}

/**
 * Retries a write whose kind the API server does not serve yet: a custom resource applied right after its
 * CRD, before discovery shows it. Anything else fails at once.
 */
async function whenServed<T>(write: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
    try {
      return await write();
    } catch (err) {
      if (!(err instanceof UnknownKindError) || Date.now() > deadline) throw err;
      await sleep(wait);
    }
  }
}

/**
 * The executor's view of a cluster, over Resources. A real write's answer is remembered as the prediction
 * for the object it leaves (predictions.ts), so the comparison after the sync needs no dry run; `observe`
 * (the controller's watch caches) spares the GETs of waiting for health.
 */
export function clusterOps(resources: Resources, predictions?: Predictions, observe?: ClusterOps["observe"]): ClusterOps {
  const ref = (o: KubeObject) => ({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name });
  const remembered = async (replace: boolean, obj: KubeObject, o: { dryRun: boolean; fieldValidation: "Strict" | "Ignore" }, write: Promise<KubeObject>): Promise<KubeObject> => {
    const result = await write;
    if (!o.dryRun) predictions?.remember({ replace, validation: o.fieldValidation }, obj, result);
    return result;
  };
  return {
    apply: (obj, o) => remembered(false, obj, o, o.dryRun ? resources.apply(obj, o) : whenServed(() => resources.apply(obj, o))),
    create: (obj, o) => remembered(true, obj, o, o.dryRun ? resources.create(obj, o) : whenServed(() => resources.create(obj, o))),
    replace: (obj, live, o) => remembered(true, obj, o, resources.replace(obj, live, o)),
    delete: (obj, o) => resources.delete(ref(obj), o),
    get: (obj) => resources.get(ref(obj)),
    ...(observe ? { observe } : {}),
  };
}

/** The comparison status of each desired object, by keyString. */
function statusById(comparison: AppComparison): Map<string, CompareStatus> {
  const status = new Map<string, CompareStatus>();
  for (const r of comparison.resources) if (r.status !== "Extra") status.set(keyString(r.key), r.status);
  return status;
}

/** Plans a sync of `app` from a comparison (pure); `resources` makes it a selective sync. */
export function planFor(comparison: AppComparison, dryRun: boolean, app: AppSpec = comparison.app, resources?: ResourceSelector[]): SyncPlan {
  const status = statusById(comparison);
  const respect = parseAppSyncOptions(app.syncOptions).respectIgnoreDifferences;
  return planSync({
    desired: comparison.desired.map((desired) => {
      const id = keyString(keyOf(desired));
      const live = comparison.live.get(id);
      // RespectIgnoreDifferences=true: what ignoreDifferences leaves out of the comparison is not applied either.
      const object = respect && live ? keepLiveAtIgnored(desired, live, effectiveIgnore(app.ignoreDifferences, keyOf(desired)).jsonPointers) : desired;
      return { object, ...(live ? { live } : {}), status: status.get(id) ?? (live ? "OutOfSync" : "Missing") };
    }),
    toPrune: comparison.toPrune,
    namespace: app.namespace,
    namespaceExists: comparison.namespaceExists,
    options: { prune: app.prune, dryRun, allowEmpty: app.allowEmpty, syncOptions: app.syncOptions, ...(resources?.length ? { resources } : {}) },
  });
}

/**
 * Whether a comparison made for `compared` serves a sync of `app`: the same app with, at most, another
 * prune setting (the plan reads prune; the comparison does not). Other sync options change the dry runs.
 */
export function comparisonServes(compared: AppSpec, app: AppSpec): boolean {
  return JSON.stringify({ ...compared, prune: false }) === JSON.stringify({ ...app, prune: false });
}

/**
 * Compares (unless given the comparison just made for this very app), plans and executes one whole sync
 * of `app`, waiting between steps (`plumb apply`). The outcome's `comparison` is the state after the sync:
 * every object the sync wrote is Synced, as the server answered it, and what it pruned is gone — so a
 * status needs no second comparison to say so.
 */
export async function syncApp(ctx: EngineContext, app: AppSpec, opts: SyncOptions = {}, compared?: AppComparison): Promise<SyncOutcome> {
  const before = compared && comparisonServes(compared.app, app) ? compared : await compareApp(ctx, app);
  const dryRun = opts.dryRun ?? false;
  const plan = planFor(before, dryRun, app);
  const observed = new Map<string, KubeObject>();
  const changes = await executePlan(plan, clusterOps(ctx.resources, ctx.predictions, ctx.observe), {
    concurrency: ctx.concurrency ?? 16,
    compareStatus: statusById(before),
    observed,
    waitLast: opts.waitLast ?? true,
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.onChange ? { onChange: opts.onChange } : {}),
    ...(opts.onStep ? { onStep: opts.onStep } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const comparison = dryRun ? before : afterWrites(before, changes.entries, observed, ctx);
  return { comparison, plan, changes };
}

/** Options of one round of a sync operation (advanceSync). */
export interface RoundOptions {
  /** When the attempt started (ms since the epoch) and how long it may take (0: no limit). */
  startedAt: number;
  timeoutMs: number;
  /** What the sync wrote in earlier rounds (ExecuteOptions.written), kept by the caller. */
  written: Map<string, Written>;
  signal?: AbortSignal;
  /** Asked before each step: true stops the round (a terminate request). */
  stop?: () => boolean;
}

/** One round of a sync operation, and the comparison after it (what this round wrote, Synced). */
export interface RoundOutcome {
  result: Advanced;
  comparison: AppComparison;
}

/**
 * One round of a sync operation (sync/execute.ts `advance`) from the comparison just made: look at the
 * current step, apply the next ones as far as they are ready, and stop when something must be waited for.
 * The controller calls it once per reconcile and records the progress.
 */
export async function advanceSync(ctx: EngineContext, comparison: AppComparison, plan: SyncPlan, progress: SyncProgress, opts: RoundOptions): Promise<RoundOutcome> {
  const observed = new Map<string, KubeObject>();
  const before = new Set(progress.entries);
  const result = await advance(plan, progress, clusterOps(ctx.resources, ctx.predictions, ctx.observe), {
    concurrency: ctx.concurrency ?? 16,
    compareStatus: statusById(comparison),
    observed,
    written: opts.written,
    waitLast: false,
    startedAt: opts.startedAt,
    timeoutMs: opts.timeoutMs,
    deferDeletions: true,
    ...(ctx.health ? { health: ctx.health } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.stop ? { stop: opts.stop } : {}),
  });
  // This round's entries: new objects (an object handled again replaces its entry).
  const fresh = result.progress.entries.filter((e) => !before.has(e));
  return { result, comparison: plan.dryRun ? comparison : afterWrites(comparison, fresh, observed, ctx) };
}

/** Deletes what a round handed back (its hooks' delete policies), once the caller has recorded the round. */
export async function deleteAfterRound(ctx: Pick<EngineContext, "resources">, entries: readonly ChangeEntry[]): Promise<void> {
  await deleteHooks(entries, clusterOps(ctx.resources));
}

/** The comparison after these writes (see syncApp): objects written Synced as the server answered, pruned ones gone. */
function afterWrites(before: AppComparison, entries: readonly ChangeEntry[], observed: ReadonlyMap<string, KubeObject>, ctx: EngineContext): AppComparison {
  const written = new Set<string>();
  const pruned = new Set<string>();
  for (const e of entries) {
    if (e.hook) continue;
    if (e.action === "created" || e.action === "configured" || e.action === "unchanged") written.add(e.id);
    if (e.action === "pruned") pruned.add(e.id);
  }
  if (written.size === 0 && pruned.size === 0) return before;
  const desired = new Map(before.desired.map((o) => [keyString(keyOf(o)), o]));
  const live = new Map(before.live);
  const resources: ResourceDiff[] = [];
  for (const r of before.resources) {
    const id = keyString(r.key);
    if (pruned.has(id)) {
      live.delete(id);
      continue;
    }
    const now = observed.get(id);
    const wanted = desired.get(id);
    if (!written.has(id) || !now || !wanted || r.status === "Synced") {
      resources.push(r);
      continue;
    }
    live.set(id, now);
    resources.push(compareObject({ desired: wanted, predicted: now, live: now, ignore: before.app.ignoreDifferences, jq: ctx.jq }));
  }
  const toPrune = before.toPrune.filter((o) => !pruned.has(keyString(keyOf(o))));
  return { ...before, live, resources, toPrune, summary: summarize(resources), namespaceExists: true };
}
