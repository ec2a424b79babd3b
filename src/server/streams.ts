/**
 * Live streams of Applications (`GET /api/v1/stream/applications`, routes/streams.ts): ONE subscription to
 * AppState, fanned out to every connected client.
 *
 * The hub. Each change AppState reports becomes an event `{id, type, app, facet, prev}` — `facet` is what
 * filters read of the app (app-filter.ts), `prev` the facet it had before (what a resumed client is taken
 * to have seen, below). Before that, a MODIFIED whose fingerprint (app-filter.ts: the app without resourceVersion,
 * managedFields, status.reconciledAt, status.observedAt) equals the app's previous one is dropped for
 * everybody: a periodic resync that only moves reconciledAt is noise, and it changes nothing any client can
 * see. (The app a client holds then keeps an older resourceVersion; nothing in the API needs it current.)
 * Events are kept in a ring buffer of `bufferSize`, in order.
 *
 * Event ids. An event's id (SSE `id:`) is its app's resourceVersion — or, when that would not be greater
 * than the previous id (a delete found by a relist carries the object's last version; Argo CD's group and
 * plumb's are two watches that may interleave), the previous id + 1. Ids therefore strictly increase, and
 * "the events after id X" is one well-defined position. The hub starts at AppState's resourceVersion (its
 * lists' position), the *floor*; each event evicted from the buffer moves the floor to its id.
 *
 * A client connects in one of three ways:
 * - without a resourceVersion: the current state first — an ADDED for every app it may see, *without ids*
 *   — closed by an id-only message `id: <head>` (sets the browser's Last-Event-ID, dispatches nothing),
 *   then live events. Argo CD's watch also starts with the current state. Snapshot messages carry no id so
 *   that a client cut off half-way resumes with its old id and is sent the whole snapshot again.
 * - with `?resourceVersion=RV` or a `Last-Event-ID: RV` header, RV ≥ floor (inside the buffer, or a list's
 *   resourceVersion since the server started): every buffered event after RV, then live ones. Nothing is
 *   missed, nothing sent twice.
 * - with RV < floor (older than the buffer, or from before a restart): a relist, as a Kubernetes watch
 *   answering 410 Gone would force — first an `event: relist` message (data `{}`: drop what you hold; a
 *   plain EventSource `onmessage` never sees it), then the snapshot as above, then live events.
 *
 * Per client and event, at the moment the event is delivered (so a policy change applies to open streams):
 * the client *may see* a version of an app when it matches the client's query and RBAC allows
 * `applications, get, <project>/<app>` (appRBACObject; decided with `Authorizer.filter`, the policy
 * narrowed to the caller, made afresh for each message — casbin's `enforce` per event and client would
 * cost ~0.1 ms each); it *holds* an app this stream sent and did not
 * delete (a resumed stream, until it is sent something of the app, is taken to hold what it could see of
 * the app's version before the event — the facet the hub keeps as `prev`). May see, holds: MODIFIED; may
 * see, does not hold: ADDED; holds, may no longer see: DELETED (the app was deleted — with its last
 * state — or it left the query or the role, and then with its identity only: never content the client
 * may no longer read); neither: nothing. Data is Argo CD's `{"result": {"type", "application"}}`; each
 * (event, type) is serialized once for all clients. A client's memory is the set of keys it holds.
 *
 * Slow clients: live events wait in a per-client queue of at most `maxQueue`; a client whose queue
 * overflows (its socket does not drain) is disconnected, not buffered without bound. It reconnects with
 * its last id and, as long as the buffer still holds that position, misses nothing. A client whose
 * position moved past events it could not see is told so by an id-only bookmark with the keepalive
 * (`: keepalive` every `keepaliveMs`), so its next resume starts late enough to stay inside the buffer.
 *
 * Construct the hub after `AppState.start()`; `stop()` ends every stream.
 */
import type { KubeObject } from "../core/object.js";
import type { Authorizer, Principal } from "./auth/types.js";
import { appJSON, appRBACObject, facetKey, facetOf, fingerprint, queryMatcher, type AppFacet, type AppQuery } from "./app-filter.js";
import { InvalidRequestError } from "./errors.js";
import type { AppEventType, AppListener } from "./state.js";

