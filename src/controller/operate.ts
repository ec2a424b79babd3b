/**
 * Carrying an operation out, one round per reconcile (the pure decisions are in operation.ts and
 * sync/progress.ts; this file does the I/O and the recording):
 *
 *   start    a manual sync is recorded Running before its first write (its `operation` field is cleared
 *            next); so is an automated one whose plan runs hooks, which must not run twice. An automated
 *            sync of waves alone is recorded at its first wait: interrupted before, it leaves the app
 *            OutOfSync at a commit not synced yet, and the automated policy starts it again.
 *   round    the engine looks at the current step and applies the next ones as far as they are ready
 *            (engine/sync.ts advanceSync). Something to wait for → the progress is recorded (phase,
 *            stage and wave, and every object's result so far) and the worker is released: a watch
 *            event of an awaited object enqueues the app again, or a fallback timer does.
 *   end      Succeeded, or Failed — unless the operation's retry strategy retries it: then the record
 *            stays Running, with retryCount one up and the failure time in finishedAt, until the backoff
 *            has passed (operation.ts). History, Events, metrics and log lines are written at the end.
 *   resume   a Running record this process did not start (a restart, a failover) goes on from its
 *            recorded step, at its recorded commit and source: steps already applied are not applied again.
 *   terminate a Terminating record: no further step, running hooks deleted, no prune, phase Failed with
 *            the message "terminated".
 *
 * The record is written at most once per round, and only when the operation's state changed: a watch event
 * that changes nothing the sync waits for costs no status write.
 */
import type { ApplicationSource, ApplicationStatus, ApplicationView, OperationState } from "../apps/index.js";
import { historyAppend, setConditions, timestamp, withComparison } from "../apps/index.js";
import type { ChangeEntry } from "../core/changeset.js";
import type { AppSpec } from "../engine/app.js";
import { compareApp, type AppComparison, type EngineContext } from "../engine/compare.js";
import { advanceSync, clusterOps, comparisonServes, planFor } from "../engine/sync.js";
import { parseDuration } from "../apps/retry.js";
import { deleteHooks } from "../sync/execute.js";
import { runningHooks, sameStep, stepName, stepsOf, withHooksEnded, type SyncPlan, type SyncProgress } from "../sync/index.js";
import type { SyncTrigger } from "./metrics.js";
import { afterFailure, canonical, entryOf, progressOf, progressRecord, recordTime, resultsOf, type Pending } from "./operation.js";
import type { ReconcileDeps, ReconcileResult, TrackedOperation } from "./reconcile.js";
import { comparisonStatus } from "./status.js";
import { appRequest, clearOperation, patchStatus } from "./writes.js";

export const FINALIZERS = ["resources-finalizer.argocd.argoproj.io", "plumb.dev/resources-finalizer"];
/** The annotation that sets an Application's sync timeout (a Go duration; "0" for no limit). */
export const SYNC_TIMEOUT_ANNOTATION = "plumb.dev/sync-timeout";
const SYNC_ERROR = "SyncError";
/** The longest a waiting sync goes without a look, should no watch event come (a cache that missed one). */
const WAIT_FALLBACK_MS = 10_000;

/** One operation round's input: what the reconcile found. */
export interface OperateInput {
  view: ApplicationView;
  /** The status with the comparison just made. */
  status: ApplicationStatus;
  pending: Extract<Pending, { kind: "start" | "advance" | "retry" }>;
  app: AppSpec;
  ctx: EngineContext;
  sha: string;
  source: ApplicationSource;
  comparison: AppComparison;
}

