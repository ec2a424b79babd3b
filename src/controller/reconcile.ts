/**
 * reconcile(appKey): level-based, like controller-runtime. It reads the Application as it is now and never
 * sees the event that woke it. Guard clauses, each failure mapped to one condition and one requeue policy:
 *
 *   1. gone → nothing; being deleted → cascade-delete its resources (finalizer), then release it.
 *   2. an invalid spec, or a source plumb cannot render yet → InvalidSpecError / UnsupportedField
 *      conditions, no comparison.
 *   3. the AppProject: a missing project, or a source or destination it does not permit → InvalidSpecError,
 *      nothing applied or pruned.
 *   4. an operation being terminated → stop it (operate.ts), before anything else is read.
 *   5. resolve the revision — the running operation's own commit, a manual sync's revision, or the source's
 *      targetRevision — and lease the tree, never waiting on the network (Git unreachable →
 *      ComparisonError, last state kept, nothing pruned, retried with a backoff by error kind; a fetch
 *      still under way → look again when it ends).
 *   6. compare (engine: cached render, dry-run diff against the watch caches) → sync status, resources,
 *      health (render or dry-run problem → ComparisonError, nothing applied); the project's resource
 *      rules are checked on what was rendered.
 *   7. which operation (operation.ts, pure): advance the running one by one round, start a manual or an
 *      automated one (unless a dependsOn app is not Synced and Healthy yet), or none (operate.ts). The
 *      project's sync windows (apps/windows.ts) refuse a manual request they block (it ends Failed, naming
 *      the window) and hold an automated sync: a SyncWindowBlocked condition says which window and until
 *      when, and the app is looked at again at that moment. A sync already running always finishes.
 *   8. patch the status once, only if it changed; requeue after the resync period, or sooner.
 */
import type { AppProjectSpec, ApplicationDestination, ApplicationSource, ApplicationStatus, ApplicationView, OperationState } from "../apps/index.js";
import { blockedMessage, blocksComparison, projectFor, projectViolations, readApplication, sourcesOf, setConditions, statusPatch, syncWindowState, withComparison, withSpecProblems } from "../apps/index.js";
import { sleep } from "../core/concurrency.js";
import { keyOf, type KubeObject } from "../core/object.js";
import { atLeastVersion } from "../cluster/informer.js";
import type { Resources } from "../cluster/resources.js";
import type { IgnoreDifference, JqPathEvaluator } from "../diff/index.js";
import { compareApp, type EngineContext } from "../engine/compare.js";
import { gitRetryDelayMs, RevisionPendingError } from "../git/index.js";
import { splitCredentials } from "../git/url.js";
import type { Written } from "../sync/execute.js";
import type { SyncProgress } from "../sync/index.js";
import type { ControllerMetrics, SyncTrigger } from "./metrics.js";
import { canonical, pendingOperation } from "./operation.js";
import { failOperation, finalizeApp, operate, readSyncTimeout, refuseRequest, terminate } from "./operate.js";
import type { RenderCache } from "./render-cache.js";
import type { Plugin } from "../render/index.js";
import type { SourceRepos } from "./sources.js";
import type { ChartRepos } from "../charts/index.js";
import type { ClusterRegistry, Lease } from "../clusters/registry.js";
import { ClusterUnavailableError } from "../clusters/caches.js";
import type { RenderRequest, RenderResult } from "../render/index.js";
import { comparisonStatus, type Target } from "./status.js";
import { checkoutSources, type CheckedOut } from "./checkout.js";
import { appRequest, clearOperation, patchStatus } from "./writes.js";
import { engineAppForSources, isRendered } from "./engine-app.js";
import { renderWith } from "./plugins.js";

export { FINALIZERS } from "./operate.js";
const COMPARISON_ERROR = "ComparisonError";
/** How soon to look again when the watch cache has not caught up with this controller's own write. */
const CACHE_LAG_RETRY_MS = 50;
/** How soon an app whose cluster has all the workers it may have is tried again. */
const CLUSTER_BUSY_RETRY_MS = 200;
/** How long a new manual sync waits for its repository's fetch before it uses the mirror as it is. */
const MANUAL_REFRESH_WAIT_MS = 5000;

export interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What this process knows of an operation it is carrying out (a cache of the record; lost on restart). */
export interface TrackedOperation {
  /** The record's startedAt and attemptStartedAt: which operation and attempt this is. */
  startedAt: string;
  attemptStartedAt: string;
  /** The progress exactly as this process left it (the record rebuilds it less precisely). */
  progress: SyncProgress;
  /** What the sync wrote, for reading watch caches that may lag behind those writes. */
  writes: Map<string, Written>;
  trigger: SyncTrigger;
  /** Rounds in a row that changed nothing (a fallback look with no news): the next look backs off. */
  quietRounds: number;
  /** Whether `progress` holds every object's entry (false when read back from a shortened record). */
  complete: boolean;
}

export interface ReconcileDeps {
  /**
   * The app's destination cluster: what is compared, applied, pruned and watched there. The controller's
   * own cluster (Applications live there) unless `home` says otherwise (reconcile() sets both per app).
   */
  resources: Resources;
  /** Where the Applications live, when `resources` is another cluster. */
  home?: Resources;
  /** Destination clusters (src/clusters); none: every destination is the controller's cluster. */
  clusters?: Pick<ClusterRegistry, "acquire" | "forget">;
  /** Set per reconcile: the destination resolved to these (for the project's rules). */
  resolvedDestination?: { server: string; name: string };
  /** Set per reconcile: the destination names no usable cluster (InvalidSpecError, nothing compared). */
  destinationProblem?: string;
  /** Set per reconcile: the destination cluster does not answer (ComparisonError, nothing applied or pruned). */
  destinationUnavailable?: ClusterUnavailableError;
  /** Registered config management plugins (controller/plugins.ts). */
  plugins?: readonly Plugin[];
  /** Extra `kustomize build` flags from the settings (kustomize.buildOptions), read as they change. */
  kustomizeBuildOptions?: () => readonly string[];
  repos: SourceRepos;
  /** Chart repositories and OCI registries, for sources with `chart` (charts/ ChartRepos); none: such sources fail. */
  charts?: ChartRepos;
  renderCache: RenderCache;
  /** Owned live objects of `app` from the watch caches, watching the kinds of `desired` and `known` first. */
  liveObjects(app: string, desired: readonly KubeObject[], known: ReadonlyArray<{ group: string; version: string; kind: string }>): Promise<KubeObject[]>;
  getApp(key: string): KubeObject | undefined;
  /** The AppProject `name` in `namespace` of API group `group`; undefined when there is none. */
  getProject(group: string, namespace: string, name: string): KubeObject | undefined;
  /** Engine hooks answered from the controller's caches: remembered dry runs, watched objects and namespaces. */
  engine?: Pick<EngineContext, "predictions" | "observe" | "namespaceExists" | "health">;
  /** System-level ignoreDifferences (resource customizations in plumb-cm), added to every app's own. */
  systemIgnoreDifferences?: () => IgnoreDifference[];
  event(app: KubeObject, type: "Normal" | "Warning", reason: string, message: string): void;
  log: Logger;
  metrics?: ControllerMetrics;
  jq?: JqPathEvaluator;
  resyncMs: number;
  /** How long a sync operation may take, unless the Application's annotation says otherwise (0: no limit). */
  syncTimeoutMs: number;
  /** Operations this process is carrying out, by app key (a restarted controller has none: it resumes them). */
  operations: Map<string, TrackedOperation>;
  /**
   * The resourceVersion of the Application object whose `operation` was last started, by key: the watch
   * cache may still show that very object (with the operation not yet cleared) and it must not run twice.
   */
  handledOperations: Map<string, string>;
  /**
   * The resourceVersion of each Application as this controller's last write left it, by key. A watch cache
   * behind it shows a status older than what this controller knows (a sync it finished still Running), so
   * the reconcile waits for the cache instead of acting on that.
   */
  written: Map<string, string>;
  /** The resourceVersion of the Application whose requested sync made this controller fetch, by key. */
  refreshedFor: Map<string, string>;
  /** Consecutive comparison failures per app key, for the backoff by error kind. */
  failures: Map<string, number>;
  /** The most a status may hold of resource lists, in JSON bytes (default: apps/budget.ts's, 512 KiB). */
  statusBudgetBytes?: number;
  /** Aborted when the controller stops: a sync stops before its next step and stays Running, to be resumed. */
  signal?: AbortSignal;
  /**
   * Sharded: true once this member must write nothing more (its Lease was not renewed in time, ADR 0023 —
   * a paused or partitioned process that wakes up). A sync then stops before its next step and records
   * nothing: the app's new owner resumes it from its record.
   */
  fenced?: () => boolean;
}

