/**
 * The I/O half of the resource tree: the watch caches the tree is built from, and when they start and stop.
 *
 * What is watched (docs/adr/0005-resource-tree-watches.md has the why and the cost):
 *  - The app's managed objects come from `managed`, the informers of the kinds apps manage, cluster-wide
 *    and filtered by the tracking label `plumb.dev/app` — the controller's own factory when the server runs
 *    in its process, else one made the same way (`managedInformerFactory`). A kind an app lists in
 *    `status.resources` that the factory does not watch yet is started there, as the controller would.
 *  - Their children — ReplicaSets, Pods, Jobs, EndpointSlices, ControllerRevisions, as the owner table
 *    (build.ts, CHILD_KINDS) says the app's managed kinds can own — are watched per namespace, only in the
 *    namespaces where an app whose tree was asked for has such managed objects, and only the kinds those
 *    objects can own (a namespace of ConfigMaps has no watch; one of Services only EndpointSlices). Watches
 *    of a namespace start with the first tree that needs them (that tree waits for their first LIST) and
 *    stop once no tree has been asked for in `idleMs` and no stream holds them (`retain`). At most
 *    `maxNamespaces` namespaces are watched; beyond, the least recently used one not in use is stopped.
 *    Children are not label-selected — Kubernetes' controllers do not copy an owner's labels — so such a
 *    watch caches every object of its kind in the namespace, stripped to what the tree reads (strip.ts).
 *
 * Every cache has an index by owner uid, so a tree is a walk of index lookups from the app's managed
 * objects (O(nodes of the tree)), never a scan of a namespace. The walk's result goes to buildTree.
 *
 * Changes: every add, update or delete in those caches is told to `onChange` listeners — with the app's
 * name for a managed object (its tracking label), with only the namespace for a child — so that a tree
 * stream recomputes the trees it shows (`changeAffects`); listeners are called synchronously, once per
 * event, and should coalesce.
 *
 * Owns: the tree's watches. Must not import: controller, sync, render.
 */
import { TRACKING_LABEL } from "../../core/annotations.js";
import { PlumbError } from "../../core/errors.js";
import { UnavailableError } from "../errors.js";
import { keyOf, keyString, parseApiVersion, type KubeObject } from "../../core/object.js";
import { isOwnedBy } from "../../core/tracking.js";
import { InformerFactory, type Informer, type InformerFactoryOptions } from "../../cluster/informer.js";
import type { Resources } from "../../cluster/resources.js";
import { buildTree, CHILD_KINDS, descendantKinds, entryKey, managedEntries, type ChildKind } from "./build.js";
import { stripForTree } from "./strip.js";
import type { ApplicationTree, TreeChange } from "./types.js";

/** What the tree logs through (pino's shape, as the controller's Logger). */
export interface TreeLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** The index of managed informers by tracking label: the controller adds the same one under this name. */
export const MANAGED_BY_APP_INDEX = "app";
/** The index of the child caches by owner uid. */
const BY_OWNER = "owner";

export interface ResourceTreesOptions {
  /**
   * The API client the child watches go through. Each watch holds one connection for as long as it runs,
   * so its client's maxSockets must exceed stats().watches plus the requests it carries: give the tree a
   * client of its own (`KubeClient.fromKubeConfig(kc, { maxSockets: 256 })`) rather than the controller's.
   */
  resources: Resources;
  /** Informers of the managed kinds, label-selected by the tracking label (the controller's, or managedInformerFactory's). */
  managed: InformerFactory;
  log: TreeLogger;
  /** A namespace's child watches stop after this long without a tree asked for there (and no retain). Default 10 min. */
  idleMs?: number;
  /** The most namespaces whose children are watched at once. Default 100. */
  maxNamespaces?: number;
  /** How long a tree waits for a cache's first LIST before it fails with TreeUnavailableError. Default 30 s. */
  syncTimeoutMs?: number;
  /** The owner table (build.ts). Default CHILD_KINDS; pass a copy with more entries for custom kinds that own objects. */
  childKinds?: ReadonlyMap<string, readonly ChildKind[]>;
}

/** The caches a tree needs did not fill in time (the API server is slow or down). */
export class TreeUnavailableError extends UnavailableError {}

