/**
 * The ApplicationSet controller, run inside the app controller's process and sharing its Application watch
 * cache and Git mirrors. Triggers only enqueue set keys (`group/namespace/name`) on a queue of its own
 * (controller/queue.ts: de-duplicated, never one key twice at once):
 *
 * - a set added, its spec changed (generation) or deleted;
 * - an Application it owns added, deleted or changed in spec/metadata — at once; its status changed — after
 *   a short delay, so a burst of syncs refreshes `status.resources` once rather than per write;
 * - a repository of a git generator moving (the mirrors' change notice: polling, webhook, a fetch failing
 *   or recovering);
 * - a cluster Secret added, changed or removed (sets with a clusters generator);
 * - the resync timer (every set, each `resyncMs`).
 *
 * Workers start only once the sets' and the cluster Secrets' caches have synced; the cluster source itself
 * (clusters.ts) refuses to answer before, so no set is ever generated from an unsynced Secret cache.
 */
import type { InformerFactory, Informer } from "../cluster/informer.js";
import type { Resources } from "../cluster/resources.js";
import { WorkQueue } from "../controller/queue.js";
import type { SourceRepos } from "../controller/sources.js";
import type { KubeObject } from "../core/object.js";
import { API_VERSION } from "../apps/spec.js";
import { pushMatchesSource, sameRepository, type PushEvent } from "../webhooks/index.js";
import type { renderGoTemplates } from "../template/index.js";
import { CLUSTER_SECRET_SELECTORS, clusterSource } from "./clusters.js";
import { gitRepos, usesClusters } from "./generators.js";
import { appSetKey, reconcileAppSet, type AppSetDeps, type AppSetLogger } from "./reconcile.js";

/** Index of the Application informers: by the uid of the owning ApplicationSet. */
export const BY_APPSET = "appset-owner";

export interface AppSetControllerOptions {
  resources: Resources;
  repos: SourceRepos;
  log: AppSetLogger;
  /** The app controller's Application informers (shared). */
  apps: InformerFactory;
  /** AppProjects as stored, by group, namespace and name (the app controller's watch cache). */
  getProject(group: string, namespace: string, name: string): unknown;
  /** The groups served: plumb.dev, and argoproj.io with --argo-compat. */
  groups: readonly string[];
  /** Only ApplicationSets in this namespace. Default: all. */
  namespace?: string;
  /** Re-run every set this often. Default 3 minutes. */
  resyncMs?: number;
  /** Reconciles at once. Default 4. */
  workers?: number;
  /** How long after an owned Application's status change the set's status is refreshed. Default 5 s. */
  statusDelayMs?: number;
  /** Replaces the Go template tool (tests). */
  renderGo?: typeof renderGoTemplates;
  event(obj: KubeObject, type: "Normal" | "Warning", reason: string, message: string): void;
  /**
   * Sharded (controller/shard): runs one reconcile of a set only when this member owns the set's key
   * (resolves false, running nothing, when it does not); `requeue` is called when it gains keys.
   */
  gate?: (key: string, reconcile: () => Promise<void>) => Promise<boolean>;
}

export class AppSetController {
  readonly queue = new WorkQueue();
  private setInformers: Informer[] = [];
  private appInformers: Informer[] = [];
  private secretInformers: Informer[] = [];
  private workers?: Promise<void>;
  private secretsFactory?: InformerFactory;

  constructor(
    private readonly opts: AppSetControllerOptions,
    private readonly sets: InformerFactory,
    secrets: InformerFactory,
  ) {
    this.secretsFactory = secrets;
    opts.apps.addIndex(BY_APPSET, (o) => (o.metadata.ownerReferences ?? []).filter((r) => r.kind === "ApplicationSet").map((r) => r.uid));
  }

