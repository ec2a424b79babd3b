/**
 * Shared informers: an in-memory cache of one resource type, kept current by list+watch (watch.ts), that
 * tells its consumers about every add, update and delete.
 *
 * The cache is keyed by the one string form of ResourceKey (core/object.ts). Watch events are applied as
 * they come. A LIST (the first one, and every one after a 410 Gone) is not applied blindly: `diffRelist`
 * compares it with the cache — present only in the list: added; in both with another resourceVersion:
 * updated; present only in the cache: deleted — so a consumer sees the deletes that happened while the
 * watch was gone, as client-go's DeltaFIFO.Replace does.
 *
 * The InformerFactory shares one informer per (apiVersion, kind, namespace, label selector) among all its
 * consumers. The controller watches only the types its apps manage, filtered by the tracking label
 * (`plumb.dev/app`), with one informer per type for all apps: `ensure()` starts one on first use, and
 * handlers registered on the factory are attached to every informer it has or will have.
 *
 * A `transform` option (client-go's TransformFunc) is applied to every object before it is cached: a
 * consumer that needs a few fields of objects it holds by the thousand (the server's resource tree: Pods,
 * ReplicaSets) strips the rest once, instead of keeping whole objects with their managedFields.
 *
 * Indexes (client-go's Indexers): `addIndex(name, fn)` keeps, next to the cache, a map from each value `fn`
 * gives an object (e.g. its tracking label) to the keys of the objects that have it, updated with the cache
 * itself; `byIndex(name, value)` answers from it without scanning the cache. With 1,000 apps a scan per
 * reconcile or per event is what dominates the controller's CPU; an index lookup is O(result).
 *
 * Owns: the live-object cache. Must not import: controller, sync, render, diff.
 */
import { keyOf, keyString, type KubeObject, type ResourceKey } from "../core/object.js";
import type { ResourceInfo } from "./discovery.js";
import type { Resources } from "./resources.js";
import { watchLogHooks, type WatchLogger } from "./watch-log.js";
import { Reflector, resourceListerWatcher, type ListerWatcher, type ReflectorOptions, type ReflectorSink, type ReflectorStats } from "./watch.js";

/** The cache key of an object: keyString(keyOf(obj)). */
export function objectKey(obj: KubeObject): string {
  return keyString(keyOf(obj));
}

/** What a relist changes in a cache. */
export interface RelistDiff {
  added: KubeObject[];
  updated: Array<{ old: KubeObject; obj: KubeObject }>;
  deleted: KubeObject[];
}

/**
 * Compares a fresh LIST with the cache. Pure. An object whose resourceVersion did not change is not
 * reported (the API server bumps it on every write, so equal versions mean equal objects).
 */
export function diffRelist(cache: ReadonlyMap<string, KubeObject>, items: readonly KubeObject[], keyFn: (obj: KubeObject) => string = objectKey): RelistDiff {
  const diff: RelistDiff = { added: [], updated: [], deleted: [] };
  const seen = new Set<string>();
  for (const obj of items) {
    const key = keyFn(obj);
    seen.add(key);
    const old = cache.get(key);
    if (!old) diff.added.push(obj);
    else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) diff.updated.push({ old, obj });
  }
  for (const [key, old] of cache) if (!seen.has(key)) diff.deleted.push(old);
  return diff;
}

/** The handler of each informer event; update receives the cached (old) and the new object. */
export interface InformerHandlers {
  add: (obj: KubeObject) => void;
  update: (old: KubeObject, obj: KubeObject) => void;
  delete: (obj: KubeObject) => void;
}
export type InformerEvent = keyof InformerHandlers;

