/**
 * The controller: keeps every Application equal to Git. Triggers only enqueue application keys — an
 * Application's spec, operation or refresh annotation changing, a managed object changing (watches of only
 * the kinds apps manage, filtered by the tracking label and shared by all apps), a tracked repository
 * moving (polling or a webhook), the resync timer — and a bounded pool of workers runs reconcile(key), never
 * two at once for one key (controller/queue.ts). See reconcile.ts for what one reconcile does.
 *
 * Every lookup on a hot path is an index, never a scan of all apps or all cached objects (with 1,000 apps
 * and 4,000 managed objects the scans were about a tenth of the controller's busy CPU, docs/benchmarks.md):
 * an app by key is one cache get; the apps named by a managed object's tracking label come from an index
 * of the Application informers by name; the live objects of an app from an index of the managed
 * informers by tracking label.
 *
 * The ApplicationSet controller (appsets/) runs in the same process by default, on a queue of its own,
 * sharing the Application watch cache, the AppProjects and the Git mirrors.
 */
import { Hono } from "hono";
import { Customizations } from "./customizations.js";
import type { ChartRepos } from "../charts/index.js";
import { readApplication, appKey, sourcesOf, API_GROUP, ARGO_GROUP, API_VERSION, installCRDs } from "../apps/index.js";
import { TRACKING_LABEL } from "../core/annotations.js";
import type { KubeObject } from "../core/object.js";
import { Predictions } from "../engine/predictions.js";
import { InformerFactory, type Informer } from "../cluster/informer.js";
import { ClusterCaches } from "../clusters/caches.js";
import { ClusterRegistry, type ClusterRegistryOptions } from "../clusters/registry.js";
import type { Resources } from "../cluster/resources.js";
import { pushMatchesSource, sameRepository, serveWebhooks, webhookApp, type PushEvent, type WebhookSecrets } from "../webhooks/index.js";
import { appInfoOf } from "./app-info.js";
import { ControllerMetrics } from "./metrics.js";
import { probeRoutes } from "./probes.js";
import { WorkQueue } from "./queue.js";
import { reconcile, REFRESH_ANNOTATIONS, type Logger, type ReconcileDeps } from "./reconcile.js";
export { REFRESH_ANNOTATIONS };
import { RenderCache } from "./render-cache.js";
import type { Plugin } from "../render/index.js";
import { mergePlugins } from "./plugins.js";
import type { SourceRepos } from "./sources.js";
import { Notifier, type RetryOptions } from "../notifications/index.js";
import { AppSetController } from "../appsets/controller.js";
import { appSetCRDs } from "../appsets/crd.js";
import { ShardMembership } from "./shard/membership.js";

/**
 * Reconciles at once, by default. A reconcile mostly waits — for the API server, for a wave to become
 * healthy — so more workers than cores pay: with 1,000 apps, 4 workers synced 10 apps a second and 16
 * twice that (docs/benchmarks.md), for about 10 MiB more.
 */
export const DEFAULT_WORKERS = 16;

/** How long a sync operation may take by default (docs/adr/0004-re-entrant-operations.md). */
export const DEFAULT_SYNC_TIMEOUT_MS = 10 * 60_000;



