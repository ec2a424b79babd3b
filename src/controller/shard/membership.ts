/**
 * Shard membership over Kubernetes Leases (coordination.k8s.io/v1): this member holds the Lease
 * `plumb-controller-<id>`, renewed every lease period / 3 and carrying the view it last published (the
 * live member ids, annotation plumb.dev/shard-view); every tick it reads all members' Leases with a
 * quorum read (a LIST without resourceVersion, served from etcd, not from a cache), works out who is live
 * (a Lease is expired once this member has not seen it change for its lease duration and its renewTime is
 * that old too), and when the live set differs from its view it first finishes its in-flight reconciles of
 * the apps the new view takes from it, then publishes the new view, then reads again. Which apps it may
 * reconcile follows from that read (fence.ts); it self-fences — reconciles nothing — once its own last
 * successful renewal is 2/3 of a period old, before any other member may treat its Lease as expired.
 * A clean stop deletes the Lease, so that others take its apps at once.
 *
 * Owns: the Lease, the view, the set of apps owned. Must not import: reconcile, sync (it only gates keys).
 */
import { hostname } from "node:os";
import { ApiError, type KubeClient } from "../../cluster/client.js";
import type { KubeObject } from "../../core/object.js";
import { UsageError } from "../../core/errors.js";
import type { Logger } from "../reconcile.js";
import { liveView, refusal, sameView, type FenceState, type MemberState } from "./fence.js";
import { ownerOf } from "./rendezvous.js";

export const MEMBER_LABEL = "plumb.dev/shard-member";
export const VIEW_ANNOTATION = "plumb.dev/shard-view";
export const DEFAULT_LEASE_DURATION_MS = 8000;
const PART_OF = { "app.kubernetes.io/part-of": "plumb", "app.kubernetes.io/component": "controller" };

export interface ShardOptions {
  client: KubeClient;
  namespace: string;
  memberId: string;
  leaseDurationMs: number;
  log: Logger;
  /** Every app key the controller knows now. */
  keys: () => Iterable<string>;
  /** Which keys the owned count (metrics, logs) counts; default all. */
  counted?: (key: string) => boolean;
  /** Apps this member may reconcile from now on (enqueue them). */
  onGained: (keys: string[]) => void;
  /** Apps it no longer reconciles (forget what it tracked of them). */
  onLost: (keys: string[]) => void;
}

interface Seen {
  resourceVersion: string;
  seenAt: number;
}

/** The default member id: POD_NAME, else hostname-pid, made a valid Lease name part. */
export function defaultMemberId(env = process.env): string {
  return memberId(env.POD_NAME || `${hostname()}-${process.pid}`);
}

/** `raw` lower-cased with anything outside [a-z0-9.-] turned into "-"; a UsageError when nothing usable is left. */
export function memberId(raw: string): string {
  const id = raw.toLowerCase().replace(/[^a-z0-9.-]+/g, "-").replace(/^[-.]+|[-.]+$/g, "").slice(0, 200);
  if (!id) throw new UsageError(`--member-id must hold letters or digits (a Lease name part), got "${raw}"`);
  return id;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  renewTime?: string;
}

function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

export class ShardMembership {
  private view: string[] = [];
  /** A view being moved to: until it is published, only keys owned under both views may start. */
  private next?: string[];
  private others: MemberState[] = [];
  private readonly seen = new Map<string, Seen>();
  private readonly inflight = new Map<string, number>();
  private owned = new Set<string>();
  /** Keys refused while this member may soon own them (fenced, waiting for another member): looked at again each tick. */
  private readonly deferred = new Set<string>();
  private leaseVersion?: string;
  private lastRenewSent = 0;
  private wasFenced = false;
  /** The last read of the others predates a fence: no key may start until the next read. */
  private staleRead = false;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private ticking?: Promise<void>;
  private readonly leaseName: string;
  private readonly base: string;

  constructor(private readonly opts: ShardOptions) {
    this.leaseName = `plumb-controller-${opts.memberId}`;
    this.base = `/apis/coordination.k8s.io/v1/namespaces/${opts.namespace}/leases`;
  }

  get id(): string {
    return this.opts.memberId;
  }

  /** Creates the Lease with a first view and reads the others; resolves once the owned set is known. */
  async start(): Promise<void> {
    this.others = await this.readOthers();
    this.view = liveView(this.id, this.others);
    await this.renew();
    this.others = await this.readOthers();
    this.update("shard member started", true);
    this.schedule();
  }