/** What the hub reads: AppState, or a stand-in with the same three members. */
export interface AppSource {
  subscribe(listener: AppListener): () => void;
  apps(): KubeObject[];
  readonly resourceVersion: string;
}

export interface AppStreamsOptions {
  /** Events kept for clients that resume (the ring buffer). Default 1000. */
  bufferSize: number;
  /** Live events a client may have waiting before it is disconnected as too slow. Default 500. */
  maxQueue: number;
  /** Interval of the keepalive comment, in milliseconds (the route sends it). Default 15000. */
  keepaliveMs: number;
}

export function defaultAppStreamsOptions(): AppStreamsOptions {
  return { bufferSize: 1000, maxQueue: 500, keepaliveMs: 15_000 };
}

/** One SSE message: `event` and `id` optional, `data` absent for an id-only bookmark. */
export interface StreamMessage {
  event?: string;
  id?: string;
  data?: string;
}

/** The wire form of a message (ids and event names are digits and words: no newline to escape). */
export function formatSSE(m: StreamMessage): string {
  let out = "";
  if (m.event) out += `event: ${m.event}\n`;
  if (m.data !== undefined) for (const line of m.data.split("\n")) out += `data: ${line}\n`;
  if (m.id !== undefined) out += `id: ${m.id}\n`;
  return `${out}\n`;
}

/** Why a client's stream ended. */
export type CloseReason = "closed" | "slow" | "stopped";

interface HubEvent {
  id: bigint;
  type: AppEventType;
  /** facetKey of the app. */
  key: string;
  app: KubeObject;
  facet: AppFacet;
  /** The facet before this event; undefined when the hub did not know the app. */
  prev: AppFacet | undefined;
  /** Serialized data per delivered type ("LEFT": a DELETED carrying the identity only). */
  wire: Partial<Record<AppEventType | "LEFT", string>>;
}

function wire(e: HubEvent, type: AppEventType | "LEFT"): string {
  let s = e.wire[type];
  if (s === undefined) {
    const app = type === "LEFT" ? JSON.stringify(identity(e.app)) : appJSON(e.app);
    s = `{"result":{"type":"${type === "LEFT" ? "DELETED" : type}","application":${app}}}`;
    e.wire[type] = s;
  }
  return s;
}

function identity(app: KubeObject): KubeObject {
  const { name, namespace, uid, resourceVersion } = app.metadata;
  return { apiVersion: app.apiVersion, kind: app.kind, metadata: { name, namespace, uid, resourceVersion } };
}

function versionOf(app: KubeObject): bigint | undefined {
  const rv = app.metadata.resourceVersion;
  return rv && /^\d+$/.test(rv) ? BigInt(rv) : undefined;
}

/** Parses a client's resourceVersion / Last-Event-ID (digits only). */
export function parsePosition(text: string): bigint {
  if (!/^\d{1,30}$/.test(text.trim())) throw new InvalidRequestError(`resourceVersion "${text.slice(0, 40)}" is not a resourceVersion`, "pass the id of the last event received, or a list's metadata.resourceVersion, or nothing for the current state");
  return BigInt(text.trim());
}