/** Options of an informer: which objects, and how the list+watch loop behaves. */
export interface InformerOptions extends Partial<ReflectorOptions> {
  /** Only this namespace (namespaced kinds). Default: all namespaces. */
  namespace?: string;
  /** Only objects matching this label selector, e.g. "plumb.dev/app". Default: all. */
  labelSelector?: string;
  /** Told when a handler throws (the other handlers still run). */
  onHandlerError?: (err: unknown, event: InformerEvent, obj: KubeObject) => void;
  /**
   * Applied to every listed or watched object before it is cached and handed to handlers (to strip what the
   * consumer does not need). It must keep apiVersion, kind, metadata.name, .namespace and .resourceVersion,
   * which the cache is keyed and diffed by. Default: objects are cached as the API server sends them.
   */
  transform?: (obj: KubeObject) => KubeObject;
  /**
   * Where watch failures and recoveries are logged (watch-log.ts), naming the resource; `onError` and
   * `onRecover`, when given, are called instead. Default: not logged.
   */
  log?: WatchLogger;
}

/** The values an object has for an index (none: not indexed). */
export type IndexFunc = (obj: KubeObject) => readonly string[];

/** A list+watch cache of one resource type with add/update/delete notifications (see the module comment). */
export class Informer implements ReflectorSink {
  /** Resolves once the first LIST is in the cache (never, if stopped before; retries until then). */
  readonly synced: Promise<void>;
  private readonly cache = new Map<string, KubeObject>();
  private readonly indexes = new Map<string, { fn: IndexFunc; byValue: Map<string, Set<string>> }>();
  private readonly handlers: { [E in InformerEvent]: Set<InformerHandlers[E]> } = { add: new Set(), update: new Set(), delete: new Set() };
  private readonly reflector: Reflector;
  private markSynced!: () => void;
  private isSynced = false;

  constructor(
    lw: ListerWatcher,
    private readonly opts: InformerOptions = {},
  ) {
    this.reflector = new Reflector(lw, this, opts);
    this.synced = new Promise((resolve) => (this.markSynced = resolve));
  }

  /** An informer over the REST API for one resource (namespace and label selector from `opts`). */
  static forResource(resources: Resources, info: ResourceInfo, opts: InformerOptions = {}): Informer {
    const watch: Record<string, string> = { resource: info.group ? `${info.group}/${info.resource}` : info.resource };
    if (opts.namespace) watch.namespace = opts.namespace;
    if (opts.labelSelector) watch.labelSelector = opts.labelSelector;
    const hooks = opts.log ? watchLogHooks(opts.log, watch) : {};
    return new Informer(resourceListerWatcher(resources, info, opts), { ...hooks, ...opts });
  }

  /** Starts listing and watching (once). */
  start(): void {
    this.reflector.start();
  }

  /** Stops watching; the cache keeps its last content. */
  stop(): Promise<void> {
    return this.reflector.stop();
  }

  /** True once the first LIST is in the cache. */
  get hasSynced(): boolean {
    return this.isSynced;
  }

  /** The cached object by key (string form or ResourceKey). */
  get(key: string | ResourceKey): KubeObject | undefined {
    return this.cache.get(typeof key === "string" ? key : keyString(key));
  }

  /**
   * Adds an index named `name` (idempotent: a second call with the same name keeps the first function),
   * built at once from the cache and kept current with it.
   */
  addIndex(name: string, fn: IndexFunc): void {
    if (this.indexes.has(name)) return;
    const index = { fn, byValue: new Map<string, Set<string>>() };
    this.indexes.set(name, index);
    for (const [key, obj] of this.cache) indexAdd(index, key, obj);
  }

  /** The cached objects whose index `name` has `value` (an unknown index throws). */
  byIndex(name: string, value: string): KubeObject[] {
    const index = this.indexes.get(name);
    if (!index) throw new Error(`informer: no index "${name}"`);
    const keys = index.byValue.get(value);
    if (!keys) return [];
    const out: KubeObject[] = [];
    for (const key of keys) {
      const obj = this.cache.get(key);
      if (obj) out.push(obj);
    }
    return out;
  }

  /** Every cached object. */
  list(): KubeObject[] {
    return [...this.cache.values()];
  }

  /** The number of cached objects. */
  get size(): number {
    return this.cache.size;
  }

