/**
 * reconcile(appKey): level-based, like controller-runtime. It reads the Application as it is now and never
 * sees the event that woke it. Guard clauses, each failure mapped to one condition and one requeue policy:
 *
 *   1. gone → nothing; being deleted → cascade-delete its resources (finalizer), then release it.
 *   2. an invalid spec → InvalidSpecError / UnsupportedField conditions, no comparison.
 *   3. resolve the revision and lease the tree (Git unreachable → ComparisonError, last state kept,
 *      nothing pruned, retried with backoff).
 *   4. compare (engine: cached render, dry-run diff against the watch caches) → sync status, resources,
 *      health (render or dry-run problem → ComparisonError, nothing applied).
 *   5. an operation to run? A manual sync (the `operation` field), an interrupted one (operationState
 *      Running after a restart: resumed), or an automated one (OutOfSync, once per commit unless selfHeal,
 *      retried per syncPolicy.retry) — unless a dependsOn app is not Synced and Healthy yet.
 *   6. patch the status once, only if it changed; requeue after the resync period.
 */
import type { ApplicationStatus, ApplicationView, Operation, ResourceResult, SyncOperation } from "../apps/index.js";
import { canRetry, historyAppend, readApplication, retryDelayMs, sourcesOf, isAutomated, setConditions, statusPatch, timestamp, withComparison, withOperationFinished, withOperationStarted, withSpecProblems } from "../apps/index.js";
import type { ChangeSet } from "../core/changeset.js";
import type { KubeObject } from "../core/object.js";
import { atLeastVersion } from "../cluster/informer.js";
import type { Resources } from "../cluster/resources.js";
import type { JqPathEvaluator } from "../diff/index.js";
import { appSpec, type AppSpec } from "../engine/app.js";
import { compareApp, type AppComparison, type EngineContext } from "../engine/compare.js";
import { syncApp } from "../engine/sync.js";
import { waitsForHealth } from "../sync/execute.js";
import type { ControllerMetrics, SyncTrigger } from "./metrics.js";
import type { RenderCache } from "./render-cache.js";
import type { SourceRepos } from "./sources.js";
import { comparisonStatus } from "./status.js";

export const FINALIZERS = ["resources-finalizer.argocd.argoproj.io", "plumb.dev/resources-finalizer"];
const COMPARISON_ERROR = "ComparisonError";
/** Backoff of self-heal retries without a retry policy: 5 s doubling up to 3 minutes. */
const DEFAULT_RETRY = { limit: 0, backoff: { duration: "5s", factor: 2, maxDuration: "3m" } };
const SYNC_ERROR = "SyncError";
/** How soon to look again when the watch cache has not caught up with this controller's own write. */
const CACHE_LAG_RETRY_MS = 50;

export interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ReconcileDeps {
  resources: Resources;
  repos: SourceRepos;
  renderCache: RenderCache;
  /** Owned live objects of `app` from the watch caches, watching the kinds of `desired` and `known` first. */
  liveObjects(app: string, desired: readonly KubeObject[], known: ReadonlyArray<{ group: string; version: string; kind: string }>): Promise<KubeObject[]>;
  getApp(key: string): KubeObject | undefined;
  /** Engine hooks answered from the controller's caches: remembered dry runs, watched objects and namespaces. */
  engine?: Pick<EngineContext, "predictions" | "observe" | "namespaceExists">;
  event(app: KubeObject, type: "Normal" | "Warning", reason: string, message: string): void;
  log: Logger;
  metrics?: ControllerMetrics;
  jq?: JqPathEvaluator;
  resyncMs: number;
  /** Apps whose sync runs now, by key (a restarted controller finds none and resumes Running operations). */
  running: Set<string>;
  /**
   * The resourceVersion of the Application object whose `operation` was last run, by key: the watch cache
   * may still show that very object (with the operation not yet cleared) and it must not run twice.
   */
  handledOperations: Map<string, string>;
  /**
   * The resourceVersion of each Application as this controller's last write left it, by key. A watch cache
   * behind it shows a status older than what this controller knows (a sync it finished still Running), so
   * the reconcile waits for the cache instead of acting on that.
   */
  written: Map<string, string>;
  /** Aborted when the controller stops: a sync in progress stops waiting and stays Running, to be resumed. */
  signal?: AbortSignal;
}

