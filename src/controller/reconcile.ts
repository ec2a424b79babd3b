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
import type { Resources } from "../cluster/resources.js";
import type { JqPathEvaluator } from "../diff/index.js";
import { appSpec, type AppSpec } from "../engine/app.js";
import { compareApp, type EngineContext } from "../engine/compare.js";
import { syncApp } from "../engine/sync.js";
import type { RenderCache } from "./render-cache.js";
import type { SourceRepos } from "./sources.js";
import { comparisonStatus } from "./status.js";

export const FINALIZERS = ["resources-finalizer.argocd.argoproj.io", "plumb.dev/resources-finalizer"];
const COMPARISON_ERROR = "ComparisonError";
/** Backoff of self-heal retries without a retry policy: 5 s doubling up to 3 minutes. */
const DEFAULT_RETRY = { limit: 0, backoff: { duration: "5s", factor: 2, maxDuration: "3m" } };
const SYNC_ERROR = "SyncError";

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
  event(app: KubeObject, type: "Normal" | "Warning", reason: string, message: string): void;
  log: Logger;
  jq?: JqPathEvaluator;
  resyncMs: number;
  /** Apps whose sync runs now, by key (a restarted controller finds none and resumes Running operations). */
  running: Set<string>;
  /**
   * The resourceVersion of the Application object whose `operation` was last run, by key: the watch cache
   * may still show that very object (with the operation not yet cleared) and it must not run twice.
   */
  handledOperations: Map<string, string>;
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
  if (!obj) return {};
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

    const operation = pickOperation(deps, view, status, sha, cmp.summary.status === "OutOfSync", cmp.resources.every((r) => r.status !== "OutOfSync" && r.status !== "Missing"));
    if (!operation) {
      await patchStatus(deps, view, status);
      return { requeueAfterMs: deps.resyncMs };
    }
    const blocker = dependencyBlocker(deps, view);
    if (blocker) {
      status = { ...status, conditions: setConditions(status.conditions, [{ type: "DependencyNotReady", message: blocker }], ["DependencyNotReady"]) };
      await patchStatus(deps, view, status);
      return { requeueAfterMs: 2000 };
    }
    status = { ...status, conditions: setConditions(status.conditions, [], ["DependencyNotReady"]) };
    return await runOperation(deps, view, status, operation, app, ctx, sha, source);
  } finally {
    lease.release();
  }
}

/** The operation to run now, if any: manual, interrupted (resume) or automated. */
function pickOperation(deps: ReconcileDeps, view: ApplicationView, status: ApplicationStatus, sha: string, outOfSync: boolean, onlyExtras: boolean): Operation | undefined {
  if (view.operation?.sync && deps.handledOperations.get(view.key) !== view.object.metadata.resourceVersion) return view.operation;
  const state = view.status.operationState;
  if (state?.phase === "Running" && !deps.running.has(view.key)) return state.operation;
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
    if (Date.now() - finished < retryDelayMs(policy ?? DEFAULT_RETRY, retries)) return undefined;
  } else if (sameCommit && !automated?.selfHeal) return undefined; // once per commit unless selfHeal
  return {
    sync: { revision: sha, prune: Boolean(automated?.prune), syncOptions: spec.syncPolicy?.syncOptions ?? [] },
    initiatedBy: { automated: true },
    ...(sameCommit && last?.phase !== "Succeeded" ? { retry: spec.syncPolicy?.retry } : {}),
  } as Operation;
}

/** Runs a sync operation and records it: Running first (so a restart resumes it), then the result. */
async function runOperation(
  deps: ReconcileDeps,
  view: ApplicationView,
  before: ApplicationStatus,
  operation: Operation,
  app: AppSpec,
  ctx: EngineContext,
  sha: string,
  source: NonNullable<ApplicationView["spec"]>["source"],
): Promise<ReconcileResult> {
  const sync: SyncOperation = operation.sync ?? {};
  const automated = Boolean(operation.initiatedBy?.automated);
  const previousRetries = automated && before.operationState?.syncResult?.revision === sha && before.operationState.phase !== "Succeeded" ? (before.operationState.retryCount ?? 0) + 1 : 0;
  let status = withOperationStarted(before, operation);
  if (previousRetries) status = { ...status, operationState: { ...status.operationState!, retryCount: previousRetries } };
  deps.running.add(view.key);
  try {
    await patchStatus(deps, view, status);
    if (view.operation) {
      deps.handledOperations.set(view.key, view.object.metadata.resourceVersion ?? "");
      await clearOperation(deps, view);
    }
    const startedAt = timestamp();
    deps.log.info({ app: view.key, revision: sha, automated, prune: sync.prune ?? app.prune }, "sync started");
    let changes: ChangeSet | undefined;
    let failure: string | undefined;
    try {
      const outcome = await syncApp(ctx, { ...app, prune: sync.prune ?? app.prune, syncOptions: [...app.syncOptions, ...(sync.syncOptions ?? [])] }, { dryRun: Boolean(sync.dryRun), ...(deps.signal ? { signal: deps.signal } : {}) });
      changes = outcome.changes;
      if (changes.phase === "Failed") failure = changes.message;
      status = withComparison(status, comparisonStatus(outcome.comparison, sha, source!, view.spec!.destination));
    } catch (err) {
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
    deps.log[failure ? "warn" : "info"]({ app: view.key, revision: sha, automated, phase: failure ? "Failed" : "Succeeded", changes: summary, message: failure }, failure ? "sync failed" : "sync succeeded");
    deps.event(view.object, failure ? "Warning" : "Normal", failure ? "SyncFailed" : "Synced", failure ? `sync to ${sha.slice(0, 7)} failed: ${failure.split("\n")[0]}` : `synced to ${sha.slice(0, 7)}${summary ? `: ${summary}` : ""}`);
    await patchStatus(deps, { ...view, status: (deps.getApp(view.key) ? readApplication(deps.getApp(view.key)!).status : view.status) }, status);
    // Compare again at once (the status above is the comparison from before the sync); after a failure,
    // when the retry policy says.
    const retry = view.spec!.syncPolicy?.retry;
    // (A short pause lets the watch caches see what the sync just wrote, so they do not look like drift.)
    return { requeueAfterMs: failure ? (retry ? retryDelayMs(retry, previousRetries) : 5000) : 300 };
  } finally {
    deps.running.delete(view.key);
  }
}

/** Git or the comparison failed: say why in a ComparisonError condition; keep everything else as it was. */
async function comparisonFailed(deps: ReconcileDeps, view: ApplicationView, status: ApplicationStatus, err: unknown, sha?: string): Promise<ReconcileResult> {
  const message = err instanceof Error ? err.message : String(err);
  const fresh = setConditions(status.conditions, [{ type: COMPARISON_ERROR, message }], [COMPARISON_ERROR]);
  const next: ApplicationStatus = { ...status, conditions: fresh, ...(status.sync ? { sync: { ...status.sync, ...(sha ? { revision: sha } : {}) } } : { sync: { status: "Unknown" } }) };
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

function appRequest(deps: ReconcileDeps, view: ApplicationView, sub: string, body: unknown): Promise<unknown> {
  return deps.resources.client.request({
    method: "PATCH",
    path: `/apis/${view.group}/v1alpha1/namespaces/${view.namespace}/applications/${view.name}${sub}`,
    contentType: "application/merge-patch+json",
    body,
  });
}
