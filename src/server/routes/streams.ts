/**
 * The stream routes: Server-Sent Events over Hono's `streamSSE`.
 *
 * - `GET /api/v1/stream/applications?name=&projects=&selector=&appNamespace=&repo=&resourceVersion=` —
 *   the Applications the caller may see, as Argo CD's `{"result": {"type", "application"}}`, from the fan-out
 *   hub (server/streams.ts: initial state, resume by `resourceVersion` or the `Last-Event-ID` header — the
 *   header wins, since a browser reconnects to the same URL with a newer id — relist, slow-client cut).
 * - `GET /api/v1/stream/applications/{name}/resource-tree?appNamespace=` — one app's resource tree as
 *   `{"result": tree}`, sent whenever it differs from the last one sent. Generic over where the tree comes
 *   from (`TreeSource`; `resourceTreeSource` for server/tree): recomputed when the app changes or the tree
 *   source reports a change that `affects` it (changes arriving while one recomputation runs make one
 *   more, not many); the tree's watches held (`retain`) while the stream is open; RBAC `applications, get`
 *   checked at the start and before each send; the stream ends when the app is deleted or the role no
 *   longer allows it.
 *
 * Both send `: keepalive` comments every `keepaliveMs` (proxies close idle connections) and end cleanly when
 * the client goes away: every listener they registered is removed.
 *
 * A stream outlives the request that authenticated it, so the caller's token (the same the server's auth
 * middleware read: the bearer header, else the session cookie) is verified again on every keepalive tick,
 * and the stream ends at the token's `exp`: a logout, a password change, a revoked API token, a disabled
 * account or an expired session ends an open stream within one keepalive interval.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { streamSSE, type SSEStreamingApi } from "hono/streaming";
import type { KubeObject } from "../../core/object.js";
import type { Api, ApiDeps } from "../app.js";
import { checkName } from "../app.js";
import { appRBACObject, facetOf } from "../app-filter.js";
import { SESSION_COOKIE, type Principal } from "../auth/types.js";
import { ForbiddenError, UnauthenticatedError } from "../errors.js";
import type { AppState } from "../state.js";
import { formatSSE, type AppStreams } from "../streams.js";
import { changeAffects, type ApplicationTree, type ResourceTrees, type TreeChange } from "../tree/index.js";

/**
 * Where trees come from: generic over the tree's and the change notice's shapes (`resourceTreeSource` adapts
 * server/tree's ResourceTrees).
 */
export interface TreeSource<C = unknown, T = unknown> {
  /** The resource tree of an app (Argo CD's ApplicationTree: `{nodes: [...]}`). */
  treeFor(app: KubeObject): Promise<T>;
  /** Told of every change that may alter some tree; returns the function that stops it. */
  onTreeChange(listener: (change: C) => void): () => void;
  /** Whether a change may alter this app's tree, the last one computed being `last`. Default: every change may. */
  affects?(change: C, app: KubeObject, last: T | undefined): boolean;
  /** Keeps what the app's tree needs (watches) alive while a stream shows it; returns the release. */
  retain?(app: KubeObject): () => void;
}

/** server/tree's ResourceTrees as a TreeSource. */
export function resourceTreeSource(trees: ResourceTrees): TreeSource<TreeChange, ApplicationTree> {
  return {
    treeFor: (app) => trees.tree(app),
    onTreeChange: (listener) => trees.onChange(listener),
    affects: (change, app, last) => last === undefined || changeAffects(change, app.metadata.name, last),
    retain: (app) => trees.retain(app),
  };
}

/** What the stream routes need (ApiDeps has all but `streams` and `trees`). */
export type StreamRouteDeps = Pick<ApiDeps, "rbac" | "namespace" | "log" | "auth"> & {
  state: Pick<AppState, "app" | "subscribe">;
  streams: AppStreams;
  /** Without it, the resource-tree stream is not mounted. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any change and tree shape; the route only passes them back
  trees?: TreeSource<any, any>;
};

const many = z.union([z.string(), z.array(z.string())]).optional();
const position = z
  .string()
  .regex(/^\d{1,30}$/, "a resourceVersion is a number: the id of the last event received, or a list's metadata.resourceVersion")
  .optional();

const StreamQuery = z.object({
  name: z.string().min(1).optional().openapi({ description: "Only the app of this name (in appNamespace, default the server's namespace)" }),
  projects: many.openapi({ description: "Only apps of these projects (repeat the parameter)" }),
  project: many.openapi({ description: "Legacy name of projects" }),
  selector: z.string().optional().openapi({ description: "A label selector, e.g. team=a,tier!=db" }),
  appNamespace: z.string().optional(),
  repo: z.string().optional().openapi({ description: "Only apps with a source in this repository" }),
  resourceVersion: position.openapi({ description: "Resume after this event id (the Last-Event-ID header wins)" }),
});

const TreeQuery = z.object({ appNamespace: z.string().optional() });

const sseResponse = { 200: { description: "A stream of Server-Sent Events", content: { "text/event-stream": { schema: z.string() } } } };

const appStream = createRoute({ method: "get", path: "/api/v1/stream/applications", request: { query: StreamQuery }, responses: sseResponse, summary: "Watch Applications" });
const treeStream = createRoute({
  method: "get",
  path: "/api/v1/stream/applications/{name}/resource-tree",
  request: { params: z.object({ name: z.string() }), query: TreeQuery },
  responses: sseResponse,
  summary: "Watch an Application's resource tree",
});

/** A repeated (or comma-separated) query parameter, as the list route reads it. */
const list = (v: string | string[] | undefined): string[] =>
  (v === undefined ? [] : Array.isArray(v) ? v : [v])
    .flatMap((s) => s.split(","))
    .map((s) => s.trim())
    .filter(Boolean);

/** The request's token as the auth middleware (app.ts) reads it: the bearer header, else the session cookie. */
function tokenOf(c: Context): string | undefined {
  return c.req.header("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? getCookie(c, SESSION_COOKIE);
}

/**
 * Every `ms`: verifies the caller's token again, then writes `: keepalive` (and what `extra` returns); calls
 * `end` when the token is no longer valid (or is missing), or when its `exp` is reached. Stops when the
 * returned function is called.
 */
function keepalive(sse: SSEStreamingApi, ms: number, auth: { token: string | undefined; principal: Principal; verify: (token: string) => Promise<Principal> }, end: () => void, extra?: () => string | undefined): () => void {
  let stopped = false;
  const finish = (): void => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    clearTimeout(expiry);
    end();
  };
  const timer = setInterval(() => {
    const check = auth.token === undefined ? Promise.reject(new UnauthenticatedError("no token")) : auth.verify(auth.token);
    check.then(
      () => {
        if (!stopped) void sse.write(`: keepalive\n\n${extra?.() ?? ""}`);
      },
      () => finish(),
    );
  }, ms);
  timer.unref();
  const exp = auth.principal.expiresAt;
  // setTimeout holds at most ~24.8 days; a later exp is caught by the keepalive's verification.
  const expiry = exp === undefined ? undefined : setTimeout(finish, Math.min(Math.max(0, exp * 1000 - Date.now()), 2 ** 31 - 1));
  expiry?.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
    clearTimeout(expiry);
  };
}