export interface ReconcileResult {
  /** Reconcile again after this many ms (the resync period, or sooner to retry or wait for a dependency). */
  requeueAfterMs?: number;
}

/**
 * Reconciles one Application. Throws only for unexpected failures (the queue retries with backoff).
 *
 * A refresh asked through the annotation (Argo CD's `argocd.argoproj.io/refresh: normal|hard`, the API's
 * `?refresh=`) fetches as a manual sync does, "hard" renders the commit again, and the annotation is
 * removed once the reconcile is done — whatever it found — as Argo CD's controller removes it: its absence
 * tells the asker the comparison is in the status, and the next request is a change again.
 */
export async function reconcile(deps: ReconcileDeps, key: string): Promise<ReconcileResult> {
  const obj = deps.getApp(key);
  if (!obj) deps.clusters?.forget(key);
  const lease = obj && deps.clusters ? await deps.clusters.acquire(key, (obj.spec as { destination?: { server?: string; name?: string } } | undefined)?.destination ?? {}) : undefined;
  // The cluster's share of the workers is taken (it may hang): look again soon, without holding a worker.
  if (lease?.kind === "busy") return { requeueAfterMs: CLUSTER_BUSY_RETRY_MS };
  const refresh = obj && refreshRequested(obj);
  try {
    return await reconcileApp(lease ? onDestination(deps, lease) : deps, key);
  } finally {
    lease?.release();
    if (obj && refresh) {
      const view = readApplication(obj);
      await appRequest(deps, view, "", { metadata: { annotations: Object.fromEntries(REFRESH_ANNOTATIONS.map((a) => [a, null])) } }).catch((err: unknown) => deps.log.warn({ app: key, error: err instanceof Error ? err.message : String(err) }, "could not remove the refresh annotation"));
    }
  }
}

/**
 * The deps of one reconcile on its app's destination: the in-cluster one is the controller's own (the
 * deps as they are); another cluster's caches and client replace them; a destination that cannot be used
 * gets resources that refuse every call, so that nothing can reach the wrong cluster.
 */
function onDestination(deps: ReconcileDeps, lease: Lease): ReconcileDeps {
  if (lease.kind === "ready" && lease.inCluster) return lease.name === "in-cluster" ? deps : { ...deps, resolvedDestination: { server: lease.server, name: lease.name } };
  const home = deps.home ?? deps.resources;
  if (lease.kind === "ready") {
    const c = lease.caches;
    return {
      ...deps,
      home,
      resources: c.resources,
      resolvedDestination: { server: lease.server, name: lease.name },
      liveObjects: (name, desired, known) => c.liveObjects(name, desired, known),
      engine: { ...deps.engine, predictions: c.predictions, observe: (o) => c.observe(o), namespaceExists: (n) => c.namespaceExists(n) },
    };
  }
  const error = lease.kind === "unavailable" ? lease.error : new ClusterUnavailableError(lease.kind === "invalid" ? lease.message : "the destination cluster is not available");
  return {
    ...deps,
    home,
    resources: refusingResources(error),
    liveObjects: () => Promise.reject(error),
    ...(lease.kind === "invalid" ? { destinationProblem: lease.message } : { destinationUnavailable: error }),
  };
}