  /** Stops renewing and deletes the Lease (call after the last reconcile has returned). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    try {
      await this.opts.client.request({ method: "DELETE", path: `${this.base}/${this.leaseName}`, timeoutMs: this.periodMs() });
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) this.opts.log.warn({ lease: this.leaseName, error: String(err) }, "could not delete the shard Lease");
    }
  }

  /** Whether this member may start reconciling `key` now. */
  mayReconcile(key: string): boolean {
    if (this.stopped || this.staleRead || this.selfFenced()) return false;
    if (this.next && ownerOf(key, this.next) !== this.id) return false;
    return refusal(key, this.state()) === undefined;
  }

  /** Runs `fn` for `key` when this member may reconcile it (false: skipped), counting it in flight meanwhile. */
  async run(key: string, fn: () => Promise<void>): Promise<boolean> {
    if (!this.mayReconcile(key)) {
      this.deferred.add(key);
      return false;
    }
    this.inflight.set(key, (this.inflight.get(key) ?? 0) + 1);
    try {
      await fn();
    } finally {
      const n = (this.inflight.get(key) ?? 1) - 1;
      if (n <= 0) this.inflight.delete(key);
      else this.inflight.set(key, n);
    }
    return true;
  }

  /** Live members in the published view, and apps owned now. */
  stats(): { members: number; owned: number } {
    return { members: this.view.length, owned: this.selfFenced() ? 0 : this.count(this.owned) };
  }

  private count(keys: Iterable<string>): number {
    const counted = this.opts.counted;
    if (!counted) return [...keys].length;
    let n = 0;
    for (const k of keys) if (counted(k)) n++;
    return n;
  }

  private state(): FenceState {
    return { self: this.id, view: this.view, fenced: this.selfFenced(), others: this.others };
  }

  /** Self-fenced: the last successful renewal was sent 2/3 of a period ago or more (or it has stopped). */
  fenced(): boolean {
    return this.stopped || this.selfFenced();
  }

  private selfFenced(): boolean {
    return Date.now() - this.lastRenewSent > (this.opts.leaseDurationMs * 2) / 3;
  }