/** The child watches of one namespace. */
interface NamespaceWatch {
  namespace: string;
  factory: InformerFactory;
  /** By "apiVersion/kind": the started informer, or undefined for a kind the cluster does not serve. */
  kinds: Map<string, Promise<Informer | undefined>>;
  lastUsed: number;
  /** Trees being computed with it right now (never stopped meanwhile). */
  busy: number;
}

/**
 * A factory for the managed kinds made as the controller makes its own: label-selected on the tracking
 * label, with the by-app index. For a server that runs without the controller in its process.
 */
export function managedInformerFactory(resources: Resources, opts: InformerFactoryOptions = {}): InformerFactory {
  const factory = new InformerFactory(resources, { ...opts, labelSelector: TRACKING_LABEL });
  factory.addIndex(MANAGED_BY_APP_INDEX, byApp);
  return factory;
}

function byApp(o: KubeObject): string[] {
  const app = o.metadata.labels?.[TRACKING_LABEL];
  return app ? [app] : [];
}

/** The resource trees of Applications, from watch caches started on demand (see the module comment). */
export class ResourceTrees {
  private readonly namespaces = new Map<string, NamespaceWatch>();
  private readonly listeners = new Set<(change: TreeChange) => void>();
  /** Apps whose namespaces are held by a stream, by "namespace/name". */
  private readonly held = new Map<string, { count: number; namespaces: Set<string> }>();
  private readonly warned = new Set<string>();
  private readonly idleMs: number;
  private readonly maxNamespaces: number;
  private readonly syncTimeoutMs: number;
  private readonly childKinds: ReadonlyMap<string, readonly ChildKind[]>;
  private readonly sweeper: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly opts: ResourceTreesOptions) {
    this.idleMs = opts.idleMs ?? 10 * 60_000;
    this.maxNamespaces = opts.maxNamespaces ?? 100;
    this.syncTimeoutMs = opts.syncTimeoutMs ?? 30_000;
    this.childKinds = opts.childKinds ?? CHILD_KINDS;
    opts.managed.addIndex(MANAGED_BY_APP_INDEX, byApp);
    const managedChanged = (o: KubeObject): void => {
      const app = o.metadata.labels?.[TRACKING_LABEL];
      if (app) this.emit({ namespace: o.metadata.namespace ?? "", app });
    };
    opts.managed.on("add", managedChanged);
    opts.managed.on("update", (_old, o) => managedChanged(o));
    opts.managed.on("delete", managedChanged);
    this.sweeper = setInterval(() => this.sweep(), Math.max(250, Math.min(this.idleMs / 2, 60_000)));
    this.sweeper.unref();
  }

  /**
   * The tree of `app` (an Application as read from the cluster): its managed resources, live or Missing,
   * and their descendants, from the caches. The first tree in a namespace starts its watches and waits for
   * their first LIST; later ones answer from memory. Throws TreeUnavailableError when a cache does not fill
   * within syncTimeoutMs.
   */
  async tree(app: KubeObject): Promise<ApplicationTree> {
    if (this.stopped) throw new PlumbError("the resource trees are stopped");
    const name = app.metadata.name;
    const entries = managedEntries(app);
    const live = new Map<string, KubeObject>();

    const kinds = new Map<string, { group: string; version: string; kind: string }>();
    for (const e of entries) kinds.set(`${e.group ?? ""}/${e.kind}`, { group: e.group ?? "", version: e.version ?? "", kind: e.kind });
    const informers = new Map<string, Informer | undefined>();
    await Promise.all([...kinds].map(async ([gk, k]) => informers.set(gk, await this.managedInformer(k))));
    for (const e of entries) {
      const hit = informers.get(`${e.group ?? ""}/${e.kind}`)?.get(entryKey(e));
      if (hit) live.set(keyString(keyOf(hit)), hit);
    }
    // Objects the app owns that its status does not list (a summarised status, or one not yet rewritten).
    for (const informer of this.opts.managed.list()) {
      if (!informer.hasSynced) continue;
      for (const obj of informer.byIndex(MANAGED_BY_APP_INDEX, name)) if (isOwnedBy(obj, name)) live.set(keyString(keyOf(obj)), obj);
    }

    const roots = new Map<string, Array<{ group: string; kind: string }>>();
    const addRoot = (namespace: string, group: string, kind: string): void => {
      if (!namespace) return;
      let list = roots.get(namespace);
      if (!list) roots.set(namespace, (list = []));
      list.push({ group, kind });
    };
    for (const e of entries) addRoot(e.namespace ?? "", e.group ?? "", e.kind);
    for (const obj of live.values()) addRoot(obj.metadata.namespace ?? "", parseApiVersion(obj.apiVersion).group, obj.kind);
    const needed = new Map<string, ChildKind[]>();
    for (const [namespace, list] of roots) {
      const childKinds = descendantKinds(list, this.childKinds);
      if (childKinds.length > 0) needed.set(namespace, childKinds);
    }
    const hold = this.held.get(appKeyOf(app));
    if (hold) hold.namespaces = new Set(needed.keys());

    const watches = [...needed.keys()].map((ns) => this.namespaceWatch(ns));
    try {
      const caches = (await Promise.all(watches.map((w) => Promise.all(needed.get(w.namespace)!.map((k) => this.childInformer(w, k)))))).flat();
      return buildTree(app, [...live.values()], descendants([...live.values()], caches.filter((c): c is Informer => c !== undefined)));
    } finally {
      const now = Date.now();
      for (const w of watches) {
        w.busy--;
        w.lastUsed = now;
      }
    }
  }

  /**
   * Keeps the child watches of `app`'s namespaces running — whatever idleMs says — until the returned
   * function is called: for a stream that shows the tree. Each tree() of a held app updates which
   * namespaces are held.
   */
  retain(app: KubeObject): () => void {
    const key = appKeyOf(app);
    let hold = this.held.get(key);
    if (!hold) this.held.set(key, (hold = { count: 0, namespaces: new Set(managedEntries(app).map((e) => e.namespace ?? "").filter(Boolean)) }));
    hold.count++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const h = this.held.get(key);
      if (!h || --h.count > 0) return;
      this.held.delete(key);
      const now = Date.now();
      for (const ns of h.namespaces) {
        const w = this.namespaces.get(ns);
        if (w) w.lastUsed = now;
      }
    };
  }

  /** Calls `listener` on every change in the tree's caches (see the module comment); returns a function that removes it. */
  onChange(listener: (change: TreeChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** What is watched right now: namespaces with child watches, the watches open (child informers), objects cached by them. */
  stats(): { namespaces: number; watches: number; objects: number } {
    let watches = 0;
    let objects = 0;
    for (const w of this.namespaces.values()) {
      for (const informer of w.factory.list()) {
        watches++;
        objects += informer.size;
      }
    }
    return { namespaces: this.namespaces.size, watches, objects };
  }

  /** The namespaces whose children are watched, sorted. */
  watchedNamespaces(): string[] {
    return [...this.namespaces.keys()].sort();
  }

  /** Stops every child watch (not the managed factory, which the caller owns). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweeper);
    const all = [...this.namespaces.values()];
    this.namespaces.clear();
    this.listeners.clear();
    await Promise.all(all.map((w) => w.factory.stop()));
  }

  private emit(change: TreeChange): void {
    if (this.stopped) return;
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.opts.log.warn({ error: err instanceof Error ? err.message : String(err) }, "resource tree change listener failed");
      }
    }
  }

  /** The managed informer of a kind, synced; undefined when the cluster does not serve it. */
  private async managedInformer(k: { group: string; version: string; kind: string }): Promise<Informer | undefined> {
    const withVersion = (version: string): string => (k.group ? `${k.group}/${version}` : version);
    const preferred = async (): Promise<Informer | undefined> => {
      const info = await this.opts.resources.discovery.resourceForGroupKind(k.group, k.kind).catch(() => undefined);
      return info ? this.opts.managed.ensure(withVersion(info.version), k.kind).catch(() => undefined) : undefined;
    };
    // The version recorded in the status, else (none recorded, or no longer served) the preferred one:
    // objects are looked up by group, kind, namespace and name, whatever the version.
    const informer = (k.version ? await this.opts.managed.ensure(withVersion(k.version), k.kind).catch(() => undefined) : undefined) ?? (await preferred());
    if (!informer) return this.unserved(`${k.group}/${k.kind}`);
    await this.synced(informer, `${k.kind} (managed)`);
    return informer;
  }

  /** The namespace's watch record, created if new, marked busy (the caller decrements). */
  private namespaceWatch(namespace: string): NamespaceWatch {
    let w = this.namespaces.get(namespace);
    if (!w) {
      if (this.namespaces.size >= this.maxNamespaces) this.evictOne();
      const factory = new InformerFactory(this.opts.resources, {
        namespace,
        transform: stripForTree,
        onError: (err) => this.opts.log.warn({ namespace, error: err instanceof Error ? err.message : String(err) }, "resource tree watch failed; retrying"),
      });
      factory.addIndex(BY_OWNER, (o) => (o.metadata.ownerReferences ?? []).map((r) => r.uid).filter(Boolean));
      const changed = (): void => this.emit({ namespace });
      factory.on("add", changed);
      factory.on("update", changed);
      factory.on("delete", changed);
      w = { namespace, factory, kinds: new Map(), lastUsed: Date.now(), busy: 0 };
      this.namespaces.set(namespace, w);
    }
    w.busy++;
    return w;
  }

  /** The namespace's informer of one child kind, started on first use and synced; undefined when not served. */
  private async childInformer(w: NamespaceWatch, k: ChildKind): Promise<Informer | undefined> {
    const id = `${k.apiVersion}/${k.kind}`;
    let p = w.kinds.get(id);
    if (!p) {
      p = w.factory.ensure(k.apiVersion, k.kind).then(
        (i) => i,
        () => {
          w.kinds.delete(id);
          return this.unserved(id);
        },
      );
      w.kinds.set(id, p);
    }
    const informer = await p;
    if (informer) await this.synced(informer, `${k.kind} in ${w.namespace}`);
    return informer;
  }

  private unserved(what: string): undefined {
    if (!this.warned.has(what)) {
      this.warned.add(what);
      this.opts.log.warn({ kind: what }, "the cluster does not serve this kind; the resource tree leaves it out");
    }
    return undefined;
  }

  private async synced(informer: Informer, what: string): Promise<void> {
    if (informer.hasSynced) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TreeUnavailableError(`the watch of ${what} has not listed within ${this.syncTimeoutMs / 1000} s`, "the API server is slow or unreachable; try again")), this.syncTimeoutMs);
    });
    try {
      await Promise.race([informer.synced, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private inUse(w: NamespaceWatch): boolean {
    if (w.busy > 0) return true;
    for (const h of this.held.values()) if (h.namespaces.has(w.namespace)) return true;
    return false;
  }

  /** Stops the namespaces idle for idleMs. */
  private sweep(): void {
    const now = Date.now();
    for (const w of [...this.namespaces.values()]) if (!this.inUse(w) && now - w.lastUsed >= this.idleMs) this.drop(w, "idle");
  }

  /** Stops the least recently used namespace not in use (to stay within maxNamespaces). */
  private evictOne(): void {
    let oldest: NamespaceWatch | undefined;
    for (const w of this.namespaces.values()) if (!this.inUse(w) && (!oldest || w.lastUsed < oldest.lastUsed)) oldest = w;
    if (oldest) this.drop(oldest, "over maxNamespaces");
  }

  private drop(w: NamespaceWatch, why: string): void {
    this.namespaces.delete(w.namespace);
    this.opts.log.info({ namespace: w.namespace, why }, "resource tree watches stopped");
    w.factory.stop().catch(() => undefined);
  }
}

/** "namespace/name" of an Application. */
function appKeyOf(app: KubeObject): string {
  return `${app.metadata.namespace ?? ""}/${app.metadata.name}`;
}

/** The cached objects owned, transitively, by `roots`: index lookups by owner uid, each object once. */
function descendants(roots: readonly KubeObject[], caches: readonly Informer[]): KubeObject[] {
  const out: KubeObject[] = [];
  const seen = new Set<string>();
  const queue: string[] = [];
  for (const r of roots) {
    const uid = r.metadata.uid;
    if (uid && !seen.has(uid)) {
      seen.add(uid);
      queue.push(uid);
    }
  }
  while (queue.length > 0) {
    const uid = queue.shift()!;
    for (const cache of caches) {
      for (const obj of cache.byIndex(BY_OWNER, uid)) {
        const id = obj.metadata.uid;
        if (!id || seen.has(id)) continue;
        seen.add(id);
        queue.push(id);
        out.push(obj);
      }
    }
  }
  return out;
}