export interface ControllerOptions {
  resources: Resources;
  repos: SourceRepos;
  /** Chart repositories and OCI registries for sources with `chart` (src/charts ChartRepos). */
  charts?: ChartRepos;
  log: Logger;
  /** Reconciles at once. Default DEFAULT_WORKERS. */
  workers?: number;
  /** Every app is compared again this often even without a trigger. Default 3 minutes. */
  resyncMs?: number;
  /** Also reconcile argoproj.io/v1alpha1 Applications (Argo CD's manifests, unchanged). */
  argoCompat?: boolean;
  /** Only Applications in this namespace. Default: all namespaces. */
  namespace?: string;
  /** Install (or update) the CRDs at start. Default true. */
  installCRDs?: boolean;
  /** Serve the Prometheus metrics at /metrics on this port (0 = any free port); none when undefined. */
  metrics?: { port: number; host?: string };
  /** Serve the webhook receiver on this port (0 = any free port); none when undefined. */
  webhook?: { port: number; host?: string; secrets: WebhookSecrets };
  /** The most an Application's status may hold of resource lists, in JSON bytes. Default 512 KiB (apps/budget.ts). */
  statusBudgetBytes?: number;
  /** How long a sync operation may take (an Application's plumb.dev/sync-timeout overrides it; 0: no limit). Default 10 minutes. */
  syncTimeoutMs?: number;
  /**
   * Renders kept (one per app and commit, least recently used dropped first). Default 5,000: below the
   * number of apps, a resync pass over them in order would evict each render before its next use.
   */
  renderCacheSize?: number;
  /** Config management plugins renders may use (`--plugins-dir`; controller/plugins.ts). */
  plugins?: readonly Plugin[];
  /**
   * Informer factories to share with another part of the process (the API server): Applications,
   * AppProjects, and managed objects (label selector: the tracking label). Made here when absent; the
   * controller stops only the ones it made.
   */
  informers?: { apps: InformerFactory; projects: InformerFactory; managed: InformerFactory };
  /**
   * Destination clusters: cluster Secrets (Argo CD's format) are read from `namespace`, where their
   * connection states are recorded too (src/clusters). None: only the in-cluster destination.
   */
  clusters?: { namespace: string } & Pick<ClusterRegistryOptions, "checkIntervalMs" | "maxRetryMs" | "requestTimeoutMs" | "checkTimeoutMs" | "maxConcurrent">;
  /**
   * Resource customizations (Lua health checks, system ignoreDifferences): from plumb-cm (and argocd-cm
   * with argoCompat) in `namespace`, and from a resource_customizations folder `dir`. None when undefined.
   */
  customizations?: { namespace: string; dir?: string };
  /**
   * Notifications (src/notifications): from plumb-notifications-cm/-secret (and Argo CD's with argoCompat)
   * in `namespace`, sent by a component of its own watching the same Application informers. Off when
   * undefined (`plumb controller --no-notifications`).
   */
  notifications?: { namespace: string; retry?: Partial<RetryOptions>; failureCooldownMs?: number };
  /**
   * Run the ApplicationSet controller in this process (appsets/controller.ts), sharing the Application
   * watch cache and the Git mirrors, and install its CRD. Default true; `plumb controller
   * --no-applicationsets` turns it off.
   */
  applicationSets?: boolean | { workers?: number; statusDelayMs?: number };
  /**
   * Share the Applications with the other members over Leases (shard/membership.ts,
   * docs/adr/0023-sharding.md): this member reconciles only the apps it owns. Off when undefined: one
   * member reconciles every app.
   */
  shard?: { memberId: string; namespace: string; leaseDurationMs: number };
}

/** Index of the Application informers: by name (what a tracking label holds). */
const BY_NAME = "name";

export class Controller {
  readonly queue = new WorkQueue();
  private readonly apps: InformerFactory;
  private readonly projects: InformerFactory;
  private readonly managed: InformerFactory;
  /** The in-cluster destination's watch caches (managed objects, namespaces, dry runs). */
  private readonly home: ClusterCaches;
  /** Destination clusters: resolution, clients, per-cluster caches and connection states. */
  readonly clusters: ClusterRegistry;
  private appInformers: Informer[] = [];
  private projectInformers: Informer[] = [];
  private appGroups: string[] = [];
  private readonly renderCache: RenderCache;
  /** Remembered dry-run answers, shared by all apps (engine/predictions.ts). */
  readonly predictions = new Predictions();
  private readonly stopping = new AbortController();
  private customizations?: Customizations;
  private notifier?: Notifier;
  private workers?: Promise<void>;
  private webhookServer?: { url: string; close(): Promise<void> };
  private metricsServer?: { url: string; close(): Promise<void> };
  /** Caches synced and workers running: what /readyz reports. */
  private ready = false;
  /** The ApplicationSet controller, when it runs (ControllerOptions.applicationSets). */
  appSets?: AppSetController;
  private appSetFactories: InformerFactory[] = [];
  /** Prometheus metrics (metrics.ts); `plumb controller --metrics-port` serves them. */
  readonly metrics = new ControllerMetrics({
    queue: () => this.queue.metrics(),
    predictions: () => this.predictions.stats(),
    apps: () => this.allApps().map((o) => appInfoOf(readApplication(o))),
    kube: () => this.opts.resources.client.requests,
  });
  /** This member's share of the apps, when sharding is on (ControllerOptions.shard). */
  shard?: ShardMembership;
  private deps?: ReconcileDeps;

