/**
 * Applications over REST, in Argo CD's paths and shapes: list (filtered by name, projects, repo, label
 * selector, namespace, and by what the caller may `get`; `fields` keeps only the named paths), get (with
 * `refresh=normal|hard`: the refresh annotation is set and the answer waits, briefly, for the controller
 * to have compared again), create (`upsert`), update spec, delete (cascade or not), and the operations —
 * sync, rollback, terminate — which write the Application's `operation` field or status exactly as the CLI
 * in core mode does (apps/client.ts): the API never applies manifests itself.
 *
 * Reads come from the shared watch cache (server/state.ts). A list serializes each app once per version:
 * the JSON of an informer's object is kept beside it (a WeakMap — an update replaces the object, so the
 * old string goes with it), and the answer is the strings joined.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { REQUEST_INFO, rollbackSync, type AppClient } from "../../apps/client.js";
import { analyzeApplication, API_GROUP, API_VERSION, ARGO_GROUP, readApplication, type SyncOperation } from "../../apps/index.js";
import { sleep } from "../../core/concurrency.js";
import type { KubeObject } from "../../core/object.js";
import { REFRESH_ANNOTATIONS } from "../../controller/reconcile.js";
import type { Api } from "../app.js";
import { ApiError } from "../../cluster/client.js";
import { ConflictError, ForbiddenError, InvalidRequestError } from "../errors.js";
import { appBytes, appRBACObject, facetOf, pickedBytes, queryMatcher } from "../app-filter.js";
import { appFor, ApplicationSchema, clientFor, flag, json, KubeObjectSchema, lean, may, must, Name, projectOf, rbacObject, type RouteDeps } from "./common.js";

const AppNamespace = z.object({ appNamespace: z.string().optional() });

const ListQuery = z.object({
  name: z.string().optional(),
  projects: z.union([z.string(), z.array(z.string())]).optional(),
  project: z.union([z.string(), z.array(z.string())]).optional(),
  selector: z.string().max(4096).optional(),
  repo: z.string().optional(),
  appNamespace: z.string().optional(),
  fields: z.string().max(4096).optional(),
});

const ApplicationList = z.object({ metadata: z.object({ resourceVersion: z.string() }), items: z.array(ApplicationSchema) }).openapi("ApplicationList");

const SyncRequest = z
  .object({
    name: z.string().optional(),
    appNamespace: z.string().optional(),
    project: z.string().optional(),
    revision: z.string().max(256).optional(),
    revisions: z.array(z.string().max(256)).optional(),
    prune: z.boolean().optional(),
    dryRun: z.boolean().optional(),
    strategy: z.object({ apply: z.object({ force: z.boolean().optional() }).optional(), hook: z.object({ force: z.boolean().optional() }).optional() }).optional(),
    resources: z.array(z.object({ group: z.string().optional(), version: z.string().optional(), kind: z.string().min(1), name: z.string().min(1), namespace: z.string().optional() })).max(10_000).optional(),
    syncOptions: z.object({ items: z.array(z.string().max(256)).max(100) }).optional(),
    manifests: z.array(z.string()).optional(),
    infos: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
  })
  .openapi("ApplicationSyncRequest");

const RollbackRequest = z
  .object({ name: z.string().optional(), appNamespace: z.string().optional(), id: z.union([z.number().int(), z.string().regex(/^\d+$/)]), prune: z.boolean().optional(), dryRun: z.boolean().optional() })
  .openapi("ApplicationRollbackRequest");

const CreateQuery = z.object({ upsert: z.string().optional(), validate: z.string().optional() });
const DeleteQuery = AppNamespace.extend({ cascade: z.string().optional(), propagationPolicy: z.string().optional() });
const GetQuery = AppNamespace.extend({ refresh: z.enum(["normal", "hard"]).optional() });
const NameParam = z.object({ name: Name });
const Empty = z.object({}).openapi("Empty");

/** How long a get with `refresh` waits for the controller's new comparison. */
const REFRESH_WAIT_MS = 10_000;

function list(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
}

const UNSAFE_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/**
 * Keeps only the dotted `paths` of an object (Argo CD's `fields`; an `items.` prefix is allowed). Only own
 * properties are read, into objects without a prototype: a path through `__proto__` reaches nothing.
 */
export function pick(obj: unknown, paths: string[][]): unknown {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const path of paths) {
    if (path.some((k) => UNSAFE_KEYS.has(k))) continue;
    let src: unknown = obj;
    for (const k of path) src = src && typeof src === "object" && Object.hasOwn(src, k) ? (src as Record<string, unknown>)[k] : undefined;
    if (src === undefined) continue;
    let dst = out;
    path.forEach((k, i) => {
      if (i === path.length - 1) dst[k] = src;
      else dst = (Object.hasOwn(dst, k) ? dst[k] : (dst[k] = Object.create(null))) as Record<string, unknown>;
    });
  }
  return out;
}

