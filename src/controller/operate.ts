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
import type { ApplicationStatus, ApplicationView, Operation, OperationState, SpecProblem } from "../apps/index.js";
import { fitStatus, historyAppend, readApplication, setConditions, timestamp, withComparison, withOperationFinished, withOperationRetry, withOperationStarted, type ResourceResult } from "../apps/index.js";
import { RESOURCES_FINALIZERS } from "../core/annotations.js";
import type { ChangeEntry } from "../core/changeset.js";
import type { AppSpec } from "../engine/app.js";
import { compareApp, type AppComparison, type EngineContext } from "../engine/compare.js";
import { advanceSync, comparisonServes, deleteAfterRound, planFor } from "../engine/sync.js";
import { parseDuration } from "../apps/retry.js";
import { compareSteps, hasHooks, runningHooks, sameStep, stepName, stepsOf, withHooksEnded, type SyncPlan, type SyncProgress } from "../sync/index.js";
import type { Written } from "../sync/execute.js";
import { keptOnAppDeletion } from "../sync/options.js";
import type { SyncTrigger } from "./metrics.js";
import { afterFailure, canonical, entryOf, progressOf, progressRecord, recordTime, resultsOf, type Pending } from "./operation.js";
import type { ReconcileDeps, ReconcileResult, TrackedOperation } from "./reconcile.js";
import { comparisonStatus, shownRevision, targetFields, type Target } from "./status.js";
import { appRequest, clearOperation, patchStatus } from "./writes.js";

export const FINALIZERS = RESOURCES_FINALIZERS;
/** The annotation that sets an Application's sync timeout (a Go duration; "0" for no limit). */
export const SYNC_TIMEOUT_ANNOTATION = "plumb.dev/sync-timeout";
const SYNC_ERROR = "SyncError";
/** How long a waiting sync goes without a look, should no watch event come (a cache that missed one); doubled while looks bring nothing new. */
const WAIT_FALLBACK_MS = 10_000;

/** One operation round's input: what the reconcile found. */
export interface OperateInput {
  view: ApplicationView;
  /** The status with the comparison just made. */
  status: ApplicationStatus;
  pending: Extract<Pending, { kind: "start" | "advance" | "retry" }>;
  app: AppSpec;
  ctx: EngineContext;
  /** The commit(s) and source(s) compared with. */
  target: Target;
  comparison: AppComparison;
  /** The operation's time limit (readSyncTimeout). */
  timeoutMs: number;
}

/**
 * An Application's sync time limit: its plumb.dev/sync-timeout annotation, else the controller's; and, when
 * the annotation is not a duration, the problem to report (the controller's limit applies then).
 */
export function readSyncTimeout(view: ApplicationView, fallbackMs: number): { ms: number; problem?: SpecProblem } {
  const text = view.object.metadata.annotations?.[SYNC_TIMEOUT_ANNOTATION];
  if (text === undefined) return { ms: fallbackMs };
  const ms = parseDuration(text);
  if (ms !== undefined) return { ms };
  const field = `metadata.annotations[${SYNC_TIMEOUT_ANNOTATION}]`;
  return { ms: fallbackMs, problem: { type: "UnsupportedField", field, message: `${SYNC_TIMEOUT_ANNOTATION}: "${text}" is not a duration (e.g. 90s, 10m, 1h; 0 for no limit): the controller's --sync-timeout applies` } };
}

