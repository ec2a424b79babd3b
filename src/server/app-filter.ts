/**
 * Which Applications a caller's query and role let them see, and the one JSON form they are sent in —
 * shared by the list (`GET /api/v1/applications`) and the stream (`GET /api/v1/stream/applications`),
 * so that both answer the same question the same way. Pure.
 *
 * - A query (`name`, `projects`, `selector`, `appNamespace`, `repo`) is compiled once into a predicate over
 *   an app's *facet*: the few fields filters read (group, namespace, name, project, labels, repositories).
 *   As in Argo CD, `name` means that name in `appNamespace` (default: the server's namespace);
 *   `appNamespace` alone keeps that namespace; `projects` any of them; `selector` a label selector
 *   (core/labels.ts); `repo` any source's repository, compared as webhooks/match.ts does (scheme, user,
 *   `.git`, case do not matter).
 * - RBAC names an app `<project>/<name>`, or `<project>/<namespace>/<name>` outside the server's
 *   namespace (Argo CD's `RBACName`).
 * - An app is sent without `metadata.managedFields` (server-side apply's bookkeeping: large, and nothing
 *   for a reader). `appJSON` serializes each cached object once: informer objects are replaced, never
 *   mutated, so the object itself is the cache key (a WeakMap; the string lives as long as the version).
 * - `fingerprint` is what counts as a change for a watcher: the app without `resourceVersion`,
 *   `managedFields`, `status.reconciledAt` and `status.observedAt`. Those four move on every periodic
 *   resync of an unchanged app; everything else (spec, labels, annotations, sync, health, conditions,
 *   resources, operation) is something a screen shows.
 */
import { createHash } from "node:crypto";
import { parseApiVersion, type KubeObject } from "../core/object.js";
import { sameRepository } from "../webhooks/match.js";
import { parseSelector } from "../core/labels.js";

/** What filters and RBAC read of an Application. */
export interface AppFacet {
  group: string;
  namespace: string;
  name: string;
  project: string;
  labels: Record<string, string>;
  /** The repoURL of `spec.source` and of each of `spec.sources`. */
  repos: string[];
}

/** The filters of a list or stream request (Argo CD's ApplicationQuery). */
export interface AppQuery {
  name?: string;
  projects?: string[];
  /** A label selector in its string form. */
  selector?: string;
  appNamespace?: string;
  repo?: string;
}

interface AppSpecView {
  project?: string;
  source?: { repoURL?: string };
  sources?: Array<{ repoURL?: string }>;
}

/** The facet of an app (project "default" when the spec names none). */
export function facetOf(app: KubeObject): AppFacet {
  const spec = (app.spec ?? {}) as AppSpecView;
  const repos: string[] = [];
  if (spec.source?.repoURL) repos.push(spec.source.repoURL);
  for (const s of spec.sources ?? []) if (s?.repoURL) repos.push(s.repoURL);
  return {
    group: parseApiVersion(app.apiVersion).group,
    namespace: app.metadata.namespace ?? "",
    name: app.metadata.name,
    project: spec.project || "default",
    labels: app.metadata.labels ?? {},
    repos,
  };
}

/** The cache key of an app in the streams: group, namespace and name. */
export function facetKey(f: Pick<AppFacet, "group" | "namespace" | "name">): string {
  return `${f.group}/${f.namespace}/${f.name}`;
}

/** The RBAC object of an app: `<project>/<name>`, or `<project>/<namespace>/<name>` outside `serverNamespace`. */
export function appRBACObject(f: Pick<AppFacet, "project" | "namespace" | "name">, serverNamespace: string): string {
  return f.namespace === serverNamespace || f.namespace === "" ? `${f.project}/${f.name}` : `${f.project}/${f.namespace}/${f.name}`;
}

/**
 * The query as a predicate over facets. Throws LabelSelectorError (a UsageError: 400) for a malformed
 * selector, so a request fails before anything is sent.
 */
export function queryMatcher(q: AppQuery, serverNamespace: string): (f: AppFacet) => boolean {
  const select = q.selector ? parseSelector(q.selector) : undefined;
  const projects = q.projects && q.projects.length > 0 ? new Set(q.projects) : undefined;
  const nameNamespace = q.appNamespace || serverNamespace;
  return (f) => {
    if (q.name && (f.name !== q.name || f.namespace !== nameNamespace)) return false;
    if (q.appNamespace && f.namespace !== q.appNamespace) return false;
    if (projects && !projects.has(f.project)) return false;
    if (select && !select(f.labels)) return false;
    if (q.repo && !f.repos.some((r) => sameRepository(r, q.repo!))) return false;
    return true;
  };
}

/** The app without metadata.managedFields (a shallow copy; the app itself when it has none). */
export function withoutManagedFields(app: KubeObject): KubeObject {
  if (app.metadata.managedFields === undefined) return app;
  const { managedFields: _drop, ...metadata } = app.metadata;
  return { ...app, metadata };
}

const serialized = new WeakMap<KubeObject, Uint8Array<ArrayBuffer>>();
const encoder = new TextEncoder();

/**
 * The UTF-8 JSON of the app without managedFields, computed once per cached object. Bytes, not a string:
 * a list of 10,000 apps is these buffers written one after the other, never one 30 MB string and its
 * encoded copy (docs/benchmarks.md).
 */
export function appBytes(app: KubeObject): Uint8Array<ArrayBuffer> {
  let b = serialized.get(app);
  if (b === undefined) {
    // TextEncoder's arrays own their memory (Buffer.from would slice a shared 8 KiB pool slab, which a
    // long-lived cache entry then keeps alive whole).
    b = encoder.encode(JSON.stringify(withoutManagedFields(app)));
    serialized.set(app, b);
  }
  return b;
}

const picked = new WeakMap<KubeObject, { key: string; bytes: Uint8Array }>();

/**
 * The UTF-8 JSON of `view(app)` — a list's `fields=` cut — cached per object for the last `key` asked (a
 * UI asks the same fields every time: its list then costs a lookup per app, as appBytes does).
 */
export function pickedBytes(app: KubeObject, key: string, view: (app: KubeObject) => unknown): Uint8Array {
  const cached = picked.get(app);
  if (cached?.key === key) return cached.bytes;
  const bytes = encoder.encode(JSON.stringify(view(app)));
  picked.set(app, { key, bytes });
  return bytes;
}

/** The same JSON as a string (one app, for a stream event). */
export function appJSON(app: KubeObject): string {
  return Buffer.from(appBytes(app).buffer, appBytes(app).byteOffset, appBytes(app).byteLength).toString("utf8");
}

/** A digest of what a watcher can tell apart (see the module comment for what is left out). */
export function fingerprint(app: KubeObject): string {
  const { managedFields: _m, resourceVersion: _r, ...metadata } = app.metadata;
  let status = app.status;
  if (status && typeof status === "object" && !Array.isArray(status)) {
    const { reconciledAt: _a, observedAt: _o, ...rest } = status as Record<string, unknown>;
    status = rest;
  }
  return createHash("sha1")
    .update(JSON.stringify({ ...app, metadata, status }))
    .digest("base64");
}