/** Starts, advances or retries the app's operation by one round, and records it. */
export async function operate(deps: ReconcileDeps, input: OperateInput): Promise<ReconcileResult> {
  const { view, pending, sha, source } = input;
  const now = Date.now();
  let state: OperationState;
  let trigger: SyncTrigger;
  let tracked = deps.operations.get(view.key);
  if (pending.kind === "start") {
    state = {
      operation: pending.operation,
      phase: "Running",
      message: "",
      startedAt: recordTime(now),
      retryCount: 0,
      syncResult: { revision: sha, source, destination: view.spec!.destination },
      progress: { attemptStartedAt: recordTime(now) },
    };
    trigger = pending.trigger;
    tracked = undefined;
  } else {
    const recorded = input.status.operationState!;
    trigger = pending.kind === "retry" ? "retry" : pending.trigger === "resumed" ? "resumed" : (tracked?.trigger ?? "resumed");
    if (pending.kind === "retry") {
      const { finishedAt: _f, ...rest } = recorded;
      state = { ...rest, progress: { attemptStartedAt: recordTime(now) } };
      tracked = undefined;
    } else {
      state = { ...recorded, syncResult: { revision: sha, source, destination: view.spec!.destination, ...recorded.syncResult }, progress: recorded.progress ?? { attemptStartedAt: recorded.startedAt } };
      if (pending.trigger === "resumed") {
        state = { ...state, resumedAt: recordTime(now) };
        tracked = undefined;
      }
    }
  }
  const sync = state.operation.sync ?? {};
  const opApp: AppSpec = { ...input.app, prune: Boolean(sync.prune), syncOptions: [...new Set([...input.app.syncOptions, ...(sync.syncOptions ?? [])])] };
  const selective = (sync.resources?.length ?? 0) > 0;
  let status: ApplicationStatus = { ...input.status, operationState: state };
  const log = { app: view.key, revision: sha, trigger, automated: Boolean(state.operation.initiatedBy?.automated) };

  let plan: SyncPlan;
  let cmp: AppComparison;
  /** The app as the API server holds it: each status patch is made against the last one written. */
  let recorded = view;
  try {
    cmp = comparisonServes(input.comparison.app, opApp) ? input.comparison : await compareApp(input.ctx, opApp);
    plan = planFor(cmp, Boolean(sync.dryRun), opApp, sync.resources);
  } catch (err) {
    // Nothing can be applied: the attempt fails as a whole, before any write.
    const recorded = pending.kind === "start" ? await begin(deps, view, status, trigger === "manual") : view;
    return finish(deps, recorded, status, { entries: [] }, { phase: "Failed", message: err instanceof Error ? err.message : String(err) }, { trigger, selective });
  }
  if (pending.kind === "start") {
    const hooks = stepsOf(plan).some((s) => s.tasks.some((t) => t.action === "hook"));
    recorded = await begin(deps, view, status, trigger === "manual" || hooks);
    deps.log.info({ ...log, prune: opApp.prune }, "sync started");
  } else if ((pending.kind === "advance" && pending.trigger === "resumed") || pending.kind === "retry") {
    deps.log.info({ ...log, prune: opApp.prune, retryCount: state.retryCount ?? 0, ...(state.progress?.step ? { step: state.progress.step } : {}) }, pending.kind === "retry" ? "sync retried" : "sync resumed");
  }
  const attemptStartedAt = state.progress!.attemptStartedAt;
  const known = tracked && tracked.startedAt === state.startedAt && tracked.attemptStartedAt === attemptStartedAt && sameStep(tracked.progress.step, state.progress?.step);
  const progress: SyncProgress = known ? tracked!.progress : (progressOf(state) ?? { entries: [] });
  const writes = known ? tracked!.writes : new Map();

  const timeoutMs = syncTimeout(deps, view);
  const round = await advanceSync(input.ctx, cmp, plan, progress, { startedAt: Date.parse(attemptStartedAt), timeoutMs, written: writes, ...(deps.signal ? { signal: deps.signal } : {}) });
  status = withComparison(status, comparisonStatus(round.comparison, sha, source, view.spec!.destination));
  const r = round.result;
  const next: TrackedOperation = { startedAt: state.startedAt, attemptStartedAt, progress: r.progress, writes, trigger };
  if (r.state === "done") return finish(deps, recorded, status, r.progress, { phase: r.phase, message: r.message }, { trigger, selective });

  // Waiting (or stopping): record where the sync is, once per change of its state.
  const stepChanged = !sameStep(progress.step, r.progress.step) || progress.failure !== r.progress.failure;
  const message = r.state === "interrupted" ? state.message : stepChanged || !state.message ? waitingMessage(r.progress, r.waiting) : state.message;
  status = {
    ...status,
    operationState: { ...state, message, progress: progressRecord(r.progress, attemptStartedAt), syncResult: { ...state.syncResult!, resources: resultsOf(r.progress.entries) } },
  };
  deps.operations.set(view.key, next);
  const before = recorded.status.operationState;
  if (!before || canonical(before) !== canonical(status.operationState)) await patchStatus(deps, recorded, status);
  if (r.state === "interrupted") {
    deps.log.info(log, "sync interrupted by shutdown; it will be resumed");
    return {};
  }
  const left = timeoutMs > 0 ? Date.parse(attemptStartedAt) + timeoutMs - Date.now() + 1000 : Infinity;
  return { requeueAfterMs: Math.max(100, Math.min(WAIT_FALLBACK_MS, left)) };
}