export interface ReconcileResult {
  /** Reconcile again after this many ms (the resync period, or sooner to retry or wait for a dependency). */
  requeueAfterMs?: number;
}

/** Reconciles one Application. Throws only for unexpected failures (the queue retries with backoff). */
export async function reconcile(deps: ReconcileDeps, key: string): Promise<ReconcileResult> {
  const obj = deps.getApp(key);
  if (!obj) {
    deps.written.delete(key);
    return {};
  }
  const written = deps.written.get(key);
  if (written) {
    if (!atLeastVersion(obj.metadata.resourceVersion, written)) return { requeueAfterMs: CACHE_LAG_RETRY_MS };
    deps.written.delete(key);
  }
  const view = readApplication(obj);
  if (obj.metadata.deletionTimestamp) return finalize(deps, view);

  let status = withSpecProblems(view.status, view.problems);
  const spec = view.spec;
  const source = spec ? sourcesOf(spec)[0] : undefined;
  if (!spec || !source || view.problems.some((p) => p.type === "InvalidSpecError")) {
    await patchStatus(deps, view, status);
    return {};
  }

  const manual = deps.handledOperations.get(key) !== obj.metadata.resourceVersion ? view.operation?.sync : undefined;
  const interrupted = !manual && view.status.operationState?.phase === "Running" && !deps.running.has(key) ? view.status.operationState.operation.sync : undefined;
  const revisionWanted = manual?.revision || interrupted?.revision || source.targetRevision || "HEAD";
  deps.repos.watch(source.repoURL);

  let sha: string;
  let lease: Awaited<ReturnType<SourceRepos["checkout"]>>;
  try {
    // The mirror still serves its last good state when Git is unreachable; the app must say so and
    // change nothing until Git is back.
    const fetchError = deps.repos.lastError(source.repoURL);
    if (fetchError) throw fetchError;
    sha = await deps.repos.resolve(source.repoURL, revisionWanted);
    lease = await deps.repos.checkout(source.repoURL, sha);
  } catch (err) {
    return comparisonFailed(deps, view, status, err);
  }
  try {
    const app = appSpec({
      name: view.name,
      namespace: spec.destination.namespace ?? "",
      repoRoot: lease.dir,
      path: source.path ?? ".",
      source: { ...(source.directory ? { directory: source.directory } : {}), ...(source.helm ? { helm: source.helm } : {}), ...(source.kustomize ? { kustomize: source.kustomize } : {}) },
      ignoreDifferences: spec.ignoreDifferences ?? [],
      syncOptions: spec.syncPolicy?.syncOptions ?? [],
      prune: Boolean(spec.syncPolicy?.automated?.prune),
      allowEmpty: Boolean(spec.syncPolicy?.automated?.allowEmpty),
    });
    const ctx: EngineContext = {
      resources: deps.resources,
      render: deps.renderCache.forCommit(source.repoURL, sha),
      liveObjects: (name, desired) => deps.liveObjects(name, desired, view.status.resources ?? []),
      ...deps.engine,
      ...(deps.jq ? { jq: deps.jq } : {}),
    };
    let cmp;
    try {
      cmp = await compareApp(ctx, app);
    } catch (err) {
      return comparisonFailed(deps, view, status, err, sha);
    }
    status = withComparison(status, comparisonStatus(cmp, sha, source, spec.destination));
    status = { ...status, conditions: setConditions(status.conditions, [], [COMPARISON_ERROR]) };

    const picked = pickOperation(deps, view, status, sha, cmp.summary.status === "OutOfSync", cmp.resources.every((r) => r.status !== "OutOfSync" && r.status !== "Missing"));
    if (!picked || "waitMs" in picked) {
      await patchStatus(deps, view, keepRecentReconciledAt(view.status, status, deps.resyncMs));
      return { requeueAfterMs: picked ? Math.min(picked.waitMs, deps.resyncMs) : deps.resyncMs };
    }
    const blocker = dependencyBlocker(deps, view);
    if (blocker) {
      status = { ...status, conditions: setConditions(status.conditions, [{ type: "DependencyNotReady", message: blocker }], ["DependencyNotReady"]) };
      await patchStatus(deps, view, status);
      return { requeueAfterMs: 2000 };
    }
    status = { ...status, conditions: setConditions(status.conditions, [], ["DependencyNotReady"]) };
    return await runOperation(deps, view, status, picked, app, ctx, sha, source, cmp);
  } finally {
    lease.release();
  }
}