  async start(): Promise<void> {
    const { resources, groups } = this.opts;
    const ns = this.opts.namespace ? { namespace: this.opts.namespace } : {};
    for (const g of groups) await resources.discovery.waitForKind(`${g}/${API_VERSION}`, "ApplicationSet");
    this.setInformers = await Promise.all(groups.map((g) => this.sets.ensure(`${g}/${API_VERSION}`, "ApplicationSet", ns)));
    this.appInformers = await Promise.all(groups.map((g) => this.opts.apps.ensure(`${g}/${API_VERSION}`, "Application", ns)));
    this.secretInformers = await Promise.all(CLUSTER_SECRET_SELECTORS.map((labelSelector) => this.secretsFactory!.ensure("v1", "Secret", { ...ns, labelSelector })));
    this.sets.on("add", (o) => this.queue.add(appSetKey(o)));
    this.sets.on("update", (old, o) => {
      if (old.metadata.generation !== o.metadata.generation || Boolean(old.metadata.deletionTimestamp) !== Boolean(o.metadata.deletionTimestamp)) this.queue.add(appSetKey(o));
    });
    this.sets.on("delete", (o) => this.queue.add(appSetKey(o)));
    const owner = (app: KubeObject): string | undefined => {
      const ref = (app.metadata.ownerReferences ?? []).find((r) => r.kind === "ApplicationSet");
      return ref ? `${ref.apiVersion.split("/")[0]}/${app.metadata.namespace ?? ""}/${ref.name}` : undefined;
    };
    this.opts.apps.on("add", (a) => {
      const k = owner(a);
      if (k) this.queue.add(k);
    });
    this.opts.apps.on("delete", (a) => {
      const k = owner(a);
      if (k) this.queue.add(k);
    });
    this.opts.apps.on("update", (old, a) => {
      const k = owner(a) ?? owner(old);
      if (!k) return;
      const metaChanged = old.metadata.generation !== a.metadata.generation || JSON.stringify([old.metadata.labels, old.metadata.annotations, old.metadata.finalizers, old.metadata.ownerReferences, old.metadata.deletionTimestamp]) !== JSON.stringify([a.metadata.labels, a.metadata.annotations, a.metadata.finalizers, a.metadata.ownerReferences, a.metadata.deletionTimestamp]);
      if (metaChanged) this.queue.add(k);
      else this.queue.addAfter(k, this.opts.statusDelayMs ?? 5000);
    });
    this.secretsFactory!.on("add", () => this.clustersChanged());
    this.secretsFactory!.on("update", () => this.clustersChanged());
    this.secretsFactory!.on("delete", () => this.clustersChanged());
    this.opts.repos.onChange((url) => this.repositoryChanged(url));
    await this.sets.waitForSync();
    await this.secretsFactory!.waitForSync();

    const deps: AppSetDeps = {
      resources,
      repos: this.opts.repos,
      getSet: (key) => {
        const [group, namespace, name] = key.split("/");
        const i = groups.indexOf(group!);
        return this.setInformers[i]?.get(`${group}/ApplicationSet/${namespace}/${name}`);
      },
      getApp: (group, namespace, name) => this.appInformers[groups.indexOf(group)]?.get(`${group}/Application/${namespace}/${name}`),
      ownedApps: (uid) => this.appInformers.flatMap((i) => i.byIndex(BY_APPSET, uid)),
      getProject: this.opts.getProject,
      clusters: clusterSource(() => this.secretInformers),
      event: this.opts.event,
      log: this.opts.log,
      resyncMs: this.opts.resyncMs ?? 180_000,
      listings: new Map(),
      lastErrors: new Map(),
      ...(this.opts.renderGo ? { renderGo: this.opts.renderGo } : {}),
    };
    const handle = async (key: string): Promise<void> => {
      try {
        const r = await reconcileAppSet(deps, key);
        if (r.requeueAfterMs !== undefined) this.queue.addAfter(key, Math.round(r.requeueAfterMs * (0.9 + Math.random() * 0.2)));
      } catch (err) {
        this.opts.log.error({ applicationSet: key, error: err instanceof Error ? err.message : String(err) }, "applicationset reconcile failed");
        throw err;
      }
    };
    const gate = this.opts.gate;
    this.workers = this.queue.run(this.opts.workers ?? 4, gate ? async (key) => void (await gate(key, () => handle(key))) : handle);
    this.opts.log.info({ applicationSets: this.allSets().length, groups }, "applicationset controller ready");
  }

  async stop(): Promise<void> {
    await this.queue.shutDown();
    await this.workers;
  }

  /** The keys of every ApplicationSet known (what sharding hashes). */
  keys(): string[] {
    return this.allSets().map(appSetKey);
  }

  /** Reconciles these sets again (keys this member has just gained). */
  requeue(keys: Iterable<string>): void {
    for (const k of keys) this.queue.add(k);
  }

  private allSets(): KubeObject[] {
    return this.setInformers.flatMap((i) => i.list());
  }

  private clustersChanged(): void {
    for (const s of this.allSets()) if (usesClusters(specGenerators(s))) this.queue.add(appSetKey(s));
  }

  /** A repository moved (or its fetches started or stopped failing): re-run the sets reading it. */
  repositoryChanged(url: string): void {
    for (const s of this.allSets()) if (gitRepos(specGenerators(s)).some((r) => sameRepository(r, url))) this.queue.add(appSetKey(s));
  }

  /** A verified webhook push: fetch the repositories of the sets that read the pushed ref. */
  async onPush(event: PushEvent): Promise<number> {
    const repos = new Set<string>();
    for (const s of this.allSets()) {
      for (const g of gitGenerators(specGenerators(s))) if (pushMatchesSource(event, { repoURL: g.repoURL, targetRevision: g.revision || "HEAD" })) repos.add(g.repoURL);
    }
    await Promise.all([...repos].map((r) => this.opts.repos.refresh(r).catch(() => undefined)));
    return repos.size;
  }
}

function specGenerators(s: KubeObject): unknown[] {
  const g = (s.spec as { generators?: unknown } | undefined)?.generators;
  return Array.isArray(g) ? g : [];
}

/** The git generators (repoURL, revision) of a generator list, nested ones included. */
function gitGenerators(generators: readonly unknown[]): Array<{ repoURL: string; revision?: string }> {
  const out: Array<{ repoURL: string; revision?: string }> = [];
  const walk = (g: unknown, depth: number): void => {
    if (!g || typeof g !== "object" || depth > 3) return;
    const r = g as Record<string, { repoURL?: unknown; revision?: unknown; generators?: unknown }>;
    if (typeof r.git?.repoURL === "string") out.push({ repoURL: r.git.repoURL, ...(typeof r.git.revision === "string" ? { revision: r.git.revision } : {}) });
    for (const k of ["matrix", "merge"]) if (Array.isArray(r[k]?.generators)) for (const c of r[k]!.generators as unknown[]) walk(c, depth + 1);
  };
  for (const g of generators) walk(g, 0);
  return out;
}