/** Registers the stream routes on `api`. */
export function mountStreams(api: Api, deps: StreamRouteDeps): void {
  api.openapi(appStream, (c) => {
    const q = c.req.valid("query");
    const header = c.req.header("last-event-id");
    const from = header !== undefined && header.trim() !== "" ? header.trim() : q.resourceVersion;
    // Opened before the response starts: a bad selector or resourceVersion is a 400, not a broken stream.
    c.header("X-Accel-Buffering", "no"); // nginx: do not hold events back
    const principal = c.get("principal");
    const token = tokenOf(c);
    const client = deps.streams.open(principal, { name: q.name, projects: [...list(q.projects), ...list(q.project)], selector: q.selector, appNamespace: q.appNamespace, repo: q.repo }, from);
    return streamSSE(c, async (sse) => {
      sse.onAbort(() => client.close());
      const stop = keepalive(sse, deps.streams.options.keepaliveMs, { token, principal, verify: (t) => deps.auth.verify(t) }, () => client.close(), () => {
        const b = client.bookmark();
        return b ? formatSSE(b) : undefined;
      });
      try {
        for (let m = await client.next(); m !== undefined && !sse.aborted; m = await client.next()) await sse.write(formatSSE(m));
      } finally {
        stop();
        client.close();
      }
    });
  });

  const trees = deps.trees;
  if (!trees) return;
  api.openapi(treeStream, (c) => {
    const name = checkName(c.req.valid("param").name, "application name");
    const namespace = c.req.valid("query").appNamespace || deps.namespace;
    const principal = c.get("principal");
    const token = tokenOf(c);
    const allowed = (app: KubeObject | undefined): app is KubeObject => app !== undefined && deps.rbac.enforce(principal, "applications", "get", appRBACObject(facetOf(app), deps.namespace));
    // A missing app and a forbidden one answer alike, so that names cannot be probed.
    if (!allowed(deps.state.app(namespace, name))) throw new ForbiddenError(`permission denied: applications, get, ${namespace}/${name} (or no such application)`);
    c.header("X-Accel-Buffering", "no");
    return streamSSE(c, async (sse) => {
      let dirty = true;
      let ended = false;
      let wake: (() => void) | undefined;
      let lastTree: unknown;
      let lastSent: string | undefined;
      const poke = (): void => {
        dirty = true;
        wake?.();
      };
      const offTree = trees.onTreeChange((change) => {
        const app = deps.state.app(namespace, name);
        if (app && (!trees.affects || trees.affects(change, app, lastTree))) poke();
      });
      const offApp = deps.state.subscribe((_type, app) => {
        if (app.metadata.name === name && app.metadata.namespace === namespace) poke();
      });
      const release = trees.retain?.(deps.state.app(namespace, name)!);
      const endStream = (): void => {
        ended = true;
        wake?.();
      };
      sse.onAbort(endStream);
      const stop = keepalive(sse, deps.streams.options.keepaliveMs, { token, principal, verify: (t) => deps.auth.verify(t) }, endStream);
      try {
        while (!ended && !sse.aborted) {
          if (!dirty) {
            await new Promise<void>((r) => (wake = r));
            wake = undefined;
            continue;
          }
          dirty = false;
          const app = deps.state.app(namespace, name);
          if (!allowed(app)) break; // deleted, or the role no longer allows it
          try {
            lastTree = await trees.treeFor(app);
          } catch (err) {
            deps.log.warn({ app: `${namespace}/${name}`, error: err instanceof Error ? err.message : String(err) }, "resource tree failed; waiting for the next change");
            continue;
          }
          const data = JSON.stringify({ result: lastTree });
          if (data !== lastSent) {
            lastSent = data;
            await sse.write(formatSSE({ data }));
          }
        }
      } finally {
        stop();
        offTree();
        offApp();
        release?.();
      }
    });
  });
}
