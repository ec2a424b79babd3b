/**
 * The watch caches of one destination cluster, as the engine reads them: the objects apps manage (one
 * informer per kind, label selector: the tracking label, indexed by the owning app's name), namespaces
 * (for CreateNamespace), and the remembered dry-run answers. The controller's own cluster has one set
 * (shared with the API server); every other cluster an app targets gets one from the registry
 * (registry.ts), started with the first app and stopped with the last.
 *
 * A cache that cannot sync (its cluster stopped answering) is waited for at most `syncTimeoutMs`: the
 * reconcile fails with ClusterUnavailableError and releases its worker instead of hanging on it.
 */
import { TRACKING_LABEL } from "../core/annotations.js";
import { PlumbError } from "../core/errors.js";
import { keyOf, type KubeObject } from "../core/object.js";
import { UnknownKindError } from "../cluster/discovery.js";
import { atLeastVersion, InformerFactory, type Informer } from "../cluster/informer.js";
import type { Resources } from "../cluster/resources.js";
import { namespaceByGet } from "../engine/compare.js";
import { Predictions } from "../engine/predictions.js";

/** Index of the managed-object informers: by tracking label (the owning app's name). */
export const BY_APP = "app";

/** A destination cluster cannot be reached (or its caches cannot be filled): the app shows ComparisonError. */
export class ClusterUnavailableError extends PlumbError {}

export interface ClusterCachesOptions {
  /** The managed-object factory to use (the in-cluster one is shared with the API server); made here when absent. */
  managed?: InformerFactory;
  /** The remembered dry runs (made here when absent). */
  predictions?: Predictions;
  /** How long a reconcile waits for a cache's first list. Default: no limit. */
  syncTimeoutMs?: number;
  /** Called for every add, update (new resourceVersion) and delete of a managed object. */
  onManagedChange?: (obj: KubeObject) => void;
  /** Names the cluster in messages. */
  label?: string;
  /**
   * A kind whose watch cannot start for another reason than being unknown to the cluster fails the
   * reconcile (a remote cluster going away) instead of being skipped. Default false (the in-cluster way).
   */
  strict?: boolean;
}

export class ClusterCaches {
  readonly managed: InformerFactory;
  /** Watches of cluster-wide kinds the engine asks about (namespaces). */
  private readonly clusterScoped: InformerFactory;
  readonly predictions: Predictions;
  private readonly ownsManaged: boolean;
  private closed = false;

  constructor(
    readonly resources: Resources,
    private readonly opts: ClusterCachesOptions = {},
  ) {
    this.ownsManaged = !opts.managed;
    this.managed = opts.managed ?? new InformerFactory(resources, { labelSelector: TRACKING_LABEL });
    this.managed.addIndex(BY_APP, (o) => {
      const app = o.metadata.labels?.[TRACKING_LABEL];
      return app ? [app] : [];
    });
    const changed = opts.onManagedChange;
    if (changed) {
      this.managed.on("add", changed);
      this.managed.on("update", (old, o) => {
        // Status-only churn of a managed object still changes its health, so any change counts.
        if (old.metadata.resourceVersion !== o.metadata.resourceVersion) changed(o);
      });
      this.managed.on("delete", changed);
    }
    this.clusterScoped = new InformerFactory(resources);
    this.predictions = opts.predictions ?? new Predictions();
  }

  /** A managed object as the watch cache holds it, if at least as new as `written` (ClusterOps.observe). */
  observe(written: KubeObject): { watched: false } | { watched: true; live?: KubeObject } {
    const informer = this.managed.peek(written.apiVersion, written.kind);
    if (!informer) return { watched: false };
    const live = informer.get(keyOf(written));
    return live && atLeastVersion(live.metadata.resourceVersion, written.metadata.resourceVersion) ? { watched: true, live } : { watched: true };
  }

  /** Whether a namespace exists: from a watch of namespaces, or a GET when the watch has not seen it. */
  async namespaceExists(name: string): Promise<boolean> {
    const informer = await this.clusterScoped.ensure("v1", "Namespace").catch(() => undefined);
    if (informer?.hasSynced && informer.get({ group: "", kind: "Namespace", namespace: "", name })) return true;
    return namespaceByGet(this.resources)(name);
  }

  /** The live objects `app` owns, from shared watches of the kinds it has (desired now, or known before). */
  async liveObjects(app: string, desired: readonly KubeObject[], known: ReadonlyArray<{ group: string; version: string; kind: string }>): Promise<KubeObject[]> {
    const kinds = new Map<string, { apiVersion: string; kind: string }>();
    for (const o of desired) kinds.set(`${o.apiVersion}/${o.kind}`, { apiVersion: o.apiVersion, kind: o.kind });
    for (const k of known) {
      const info = await this.resources.discovery.resourceForGroupKind(k.group, k.kind);
      if (info) kinds.set(`${k.group ? `${k.group}/` : ""}${info.version}/${k.kind}`, { apiVersion: k.group ? `${k.group}/${info.version}` : info.version, kind: k.kind });
    }
    const informers = await Promise.all(
      [...kinds.values()].map((k) =>
        this.managed.ensure(k.apiVersion, k.kind).catch((err: unknown) => {
          if (this.opts.strict && !(err instanceof UnknownKindError)) throw this.unavailable(err);
          return undefined;
        }),
      ),
    );
    // Stopped meanwhile (the cluster failed): an empty answer would read as "nothing deployed".
    if (this.closed) throw this.unavailable(new Error("its watches were stopped"));
    const out: KubeObject[] = [];
    for (const inf of informers) {
      if (!inf) continue;
      await this.synced(inf);
      out.push(...inf.byIndex(BY_APP, app));
    }
    return out;
  }

  private unavailable(err: unknown): ClusterUnavailableError {
    return err instanceof ClusterUnavailableError ? err : new ClusterUnavailableError(`${this.opts.label ?? "the cluster"}: ${err instanceof Error ? err.message : String(err)}`);
  }

  private async synced(inf: Informer): Promise<void> {
    const limit = this.opts.syncTimeoutMs;
    if (inf.hasSynced || limit === undefined) return inf.synced;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ClusterUnavailableError(`the watch cache of ${this.opts.label ?? "the cluster"} did not fill within ${limit / 1000} s: the cluster does not answer`)), limit);
    });
    try {
      await Promise.race([inf.synced, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kinds watched. */
  watchedKinds(): number {
    return this.managed.list().length;
  }

  /** Stops the watches this object made (not a shared managed factory). */
  async stop(): Promise<void> {
    this.closed = true;
    await Promise.all([...(this.ownsManaged ? [this.managed.stop()] : []), this.clusterScoped.stop()]);
  }
}