/** "Sync wave 1: waiting for Deployment shop/web (Progressing: …), …" (at most five named). */
function waitingMessage(progress: SyncProgress, waiting: readonly string[]): string {
  const at = progress.step ? stepName(progress.step) : "sync";
  const named = waiting.slice(0, 5).join(", ") + (waiting.length > 5 ? `, and ${waiting.length - 5} more` : "");
  return progress.failure !== undefined ? `${progress.failure}; running the SyncFail hooks` : `${at}: waiting for ${named || "resources"} to become healthy`;
}

/** The operation's time limit: the Application's annotation, else the controller's. */
function syncTimeout(deps: ReconcileDeps, view: ApplicationView): number {
  const text = view.object.metadata.annotations?.[SYNC_TIMEOUT_ANNOTATION];
  const ms = text !== undefined ? parseDuration(text) : undefined;
  return ms ?? deps.syncTimeoutMs;
}

/** Puts a starting operation on record (when `record`) and takes the `operation` field off a manual one. */
async function begin(deps: ReconcileDeps, view: ApplicationView, status: ApplicationStatus, record: boolean): Promise<ApplicationView> {
  const recorded = record ? { ...view, status: await patchStatus(deps, view, status) } : view;
  if (view.operation) {
    deps.handledOperations.set(view.key, view.object.metadata.resourceVersion ?? "");
    await clearOperation(deps, view);
  }
  return recorded;
}

/**
 * Ends the app's Running operation as Failed with `message`, applying nothing (the project refuses what it
 * would deploy): no retry, since it would be refused again.
 */
export async function failOperation(deps: ReconcileDeps, view: ApplicationView, status: ApplicationStatus, message: string): Promise<ReconcileResult> {
  const state = status.operationState!;
  const tracked = deps.operations.get(view.key);
  const progress = tracked && tracked.startedAt === state.startedAt ? tracked.progress : (progressOf(state) ?? { entries: (state.syncResult?.resources ?? []).map(entryOf) });
  return finish(deps, view, status, progress, { phase: "Failed", message }, { trigger: tracked?.trigger ?? "resumed", selective: (state.operation.sync?.resources?.length ?? 0) > 0, retryable: false });
}

/** Ends an attempt: a retry (still Running) or the operation's end, with history, conditions, Events, metrics and logs. */
async function finish(
  deps: ReconcileDeps,
  view: ApplicationView,
  base: ApplicationStatus,
  progress: SyncProgress,
  end: { phase: "Succeeded" | "Failed"; message: string },
  how: { trigger: SyncTrigger; selective: boolean; retryable?: boolean },
): Promise<ReconcileResult> {
  const { trigger, selective } = how;
  const state = base.operationState!;
  const sha = state.syncResult?.revision ?? "";
  const source = state.syncResult?.source;
  const dryRun = Boolean(state.operation.sync?.dryRun);
  const now = Date.now();
  const failed = end.phase === "Failed";
  const entries = progress.entries;
  const summary = entries.filter((e) => e.action !== "unchanged" && e.action !== "skipped").map((e) => `${e.action} ${e.key.kind}/${e.key.name}`).join(", ");
  const log = { app: view.key, revision: sha, automated: Boolean(state.operation.initiatedBy?.automated), trigger };
  deps.operations.delete(view.key);
  deps.metrics?.syncs.inc({ namespace: view.namespace, name: view.name, phase: end.phase, trigger });
  for (const e of entries) logPrune(deps, view, e, sha, trigger, dryRun);
  deps.event(view.object, failed ? "Warning" : "Normal", failed ? "SyncFailed" : "Synced", failed ? `sync to ${sha.slice(0, 7)} failed: ${end.message.split("\n")[0]}` : `synced to ${sha.slice(0, 7)}${summary ? `: ${summary}` : ""}`);
  const results = resultsOf(entries);
  const retry = failed && (how.retryable ?? true) && !dryRun ? afterFailure(state, end.message, now) : undefined;
  const { progress: _p, ...rest } = state;
  let status: ApplicationStatus;
  if (retry?.retry) {
    deps.log.warn({ ...log, phase: "Failed", changes: summary, message: end.message, retryCount: retry.retryCount }, "sync failed; retrying");
    status = { ...base, operationState: { ...rest, phase: "Running", message: retry.message, retryCount: retry.retryCount, finishedAt: timestamp(new Date(now)), syncResult: { ...state.syncResult!, resources: results } } };
  } else {
    deps.log[failed ? "warn" : "info"]({ ...log, phase: end.phase, changes: summary, message: failed ? end.message : undefined }, failed ? "sync failed" : "sync succeeded");
    status = { ...base, operationState: { ...rest, phase: end.phase, message: failed ? end.message : dryRun ? "dry run: nothing was changed" : "successfully synced", finishedAt: timestamp(new Date(now)), syncResult: { ...state.syncResult!, resources: results } } };
    if (!failed && !dryRun && !selective) {
      const initiatedBy = state.operation.initiatedBy;
      status = { ...status, history: historyAppend(status.history, { revision: sha, deployedAt: timestamp(new Date(now)), deployStartedAt: state.startedAt, ...(source ? { source } : {}), ...(initiatedBy ? { initiatedBy } : {}) }, view.spec!.revisionHistoryLimit ?? 10) };
    }
  }
  status = { ...status, conditions: setConditions(status.conditions, failed ? [{ type: SYNC_ERROR, message: end.message }] : [], [SYNC_ERROR]) };
  await patchStatus(deps, view, status);
  if (retry?.retry) return { requeueAfterMs: Math.max(50, retry.retryAt - Date.now() + 50) };
  // The status above is the state after the sync; what the sync wrote comes back through the watches.
  return { requeueAfterMs: deps.resyncMs };
}