/**
 * The operation to run now, if any, and why: manual, interrupted (resumed) or automated; or how long until
 * a failed sync's retry is due (`waitMs`), so the app is looked at again then and not a resync later.
 */
function pickOperation(
  deps: ReconcileDeps,
  view: ApplicationView,
  status: ApplicationStatus,
  sha: string,
  outOfSync: boolean,
  onlyExtras: boolean,
): { operation: Operation; trigger: SyncTrigger } | { waitMs: number } | undefined {
  if (view.operation?.sync && deps.handledOperations.get(view.key) !== view.object.metadata.resourceVersion) return { operation: view.operation, trigger: "manual" };
  const state = view.status.operationState;
  if (state?.phase === "Running" && !deps.running.has(view.key)) return { operation: state.operation, trigger: "resumed" };
  const spec = view.spec!;
  if (!isAutomated(spec) || !outOfSync) return undefined;
  const automated = spec.syncPolicy?.automated;
  // Extras alone with prune off: a sync would change nothing (they are reported, not deleted).
  if (onlyExtras && !automated?.prune) return undefined;
  const last = status.operationState;
  const sameCommit = last?.syncResult?.revision === sha;
  if (sameCommit && last?.phase !== "Succeeded") {
    // A failed sync of this commit is retried as syncPolicy.retry allows; with selfHeal it is retried
    // anyway, with the retry policy's backoff (or the default one), as Argo CD's self-heal backoff does.
    const retries = last?.retryCount ?? 0;
    const policy = spec.syncPolicy?.retry;
    if (!canRetry(policy, retries) && !automated?.selfHeal) return undefined;
    const finished = last?.finishedAt ? Date.parse(last.finishedAt) : 0;
    const due = finished + retryDelayMs(policy ?? DEFAULT_RETRY, retries);
    if (Date.now() < due) return { waitMs: due - Date.now() + 50 };
  } else if (sameCommit && !automated?.selfHeal) return undefined; // once per commit unless selfHeal
  const retrying = sameCommit && last?.phase !== "Succeeded";
  const operation = {
    sync: { revision: sha, prune: Boolean(automated?.prune), syncOptions: spec.syncPolicy?.syncOptions ?? [] },
    initiatedBy: { automated: true },
    ...(retrying ? { retry: spec.syncPolicy?.retry } : {}),
  } as Operation;
  return { operation, trigger: retrying ? "retry" : sameCommit ? "self-heal" : "automated" };
}

