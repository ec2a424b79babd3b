/**
 * Sessions, settings and version (Argo CD's paths): `POST /api/v1/session` logs in with a local account's
 * password and answers the token — also set as the browser's HttpOnly, SameSite=Strict session cookie;
 * `DELETE` ends it; `userinfo` says who the caller is. Settings and version are public: the login page
 * needs them (whether SSO is offered) before anyone is logged in, and they hold no secret.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { getConnInfo } from "@hono/node-server/conninfo";
import { deleteCookie, setCookie } from "hono/cookie";
import { TRACKING_LABEL } from "../../core/annotations.js";
import type { Api, ApiDeps } from "../app.js";
import type { Principal } from "../auth/types.js";
import { SESSION_COOKIE } from "../auth/types.js";
import { json } from "./common.js";

const SessionCreate = z.object({ username: z.string().min(1).max(256), password: z.string().min(1).max(1024) }).openapi("SessionCreateRequest");
const SessionResponse = z.object({ token: z.string() }).openapi("SessionResponse");
const UserInfo = z.object({ loggedIn: z.boolean(), username: z.string().optional(), iss: z.string().optional(), groups: z.array(z.string()).optional() }).openapi("UserInfo");
const Settings = z
  .looseObject({ url: z.string().optional(), appLabelKey: z.string(), userLoginsDisabled: z.boolean(), oidcConfig: z.object({ name: z.string(), issuer: z.string(), clientID: z.string(), scopes: z.array(z.string()) }).optional() })
  .openapi("Settings");
const Version = z.looseObject({ Version: z.string() }).openapi("Version");

/** What the settings answer says about SSO, when it is configured. */
export interface PublicSso {
  name: string;
  issuer: string;
  clientID: string;
  scopes: string[];
}

export interface SessionRouteDeps extends ApiDeps {
  /** SSO as the settings answer shows it (none: local logins only). */
  sso?: () => PublicSso | undefined;
  /** Whether the server is served over HTTPS (the cookie is then Secure). */
  secure: boolean;
}

export function mountSession(api: Api, deps: SessionRouteDeps): void {
  api.openapi(createRoute({ method: "post", path: "/api/v1/session", tags: ["session"], summary: "Log in with a local account", request: { body: { content: { "application/json": { schema: SessionCreate } }, required: true } }, responses: json(SessionResponse, "the session token") }), async (c) => {
    const { username, password } = c.req.valid("json");
    let address = "unknown";
    try {
      address = getConnInfo(c).remote.address ?? "unknown";
    } catch {
      // not served by @hono/node-server (an in-process test): one bucket for all
    }
    const { token, principal } = await deps.sessions.login(username, password, address);
    deps.log.info({ audit: true, user: principal.username, action: "login" }, "api login");
    setCookie(c, SESSION_COOKIE, token, { httpOnly: true, sameSite: "Strict", secure: deps.secure, path: "/", ...(principal.expiresAt ? { expires: new Date(principal.expiresAt * 1000) } : {}) });
    return c.json({ token }, 200);
  });

  api.openapi(createRoute({ method: "delete", path: "/api/v1/session", tags: ["session"], summary: "Log out", responses: json(z.object({}), "logged out") }), async (c) => {
    await deps.sessions.logout(c.get("principal"));
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.json({}, 200);
  });

  api.openapi(createRoute({ method: "get", path: "/api/v1/session/userinfo", tags: ["session"], summary: "Who the caller is", responses: json(UserInfo, "the caller") }), (c) => {
    const p = c.get("principal") as Principal | undefined; // absent: nobody logged in (a public path)
    if (!p) return c.json({ loggedIn: false }, 200);
    return c.json({ loggedIn: true, username: p.username, iss: p.issuer, groups: p.groups }, 200);
  });

  api.openapi(createRoute({ method: "get", path: "/api/v1/settings", tags: ["settings"], summary: "Public settings (what the login page needs)", responses: json(Settings, "the settings") }), (c) => {
    const sso = deps.sso?.();
    const url = typeof deps.externalURL === "function" ? deps.externalURL() : deps.externalURL;
    return c.json({ ...(url ? { url } : {}), appLabelKey: TRACKING_LABEL, userLoginsDisabled: false, ...(sso ? { oidcConfig: sso } : {}) }, 200);
  });

  api.openapi(createRoute({ method: "get", path: "/api/version", tags: ["settings"], summary: "plumb's version", responses: json(Version, "the version") }), (c) => c.json({ Version: deps.version }, 200));
}