/** The fan-out hub (see the module comment). One per server; `open` per request. */
export class AppStreams {
  readonly options: AppStreamsOptions;
  private readonly ring: HubEvent[] = [];
  private ringStart = 0;
  private floorId: bigint;
  private headId: bigint;
  private readonly known = new Map<string, { facet: AppFacet; print: string }>();
  private readonly clients = new Set<AppStreamClient>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly source: AppSource,
    readonly access: { rbac: Authorizer; namespace: string },
    opts: Partial<AppStreamsOptions> = {},
  ) {
    this.options = { ...defaultAppStreamsOptions(), ...opts };
    this.floorId = this.headId = /^\d+$/.test(source.resourceVersion) ? BigInt(source.resourceVersion) : 0n;
    for (const app of source.apps()) {
      const facet = facetOf(app);
      this.known.set(facetKey(facet), { facet, print: fingerprint(app) });
    }
    this.unsubscribe = source.subscribe((type, app) => this.publish(type, app));
  }

  /** The id of the newest event (the floor before any). */
  get head(): string {
    return this.headId.toString();
  }

  /** The oldest position a client can resume from without a relist. */
  get floor(): string {
    return this.floorId.toString();
  }

  /** Connected clients. */
  get clientCount(): number {
    return this.clients.size;
  }

  /**
   * A client's stream. `resourceVersion`: where it resumes (see the module comment); the query's selector is
   * parsed here, so a malformed one throws LabelSelectorError (400) before anything is sent.
   */
  open(principal: Principal, query: AppQuery, resourceVersion?: string): AppStreamClient {
    const matches = queryMatcher(query, this.access.namespace);
    const { rbac, namespace } = this.access;
    // The policy narrowed to this caller (Authorizer.filter: enforce's answers at a fraction of the cost), made
    // afresh for every message delivered, so that what is decided is what the policy says at that moment.
    const seer = (): ((f: AppFacet) => boolean) => {
      const allowed = rbac.filter(principal, "applications", "get");
      return (f) => matches(f) && allowed(appRBACObject(f, namespace));
    };
    const from = resourceVersion === undefined || resourceVersion === "" ? undefined : parsePosition(resourceVersion);
    let start: ClientStart;
    if (from !== undefined && from >= this.floorId) start = { replay: this.after(from), from, position: from > this.headId ? from : this.headId };
    else start = { snapshot: this.source.apps(), relist: from !== undefined, position: this.headId };
    const client = new AppStreamClient(seer, start, this.options.maxQueue, (c) => this.clients.delete(c));
    this.clients.add(client);
    return client;
  }

  /** Ends every stream and the subscription. */
  stop(): void {
    this.unsubscribe();
    for (const c of [...this.clients]) c.close("stopped");
  }

  /** The buffered events with id > `from`, oldest first. */
  private after(from: bigint): HubEvent[] {
    const events = this.ring.slice(this.ringStart);
    let lo = 0;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (events[mid]!.id <= from) lo = mid + 1;
      else hi = mid;
    }
    return events.slice(lo);
  }

  private publish(type: AppEventType, app: KubeObject): void {
    const facet = facetOf(app);
    const key = facetKey(facet);
    const before = this.known.get(key);
    if (type === "DELETED") this.known.delete(key);
    else {
      const print = fingerprint(app);
      if (type === "MODIFIED" && before?.print === print) return;
      this.known.set(key, { facet, print });
    }
    const rv = versionOf(app);
    const id = rv !== undefined && rv > this.headId ? rv : this.headId + 1n;
    this.headId = id;
    const e: HubEvent = { id, type, key, app, facet, prev: type === "DELETED" ? (before?.facet ?? facet) : before?.facet, wire: {} };
    this.ring.push(e);
    if (this.ring.length - this.ringStart > this.options.bufferSize) {
      this.floorId = this.ring[this.ringStart]!.id;
      this.ring[this.ringStart++] = undefined as unknown as HubEvent;
      if (this.ringStart > 1024 && this.ringStart * 2 > this.ring.length) {
        this.ring.splice(0, this.ringStart);
        this.ringStart = 0;
      }
    }
    for (const c of this.clients) c.push(e);
  }
}

type ClientStart = { replay: HubEvent[]; from: bigint; position: bigint } | { snapshot: KubeObject[]; relist: boolean; position: bigint };

/** How many items a client examines between two turns of the event loop (a snapshot of 10,000 apps is long). */
const SLICE = 256;

/** One client's stream: pull messages with `next()` until it returns undefined. */
export class AppStreamClient {
  private snapshot: KubeObject[] | undefined;
  private snapIndex = 0;
  private relist: boolean;
  private snapshotHead: bigint;
  private pending: HubEvent[];
  private pendingIndex = 0;
  private queue: HubEvent[] = [];
  private queueIndex = 0;
  private wake: (() => void) | undefined;
  /** The id up to which every event has been considered (delivered or not visible). */
  private position: bigint;
  /** The last id the client was sent (an event's or a bookmark's). */
  private sentPosition: bigint | undefined;
  private ended: CloseReason | undefined;
  /** Whether the client holds each app (true) — and, for a resumed client, what it was found not to hold (false). */
  private readonly holds = new Map<string, boolean>();
  /** Resumed from a position: what the client held then is inferred from the apps' facets at that point. */
  private readonly resumed: boolean;

  /** The current decision function: made by `seer` on first use after each turn of the event loop. */
  private seesNow: ((f: AppFacet) => boolean) | undefined;