/** Starts, advances or retries the app's operation by one round, and records it. */
export async function operate(deps: ReconcileDeps, input: OperateInput): Promise<ReconcileResult> {
  const { view, pending, target } = input;
  const fields = targetFields(target);
  const now = Date.now();
  let state: OperationState;
  let trigger: SyncTrigger;
  let tracked = deps.operations.get(view.key);
  if (pending.kind === "start") {
    const started = withOperationStarted(input.status, pending.operation, new Date(now)).operationState!;
    state = { ...started, syncResult: { ...fields, destination: view.spec!.destination }, progress: { attemptStartedAt: started.startedAt } };
    trigger = pending.trigger;
    tracked = undefined;
  } else {
    const recorded = input.status.operationState!;
    trigger = pending.kind === "retry" ? "retry" : pending.trigger === "resumed" ? "resumed" : (tracked?.trigger ?? "resumed");
    if (pending.kind === "retry") {
      // A new attempt starts afresh: the failed attempt's results are not its progress.
      const { finishedAt: _f, ...rest } = recorded;
      state = { ...rest, progress: { attemptStartedAt: recordTime(now) }, syncResult: withResults(recorded.syncResult ?? fields, []) };
      tracked = undefined;
    } else {
      state = { ...recorded, syncResult: { ...fields, destination: view.spec!.destination, ...recorded.syncResult }, progress: recorded.progress ?? { attemptStartedAt: recorded.startedAt } };
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
  const log = { app: view.key, ...loggedRevision(fields), trigger, automated: Boolean(state.operation.initiatedBy?.automated) };

  let plan: SyncPlan;
  let cmp: AppComparison;
  /** The app as the API server holds it: each status patch is made against the last one written. */
  let recorded = view;
  try {
    cmp = comparisonServes(input.comparison.app, opApp) ? input.comparison : await compareApp(input.ctx, opApp);
    plan = planFor(cmp, Boolean(sync.dryRun), opApp, sync.resources);
  } catch (err) {
    // Nothing can be applied: the attempt fails as a whole, before any write.
    if (pending.kind === "start") recorded = await begin(deps, view, status, trigger === "manual");
    return finish(deps, recorded, status, { entries: [] }, { phase: "Failed", message: err instanceof Error ? err.message : String(err) }, { trigger, selective });
  }
  // The compare may have taken long: a member fenced meanwhile (ADR 0023) leaves the sync to the new owner.
  if (deps.fenced?.()) return handedOver(deps, view.key, log);
  if (pending.kind === "start") {
    recorded = await begin(deps, view, status, trigger === "manual" || stepsOf(plan).some(hasHooks));
    deps.log.info({ ...log, prune: opApp.prune }, "sync started");
  } else if (pending.kind === "retry" && stepsOf(plan).some(hasHooks)) {
    // A retry whose plan runs hooks goes on record before them, as a start does: they must not run twice.
    recorded = { ...view, status: await patchStatus(deps, view, status) };
    deps.log.info({ ...log, prune: opApp.prune, retryCount: state.retryCount ?? 0 }, "sync retried");
  } else if ((pending.kind === "advance" && pending.trigger === "resumed") || pending.kind === "retry") {
    deps.log.info({ ...log, prune: opApp.prune, retryCount: state.retryCount ?? 0, ...(state.progress?.step ? { step: state.progress.step } : {}) }, pending.kind === "retry" ? "sync retried" : "sync resumed");
  }
  const attemptStartedAt = state.progress!.attemptStartedAt;
  const { progress, writes, complete } = progressFor(tracked, state);

  const timeoutMs = input.timeoutMs;
  // A terminate request for this very operation, as the watch cache shows it now.
  const stop = (): boolean => {
    const now = deps.getApp(view.key);
    const op = now ? readApplication(now).status.operationState : undefined;
    return (op?.phase === "Terminating" && op.startedAt === state.startedAt) || Boolean(deps.fenced?.());
  };
  const round = await advanceSync(input.ctx, cmp, plan, progress, { startedAt: Date.parse(attemptStartedAt), timeoutMs, written: writes, stop, ...(deps.signal ? { signal: deps.signal } : {}) });
  status = withComparison(status, comparisonStatus(round.comparison, target, view.spec!.destination, input.ctx.health));
  const r = round.result;
  if (deps.fenced?.()) return handedOver(deps, view.key, log);
  const next: TrackedOperation = { startedAt: state.startedAt, attemptStartedAt, progress: r.progress, writes, trigger, quietRounds: 0, complete };
  if (r.state === "done") return finish(deps, recorded, status, r.progress, { phase: r.phase, message: r.message }, { trigger, selective, deletions: r.deletions, complete });

  // Waiting (or stopping): record where the sync is, once per change of its state.
  if (tracked && canonical(r.progress) === canonical(progress)) next.quietRounds = tracked.quietRounds + 1;
  const stepChanged = !sameStep(progress.step, r.progress.step) || progress.failure !== r.progress.failure;
  const message = r.state === "interrupted" ? state.message : stepChanged || !state.message ? waitingMessage(r.progress, r.waiting) : state.message;
  status = { ...status, operationState: { ...state, message, progress: progressRecord(r.progress, attemptStartedAt), syncResult: withResults(state.syncResult!, resultsOf(r.progress.entries), complete) } };
  // Only what the record will hold counts as a change: a long result list is shortened the same way.
  // This process's copy first: should the write fail, the copy still knows what was applied, and the
  // retry of the write goes on from there instead of applying the step again.
  deps.operations.set(view.key, next);
  const before = recorded.status.operationState;
  const after = fitStatus(status, deps.statusBudgetBytes).status.operationState;
  if (!before || canonical(before) !== canonical(after)) await patchStatus(deps, recorded, status);
  if (r.deletions.length > 0) await deleteAfterRound(input.ctx, r.deletions);
  if (r.state === "interrupted") {
    if (deps.signal?.aborted) {
      deps.log.info(log, "sync interrupted by shutdown; it will be resumed");
      return {};
    }
    return { requeueAfterMs: 50 }; // a terminate request: stopped before the next step
  }
  // Look again when a watch event comes, or at the fallback — backing off while looks bring no news
  // (10 s, 20 s, … 80 s) — and at the time limit, not after it.
  const fallback = WAIT_FALLBACK_MS * 2 ** Math.min(next.quietRounds, 3);
  const syncFail = r.progress.step?.phase === "SyncFail";
  const from = syncFail ? Date.parse(r.progress.step!.appliedAt) : Date.parse(attemptStartedAt);
  const left = timeoutMs > 0 ? from + timeoutMs - Date.now() + 1000 : Infinity;
  return { requeueAfterMs: left > 0 ? Math.min(fallback, left) : fallback };
}

/**
 * A fenced member stops the sync here and writes nothing: the app's new owner resumes it from its record.
 * Looked at again soon: should this member keep the app once its Lease is renewed, it resumes the sync
 * itself, from the record too (what it tracked is forgotten); should it not, the look is refused.
 */
function handedOver(deps: ReconcileDeps, key: string, log: Record<string, unknown>): ReconcileResult {
  deps.operations.delete(key);
  deps.log.warn(log, "sync handed over: this member is fenced (its Lease was not renewed in time); the app's owner resumes it");
  return { requeueAfterMs: 1000 };
}

/**
 * The progress to go on from: this process's own copy when it is of the same attempt and not behind the
 * record (a status write that failed leaves the record behind; the copy knows the step was applied), else
 * the record's — with the results of the last attempt when no attempt runs (a retry waiting). `complete`:
 * whether the entries are every object's (not read back from a shortened record).
 */
function progressFor(tracked: TrackedOperation | undefined, state: OperationState): { progress: SyncProgress; writes: Map<string, Written>; complete: boolean } {
  const step = state.progress?.step;
  const same = tracked && tracked.startedAt === state.startedAt && tracked.attemptStartedAt === (state.progress?.attemptStartedAt ?? tracked.attemptStartedAt);
  const notBehind = same && (!step || (tracked.progress.step !== undefined && compareSteps(tracked.progress.step, step) >= 0));
  if (notBehind) return { progress: tracked!.progress, writes: tracked!.writes, complete: tracked!.complete };
  const progress = progressOf(state) ?? { entries: (state.syncResult?.resources ?? []).map(entryOf) };
  return { progress, writes: new Map(), complete: !state.syncResult?.resourcesSummary };
}

/**
 * A sync result with these results. When they are the whole list (`complete`), any summary of a shorter
 * one goes; when they were read back from a shortened record, its summary stays and counts the others.
 */
function withResults(result: NonNullable<OperationState["syncResult"]>, resources: ResourceResult[], complete = true): NonNullable<OperationState["syncResult"]> {
  const { resourcesSummary, resources: _r, ...rest } = result;
  return { ...rest, ...(resources.length > 0 ? { resources } : {}), ...(!complete && resourcesSummary ? { resourcesSummary } : {}) };
}

/** "Sync wave 1: waiting for Deployment shop/web (Progressing: …), …" (at most five named). */
function waitingMessage(progress: SyncProgress, waiting: readonly string[]): string {
  const at = progress.step ? stepName(progress.step) : "sync";
  const named = waiting.slice(0, 5).join(", ") + (waiting.length > 5 ? `, and ${waiting.length - 5} more` : "");
  return progress.failure !== undefined ? `${progress.failure}; running the SyncFail hooks` : `${at}: waiting for ${named || "resources"} to become healthy`;
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
 * Ends the app's Running operation as Failed with `message`, applying nothing more (the project refuses what
 * it would deploy, its spec cannot be synced: no retry, it would be refused again; it ran out of time while
 * Git or the comparison failed: `retryable`, as a timeout inside a round is).
 */
export async function failOperation(deps: ReconcileDeps, view: ApplicationView, status: ApplicationStatus, message: string, retryable = false): Promise<ReconcileResult> {
  const state = status.operationState!;
  const { progress, complete } = progressFor(deps.operations.get(view.key), state);
  return finish(deps, view, status, progress, { phase: "Failed", message }, { trigger: deps.operations.get(view.key)?.trigger ?? "resumed", selective: (state.operation.sync?.resources?.length ?? 0) > 0, retryable, complete });
}

/** Ends an attempt: a retry (still Running) or the operation's end, with history, conditions, Events, metrics and logs. */
async function finish(
  deps: ReconcileDeps,
  view: ApplicationView,
  base: ApplicationStatus,
  progress: SyncProgress,
  end: { phase: "Succeeded" | "Failed"; message: string },
  how: { trigger: SyncTrigger; selective: boolean; retryable?: boolean; deletions?: ChangeEntry[]; complete?: boolean },
): Promise<ReconcileResult> {
  const { trigger, selective } = how;
  const state = base.operationState!;
  const sha = state.syncResult?.revision ?? "";
  const source = state.syncResult?.source;
  const multi = state.syncResult?.revisions && state.syncResult.sources ? { revisions: state.syncResult.revisions, sources: state.syncResult.sources } : undefined;
  const shown = shownRevision(state.syncResult ?? {});
  const dryRun = Boolean(state.operation.sync?.dryRun);
  const now = Date.now();
  const failed = end.phase === "Failed";
  const entries = progress.entries;
  const summary = entries.filter((e) => e.action !== "unchanged" && e.action !== "skipped").map((e) => `${e.action} ${e.key.kind}/${e.key.name}`).join(", ");
  const log = { app: view.key, ...loggedRevision(state.syncResult ?? {}), automated: Boolean(state.operation.initiatedBy?.automated), trigger };
  const syncResult = withResults(state.syncResult ?? { revision: sha }, resultsOf(entries), how.complete ?? true);
  const retry = failed && (how.retryable ?? true) && !dryRun ? afterFailure(state, end.message, now) : undefined;
  let status: ApplicationStatus;
  if (retry?.retry) {
    status = withOperationRetry(base, retry.message, new Date(now), syncResult);
  } else {
    status = withOperationFinished(base, { phase: end.phase, message: failed ? end.message : dryRun ? "dry run: nothing was changed" : "successfully synced", syncResult }, new Date(now));
    if (!failed && !dryRun && !selective) {
      const initiatedBy = state.operation.initiatedBy;
      status = { ...status, history: historyAppend(status.history, { ...(multi ?? { revision: sha, ...(source ? { source } : {}) }), deployedAt: timestamp(new Date(now)), deployStartedAt: state.startedAt, ...(initiatedBy ? { initiatedBy } : {}) }, view.spec!.revisionHistoryLimit ?? 10) };
    }
  }
  status = { ...status, conditions: setConditions(status.conditions, failed ? [{ type: SYNC_ERROR, message: end.message }] : [], [SYNC_ERROR]) };
  // The record first: Events, metrics, logs and this process's copy go only once the end is on record (a
  // write that fails is retried, and must not announce the end twice).
  await patchStatus(deps, view, status);
  deps.operations.delete(view.key);
  if (how.deletions?.length) await deleteAfterRound({ resources: deps.resources }, how.deletions);
  deps.metrics?.syncs.inc({ namespace: view.namespace, name: view.name, phase: end.phase, trigger });
  for (const e of entries) logPrune(deps, view, e, shown, trigger, dryRun);
  deps.event(view.object, failed ? "Warning" : "Normal", failed ? "SyncFailed" : "Synced", failed ? `sync to ${shown} failed: ${end.message.split("\n")[0]}` : `synced to ${shown}${summary ? `: ${summary}` : ""}`);
  if (retry?.retry) {
    deps.log.warn({ ...log, phase: "Failed", changes: summary, message: end.message, retryCount: retry.retryCount }, "sync failed; retrying");
    return { requeueAfterMs: Math.max(50, retry.retryAt - Date.now() + 50) };
  }
  const started = Date.parse(state.startedAt);
  if (!dryRun && Number.isFinite(started)) deps.metrics?.syncDuration.observe({ phase: end.phase }, Math.max(0, now - started) / 1000);
  deps.log[failed ? "warn" : "info"]({ ...log, phase: end.phase, changes: summary, message: failed ? end.message : undefined }, failed ? "sync failed" : "sync succeeded");
  // The status above is the state after the sync; what the sync wrote comes back through the watches.
  return { requeueAfterMs: deps.resyncMs };
}

function logPrune(deps: ReconcileDeps, view: ApplicationView, e: ChangeEntry, sha: string, trigger: SyncTrigger, dryRun: boolean): void {
  if (e.action !== "pruned" || e.hook || dryRun) return;
  deps.log.info({ app: view.key, revision: sha, trigger, kind: e.key.kind, namespace: e.key.namespace || undefined, name: e.key.name }, "pruned");
  deps.metrics?.prunes.inc({ namespace: view.namespace, name: view.name });
}

/**
 * Ends a requested sync that cannot start (its project refuses it, its spec cannot be synced, Git or the
 * comparison fails) as a Failed operation saying why, and clears the request — as Argo CD fails it, rather
 * than leaving it pending to run some time later, at some other commit.
 */
export async function refuseRequest(deps: ReconcileDeps, view: ApplicationView, status: ApplicationStatus, operation: Operation, message: string): Promise<ReconcileResult> {
  const now = timestamp();
  // The last sync's result stays: it is what says which commit and spec were last attempted.
  const last = status.operationState?.syncResult;
  const state: OperationState = { operation, phase: "Failed", message, startedAt: now, finishedAt: now, retryCount: 0, ...(last ? { syncResult: last } : {}) };
  const next: ApplicationStatus = { ...status, operationState: state, conditions: setConditions(status.conditions, [{ type: SYNC_ERROR, message }], [SYNC_ERROR]) };
  await patchStatus(deps, view, next);
  deps.handledOperations.set(view.key, view.object.metadata.resourceVersion ?? "");
  await clearOperation(deps, view);
  deps.metrics?.syncs.inc({ namespace: view.namespace, name: view.name, phase: "Failed", trigger: "manual" });
  deps.log.warn({ app: view.key, trigger: "manual", message }, "sync refused");
  deps.event(view.object, "Warning", "SyncFailed", `sync refused: ${message.split("\n")[0]}`);
  return { requeueAfterMs: deps.resyncMs };
}

/**
 * Terminates the app's operation (phase Terminating, set by `plumb app terminate-op`): nothing more is
 * applied or pruned, its running hooks are deleted (as Argo CD's terminate does), and it ends Failed.
 */
export async function terminate(deps: ReconcileDeps, view: ApplicationView, status: ApplicationStatus): Promise<ReconcileResult> {
  const state = status.operationState!;
  const current = progressFor(deps.operations.get(view.key), state);
  let progress = current.progress;
  const hooks = runningHooks(progress);
  if (hooks.length > 0) {
    await deleteAfterRound({ resources: deps.resources }, hooks);
    progress = withHooksEnded(progress, hooks, "Failed", "terminated: the hook was deleted");
  }
  const trigger = deps.operations.get(view.key)?.trigger ?? "resumed";
  const ended = withOperationFinished(status, { phase: "Failed", message: "terminated", ...(state.syncResult ? { syncResult: withResults(state.syncResult, resultsOf(progress.entries), current.complete) } : {}) });
  const next: ApplicationStatus = {
    ...ended,
    operationState: { ...ended.operationState!, terminatedAt: ended.operationState!.finishedAt },
    conditions: setConditions(status.conditions, [{ type: SYNC_ERROR, message: "terminated" }], [SYNC_ERROR]),
  };
  await patchStatus(deps, view, next);
  deps.operations.delete(view.key);
  deps.metrics?.syncs.inc({ namespace: view.namespace, name: view.name, phase: "Failed", trigger });
  deps.log.warn({ app: view.key, revision: state.syncResult?.revision, trigger, hooksDeleted: hooks.length }, "sync terminated");
  deps.event(view.object, "Warning", "SyncFailed", `sync${state.syncResult?.revision ? ` to ${state.syncResult.revision.slice(0, 7)}` : ""} terminated`);
  return { requeueAfterMs: deps.resyncMs };
}

/**
 * Deletion with a resources finalizer: delete what the app owns, then remove the finalizer. An object
 * whose sync-options annotation says Delete=false stays in the cluster (Argo CD's "no resource deletion").
 */
export async function finalizeApp(deps: ReconcileDeps, view: ApplicationView, unregistered?: string): Promise<ReconcileResult> {
  const finalizers = view.object.metadata.finalizers ?? [];
  if (!finalizers.some((f) => FINALIZERS.includes(f))) return {};
  if (unregistered) {
    // No cluster to delete them in: the app goes, its objects (wherever they are) stay.
    await appRequest(deps, view, "", { metadata: { finalizers: finalizers.filter((f) => !FINALIZERS.includes(f)) } });
    deps.log.warn({ app: view.key, reason: unregistered }, "deleted without deleting its resources: its destination is not a registered cluster");
    deps.event(view.object, "Warning", "ResourcesNotDeleted", `its resources were not deleted: ${unregistered}`);
    return {};
  }
  const owned = (await deps.liveObjects(view.name, [], view.status.resources ?? [])).filter((o) => !keptOnAppDeletion(o));
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

/** The revision fields of a log line: the full commit (or version), or every source's for a multi-source app. */
function loggedRevision(r: { revision?: string; revisions?: string[] | undefined }): { revision?: string; revisions?: string[] } {
  return r.revisions?.length ? { revisions: r.revisions } : { revision: r.revision ?? "" };
}