  constructor(private readonly opts: ControllerOptions) {
    // Watch failures and recoveries are logged, naming the resource (cluster/watch-log.ts).
    this.apps = opts.informers?.apps ?? new InformerFactory(opts.resources, { log: opts.log });
    this.apps.addIndex(BY_NAME, (o) => [o.metadata.name]);
    this.projects = opts.informers?.projects ?? new InformerFactory(opts.resources, { log: opts.log });
    this.managed = opts.informers?.managed ?? new InformerFactory(opts.resources, { labelSelector: TRACKING_LABEL, log: opts.log });
    this.home = new ClusterCaches(opts.resources, { managed: this.managed, predictions: this.predictions, onManagedChange: (o) => this.enqueueOwner(o) });
    const { namespace: clustersNamespace, ...clusterTuning } = opts.clusters ?? {};
    this.clusters = new ClusterRegistry({
      home: opts.resources,
      homeCaches: this.home,
      ...(clustersNamespace ? { namespace: clustersNamespace } : {}),
      ...clusterTuning,
      log: opts.log,
      onAppsAffected: (keys) => {
        for (const k of keys) this.queue.add(k);
      },
      onManagedChange: (o) => this.enqueueOwner(o),
    });
    this.renderCache = new RenderCache(opts.renderCacheSize ?? 5000);
  }

  /** The metrics server's base URL (metrics at /metrics), once started. */
  get metricsURL(): string | undefined {
    return this.metricsServer?.url;
  }

  /** The webhook receiver's base URL, once started. */
  get webhookURL(): string | undefined {
    return this.webhookServer?.url;
  }

