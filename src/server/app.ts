/**
 * The API server's HTTP application (Hono + zod-openapi): every request passes the same chain, in order —
 *
 *   security headers → body size limit → authentication (bearer header or session cookie; only login,
 *   version, settings, the OpenAPI document, the SSO endpoints and the webhook receiver are public) →
 *   origin check for cookie-authenticated writes (CSRF) → the route: validate (zod), authorize (RBAC),
 *   call one function of the core → JSON
 *
 * — and every error becomes an answer in one place (`errorResponse`, server/errors.ts). A write leaves one
 * audit line in the log (who, what, which app, the status). Handlers live in routes/*.ts, one file per
 * area; the OpenAPI document at /api/openapi.json is generated from the same zod schemas that validate
 * the requests.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Hono } from "hono";
import { getCookie } from "hono/cookie";
import { secureHeaders } from "hono/secure-headers";
import type { Logger } from "../controller/reconcile.js";
import type { Authenticator, Authorizer, Principal, SessionService } from "./auth/types.js";
import { SESSION_COOKIE } from "./auth/types.js";
import { errorResponse, ForbiddenError, InvalidRequestError, PayloadTooLargeError, UnauthenticatedError } from "./errors.js";
import type { AppState } from "./state.js";

/** The Hono environment of every route: who is calling, and how they authenticated. */
export interface ServerEnv {
  Variables: {
    principal: Principal;
    /** The token came from the session cookie (a browser): writes need a same-origin Origin header. */
    viaCookie: boolean;
    /** The app a write was about, for the audit line ("namespace/name"). */
    auditApp?: string;
  };
}

export type Api = OpenAPIHono<ServerEnv>;

/** Paths anyone may call without a session. */
const PUBLIC: Array<{ method?: string; path: RegExp; anonymousOnly?: boolean }> = [
  { method: "POST", path: /^\/api\/v1\/session$/ },
  // "Who am I" answers {loggedIn: false} to nobody (as Argo CD's does: the UI asks it before any login),
  // but a token that is presented and refused is still a 401 — the caller must learn it is no good.
  { method: "GET", path: /^\/api\/v1\/session\/userinfo$/, anonymousOnly: true },
  { method: "GET", path: /^\/api\/version$/ },
  { method: "GET", path: /^\/api\/v1\/settings$/ },
  { method: "GET", path: /^\/api\/openapi\.json$/ },
  { path: /^\/auth\// },
  { method: "POST", path: /^\/api\/webhook$/ },
];

/** The most a request body may hold: Application manifests are small. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** What the routes use; see server/server.ts for how `plumb server` fills it. */
export interface ApiDeps {
  state: AppState;
  auth: Authenticator;
  sessions: SessionService;
  rbac: Authorizer;
  log: Logger;
  /** The namespace of the server's settings and, by default, of Applications (Argo CD: argocd). */
  namespace: string;
  /** plumb's version, for /api/version. */
  version: string;
  /** The external URL (for the Origin check and SSO redirects), read at each request (plumb-cm may change it). */
  externalURL?: string | (() => string);
  /** Max request body in bytes. Default DEFAULT_BODY_LIMIT. */
  bodyLimit?: number;
}

/** The head of the OpenAPI document (the paths come from the routes). */
export function openAPIConfig(version: string) {
  return {
    openapi: "3.1.0",
    info: { title: "plumb API", version, description: "plumb's REST API (Argo CD's shapes where one exists). Authenticate with `Authorization: Bearer <token>` from POST /api/v1/session or an API token." },
  };
}

/** A fresh router with the server's validation hook: a zod failure is a 400 naming the fields. */
export function router(): Api {
  return new OpenAPIHono<ServerEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issues = result.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; ");
        throw new InvalidRequestError(`invalid request: ${issues}`);
      }
    },
  });
}

/** The token of a request: the bearer header first, else the session cookie. */
function tokenOf(authorization: string | undefined, cookie: string | undefined): { token: string; viaCookie: boolean } | undefined {
  const bearer = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (bearer) return { token: bearer, viaCookie: false };
  return cookie ? { token: cookie, viaCookie: true } : undefined;
}

/** The origins a browser of this server is on: the external URL's and the request's own. */
function ownOrigins(deps: ApiDeps, requestURL: string): string[] {
  const ext = typeof deps.externalURL === "function" ? deps.externalURL() : deps.externalURL;
  const out = [new URL(requestURL).origin];
  try {
    if (ext) out.push(new URL(ext).origin);
  } catch {
    // an unparsable url setting: the request's own origin only
  }
  return out;
}