/** Resources whose every call (and every discovery call) fails with `error`. */
function refusingResources(error: Error): Resources {
  const refuse = (): Promise<never> => Promise.reject(error);
  const discovery = new Proxy({}, { get: (_t, k) => (k === "isNamespaced" ? () => undefined : refuse) });
  return new Proxy({}, { get: (_t, k) => (k === "discovery" ? discovery : k === "client" ? new Proxy({}, { get: () => refuse }) : refuse) }) as Resources;
}

async function reconcileApp(deps: ReconcileDeps, key: string): Promise<ReconcileResult> {
  const obj = deps.getApp(key);
  if (!obj) {
    deps.written.delete(key);
    deps.operations.delete(key);
    deps.failures.delete(key);
    deps.refreshedFor.delete(key);
    return {};
  }
  const written = deps.written.get(key);
  if (written) {
    if (!atLeastVersion(obj.metadata.resourceVersion, written)) return { requeueAfterMs: CACHE_LAG_RETRY_MS };
    deps.written.delete(key);
  }
  const view = readApplication(obj);
  if (obj.metadata.deletionTimestamp) {
    // The cluster answers not: its objects cannot be deleted yet. The cluster is not registered (any
    // more): there is nothing plumb can delete them in, and the app goes (as Argo CD's does).
    if (deps.destinationUnavailable) return { requeueAfterMs: 5000 };
    return finalizeApp(deps, view, deps.destinationProblem);
  }

  const spec = view.spec;
  const appSource = spec ? sourcesOf(spec)[0] : undefined; // the first source; all of them below
  const project = projectFor(spec?.project, (name) => deps.getProject(view.group, view.namespace, name));
  const projectNotes = project.found ? project.problems.map((p) => ({ ...p, message: `AppProject ${project.name}: ${p.message}` })) : [];
  const timeout = readSyncTimeout(view, deps.syncTimeoutMs);
  const timeoutMs = timeout.ms;
  let status = withSpecProblems(view.status, [...view.problems, ...projectNotes, ...(timeout.problem ? [timeout.problem] : [])]);
  // Set again below while a window holds an automated sync; gone as soon as none does.
  status = { ...status, conditions: setConditions(status.conditions, [], [SYNC_WINDOW_BLOCKED]) };
  const state = view.status.operationState;
  // A terminate request is honoured whatever else is wrong with the app.
  if (state?.phase === "Terminating") return terminate(deps, view, status);
  const running = state?.phase === "Running" ? state : undefined;
  let requested = deps.handledOperations.get(key) !== obj.metadata.resourceVersion && view.operation?.sync ? view.operation : undefined;
  if (requested && running && canonical(requested) === canonical(running.operation)) {
    // The request this very operation came from, its field not yet cleared (a restart between the two
    // writes that start a manual sync): it is under way, not asked again.
    deps.handledOperations.set(key, obj.metadata.resourceVersion ?? "");
    await clearOperation(deps, view);
    requested = undefined;
  }
  /** The running operation or the request cannot go on: it ends Failed, saying why (as Argo CD's does). */
  const refuse = (message: string, at: ApplicationStatus): Promise<ReconcileResult> | undefined =>
    running ? failOperation(deps, view, at, message) : requested ? refuseRequest(deps, view, at, requested, message) : undefined;

  const refresh = refreshRequested(obj); // removed by reconcile() when done

  const blocking = view.problems.filter(blocksComparison);
  if (!spec || !appSource || blocking.length > 0) {
    const refused = refuse(`the spec cannot be synced: ${blocking.map((p) => p.message).join("; ") || "it has no source"}`, status);
    if (refused) return refused;
    await patchStatus(deps, view, status);
    return {};
  }

  // The commits and sources to compare with: the running operation's own, a manual sync's, or the spec's.
  // Several sources (spec.sources set): one revision per source, in spec order, as Argo CD's `revisions`.
  const multi = (spec.sources?.length ?? 0) > 0;
  const specSources = sourcesOf(spec);
  const recordedSources = running?.syncResult ? (multi ? running.syncResult.sources : running.syncResult.source ? [running.syncResult.source] : undefined) : undefined;
  const requestedSources = requested?.sync ? (multi ? requested.sync.sources : requested.sync.source ? [requested.sync.source] : undefined) : undefined;
  const targetSources: ApplicationSource[] = (running ? recordedSources : requestedSources) ?? specSources;
  const wanted = targetSources.map((s, i) => {
    const fromOp = running
      ? multi
        ? running.syncResult?.revisions?.[i] || running.operation.sync?.revisions?.[i]
        : running.syncResult?.revision || running.operation.sync?.revision
      : multi
        ? requested?.sync?.revisions?.[i]
        : requested?.sync?.revision;
    return fromOp || s.targetRevision || "HEAD";
  });

  // The project's rules for the sources and the destination, before any of them is fetched; its rules
  // for kinds wait for the render. (Repository URLs without the credentials a user may have written in.)
  const sources = [...new Set([...specSources, ...targetSources].map((s) => splitCredentials(s.repoURL).url))].map((repoURL) => ({ repoURL }));
  // The implicit default project permits everything: nothing to check.
  const destination = deps.resolvedDestination ? { ...spec.destination, ...deps.resolvedDestination } : spec.destination;
  const byProject = !project.found ? [project.message] : project.implicit ? [] : projectViolations(project.spec, { sources, destination, resources: [] }, { projectName: project.name });
  // A destination naming no usable cluster is refused the same way (Argo CD: InvalidSpecError).
  const denied = [...(deps.destinationProblem ? [deps.destinationProblem] : []), ...byProject];
  status = { ...status, conditions: setConditions(status.conditions, denied.map((message) => ({ type: PROJECT_ERROR, message })), [PROJECT_ERROR]) };
  if (denied.length > 0) {
    const refused = refuse([...(deps.destinationProblem ? [deps.destinationProblem] : []), ...(byProject.length > 0 ? [`the project refuses: ${byProject.join("; ")}`] : [])].join("; "), status);
    if (refused) return refused;
    await patchStatus(deps, view, status);
    return {};
  }

  // The project's sync windows now (none: every sync may run).
  const windows = project.found && !project.implicit && project.spec.syncWindows?.length ? syncWindowState(project.spec.syncWindows, { name: view.name, destination: spec.destination }, Date.now()) : undefined;
  if (requested && windows) {
    // Argo CD's rule: a sync someone asked for is manual unless it says it was initiated by automation.
    const decision = requested.initiatedBy?.automated ? windows.automated : windows.manual;
    if (!decision.allowed) return refuseRequest(deps, view, status, requested, blockedMessage(decision, requested.initiatedBy?.automated ? "automated sync" : "manual sync"));
  }

  for (const s of targetSources) if (!s.chart) deps.repos.watch(s.repoURL);
  // A manual sync deploys what Git has now, as Argo CD's (which asks the server afresh), not what the last
  // poll saw: fetch once when the request is new — bounded, so a hanging server costs a few seconds at most.
  if ((requested || refresh) && deps.refreshedFor.get(key) !== obj.metadata.resourceVersion) {
    deps.refreshedFor.set(key, obj.metadata.resourceVersion ?? "");
    const urls = [...new Set(targetSources.filter((s) => !s.chart).map((s) => s.repoURL))];
    await Promise.race([Promise.all(urls.map((u) => deps.repos.refresh(u).catch(() => undefined))), sleep(MANUAL_REFRESH_WAIT_MS)]);
  }

  // The destination cluster does not answer: ComparisonError, nothing fetched, applied or pruned.
  if (deps.destinationUnavailable) return comparisonFailed(deps, view, status, deps.destinationUnavailable, { refuse, running, timeoutMs });

  let out: CheckedOut;
  try {
    out = await checkoutSources(deps.repos, targetSources, wanted, !!running, deps.charts ? { repos: deps.charts, fresh: !!refresh } : undefined);
  } catch (err) {
    // A fetch under way (the first, or one looking for a new revision): its end enqueues the app again
    // (SourceRepos.onChange); the timer is only a fallback. The worker is not held meanwhile.
    if (err instanceof RevisionPendingError) return { requeueAfterMs: gitRetryDelayMs(err, 0) };
    return comparisonFailed(deps, view, status, err, { refuse, running, timeoutMs });
  }
  const fetchError = out.fetchError;
  const target: Target = multi ? { sha: "", source: targetSources[0]!, revisions: out.revisions, sources: targetSources } : { sha: out.revisions[0]!, source: targetSources[0]!, revisions: undefined, sources: undefined };
  const sha = target.sha;
  try {
    const app = engineAppForSources(view.name, spec, out.checked, multi, deps.systemIgnoreDifferences?.());
    // Each rendered part gets its own source's build information (plugins' ARGOCD_APP_* variables).
    const rendered = targetSources.flatMap((s, i) => (!multi || isRendered(s) ? [i] : []));
    const cached = multi || target.source.chart
      ? deps.renderCache.forSources(targetSources.map((s, i) => ({ repoURL: s.chart ? `${s.repoURL}#chart=${s.chart}` : s.repoURL, revision: out.revisions[i]! })), refresh === "hard")
      : deps.renderCache.forCommit(target.source.repoURL, sha, refresh === "hard");
    const withInfo = (req: RenderRequest, part: number): Promise<RenderResult> => {
      const i = rendered[part] ?? 0;
      const s = targetSources[i]!;
      return renderWith((r) => cached(r, part), { plugins: deps.plugins, kustomizeBuildOptions: deps.kustomizeBuildOptions?.(), revision: out.revisions[i], repoURL: s.repoURL, targetRevision: s.targetRevision, project: spec.project })(req);
    };
    const ctx: EngineContext = {
      resources: deps.resources,
      render: withChartArchive(withInfo, deps.charts),
      liveObjects: (name, desired) => deps.liveObjects(name, desired, view.status.resources ?? []),
      ...deps.engine,
      ...(deps.jq ? { jq: deps.jq } : {}),
    };
    let cmp;
    try {
      cmp = await compareApp(ctx, app);
    } catch (err) {
      return comparisonFailed(deps, view, status, err, { refuse, running, timeoutMs, target });
    }
    deps.failures.delete(key);
    status = withComparison(status, comparisonStatus(cmp, target, spec.destination, ctx.health));
    // A sync pinned to a commit goes on while fetches fail; the condition still says Git is failing.
    status = { ...status, conditions: setConditions(status.conditions, fetchError ? [{ type: COMPARISON_ERROR, message: fetchError.message }] : [], [COMPARISON_ERROR]) };
    // The project's rules on what is deployed: kinds, and the namespaces objects go to. A refusal applies
    // and prunes nothing; a sync under way fails with it.
    const refused = project.found && !project.implicit ? resourceViolations(deps, project.spec, project.name, spec.destination, [...cmp.desired, ...cmp.toPrune]) : [];
    if (refused.length > 0) {
      status = { ...status, conditions: setConditions(status.conditions, refused.map((message) => ({ type: PROJECT_ERROR, message })), [PROJECT_ERROR]) };
      const ended = refuse(`the project refuses: ${refused.join("; ")}`, status);
      if (ended) return await ended;
      await patchStatus(deps, view, status);
      return { requeueAfterMs: deps.resyncMs };
    }

    const tracked = deps.operations.get(key);
    const pending = pendingOperation({
      ...(requested ? { requested } : {}),
      ...(state ? { state } : {}),
      known: !!tracked && !!running && tracked.startedAt === running.startedAt,
      ...(spec.syncPolicy?.automated && spec.syncPolicy.automated.enabled !== false ? { automated: spec.syncPolicy.automated } : {}),
      ...(spec.syncPolicy?.retry ? { retry: spec.syncPolicy.retry } : {}),
      syncOptions: spec.syncPolicy?.syncOptions ?? [],
      sha,
      source: appSource,
      ...(multi ? { revisions: out.revisions, sources: specSources } : {}),
      destination: spec.destination,
      outOfSync: cmp.summary.status === "OutOfSync",
      onlyExtras: cmp.resources.every((r) => r.status !== "OutOfSync" && r.status !== "Missing"),
      now: Date.now(),
    });
    // (Terminating was handled first; the pure decision still names it.)
    if (pending.kind === "terminate") return await terminate(deps, view, status);
    if (pending.kind === "none" || pending.kind === "wait") {
      // A refresh someone asked for says when it compared, even when nothing else changed.
      await patchStatus(deps, view, refresh ? status : keepRecentReconciledAt(view.status, status, deps.resyncMs));
      return { requeueAfterMs: pending.kind === "wait" ? Math.min(pending.ms, deps.resyncMs) : deps.resyncMs };
    }
    if (pending.kind === "start" && pending.trigger !== "manual" && windows && !windows.automated.allowed) {
      // Held by a window: say which and until when, and look again then (a new commit enqueues it anyway).
      const message = blockedMessage(windows.automated, "automated sync");
      status = { ...status, conditions: setConditions(status.conditions, [{ type: SYNC_WINDOW_BLOCKED, message }], [SYNC_WINDOW_BLOCKED]) };
      if (!view.status.conditions?.some((c) => c.type === SYNC_WINDOW_BLOCKED && c.message === message)) {
        deps.log.info({ app: key, revision: sha, trigger: pending.trigger }, message);
        deps.event(view.object, "Normal", SYNC_WINDOW_BLOCKED, message);
      }
      await patchStatus(deps, view, status);
      const at = windows.automated.allowedAt;
      return { requeueAfterMs: at === undefined ? deps.resyncMs : Math.max(50, Math.min(at - Date.now() + 50, deps.resyncMs)) };
    }
    if (pending.kind === "start") {
      const blocker = dependencyBlocker(deps, view);
      status = { ...status, conditions: setConditions(status.conditions, blocker ? [{ type: "DependencyNotReady", message: blocker }] : [], ["DependencyNotReady"]) };
      if (blocker) {
        await patchStatus(deps, view, status);
        return { requeueAfterMs: 2000 };
      }
    }
    return await operate(deps, { view, status, pending, app, ctx, target, comparison: cmp, timeoutMs });
  } finally {
    out.release();
  }
}