export function mountApplications(api: Api, deps: RouteDeps): void {
  api.openapi(createRoute({ method: "get", path: "/api/v1/applications", tags: ["applications"], summary: "List the Applications the caller may see", request: { query: ListQuery }, responses: json(ApplicationList, "the applications") }), (c) => {
    const q = c.req.valid("query");
    const p = c.get("principal");
    const projects = [...list(q.projects), ...list(q.project)];
    const matches = queryMatcher({ ...(q.name ? { name: q.name } : {}), ...(projects.length ? { projects } : {}), ...(q.selector ? { selector: q.selector } : {}), ...(q.appNamespace ? { appNamespace: q.appNamespace } : {}), ...(q.repo ? { repo: q.repo } : {}) }, deps.namespace);
    const fields = q.fields ? list(q.fields).map((f) => f.replace(/^items\./, "").split(".")) : undefined;
    const visible = deps.rbac.filter(p, "applications", "get");
    const items: Uint8Array[] = [];
    for (const app of deps.state.apps()) {
      const facet = facetOf(app);
      if (!matches(facet) || !visible(appRBACObject(facet, deps.namespace))) continue;
      items.push(fields ? pickedBytes(app, q.fields!, (a) => pick(lean(a), fields)) : appBytes(app));
    }
    return c.body(listBody(deps.state.resourceVersion, items), 200, { "content-type": "application/json; charset=utf-8" }) as never;
  });

  api.openapi(createRoute({ method: "get", path: "/api/v1/applications/{name}", tags: ["applications"], summary: "One Application", request: { params: NameParam, query: GetQuery }, responses: json(ApplicationSchema, "the application") }), async (c) => {
    const { name } = c.req.valid("param");
    const q = c.req.valid("query");
    let app = appFor(deps, c.get("principal"), name, q.appNamespace, "get");
    if (q.refresh) app = await refresh(deps, app, q.refresh);
    return c.body(appBytes(app), 200, { "content-type": "application/json; charset=utf-8" }) as never;
  });

  api.openapi(
    createRoute({ method: "post", path: "/api/v1/applications", tags: ["applications"], summary: "Create (or with upsert=true update) an Application", request: { query: CreateQuery, body: { content: { "application/json": { schema: KubeObjectSchema.partial({ apiVersion: true, kind: true }) } }, required: true } }, responses: json(ApplicationSchema, "the application as stored") }),
    async (c) => {
      const q = c.req.valid("query");
      const body = c.req.valid("json") as KubeObject;
      const p = c.get("principal");
      // Only what a person writes: never `operation` (a sync without the sync permission) nor `status`.
      const m = body.metadata;
      const obj: KubeObject = {
        apiVersion: body.apiVersion ?? `${API_GROUP}/${API_VERSION}`,
        kind: body.kind ?? "Application",
        metadata: { name: m.name, namespace: m.namespace || deps.namespace, ...(m.labels ? { labels: m.labels } : {}), ...(m.annotations ? { annotations: m.annotations } : {}), ...(m.finalizers ? { finalizers: m.finalizers } : {}) },
        ...(body.spec !== undefined ? { spec: body.spec } : {}),
      };
      if (obj.kind !== "Application") throw new InvalidRequestError(`kind must be Application, not ${obj.kind}`);
      if (obj.apiVersion === `${ARGO_GROUP}/${API_VERSION}` && !deps.state.groups.includes(ARGO_GROUP)) throw new InvalidRequestError("argoproj.io Applications are served only with --argo-compat");
      // Apps of another namespace would be checked against that namespace's projects, which no policy of
      // this server governs: the API creates them in its own namespace only.
      if (obj.metadata.namespace !== deps.namespace) throw new InvalidRequestError(`this server creates Applications in namespace "${deps.namespace}" only`, "create apps of other namespaces with kubectl, under that namespace's AppProjects");
      c.set("auditApp", `${obj.metadata.namespace}/${obj.metadata.name}`);
      must(deps, p, "create", obj);
      const upsert = flag(q.upsert, false, "upsert");
      const client = clientFor(deps, obj);
      const existing = await client.find(obj.metadata.name);
      if (existing && upsert) must(deps, p, "update", existing);
      const { live } = await client.upsert(obj, { upsert, fieldManager: "plumb-server" });
      return c.json(lean(live) as never, 200);
    },
  );

  api.openapi(
    createRoute({ method: "put", path: "/api/v1/applications/{name}/spec", tags: ["applications"], summary: "Replace an Application's spec", request: { params: NameParam, query: AppNamespace, body: { content: { "application/json": { schema: z.looseObject({}).openapi("ApplicationSpec") } }, required: true } }, responses: json(z.looseObject({}), "the spec as stored") }),
    async (c) => {
      const { name } = c.req.valid("param");
      const { appNamespace } = c.req.valid("query");
      const p = c.get("principal");
      const app = appFor(deps, p, name, appNamespace, "update");
      c.set("auditApp", `${app.metadata.namespace}/${name}`);
      const spec = c.req.valid("json");
      const candidate: KubeObject = { ...app, spec };
      // Moving the app to another project needs the right to update it there too.
      if (projectOf(candidate) !== projectOf(app) && !deps.rbac.enforce(p, "applications", "update", rbacObject(deps, candidate))) throw new ForbiddenError(`permission denied: applications, update, ${rbacObject(deps, candidate)}`);
      const invalid = analyzeApplication(candidate).problems.filter((x) => x.type === "InvalidSpecError");
      if (invalid.length) throw new InvalidRequestError(`the spec is invalid: ${invalid.map((x) => x.message).join("; ")}`);
      const apps = clientFor(deps, app);
      // Replaced on the object as the API server holds it (the cache may lag a write just made), and only
      // if nobody moved it to another project meanwhile; a concurrent write is tried again.
      for (let attempt = 0; ; attempt++) {
        const current = await apps.get(name);
        if (projectOf(current) !== projectOf(app)) throw new ConflictError(`application "${name}" was moved to project "${projectOf(current)}" meanwhile; try again`);
        try {
          const live = await apps.patch(name, [{ op: "test", path: "/metadata/resourceVersion", value: current.metadata.resourceVersion }, { op: "replace", path: "/spec", value: spec }], "application/json-patch+json");
          return c.json((live.spec ?? {}) as never, 200);
        } catch (err) {
          if (attempt < 4 && err instanceof ApiError && (err.status === 409 || err.status === 422)) continue;
          throw err;
        }
      }
    },
  );

  api.openapi(createRoute({ method: "delete", path: "/api/v1/applications/{name}", tags: ["applications"], summary: "Delete an Application (cascade: its resources too)", request: { params: NameParam, query: DeleteQuery }, responses: json(Empty, "deleted") }), async (c) => {
    const { name } = c.req.valid("param");
    const q = c.req.valid("query");
    const app = appFor(deps, c.get("principal"), name, q.appNamespace, "delete");
    c.set("auditApp", `${app.metadata.namespace}/${name}`);
    const cascade = flag(q.cascade, true, "cascade");
    if (q.propagationPolicy && q.propagationPolicy.toLowerCase() !== "foreground") throw new InvalidRequestError(`propagationPolicy=${q.propagationPolicy} is not supported: a cascade deletes the app's resources first (foreground), cascade=false leaves them`);
    await clientFor(deps, app).deleteApp(name, cascade);
    return c.json({}, 200);
  });

  api.openapi(
    createRoute({ method: "post", path: "/api/v1/applications/{name}/sync", tags: ["operations"], summary: "Sync an Application (the controller runs it)", request: { params: NameParam, body: { content: { "application/json": { schema: SyncRequest } }, required: false } }, responses: json(ApplicationSchema, "the application with the requested operation") }),
    async (c) => {
      const { name } = c.req.valid("param");
      const body = c.req.valid("json") ?? {};
      const p = c.get("principal");
      const app = appFor(deps, p, name, body.appNamespace, "sync");
      c.set("auditApp", `${app.metadata.namespace}/${name}`);
      if (body.manifests?.length) throw new InvalidRequestError("a sync with local manifests is not supported: sync from Git");
      const sync: SyncOperation = {
        ...(body.revision ? { revision: body.revision } : {}),
        ...(body.revisions?.length ? { revisions: body.revisions } : {}),
        ...(body.prune ? { prune: true } : {}),
        ...(body.dryRun ? { dryRun: true } : {}),
        ...(body.syncOptions?.items.length ? { syncOptions: body.syncOptions.items } : {}),
        ...(body.resources?.length ? { resources: body.resources.map((r) => ({ ...(r.group ? { group: r.group } : {}), kind: r.kind, name: r.name, ...(r.namespace ? { namespace: r.namespace } : {}) })) } : {}),
        ...(body.strategy ? { syncStrategy: body.strategy } : {}),
      };
      return c.json((await requested(clientFor(deps, app), name, sync, p.username)) as never, 200);
    },
  );

  api.openapi(
    createRoute({ method: "post", path: "/api/v1/applications/{name}/rollback", tags: ["operations"], summary: "Sync to the revision of a history entry", request: { params: NameParam, body: { content: { "application/json": { schema: RollbackRequest } }, required: true } }, responses: json(ApplicationSchema, "the application with the requested operation") }),
    async (c) => {
      const { name } = c.req.valid("param");
      const body = c.req.valid("json");
      const p = c.get("principal");
      const app = appFor(deps, p, name, body.appNamespace, "get");
      // Argo CD checks `sync` for a rollback; plumb also accepts the `rollback` action word.
      if (!may(deps, p, "rollback", app)) must(deps, p, "sync", app);
      c.set("auditApp", `${app.metadata.namespace}/${name}`);
      const apps = clientFor(deps, app);
      const sync = rollbackSync(readApplication(await apps.get(name)), Number(body.id), { prune: body.prune, dryRun: body.dryRun });
      return c.json((await requested(apps, name, sync, p.username)) as never, 200);
    },
  );

  api.openapi(createRoute({ method: "delete", path: "/api/v1/applications/{name}/operation", tags: ["operations"], summary: "Terminate the running operation", request: { params: NameParam, query: AppNamespace }, responses: json(Empty, "terminating") }), async (c) => {
    const { name } = c.req.valid("param");
    const { appNamespace } = c.req.valid("query");
    const app = appFor(deps, c.get("principal"), name, appNamespace, "sync");
    c.set("auditApp", `${app.metadata.namespace}/${name}`);
    await clientFor(deps, app).requestTerminate(name);
    return c.json({}, 200);
  });
}