  /** Starts watching and reconciling; resolves once the caches are ready. */
  async start(): Promise<void> {
    const { resources, log } = this.opts;
    const appSetsOn = this.opts.applicationSets ?? true;
    // First, so that a kubelet's probes get an answer (503 from /readyz) while the caches fill.
    if (this.opts.metrics) {
      const app = new Hono().get("/metrics", async (c) => c.body(await this.metrics.text(), 200, { "content-type": this.metrics.contentType }));
      app.route("/", probeRoutes(() => this.ready));
      this.metricsServer = await serveWebhooks(app, { port: this.opts.metrics.port, host: this.opts.metrics.host ?? "127.0.0.1" });
    }
    if (this.opts.installCRDs ?? true) await installCRDs(resources, { argoCompat: Boolean(this.opts.argoCompat), ...(appSetsOn ? { extra: appSetCRDs } : {}) });
    const groups = [API_GROUP, ...(this.opts.argoCompat ? [ARGO_GROUP] : [])];
    this.appGroups = groups;
    for (const g of groups) for (const kind of ["Application", "AppProject"]) await resources.discovery.waitForKind(`${g}/${API_VERSION}`, kind);
    this.appInformers = await Promise.all(groups.map((g) => this.apps.ensure(`${g}/${API_VERSION}`, "Application", this.opts.namespace ? { namespace: this.opts.namespace } : {})));
    this.apps.on("add", (o) => this.queue.add(appKeyOf(o)));
    this.apps.on("update", (old, o) => {
      if (needsReconcile(old, o)) this.queue.add(appKeyOf(o));
    });
    this.apps.on("delete", (o) => this.queue.add(appKeyOf(o)));
    // AppProjects: a change may permit or refuse what the apps of that project deploy.
    this.projectInformers = await Promise.all(groups.map((g) => this.projects.ensure(`${g}/${API_VERSION}`, "AppProject", this.opts.namespace ? { namespace: this.opts.namespace } : {})));
    const projectChanged = (p: KubeObject): void => {
      for (const app of this.allApps()) if ((readApplication(app).spec?.project || "default") === p.metadata.name && app.metadata.namespace === p.metadata.namespace) this.queue.add(appKeyOf(app));
    };
    this.projects.on("add", projectChanged);
    this.projects.on("update", (_old, p) => projectChanged(p));
    this.projects.on("delete", projectChanged);
    await this.clusters.start();
    await this.apps.waitForSync();
    await this.projects.waitForSync();
    this.opts.repos.onChange((url) => this.repositoryChanged(url));
    this.opts.repos.onRequest?.((r) => this.metrics.gitRequest(r.repoURL, r.request, r.ok, r.durationMs / 1000));

    if (this.opts.webhook) {
      const app = this.webhookApp(this.opts.webhook.secrets);
      this.webhookServer = await serveWebhooks(app, { port: this.opts.webhook.port, host: this.opts.webhook.host ?? "127.0.0.1" });
    }
    if (this.opts.customizations) {
      this.customizations = new Customizations({ resources, log, argoCompat: Boolean(this.opts.argoCompat), ...this.opts.customizations });
      await this.customizations.start();
      // A changed script or rule changes what every app reports: compare them all again.
      this.customizations.onChange(() => {
        for (const app of this.allApps()) this.queue.add(appKeyOf(app));
      });
    }
    // Sharded: this member reconciles, notifies about and generates only what it owns (ADR 0023). Made
    // before the notifier and the ApplicationSet controller, which pass through its gate; started (its
    // Lease held, the owned set known) once they are ready.
    if (this.opts.shard) {
      this.shard = new ShardMembership({
        client: resources.client,
        ...this.opts.shard,
        log,
        keys: () => [...this.allApps().map(appKeyOf), ...(this.appSets?.keys() ?? []).map((k) => SET_KEY_PREFIX + k)],
        counted: (key) => !key.startsWith(SET_KEY_PREFIX),
        onGained: (keys) => {
          const apps = keys.filter((k) => !k.startsWith(SET_KEY_PREFIX));
          for (const k of apps) this.queue.add(k);
          this.notifier?.requeue(apps);
          this.appSets?.requeue(keys.filter((k) => k.startsWith(SET_KEY_PREFIX)).map((k) => k.slice(SET_KEY_PREFIX.length)));
        },
        // What this process tracked of an operation is re-read from its record if the app comes back.
        onLost: (keys) => {
          for (const k of keys) {
            this.deps?.operations.delete(k);
            this.deps?.handledOperations.delete(k);
          }
        },
      });
    }
    const gate = this.shard ? (key: string, fn: () => Promise<void>) => this.shard!.run(key, fn) : undefined;
    if (this.opts.notifications) {
      const n = this.opts.notifications;
      this.notifier = new Notifier({
        resources,
        log,
        apps: this.apps,
        getApp: (key) => this.getApp(key),
        allApps: () => this.allApps(),
        getProject: (group, namespace, name) => this.projectInformers[this.appGroups.indexOf(group)]?.get(`${group}/AppProject/${namespace}/${name}`),
        namespace: n.namespace,
        argoCompat: Boolean(this.opts.argoCompat),
        event: (app, type, reason, message) => void this.event(app, type, reason, message),
        ...(n.retry ? { retry: n.retry } : {}),
        ...(n.failureCooldownMs !== undefined ? { failureCooldownMs: n.failureCooldownMs } : {}),
        ...(gate ? { gate } : {}),
      });
      await this.notifier.start();
    }
    const custom = this.customizations;
    const dirPlugins = this.opts.plugins ?? [];
    const deps: ReconcileDeps = {
      resources,
      repos: this.opts.repos,
      ...(this.opts.charts ? { charts: this.opts.charts } : {}),
      renderCache: this.renderCache,
      // The folder's plugins, then the ConfigMaps' (read as they change); a name the folder defines is the folder's.
      get plugins(): readonly Plugin[] {
        return mergePlugins(dirPlugins, custom?.plugins() ?? []);
      },
      kustomizeBuildOptions: () => custom?.kustomizeBuildOptions() ?? [],
      liveObjects: (name, desired, known) => this.home.liveObjects(name, desired, known),
      clusters: this.clusters,
      getApp: (key) => this.getApp(key),
      getProject: (group, namespace, name) => this.projectInformers[this.appGroups.indexOf(group)]?.get(`${group}/AppProject/${namespace}/${name}`),
      engine: {
        predictions: this.predictions,
        observe: (obj) => this.home.observe(obj),
        namespaceExists: (name) => this.home.namespaceExists(name),
        ...(custom?.health ? { health: custom.health } : {}),
      },
      ...(custom ? { systemIgnoreDifferences: () => custom.ignoreDifferences() } : {}),
      event: (app, type, reason, message) => void this.event(app, type, reason, message),
      log,
      metrics: this.metrics,
      resyncMs: this.opts.resyncMs ?? 180_000,
      syncTimeoutMs: this.opts.syncTimeoutMs ?? DEFAULT_SYNC_TIMEOUT_MS,
      operations: new Map(),
      handledOperations: new Map(),
      written: new Map(),
      failures: new Map(),
      refreshedFor: new Map(),
      ...(this.opts.statusBudgetBytes ? { statusBudgetBytes: this.opts.statusBudgetBytes } : {}),
      signal: this.stopping.signal,
      ...(this.shard ? { fenced: () => this.shard!.fenced() } : {}),
    };
    this.deps = deps;
    if (appSetsOn) {
      const tuning = typeof appSetsOn === "object" ? appSetsOn : {};
      this.appSetFactories = [new InformerFactory(resources), new InformerFactory(resources)];
      this.appSets = new AppSetController(
        {
          resources,
          repos: this.opts.repos,
          log,
          apps: this.apps,
          getProject: (group, namespace, name) => this.projectInformers[this.appGroups.indexOf(group)]?.get(`${group}/AppProject/${namespace}/${name}`),
          groups,
          ...(this.opts.namespace ? { namespace: this.opts.namespace } : {}),
          resyncMs: this.opts.resyncMs ?? 180_000,
          ...(tuning.workers ? { workers: tuning.workers } : {}),
          ...(tuning.statusDelayMs !== undefined ? { statusDelayMs: tuning.statusDelayMs } : {}),
          event: (obj, type, reason, message) => void this.event(obj, type, reason, message),
          ...(gate ? { gate: (key: string, fn: () => Promise<void>) => gate(SET_KEY_PREFIX + key, fn) } : {}),
        },
        this.appSetFactories[0]!,
        this.appSetFactories[1]!,
      );
      await this.appSets.start();
    }
    if (this.shard) await this.shard.start();
    const shard = this.shard;
    const handle = async (key: string): Promise<void> => {
      this.metrics.reconciles.inc();
      const timer = this.metrics.reconcileDuration.startTimer();
      try {
        const r = await reconcile(deps, key);
        if (r.requeueAfterMs !== undefined) this.queue.addAfter(key, jitter(r.requeueAfterMs));
      } catch (err) {
        this.metrics.reconcileErrors.inc();
        log.error({ app: key, error: err instanceof Error ? err.message : String(err) }, "reconcile failed");
        throw err;
      } finally {
        timer();
      }
    };
    // Sharded: a key this member does not own is dropped here; it is enqueued again if it is gained.
    this.workers = this.queue.run(this.opts.workers ?? DEFAULT_WORKERS, shard ? async (key) => void (await shard.run(key, () => handle(key))) : handle);
    if (shard) this.metrics.setShard(() => shard.stats());
    this.ready = true;
    log.info({ apps: this.appInformers.reduce((n, i) => n + i.list().length, 0), groups }, "caches ready");
  }