const PROJECT_ERROR = "InvalidSpecError";
/** The condition of an automated sync held by a sync window. */
export const SYNC_WINDOW_BLOCKED = "SyncWindowBlocked";

/** Render with Chart.yaml dependencies from chart repositories fetched through `charts` (same cache and credentials). */
function withChartArchive(fn: (req: RenderRequest, part: number) => Promise<RenderResult>, charts: ChartRepos | undefined): (req: RenderRequest, part: number) => Promise<RenderResult> {
  if (!charts) return fn;
  return (req, part) => fn({ ...req, chartArchive: (repository, name, range) => charts.fetchArchive(repository, name, range) }, part);
}

/**
 * The project's refusals of the rendered objects and of the live ones a sync would prune (gitops-engine's
 * permission check covers every task, prunes included). The sources were checked before the fetch.
 */
function resourceViolations(deps: ReconcileDeps, project: AppProjectSpec, name: string, destination: ApplicationDestination, desired: readonly KubeObject[]): string[] {
  const resources = desired.map((o) => {
    const key = keyOf(o);
    return { ...key, namespaced: deps.resources.discovery.isNamespaced(key.group, key.kind) ?? key.namespace !== "" };
  });
  return projectViolations(project, { sources: [], destination, resources }, { projectName: name });
}