/** Runs a sync operation and records it: Running first when a restart must resume it (see below), then the result. */
async function runOperation(
  deps: ReconcileDeps,
  view: ApplicationView,
  before: ApplicationStatus,
  { operation, trigger }: { operation: Operation; trigger: SyncTrigger },
  app: AppSpec,
  ctx: EngineContext,
  sha: string,
  source: NonNullable<ApplicationView["spec"]>["source"],
  compared: AppComparison,
): Promise<ReconcileResult> {
  const sync: SyncOperation = operation.sync ?? {};
  const automated = Boolean(operation.initiatedBy?.automated);
  const previousRetries = automated && before.operationState?.syncResult?.revision === sha && before.operationState.phase !== "Succeeded" ? (before.operationState.retryCount ?? 0) + 1 : 0;
  let status = withOperationStarted(before, operation);
  if (previousRetries) status = { ...status, operationState: { ...status.operationState!, retryCount: previousRetries } };
  deps.running.add(view.key);
  try {
    // Running goes on record before the first write, so that a restarted controller resumes the
    // operation: always for a manual one (its `operation` field is cleared next), and for an automated one
    // whose sync waits for health. An automated sync of one wave without hooks is a burst of writes that
    // ends at once (executor: waitSingleStep); interrupted, it leaves the app OutOfSync at a commit not
    // synced yet, and the automated policy syncs it again. Its Running record would be overwritten
    // milliseconds later, for one more status write per sync.
    let recorded = view.status; // what the API server holds now: the base of the final status patch
    let recordFailure: unknown;
    const recordRunning = async (): Promise<void> => {
      try {
        await patchStatus(deps, view, status);
      } catch (err) {
        recordFailure = err; // not the sync's failure: nothing was written; the queue tries again
        throw err;
      }
      recorded = status;
    };
    if (!automated || view.operation) await recordRunning();
    if (view.operation) {
      deps.handledOperations.set(view.key, view.object.metadata.resourceVersion ?? "");
      await clearOperation(deps, view);
    }
    const startedAt = timestamp();
    deps.log.info({ app: view.key, revision: sha, automated, trigger, prune: sync.prune ?? app.prune }, "sync started");
    let changes: ChangeSet | undefined;
    let failure: string | undefined;
    try {
      // The comparison just made serves the sync unless the operation brings other sync options.
      const syncOptions = [...new Set([...app.syncOptions, ...(sync.syncOptions ?? [])])];
      const outcome = await syncApp(
        ctx,
        { ...app, prune: sync.prune ?? app.prune, syncOptions },
        {
          dryRun: Boolean(sync.dryRun),
          waitSingleStep: false,
          beforeExecute: async (plan) => {
            if (recorded !== status && waitsForHealth(plan, false)) await recordRunning();
          },
          ...(deps.signal ? { signal: deps.signal } : {}),
        },
        compared,
      );
      changes = outcome.changes;
      if (changes.phase === "Failed") failure = changes.message;
      status = withComparison(status, comparisonStatus(outcome.comparison, sha, source!, view.spec!.destination));
    } catch (err) {
      if (recordFailure !== undefined) throw recordFailure;
      failure = err instanceof Error ? err.message : String(err);
    }
    if (deps.signal?.aborted) {
      // Shutting down: the operation stays Running in the status, and the next controller resumes it.
      deps.log.info({ app: view.key, revision: sha }, "sync interrupted by shutdown; it will be resumed");
      return {};
    }
    const resources: ResourceResult[] = (changes?.entries ?? []).map((e) => ({
      group: e.key.group,
      version: "",
      kind: e.key.kind,
      namespace: e.key.namespace,
      name: e.key.name,
      status: e.action === "failed" ? "SyncFailed" : e.action === "pruned" ? "Pruned" : e.action === "skipped" && e.message.includes("prune") ? "PruneSkipped" : "Synced",
      message: e.message,
      ...(e.hook ? { hookType: e.phase } : {}),
      syncPhase: e.phase as ResourceResult["syncPhase"],
    }));
    status = withOperationFinished(status, { phase: failure ? "Failed" : "Succeeded", message: failure ?? (changes?.message ?? "successfully synced"), syncResult: { revision: sha, ...(source ? { source } : {}), resources } });
    if (!failure && !sync.dryRun) {
      status = { ...status, history: historyAppend(status.history, { revision: sha, deployedAt: timestamp(), deployStartedAt: startedAt, ...(source ? { source } : {}), ...(operation.initiatedBy ? { initiatedBy: operation.initiatedBy } : {}) }, view.spec!.revisionHistoryLimit ?? 10) };
    }
    status = { ...status, conditions: setConditions(status.conditions, failure ? [{ type: SYNC_ERROR, message: failure }] : [], [SYNC_ERROR]) };
    const summary = changes ? changes.entries.filter((e) => e.action !== "unchanged").map((e) => `${e.action} ${e.key.kind}/${e.key.name}`).join(", ") : "";
    for (const e of changes?.entries ?? []) {
      if (e.action !== "pruned" || e.hook || sync.dryRun) continue;
      deps.log.info({ app: view.key, revision: sha, trigger, kind: e.key.kind, namespace: e.key.namespace || undefined, name: e.key.name }, "pruned");
      deps.metrics?.prunes.inc({ namespace: view.namespace, name: view.name });
    }
    deps.log[failure ? "warn" : "info"]({ app: view.key, revision: sha, automated, trigger, phase: failure ? "Failed" : "Succeeded", changes: summary, message: failure }, failure ? "sync failed" : "sync succeeded");
    deps.metrics?.syncs.inc({ namespace: view.namespace, name: view.name, phase: failure ? "Failed" : "Succeeded", trigger });
    deps.event(view.object, failure ? "Warning" : "Normal", failure ? "SyncFailed" : "Synced", failure ? `sync to ${sha.slice(0, 7)} failed: ${failure.split("\n")[0]}` : `synced to ${sha.slice(0, 7)}${summary ? `: ${summary}` : ""}`);
    await patchStatus(deps, { ...view, status: recorded }, status);
    // The status above is the state after the sync (syncApp); what the sync wrote comes back through the
    // watches and is compared again then. After a failure, retry when the retry policy says.
    const retry = view.spec!.syncPolicy?.retry;
    return { requeueAfterMs: failure ? (retry ? retryDelayMs(retry, previousRetries) : 5000) : deps.resyncMs };
  } finally {
    deps.running.delete(view.key);
  }
}