  private periodMs(): number {
    return Math.max(200, Math.floor(this.opts.leaseDurationMs / 3));
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick().finally(() => {
        this.ticking = undefined;
        this.schedule();
      });
    }, this.periodMs());
  }

  private async tick(): Promise<void> {
    // Fenced now (renewals failed, or the process was paused): the read of the others is as old as the
    // fence, and the others may have taken this member's apps meanwhile. Renewing lifts the fence, so
    // until a read issued after it has returned, nothing may start (F3 would judge by a stale read).
    if (this.selfFenced() && !this.staleRead) {
      this.staleRead = true;
      this.opts.log.warn({ member: this.id, lastRenewedMsAgo: Date.now() - this.lastRenewSent }, "shard member fenced: its Lease was not renewed in time; it reconciles nothing until it has renewed it and read the other members' Leases again");
    }
    try {
      await this.renew();
    } catch (err) {
      this.opts.log.warn({ lease: this.leaseName, error: String(err) }, "could not renew the shard Lease");
    }
    try {
      const renewedFirst = !this.selfFenced();
      this.others = await this.readOthers();
      if (renewedFirst) this.staleRead = false;
      const live = liveView(this.id, this.others);
      if (!sameView(live, this.view) && !this.selfFenced()) {
        this.next = live;
        this.update("shard membership changing"); // stop the keys the new view takes away from here
        await this.drain(live);
        await this.renew(live);
        this.view = live;
        this.next = undefined;
        this.others = await this.readOthers();
        this.update("shard membership changed", true);
        return;
      }
    } catch (err) {
      this.next = undefined;
      this.opts.log.warn({ lease: this.leaseName, error: String(err) }, "could not read the shard Leases");
    }
    this.update("shard membership changed");
  }

  /** Waits until no key that `view` does not give this member is being reconciled, renewing meanwhile. */
  private async drain(view: readonly string[]): Promise<void> {
    for (;;) {
      if (![...this.inflight.keys()].some((k) => ownerOf(k, view) !== this.id)) return;
      if (Date.now() - this.lastRenewSent >= this.periodMs()) await this.renew().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Recomputes the owned set; tells the controller what it gained and lost; logs when it changed. */
  private update(msg: string, always = false): void {
    const fenced = this.selfFenced();
    const now = new Set<string>();
    if (!fenced) for (const k of this.opts.keys()) if (this.mayReconcile(k)) now.add(k);
    const gained = [...now].filter((k) => !this.owned.has(k));
    // A key refused meanwhile (a self-fence, a view being published) but owned now is enqueued again too.
    const retried = [...this.deferred].filter((k) => now.has(k) && this.owned.has(k));
    this.deferred.clear();
    const lost = [...this.owned].filter((k) => !now.has(k));
    this.owned = now;
    if (fenced !== this.wasFenced) {
      this.wasFenced = fenced;
      const detail = { member: this.id, lastRenewedMsAgo: Date.now() - this.lastRenewSent };
      // The fence itself is logged by tick(), which sees it first.
      if (!fenced) this.opts.log.info(detail, "shard member unfenced");
    }
    if (lost.length) this.opts.onLost(lost);
    if (gained.length || retried.length) this.opts.onGained([...gained, ...retried]);
    if (gained.length || lost.length || always) {
      const view = this.next ?? this.view;
      this.opts.log.info({ member: this.id, members: view.length, view, owned: this.count(now), gained: this.count(gained), lost: this.count(lost) }, msg);
    }
  }

  /** Creates or updates this member's Lease with `view` (default: the published one). */
  private async renew(view: readonly string[] = this.view): Promise<void> {
    const sent = Date.now();
    const lease = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: this.leaseName, namespace: this.opts.namespace, labels: { ...PART_OF, [MEMBER_LABEL]: "true" }, annotations: { [VIEW_ANNOTATION]: view.join(",") }, ...(this.leaseVersion ? { resourceVersion: this.leaseVersion } : {}) },
      spec: { holderIdentity: this.id, leaseDurationSeconds: Math.ceil(this.opts.leaseDurationMs / 1000), renewTime: microTime(sent) },
    };
    const c = this.opts.client;
    const timeoutMs = this.periodMs();
    let written: KubeObject;
    try {
      written = this.leaseVersion
        ? await c.request<KubeObject>({ method: "PUT", path: `${this.base}/${this.leaseName}`, body: lease, timeoutMs })
        : await c.request<KubeObject>({ method: "POST", path: this.base, body: { ...lease, spec: { ...lease.spec, acquireTime: microTime(sent) } }, timeoutMs });
    } catch (err) {
      if (!(err instanceof ApiError) || ![404, 409].includes(err.status)) throw err;
      if (err.status === 404 && !this.leaseVersion) throw new UsageError(`the Lease namespace "${this.opts.namespace}" does not exist: create it or pass --lease-namespace`);
      // Someone changed or removed it (a restart under the same id, an operator): take the current version.
      const current = await c.request<KubeObject>({ method: "GET", path: `${this.base}/${this.leaseName}`, timeoutMs }).catch(() => undefined);
      this.leaseVersion = current?.metadata.resourceVersion;
      const retry = { ...lease, metadata: { ...lease.metadata, resourceVersion: this.leaseVersion } };
      written = current
        ? await c.request<KubeObject>({ method: "PUT", path: `${this.base}/${this.leaseName}`, body: retry, timeoutMs })
        : await c.request<KubeObject>({ method: "POST", path: this.base, body: { ...lease, metadata: { ...lease.metadata, resourceVersion: undefined } }, timeoutMs });
    }
    this.leaseVersion = written.metadata.resourceVersion;
    this.lastRenewSent = sent;
  }

  /** Every other member's Lease, by a quorum read; each marked expired or not by this member's clock. */
  private async readOthers(): Promise<MemberState[]> {
    const list = await this.opts.client.request<{ items: KubeObject[] }>({ method: "GET", path: this.base, query: { labelSelector: MEMBER_LABEL }, timeoutMs: this.periodMs() });
    const now = Date.now();
    const out: MemberState[] = [];
    const ids = new Set<string>();
    for (const l of list.items) {
      const spec = (l.spec ?? {}) as LeaseSpec;
      const id = spec.holderIdentity;
      if (!id || id === this.id) continue;
      ids.add(id);
      const rv = l.metadata.resourceVersion ?? "";
      const prev = this.seen.get(id);
      const seen = prev && prev.resourceVersion === rv ? prev : { resourceVersion: rv, seenAt: now };
      this.seen.set(id, seen);
      const durationMs = (spec.leaseDurationSeconds ?? 0) * 1000;
      const renewed = spec.renewTime ? Date.parse(spec.renewTime) : 0;
      const expired = now - seen.seenAt > durationMs && now - renewed > durationMs;
      const view = l.metadata.annotations?.[VIEW_ANNOTATION];
      out.push({ id, expired, ...(view !== undefined ? { view: view.split(",").filter(Boolean) } : {}) });
    }
    for (const id of this.seen.keys()) if (!ids.has(id)) this.seen.delete(id);
    return out;
  }
}