/** The source options render reads: all of them, so that one render cannot do is refused, not ignored. */

/**
 * A comparison that changed nothing but the time does not rewrite reconciledAt while the recorded one is
 * younger than half the resync period: every periodic resync still refreshes it (so it says the app is
 * being watched), and the comparisons that the sync's own writes trigger cost no status write.
 */
export function keepRecentReconciledAt(before: ApplicationStatus, after: ApplicationStatus, resyncMs: number): ApplicationStatus {
  if (!before.reconciledAt || Date.now() - Date.parse(before.reconciledAt) >= resyncMs / 2) return after;
  const same = { ...after, reconciledAt: before.reconciledAt, ...(before.observedAt ? { observedAt: before.observedAt } : {}) };
  return statusPatch(before, same) === undefined ? same : after;
}

/**
 * Git or the comparison failed: say why in a ComparisonError condition; keep everything else as it was. A
 * manual request then ends Failed with the reason (as Argo CD's); a sync under way waits for Git or the
 * cluster to come back, but not past its time limit.
 */
async function comparisonFailed(
  deps: ReconcileDeps,
  view: ApplicationView,
  status: ApplicationStatus,
  err: unknown,
  how: { refuse: (message: string, at: ApplicationStatus) => Promise<ReconcileResult> | undefined; running?: OperationState; timeoutMs: number; target?: Target },
): Promise<ReconcileResult> {
  const message = err instanceof Error ? err.message : String(err);
  const fresh = setConditions(status.conditions, [{ type: COMPARISON_ERROR, message }], [COMPARISON_ERROR]);
  const t = how.target;
  const at = t ? (t.revisions ? { revisions: t.revisions } : { revision: t.sha }) : {};
  const next: ApplicationStatus = { ...status, conditions: fresh, ...(status.sync ? { sync: { ...status.sync, ...at } } : { sync: { status: "Unknown" } }) };
  deps.metrics?.comparisonErrors.inc({ namespace: view.namespace, name: view.name });
  if (!view.status.conditions?.some((c) => c.type === COMPARISON_ERROR && c.message === message)) {
    deps.log.warn({ app: view.key, error: message }, "comparison failed");
    deps.event(view.object, "Warning", COMPARISON_ERROR, message.split("\n")[0]!);
  }
  // A sync under way waits for Git or the cluster — within its time limit, counted while an attempt runs
  // (not while a retry waits for its backoff), from its SyncFail step's start once it failed.
  const progress = how.running?.progress;
  const from = progress ? Date.parse(progress.step?.phase === "SyncFail" ? progress.step.appliedAt : progress.attemptStartedAt) : undefined;
  const deadline = from !== undefined && how.timeoutMs > 0 ? from + how.timeoutMs : undefined;
  const overdue = deadline !== undefined && Date.now() > deadline;
  if (!how.running) {
    const ended = how.refuse(`${COMPARISON_ERROR}: ${message.split("\n")[0]}`, next);
    if (ended) return ended;
  } else if (overdue) {
    return failOperation(deps, view, next, `${COMPARISON_ERROR}: ${message.split("\n")[0]} (and the sync ran out of its time limit meanwhile)`, true);
  }
  await patchStatus(deps, view, next);
  // Backoff by kind of failure (git/retry.ts): a network error soon, refused credentials later. A fetch
  // that starts or stops failing enqueues the app anyway (SourceRepos.onChange).
  const attempt = deps.failures.get(view.key) ?? 0;
  deps.failures.set(view.key, attempt + 1);
  const delay = Math.min(gitRetryDelayMs(err, attempt), deps.resyncMs);
  return { requeueAfterMs: deadline !== undefined ? Math.max(50, Math.min(delay, deadline - Date.now() + 1000)) : delay };
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

/** The refresh annotations (plumb's, Argo CD's): their presence asks for a refresh. */
export const REFRESH_ANNOTATIONS = ["plumb.dev/refresh", "argocd.argoproj.io/refresh"];

/** The refresh an Application's annotation asks for: "hard" (render again), "normal", or none. */
export function refreshRequested(obj: KubeObject): "normal" | "hard" | undefined {
  const values = REFRESH_ANNOTATIONS.map((a) => obj.metadata.annotations?.[a]).filter((v): v is string => v !== undefined);
  if (values.length === 0) return undefined;
  return values.includes("hard") ? "hard" : "normal";
}