/**
 * The list's body, streamed: the cached JSON of each app written as it is, so a 10,000-app answer is never
 * built as one string (nor copied to encode it).
 */
function listBody(resourceVersion: string, items: Uint8Array[]): ReadableStream<Uint8Array> {
  const comma = new Uint8Array([0x2c]);
  let i = 0;
  return new ReadableStream<Uint8Array>({
    start(ctl) {
      ctl.enqueue(new TextEncoder().encode(`{"metadata":{"resourceVersion":${JSON.stringify(resourceVersion)}},"items":[`));
    },
    // The cached bytes themselves, never a copy: a list leaves no garbage the size of its body.
    pull(ctl) {
      for (const end = Math.min(items.length, i + 64); i < end; i++) {
        if (i > 0) ctl.enqueue(comma);
        ctl.enqueue(items[i]!);
      }
      if (i >= items.length) {
        ctl.enqueue(new Uint8Array([0x5d, 0x7d]));
        ctl.close();
      }
    },
  });
}

/**
 * Requests the sync and answers the app with the request in its `operation` field — also when the
 * controller has already taken it (and cleared the field), so the caller always learns the request's id
 * (`operation.info` plumb.dev/request) to follow its record by.
 */
async function requested(apps: AppClient, name: string, sync: SyncOperation, username: string): Promise<KubeObject> {
  const req = await apps.requestSync(name, sync, { username });
  const live = lean(await apps.get(name));
  return live.operation ? live : { ...live, operation: { sync, initiatedBy: { username }, info: [{ name: REQUEST_INFO, value: req.id }] } };
}