  /** The list+watch loop's counters. */
  get stats(): Readonly<ReflectorStats> {
    return this.reflector.stats;
  }

  /**
   * Calls `handler` for every later event of that type (use list() for the objects already cached).
   * Returns a function that removes it.
   */
  on<E extends InformerEvent>(event: E, handler: InformerHandlers[E]): () => void {
    const set = this.handlers[event] as Set<InformerHandlers[E]>;
    set.add(handler);
    return () => set.delete(handler);
  }

  /** Test hook: cuts the watch stream as a lost connection would. */
  disconnect(): void {
    this.reflector.disconnect();
  }

  /** ReflectorSink: a full LIST, diffed against the cache. */
  replace(items: KubeObject[]): void {
    const transform = this.opts.transform;
    const diff = diffRelist(this.cache, transform ? items.map(transform) : items);
    for (const obj of diff.deleted) {
      this.remove(objectKey(obj), obj);
      this.emit("delete", obj);
    }
    for (const obj of diff.added) {
      this.put(objectKey(obj), obj, undefined);
      this.emit("add", obj);
    }
    for (const { old, obj } of diff.updated) {
      this.put(objectKey(obj), obj, old);
      this.emit("update", old, obj);
    }
    if (!this.isSynced) {
      this.isSynced = true;
      this.markSynced();
    }
  }

  /** ReflectorSink: one watch event. */
  apply(type: "ADDED" | "MODIFIED" | "DELETED", raw: KubeObject): void {
    const obj = this.opts.transform ? this.opts.transform(raw) : raw;
    const key = objectKey(obj);
    const old = this.cache.get(key);
    if (type === "DELETED") {
      if (!old) return;
      this.remove(key, old);
      this.emit("delete", obj);
      return;
    }
    this.put(key, obj, old);
    if (!old) this.emit("add", obj);
    else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit("update", old, obj);
  }

  /** Stores `obj` under `key` (replacing `old`), keeping the indexes current. */
  private put(key: string, obj: KubeObject, old: KubeObject | undefined): void {
    for (const index of this.indexes.values()) {
      if (old) indexRemove(index, key, old);
      indexAdd(index, key, obj);
    }
    this.cache.set(key, obj);
  }

  private remove(key: string, old: KubeObject): void {
    for (const index of this.indexes.values()) indexRemove(index, key, old);
    this.cache.delete(key);
  }

  private emit(event: "add" | "delete", obj: KubeObject): void;
  private emit(event: "update", old: KubeObject, obj: KubeObject): void;
  private emit(event: InformerEvent, a: KubeObject, b?: KubeObject): void {
    for (const handler of this.handlers[event]) {
      try {
        if (event === "update") (handler as InformerHandlers["update"])(a, b!);
        else (handler as InformerHandlers["add"])(a);
      } catch (err) {
        this.opts.onHandlerError?.(err, event, b ?? a);
      }
    }
  }
}

function indexAdd(index: { fn: IndexFunc; byValue: Map<string, Set<string>> }, key: string, obj: KubeObject): void {
  for (const value of index.fn(obj)) {
    let keys = index.byValue.get(value);
    if (!keys) index.byValue.set(value, (keys = new Set()));
    keys.add(key);
  }
}

function indexRemove(index: { fn: IndexFunc; byValue: Map<string, Set<string>> }, key: string, obj: KubeObject): void {
  for (const value of index.fn(obj)) {
    const keys = index.byValue.get(value);
    if (!keys) continue;
    keys.delete(key);
    if (keys.size === 0) index.byValue.delete(value);
  }
}

/**
 * Whether a cached copy is at least as new as a version just written. Resource versions are opaque by the
 * API's contract, but an etcd-backed API server hands out increasing integers, and a watch delivers them in
 * order; anything else counts only when equal (the caller then asks the server instead).
 */