/**
 * A comparison that changed nothing but the time does not rewrite reconciledAt while the recorded one is
 * younger than half the resync period: every periodic resync still refreshes it (so it says the app is
 * being watched), and the comparisons that the sync's own writes trigger cost no status write.
 */
function keepRecentReconciledAt(before: ApplicationStatus, after: ApplicationStatus, resyncMs: number): ApplicationStatus {
  if (!before.reconciledAt || Date.now() - Date.parse(before.reconciledAt) >= resyncMs / 2) return after;
  const same = { ...after, reconciledAt: before.reconciledAt, ...(before.observedAt ? { observedAt: before.observedAt } : {}) };
  return statusPatch(before, same) === undefined ? same : after;
}

/** Git or the comparison failed: say why in a ComparisonError condition; keep everything else as it was. */
async function comparisonFailed(deps: ReconcileDeps, view: ApplicationView, status: ApplicationStatus, err: unknown, sha?: string): Promise<ReconcileResult> {
  const message = err instanceof Error ? err.message : String(err);
  const fresh = setConditions(status.conditions, [{ type: COMPARISON_ERROR, message }], [COMPARISON_ERROR]);
  const next: ApplicationStatus = { ...status, conditions: fresh, ...(status.sync ? { sync: { ...status.sync, ...(sha ? { revision: sha } : {}) } } : { sync: { status: "Unknown" } }) };
  deps.metrics?.comparisonErrors.inc({ namespace: view.namespace, name: view.name });
  if (!view.status.conditions?.some((c) => c.type === COMPARISON_ERROR && c.message === message)) {
    deps.log.warn({ app: view.key, error: message }, "comparison failed");
    deps.event(view.object, "Warning", COMPARISON_ERROR, message.split("\n")[0]!);
  }
  await patchStatus(deps, view, next);
  return { requeueAfterMs: 5000 };
}

/** The first dependsOn app that is not Synced and Healthy, as a message; undefined when all are ready. */
function dependencyBlocker(deps: ReconcileDeps, view: ApplicationView): string | undefined {
  for (const dep of view.spec?.dependsOn ?? []) {
    const key = `${dep.namespace ?? view.namespace}/${dep.name}`;
    const other = deps.getApp(key);
    if (!other) return `waiting for application ${key}: it does not exist`;
    const st = readApplication(other).status;
    const ready = st.sync?.status === "Synced" && st.health?.status === "Healthy" && st.operationState?.phase !== "Running";
    if (!ready) return `waiting for application ${key} to be Synced and Healthy (now ${st.sync?.status ?? "Unknown"}, ${st.health?.status ?? "Unknown"})`;
  }
  return undefined;
}

/** Deletion with a resources finalizer: delete what the app owns, then remove the finalizer. */
async function finalize(deps: ReconcileDeps, view: ApplicationView): Promise<ReconcileResult> {
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

async function patchStatus(deps: ReconcileDeps, view: ApplicationView, status: ApplicationStatus): Promise<void> {
  const patch = statusPatch(view.status, status);
  if (!patch) return;
  await appRequest(deps, view, "/status", patch);
}

async function clearOperation(deps: ReconcileDeps, view: ApplicationView): Promise<void> {
  await appRequest(deps, view, "", { operation: null });
}

async function appRequest(deps: ReconcileDeps, view: ApplicationView, sub: string, body: unknown): Promise<void> {
  const updated = await deps.resources.client.request<KubeObject>({
    method: "PATCH",
    path: `/apis/${view.group}/v1alpha1/namespaces/${view.namespace}/applications/${view.name}${sub}`,
    contentType: "application/merge-patch+json",
    body,
  });
  if (updated?.metadata?.resourceVersion) deps.written.set(view.key, updated.metadata.resourceVersion);
}