function logPrune(deps: ReconcileDeps, view: ApplicationView, e: ChangeEntry, sha: string, trigger: SyncTrigger, dryRun: boolean): void {
  if (e.action !== "pruned" || e.hook || dryRun) return;
  deps.log.info({ app: view.key, revision: sha, trigger, kind: e.key.kind, namespace: e.key.namespace || undefined, name: e.key.name }, "pruned");
  deps.metrics?.prunes.inc({ namespace: view.namespace, name: view.name });
}

/**
 * Terminates the app's operation (phase Terminating, set by `plumb app terminate-op`): nothing more is
 * applied or pruned, its running hooks are deleted (as Argo CD's terminate does), and it ends Failed.
 */
export async function terminate(deps: ReconcileDeps, view: ApplicationView, status: ApplicationStatus): Promise<ReconcileResult> {
  const state = status.operationState!;
  const tracked = deps.operations.get(view.key);
  let progress: SyncProgress = tracked && tracked.startedAt === state.startedAt ? tracked.progress : (progressOf(state) ?? { entries: (state.syncResult?.resources ?? []).map(entryOf) });
  const hooks = runningHooks(progress);
  if (hooks.length > 0) {
    await deleteHooks(hooks, clusterOps(deps.resources));
    progress = withHooksEnded(progress, hooks, "Failed", "terminated: the hook was deleted");
  }
  const trigger = tracked?.trigger ?? "resumed";
  deps.operations.delete(view.key);
  deps.metrics?.syncs.inc({ namespace: view.namespace, name: view.name, phase: "Failed", trigger });
  deps.log.warn({ app: view.key, revision: state.syncResult?.revision, trigger, hooksDeleted: hooks.length }, "sync terminated");
  deps.event(view.object, "Warning", "SyncFailed", `sync${state.syncResult?.revision ? ` to ${state.syncResult.revision.slice(0, 7)}` : ""} terminated`);
  const { progress: _p, ...rest } = state;
  const results = progress.entries.length > 0 ? resultsOf(progress.entries) : state.syncResult?.resources;
  const next: ApplicationStatus = {
    ...status,
    operationState: { ...rest, phase: "Failed", message: "terminated", finishedAt: timestamp(), ...(rest.syncResult ? { syncResult: { ...rest.syncResult, ...(results ? { resources: results } : {}) } } : {}) },
    conditions: setConditions(status.conditions, [{ type: SYNC_ERROR, message: "terminated" }], [SYNC_ERROR]),
  };
  await patchStatus(deps, view, next);
  return { requeueAfterMs: deps.resyncMs };
}

/** Deletion with a resources finalizer: delete what the app owns, then remove the finalizer. */
export async function finalizeApp(deps: ReconcileDeps, view: ApplicationView): Promise<ReconcileResult> {
  const finalizers = view.object.metadata.finalizers ?? [];
  if (!finalizers.some((f) => FINALIZERS.includes(f))) return {};
  const owned = await deps.liveObjects(view.name, [], view.status.resources ?? []);
  const remaining = owned.filter((o) => !o.metadata.deletionTimestamp);
  for (const o of remaining) await deps.resources.delete({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name }, { propagationPolicy: "Foreground" });
  if (owned.length > 0) {
    deps.log.info({ app: view.key, deleting: owned.length }, "cascade delete in progress");
    return { requeueAfterMs: 1000 };
  }
  await appRequest(deps, view, "", { metadata: { finalizers: finalizers.filter((f) => !FINALIZERS.includes(f)) } });
  deps.log.info({ app: view.key }, "cascade delete done");
  return {};
}