  async stop(): Promise<void> {
    this.ready = false;
    this.stopping.abort();
    await this.appSets?.stop();
    await this.queue.shutDown();
    await this.workers;
    await this.shard?.stop();
    await this.notifier?.stop();
    await this.webhookServer?.close();
    await this.metricsServer?.close();
    await this.customizations?.stop();
    await this.clusters.stop();
    await Promise.all([...(this.opts.informers ? [] : [this.apps.stop(), this.projects.stop(), this.managed.stop()]), this.home.stop(), ...this.appSetFactories.map((f) => f.stop())]);
  }

  /** The Application of `key` ("namespace/name"): one cache get per group, in the informers' order. */
  private getApp(key: string): KubeObject | undefined {
    for (let i = 0; i < this.appInformers.length; i++) {
      const hit = this.appInformers[i]!.get(`${this.appGroups[i]}/Application/${key}`);
      if (hit) return hit;
    }
    return undefined;
  }

  private allApps(): KubeObject[] {
    return this.appInformers.flatMap((i) => i.list());
  }

  /** A managed object changed: reconcile the app(s) named by its tracking label. */
  private enqueueOwner(obj: KubeObject): void {
    const name = obj.metadata.labels?.[TRACKING_LABEL];
    if (!name) return;
    for (const inf of this.appInformers) for (const app of inf.byIndex(BY_NAME, name)) this.queue.add(appKeyOf(app));
  }

