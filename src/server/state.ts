/**
 * What the API reads, from shared watches: Applications and AppProjects of plumb's group (and Argo CD's in
 * compat mode), one informer each, never a list of the cluster per request. In one process with the
 * controller they are the controller's own informers (the factories are made here and handed to it), so
 * 10,000 apps are held once.
 *
 * Besides the caches it keeps the newest resourceVersion seen (a list's `metadata.resourceVersion`, where
 * a stream resumes from) and tells listeners every add/update/delete (the streams fan them out).
 */
import { API_GROUP, API_VERSION, ARGO_GROUP } from "../apps/index.js";
import type { WatchLogger } from "../cluster/watch-log.js";
import { InformerFactory, type Informer } from "../cluster/informer.js";
import type { Resources } from "../cluster/resources.js";
import { TRACKING_LABEL } from "../core/annotations.js";
import type { KubeObject } from "../core/object.js";
import { withoutManagedFields } from "./app-filter.js";

/** The informer factories the server and the controller share. */
export interface SharedInformers {
  apps: InformerFactory;
  projects: InformerFactory;
  /** Managed objects (label selector: the tracking label), per kind, started on first use. */
  managed: InformerFactory;
}

/**
 * Makes the factories (namespace: only Applications/AppProjects of that namespace). Applications and
 * AppProjects are cached without `managedFields` (server-side apply's bookkeeping, nothing the controller
 * or the API reads): at 10,000 apps that is tens of MiB.
 */
export function sharedInformers(resources: Resources, namespace?: string, log?: WatchLogger): SharedInformers {
  const lean = { transform: withoutManagedFields, ...(namespace ? { namespace } : {}), ...(log ? { log } : {}) };
  return {
    apps: new InformerFactory(resources, lean),
    projects: new InformerFactory(resources, lean),
    managed: new InformerFactory(resources, { labelSelector: TRACKING_LABEL, ...(log ? { log } : {}) }),
  };
}

export type AppEventType = "ADDED" | "MODIFIED" | "DELETED";
export type AppListener = (type: AppEventType, app: KubeObject) => void;

export class AppState {
  private appInformers: Informer[] = [];
  private projectInformers: Informer[] = [];
  readonly groups: string[];
  private readonly listeners = new Set<AppListener>();
  private newest = 0n;

  constructor(
    readonly informers: SharedInformers,
    opts: { argoCompat?: boolean; namespace?: string } = {},
  ) {
    this.groups = [API_GROUP, ...(opts.argoCompat ? [ARGO_GROUP] : [])];
    this.namespace = opts.namespace;
  }

  /** Only Applications of this namespace (undefined: all). */
  readonly namespace: string | undefined;

  /** Starts (or joins) the watches; resolves once the caches are full. */
  async start(resources: Resources): Promise<void> {
    for (const g of this.groups) for (const kind of ["Application", "AppProject"]) await resources.discovery.waitForKind(`${g}/${API_VERSION}`, kind);
    const over = this.namespace ? { namespace: this.namespace } : {};
    this.appInformers = await Promise.all(this.groups.map((g) => this.informers.apps.ensure(`${g}/${API_VERSION}`, "Application", over)));
    this.projectInformers = await Promise.all(this.groups.map((g) => this.informers.projects.ensure(`${g}/${API_VERSION}`, "AppProject", over)));
    const seen = (o: KubeObject): void => {
      const rv = o.metadata.resourceVersion;
      if (rv && /^\d+$/.test(rv) && BigInt(rv) > this.newest) this.newest = BigInt(rv);
    };
    this.informers.apps.on("add", (o) => (seen(o), this.emit("ADDED", o)));
    this.informers.apps.on("update", (_old, o) => (seen(o), this.emit("MODIFIED", o)));
    this.informers.apps.on("delete", (o) => (seen(o), this.emit("DELETED", o)));
    await Promise.all([...this.appInformers, ...this.projectInformers].map((i) => i.synced));
    for (const o of this.apps()) seen(o);
    // A list's own resourceVersion is a position after everything it saw, deletes included (the streams resume from it).
    for (const i of this.appInformers) seen({ apiVersion: "", kind: "", metadata: { name: "", resourceVersion: i.stats.resourceVersion } });
  }

  private emit(type: AppEventType, app: KubeObject): void {
    for (const l of this.listeners) l(type, app);
  }

  /** Told of every Application change; returns the function that stops it. */
  subscribe(listener: AppListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The newest resourceVersion of an Application seen ("0" before any). */
  get resourceVersion(): string {
    return this.newest.toString();
  }

  /** Every Application of every group. */
  apps(): KubeObject[] {
    return this.appInformers.flatMap((i) => i.list());
  }

  /** One Application by namespace and name (plumb's group first). */
  app(namespace: string, name: string): KubeObject | undefined {
    for (let i = 0; i < this.appInformers.length; i++) {
      const hit = this.appInformers[i]!.get({ group: this.groups[i]!, kind: "Application", namespace, name });
      if (hit) return hit;
    }
    return undefined;
  }

  /** Every AppProject of every group. */
  projects(): KubeObject[] {
    return this.projectInformers.flatMap((i) => i.list());
  }

  /** One AppProject by namespace and name (plumb's group first). */
  project(namespace: string, name: string): KubeObject | undefined {
    for (let i = 0; i < this.projectInformers.length; i++) {
      const hit = this.projectInformers[i]!.get({ group: this.groups[i]!, kind: "AppProject", namespace, name });
      if (hit) return hit;
    }
    return undefined;
  }
}