export function atLeastVersion(cached: string | undefined, written: string | undefined): boolean {
  if (!written || cached === written) return true;
  if (!cached || !/^\d+$/.test(cached) || !/^\d+$/.test(written)) return false;
  return BigInt(cached) >= BigInt(written);
}

/** Options of a factory: the defaults of every informer it makes. */
export type InformerFactoryOptions = InformerOptions;

/**
 * One shared, started informer per (apiVersion, kind, namespace, label selector). Handlers registered with
 * `on` receive the events of every informer of the factory, present and future.
 */
export class InformerFactory {
  private readonly informers = new Map<string, Promise<Informer>>();
  private readonly byKey = new Map<string, Informer>();
  private readonly started: Informer[] = [];
  private readonly handlers: Array<{ event: InformerEvent; handler: InformerHandlers[InformerEvent] }> = [];
  private readonly indexers = new Map<string, IndexFunc>();
  private stopped = false;

  constructor(
    private readonly resources: Resources,
    private readonly opts: InformerFactoryOptions = {},
  ) {}

  /** The informer of apiVersion/kind (the factory's namespace and selector unless given), started on first use. */
  ensure(apiVersion: string, kind: string, over: Pick<InformerOptions, "namespace" | "labelSelector"> = {}): Promise<Informer> {
    if (this.stopped) return Promise.reject(new Error("the informer factory is stopped"));
    const namespace = over.namespace ?? this.opts.namespace;
    const labelSelector = over.labelSelector ?? this.opts.labelSelector;
    const key = this.key(apiVersion, kind, over);
    let informer = this.informers.get(key);
    if (!informer) {
      informer = this.create(apiVersion, kind, { ...this.opts, namespace, labelSelector });
      this.informers.set(key, informer);
      void informer.then((i) => this.byKey.set(key, i), () => undefined);
      // A failed discovery is not cached: the next ensure tries again (the CRD may come later).
      informer.catch(() => this.informers.delete(key));
    }
    return informer;
  }

  /** The informer of apiVersion/kind if it has been made and has synced (ensure's options), without starting one. */
  peek(apiVersion: string, kind: string, over: Pick<InformerOptions, "namespace" | "labelSelector"> = {}): Informer | undefined {
    const informer = this.byKey.get(this.key(apiVersion, kind, over));
    return informer?.hasSynced ? informer : undefined;
  }

  private key(apiVersion: string, kind: string, over: Pick<InformerOptions, "namespace" | "labelSelector">): string {
    return [apiVersion, kind, over.namespace ?? this.opts.namespace ?? "", over.labelSelector ?? this.opts.labelSelector ?? ""].join("|");
  }

  private async create(apiVersion: string, kind: string, opts: InformerOptions): Promise<Informer> {
    const info = await this.resources.discovery.resourceFor(apiVersion, kind);
    const informer = Informer.forResource(this.resources, info, opts);
    for (const [name, fn] of this.indexers) informer.addIndex(name, fn);
    for (const { event, handler } of this.handlers) informer.on(event, handler);
    if (this.stopped) return informer;
    this.started.push(informer);
    informer.start();
    return informer;
  }

  /** Attaches `handler` to every informer of the factory, present and future. */
  on<E extends InformerEvent>(event: E, handler: InformerHandlers[E]): void {
    this.handlers.push({ event, handler: handler as InformerHandlers[InformerEvent] });
    for (const informer of this.started) informer.on(event, handler);
  }

  /** Adds an index to every informer of the factory, present and future (see Informer.addIndex). */
  addIndex(name: string, fn: IndexFunc): void {
    if (this.indexers.has(name)) return;
    this.indexers.set(name, fn);
    for (const informer of this.started) informer.addIndex(name, fn);
  }

  /** The informers started so far. */
  list(): Informer[] {
    return [...this.started];
  }

  /** Resolves when every informer started so far has synced. */
  async waitForSync(): Promise<void> {
    await Promise.all(this.started.map((i) => i.synced));
  }

  /** Stops every informer. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.started.map((i) => i.stop()));
  }
}