/** The origin of an Origin or Referer header; undefined when absent or unparsable. */
function originOf(origin: string | undefined, referer: string | undefined): string | undefined {
  if (origin) return origin;
  try {
    return referer ? new URL(referer).origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The whole application: middleware, then `mount` adds the routes (routes/index.ts), then the error
 * mapping and the OpenAPI document.
 */
export function createApp(deps: ApiDeps, mount: (api: Api) => void, extra: { sso?: Hono; webhook?: Hono; probes?: Hono } = {}): Api {
  const app = router();
  app.use("*", secureHeaders({ contentSecurityPolicy: { defaultSrc: ["'self'"], frameAncestors: ["'none'"], objectSrc: ["'none'"], baseUri: ["'self'"] }, strictTransportSecurity: "max-age=31536000" }));
  // Bodies must say their size (every browser and fetch does), so an oversized one is refused before a
  // byte of it is read. (hono/body-limit re-creates the request with the global Request class, which the
  // node server's own request objects do not survive.)
  app.use("*", async (c, next) => {
    if (c.req.path === "/api/webhook") return next(); // the receiver has its own limit (pushes can be large)
    const max = deps.bodyLimit ?? DEFAULT_BODY_LIMIT;
    const length = c.req.header("content-length");
    if (length !== undefined) {
      if (!/^\d+$/.test(length) || Number(length) > max) throw new PayloadTooLargeError(`the request body is larger than ${max} bytes`);
    } else if (c.req.header("transfer-encoding") && !["GET", "HEAD", "OPTIONS", "DELETE"].includes(c.req.method)) {
      throw new InvalidRequestError("a request body needs a Content-Length header (chunked bodies are not accepted)");
    }
    await next();
  });
  app.use("*", async (c, next) => {
    const path = c.req.path;
    const rule = PUBLIC.find((p) => (!p.method || p.method === c.req.method) && p.path.test(path));
    const isPublic = rule !== undefined;
    const found = tokenOf(c.req.header("authorization"), getCookie(c, SESSION_COOKIE));
    if (found) {
      try {
        c.set("principal", await deps.auth.verify(found.token));
        c.set("viaCookie", found.viaCookie);
      } catch (err) {
        // A stale cookie must not lock a browser out of the login page, nor out of the UI's pages (only
        // /api needs a session).
        if ((!isPublic || rule.anonymousOnly) && path.startsWith("/api/")) throw err;
      }
    }
    if (!isPublic && !c.get("principal")) {
      if (path.startsWith("/api/")) throw new UnauthenticatedError("no session: log in first", "plumb login SERVER, or POST /api/v1/session {username, password}");
    }
    // A browser sends its cookie on a forged cross-site request too; only its own pages may write with it.
    const unsafe = !["GET", "HEAD", "OPTIONS"].includes(c.req.method);
    if (unsafe && (c.get("viaCookie") || path === "/api/v1/session")) {
      const origin = originOf(c.req.header("origin"), c.req.header("referer"));
      if (c.get("viaCookie") && !origin) throw new ForbiddenError("a write with the session cookie needs an Origin header (cross-site request refused)");
      if (origin && !ownOrigins(deps, c.req.url).includes(origin)) throw new ForbiddenError(`cross-site request from ${origin.slice(0, 200)} refused`);
    }
    await next();
    if (unsafe && !path.startsWith("/api/webhook") && path !== "/api/v1/session") {
      const who = c.get("principal");
      deps.log.info({ audit: true, user: who?.username, subject: who?.subject, method: c.req.method, path, app: c.get("auditApp"), status: c.res.status }, "api write");
    }
  });
  app.onError((err, c) => {
    const r = errorResponse(err);
    if (r.status >= 500) deps.log.error({ path: c.req.path, method: c.req.method, error: err instanceof Error ? err.message : String(err) }, "api error");
    for (const [k, v] of Object.entries(r.headers ?? {})) c.header(k, v);
    return c.json(r.body, r.status);
  });
  app.notFound((c) => c.json({ error: "NotFound", message: `no such endpoint: ${c.req.method} ${c.req.path}` }, 404));

  if (extra.probes) app.route("/", extra.probes);
  if (extra.sso) app.route("/auth", extra.sso);
  if (extra.webhook) app.route("/", extra.webhook);
  mount(app);
  app.doc31("/api/openapi.json", openAPIConfig(deps.version));
  return app;
}

/** The client's address as the server saw it (X-Forwarded-For is not trusted: the limiter would be bypassed). */
export function clientAddress(incoming: { socket?: { remoteAddress?: string } } | undefined): string {
  return incoming?.socket?.remoteAddress ?? "unknown";
}

/** Throws PayloadTooLargeError-free InvalidRequestError for a path parameter that is not a Kubernetes name. */
export function checkName(value: string, what: string): string {
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(value)) throw new InvalidRequestError(`${what} "${value.slice(0, 80)}" is not a valid name`);
  return value;
}
