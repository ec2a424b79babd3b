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
import { compareApp, type AppComparison, type EngineContext } from "./compare.js";

export interface SyncOptions {
  dryRun?: boolean;
  /** How long a wave may take to become healthy. Default 5 minutes. */
  waveTimeoutMs?: number;
  onChange?: (e: ChangeEntry) => void;
  onWave?: (phase: string, wave: PlanWave) => void;
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

/** The executor's view of a cluster, over Resources. */
export function clusterOps(resources: Resources): ClusterOps {
  const ref = (o: KubeObject) => ({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name });
  return {
    apply: (obj, o) => (o.dryRun ? resources.apply(obj, o) : whenServed(() => resources.apply(obj, o))),
    create: (obj, o) => (o.dryRun ? resources.create(obj, o) : whenServed(() => resources.create(obj, o))),
    replace: (obj, live, o) => resources.replace(obj, live, o),
    delete: (obj, o) => resources.delete(ref(obj), o),
    get: (obj) => resources.get(ref(obj)),
  };
}

/** The comparison status of each desired object, by keyString. */
function statusById(comparison: AppComparison): Map<string, CompareStatus> {
  const status = new Map<string, CompareStatus>();
  for (const r of comparison.resources) if (r.status !== "Extra") status.set(keyString(r.key), r.status);
  return status;
}

/** Plans a sync from a comparison (pure). */
export function planFor(comparison: AppComparison, dryRun: boolean): SyncPlan {
  const { app } = comparison;
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

/** Compares, plans and executes one sync of `app`. */
export async function syncApp(ctx: EngineContext, app: AppSpec, opts: SyncOptions = {}): Promise<SyncOutcome> {
  const comparison = await compareApp(ctx, app);
  const plan = planFor(comparison, opts.dryRun ?? false);
  const changes = await executePlan(plan, clusterOps(ctx.resources), {
    concurrency: ctx.concurrency ?? 16,
    compareStatus: statusById(comparison),
    ...(opts.waveTimeoutMs ? { waveTimeoutMs: opts.waveTimeoutMs } : {}),
    ...(opts.onChange ? { onChange: opts.onChange } : {}),
    ...(opts.onWave ? { onWave: opts.onWave } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return { comparison, plan, changes };
}
