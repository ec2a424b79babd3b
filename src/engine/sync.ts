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
import { executePlan, type ClusterOps } from "../sync/execute.js";
import { planSync, type CompareStatus, type PlanWave, type SyncPlan } from "../sync/index.js";
import type { AppSpec } from "./app.js";
import { compareObject, summarize, type ResourceDiff } from "../diff/index.js";
import { compareApp, type AppComparison, type EngineContext } from "./compare.js";
import type { Predictions } from "./predictions.js";

export interface SyncOptions {
  dryRun?: boolean;
  /** How long a wave may take to become healthy. Default 5 minutes. */
  waveTimeoutMs?: number;
  onChange?: (e: ChangeEntry) => void;
  onWave?: (phase: string, wave: PlanWave) => void;
  /** Whether a single-step sync waits for health (ExecuteOptions.waitSingleStep). Default true. */
  waitSingleStep?: boolean;
  /** Called with the plan before anything is written (a failed promise stops the sync before its first write). */
  beforeExecute?: (plan: SyncPlan) => Promise<void>;
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

/** Plans a sync of `app` from a comparison (pure). */
export function planFor(comparison: AppComparison, dryRun: boolean, app: AppSpec = comparison.app): SyncPlan {
  const status = statusById(comparison);
  return planSync({
    desired: comparison.desired.map((object) => {
      const id = keyString(keyOf(object));
      const live = comparison.live.get(id);
      return { object, ...(live ? { live } : {}), status: status.get(id) ?? (live ? "OutOfSync" : "Missing") };
    }),
    toPrune: comparison.toPrune,
    namespace: app.namespace,
    namespaceExists: comparison.namespaceExists,
    options: { prune: app.prune, dryRun, allowEmpty: app.allowEmpty, syncOptions: app.syncOptions },
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
 * Compares (unless given the comparison just made for this very app), plans and executes one sync of
 * `app`. The outcome's `comparison` is the state after the sync: every object the sync wrote is Synced,
 * as the server answered it, and what it pruned is gone — so a status needs no second comparison to say so.
 * After a failed or dry-run sync it is the comparison from before.
 */
export async function syncApp(ctx: EngineContext, app: AppSpec, opts: SyncOptions = {}, compared?: AppComparison): Promise<SyncOutcome> {
  const before = compared && comparisonServes(compared.app, app) ? compared : await compareApp(ctx, app);
  const dryRun = opts.dryRun ?? false;
  const plan = planFor(before, dryRun, app);
  await opts.beforeExecute?.(plan);
  const observed = new Map<string, KubeObject>();
  const changes = await executePlan(plan, clusterOps(ctx.resources, ctx.predictions, ctx.observe), {
    concurrency: ctx.concurrency ?? 16,
    compareStatus: statusById(before),
    observed,
    ...(opts.waveTimeoutMs ? { waveTimeoutMs: opts.waveTimeoutMs } : {}),
    ...(opts.onChange ? { onChange: opts.onChange } : {}),
    ...(opts.onWave ? { onWave: opts.onWave } : {}),
    ...(opts.waitSingleStep === false ? { waitSingleStep: false } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const comparison = changes.phase === "Succeeded" && !dryRun ? afterSync(before, changes, observed, ctx) : before;
  return { comparison, plan, changes };
}

/** The comparison after a successful sync (see syncApp): written objects Synced, pruned ones gone. */
function afterSync(before: AppComparison, changes: ChangeSet, observed: ReadonlyMap<string, KubeObject>, ctx: EngineContext): AppComparison {
  const written = new Set<string>();
  const pruned = new Set<string>();
  for (const e of changes.entries) {
    if (e.hook) continue;
    if (e.action === "created" || e.action === "configured" || e.action === "unchanged") written.add(e.id);
    if (e.action === "pruned") pruned.add(e.id);
  }
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