  /** The webhook receiver (`POST /api/webhook`) as a Hono app, to serve on a port of one's own or in the API server. */
  webhookApp(secrets: WebhookSecrets): Hono {
    return webhookApp({ secrets, onPush: (e) => this.onPush(e), logger: this.opts.log as never });
  }

  /** A verified push: refresh the repositories of the apps that track the pushed ref, and enqueue those apps. */
  private async onPush(event: PushEvent): Promise<number> {
    this.metrics.webhookPushes.inc();
    const matched = this.allApps().filter((o) => {
      const spec = readApplication(o).spec;
      return spec ? sourcesOf(spec).some((s) => pushMatchesSource(event, { repoURL: s.repoURL, targetRevision: s.targetRevision || "HEAD" })) : false;
    });
    const repos = new Set<string>();
    for (const o of matched) for (const s of sourcesOf(readApplication(o).spec!)) if (event.repoURLs.some((u) => sameRepository(u, s.repoURL))) repos.add(s.repoURL);
    await Promise.all([...repos].map((r) => this.opts.repos.refresh(r)));
    for (const o of matched) this.queue.add(appKeyOf(o));
    // ApplicationSets reading the pushed ref: their repositories fetched now (the fetch's change notice re-runs them).
    const sets = (await this.appSets?.onPush(event)) ?? 0;
    return matched.length + sets;
  }

  /** A repository's ref moved (polling): enqueue every app on that repository. */
  repositoryChanged(repoURL: string): void {
    for (const o of this.allApps()) {
      const spec = readApplication(o).spec;
      if (spec && sourcesOf(spec).some((s) => sameRepository(s.repoURL, repoURL))) this.queue.add(appKeyOf(o));
    }
  }

  private async event(app: KubeObject, type: "Normal" | "Warning", reason: string, message: string): Promise<void> {
    const now = new Date().toISOString();
    try {
      await this.opts.resources.create({
        apiVersion: "v1",
        kind: "Event",
        metadata: { name: `${app.metadata.name}.${Date.now().toString(16)}${Math.floor(Math.random() * 1e6).toString(16)}`, namespace: app.metadata.namespace ?? "default" },
        involvedObject: { apiVersion: app.apiVersion, kind: app.kind, name: app.metadata.name, namespace: app.metadata.namespace, uid: app.metadata.uid },
        type,
        reason,
        message: message.slice(0, 1000),
        source: { component: "plumb-controller" },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      } as KubeObject);
    } catch (err) {
      this.opts.log.warn({ error: err instanceof Error ? err.message : String(err) }, "could not record an event");
    }
  }
}

/** What an ApplicationSet's key is hashed as, beside the Applications' keys (which hold one "/"). */
const SET_KEY_PREFIX = "applicationset:";

function appKeyOf(o: KubeObject): string {
  return appKey(o);
}

/** Whether an Application update is worth a reconcile: not our own status writes (but a terminate request). */
function needsReconcile(old: KubeObject, o: KubeObject): boolean {
  const phase = (x: KubeObject) => (x.status as { operationState?: { phase?: string } } | undefined)?.operationState?.phase;
  if (phase(o) === "Terminating" && phase(old) !== "Terminating") return true;
  if (old.metadata.generation !== o.metadata.generation) return true;
  if (JSON.stringify(old.operation) !== JSON.stringify(o.operation)) return true;
  if (Boolean(old.metadata.deletionTimestamp) !== Boolean(o.metadata.deletionTimestamp)) return true;
  return REFRESH_ANNOTATIONS.some((a) => old.metadata.annotations?.[a] !== o.metadata.annotations?.[a]);
}

/** ±10 % so apps created together do not resync in lockstep. */
function jitter(ms: number): number {
  return ms <= 0 ? 0 : Math.round(ms * (0.9 + Math.random() * 0.2));
}