/**
 * Asks the controller to compare the app again (hard: render again too) and waits until it has — the
 * annotation removed — or REFRESH_WAIT_MS, whichever is first; answers the app as the cache then holds it.
 */
async function refresh(deps: RouteDeps, app: KubeObject, mode: "normal" | "hard"): Promise<KubeObject> {
  const apps = clientFor(deps, app);
  const annotation = app.apiVersion.startsWith(`${ARGO_GROUP}/`) ? REFRESH_ANNOTATIONS[1]! : REFRESH_ANNOTATIONS[0]!;
  const written = BigInt((await apps.patch(app.metadata.name, { metadata: { annotations: { [annotation]: mode } } })).metadata.resourceVersion ?? "0");
  const deadline = Date.now() + REFRESH_WAIT_MS;
  const ns = app.metadata.namespace ?? deps.namespace;
  while (Date.now() < deadline) {
    const now = deps.state.app(ns, app.metadata.name);
    if (!now) break;
    // Done when the controller has removed the annotation (a write after ours): it does so at the end of
    // the reconcile that compared, so the status already says what it found.
    const after = /^\d+$/.test(now.metadata.resourceVersion ?? "") && BigInt(now.metadata.resourceVersion!) > written;
    if (after && !REFRESH_ANNOTATIONS.some((a) => now.metadata.annotations?.[a] !== undefined)) return now;
    await sleep(50);
  }
  return deps.state.app(ns, app.metadata.name) ?? app;
}