  constructor(
    private readonly seer: () => (f: AppFacet) => boolean,
    start: ClientStart,
    private readonly maxQueue: number,
    private readonly onClose: (c: AppStreamClient) => void,
  ) {
    this.position = start.position;
    this.snapshotHead = start.position;
    if ("snapshot" in start) {
      this.snapshot = start.snapshot;
      this.relist = start.relist;
      this.pending = [];
      this.resumed = false;
    } else {
      this.resumed = true;
      this.relist = false;
      this.pending = start.replay;
      this.sentPosition = start.from;
    }
  }

  /** Why the stream ended; undefined while open. */
  get closedBecause(): CloseReason | undefined {
    return this.ended;
  }

  /** The next message, waiting for one; undefined once the stream has ended. */
  async next(): Promise<StreamMessage | undefined> {
    let examined = 0;
    this.seesNow = undefined;
    for (;;) {
      if (this.ended) return undefined;
      if (++examined % SLICE === 0) {
        await new Promise((r) => setImmediate(r));
        this.seesNow = undefined;
      }
      if (this.ended) return undefined;
      if (this.relist) {
        this.relist = false;
        return { event: "relist", data: "{}" };
      }
      if (this.snapshot) {
        const app = this.snapshot[this.snapIndex++];
        if (app === undefined) {
          this.snapshot = undefined;
          this.sentPosition = this.snapshotHead;
          return { id: this.snapshotHead.toString() };
        }
        const facet = facetOf(app);
        if (!this.sees(facet)) continue;
        this.holds.set(facetKey(facet), true);
        return { data: `{"result":{"type":"ADDED","application":${appJSON(app)}}}` };
      }
      const e = this.take();
      if (!e) {
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
        this.seesNow = undefined;
        continue;
      }
      this.position = e.id;
      const type = this.typeFor(e);
      if (type === undefined) continue;
      this.sentPosition = e.id;
      return { id: e.id.toString(), data: wire(e, type) };
    }
  }

  /**
   * An id-only message when the client's position moved past events it could not see since its last id
   * (sent with the keepalive); undefined when there is nothing to say or events are still waiting.
   */
  bookmark(): StreamMessage | undefined {
    if (this.ended || this.snapshot || this.relist || this.pendingIndex < this.pending.length || this.queueIndex < this.queue.length) return undefined;
    if (this.sentPosition !== undefined && this.position <= this.sentPosition) return undefined;
    this.sentPosition = this.position;
    return { id: this.position.toString() };
  }

  /** Ends the stream (idempotent); a waiting `next()` resolves undefined. */
  close(reason: CloseReason = "closed"): void {
    if (this.ended) return;
    this.ended = reason;
    this.snapshot = undefined;
    this.pending = [];
    this.queue = [];
    this.holds.clear();
    this.onClose(this);
    this.wake?.();
  }

  /** Hub side: a live event. */
  push(e: HubEvent): void {
    if (this.ended) return;
    this.queue.push(e);
    if (this.queue.length - this.queueIndex > this.maxQueue) return this.close("slow");
    this.wake?.();
  }

  private sees(f: AppFacet): boolean {
    this.seesNow ??= this.seer();
    return this.seesNow(f);
  }

  private take(): HubEvent | undefined {
    if (this.pendingIndex < this.pending.length) return this.pending[this.pendingIndex++];
    if (this.queueIndex >= this.queue.length) return undefined;
    const e = this.queue[this.queueIndex++]!;
    if (this.queueIndex > 1024 && this.queueIndex * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueIndex);
      this.queueIndex = 0;
    }
    return e;
  }

  /**
   * What the client is sent for an event: decided by what it holds (what this stream sent it; for a resumed
   * stream, until then, what it could see of the app's previous version) and what it may see now.
   */
  private typeFor(e: HubEvent): AppEventType | "LEFT" | undefined {
    const before = this.holds.get(e.key) ?? (this.resumed && e.prev !== undefined && this.sees(e.prev));
    if (e.type === "DELETED") {
      this.holds.delete(e.key);
      return before ? "DELETED" : undefined;
    }
    const now = this.sees(e.facet);
    if (now || this.resumed) this.holds.set(e.key, now);
    else this.holds.delete(e.key);
    if (now) return before ? "MODIFIED" : "ADDED";
    return before ? "LEFT" : undefined;
  }
}
