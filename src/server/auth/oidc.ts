/**
 * Login through an OpenID Connect provider (SSO), as Argo CD does with an external provider: the
 * authorization-code flow with PKCE (S256), state and nonce, ending in a plumb session token (kind "sso")
 * that carries the user's subject, groups and name. openid-client does the protocol work — discovery,
 * the code exchange, the ID token's signature (the provider's JWKS), issuer, audience, nonce and times.
 *
 *   GET  /auth/login?return_url=/path          → 302 to the provider (flow sealed in a cookie, oidc-flow.ts)
 *   GET  /auth/login?cli_port=P&cli_challenge=C  the same, for a CLI listening on 127.0.0.1:P
 *   GET  /auth/callback?code&state             → exchange, verify, then either set the session cookie and
 *                                                302 to return_url, or (CLI) 302 to
 *                                                http://127.0.0.1:P/callback?code=<one-time code>
 *   POST /auth/cli-token {code, verifier}      → {token}, once, when SHA-256(verifier) is C
 *
 * Settings are read through callbacks on every request, so a changed `oidc.config` takes effect at once;
 * the provider's discovery document is cached per (issuer, client) and fetched again after a failure. A
 * refused login (provider error, bad state, bad code, invalid ID token) answers 401 with the reason — as a
 * small page for a browser, JSON otherwise — and is logged; an unreachable provider answers 502.
 *
 * The token carries the provider's `sub` and groups as they are. They are the provider's words, not
 * plumb's: RBAC (rbac/rbac.ts) ignores, for an SSO principal, any of them that names a role, a project role
 * or a local account, and the account routes treat no SSO principal as a local account.
 */
import { createHash } from "node:crypto";
import { request as httpsRequest } from "node:https";
import { Hono, type Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import * as client from "openid-client";
import { z } from "zod";
import { PlumbError } from "../../core/errors.js";
import { errorResponse, InvalidRequestError, NotFoundError, UnauthenticatedError, UpstreamError } from "../errors.js";
import { signToken } from "./jwt.js";
import { expandLogoutURL, type OidcConfig } from "./oidc-config.js";
import { CliCodes, FLOW_TTL_SECONDS, flowCookieName, openFlow, parseCliParams, safeReturnPath, sealFlow, type Flow } from "./oidc-flow.js";
import { SESSION_COOKIE } from "./types.js";

/** A structured logger; pino's fit. */
export interface OidcLogger {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

export interface OidcLoginOptions {
  /** The SSO settings now (e.g. `oidcSettings(...)?.config`); undefined: SSO is off. May throw OidcConfigError. */
  config: () => OidcConfig | undefined;
  /** The server's token signing key now (plumb-secret `server.secretkey`). */
  signingKey: () => string;
  /** The server's external URL (no trailing slash); the redirect URI is `<externalURL>/auth/callback`. */
  externalURL: string | (() => string);
  log: OidcLogger;
  /** Milliseconds since the epoch; default Date.now. */
  now?: () => number;
  /** The longest SSO session, seconds; default 24 h. A session never outlives the ID token it came from. */
  maxSessionSeconds?: number;
  /** Timeout of each request to the provider, seconds; default 30. */
  providerTimeoutSeconds?: number;
}

/** The provider could not be reached or answered nonsense (502). */
export class IdentityProviderError extends UpstreamError {}

const CliTokenRequest = z.object({ code: z.string().min(1).max(200), verifier: z.string().regex(/^[A-Za-z0-9._~-]{43,128}$/, "verifier must be an RFC 7636 code verifier") });

export class OidcLogin {
  private readonly now: () => number;
  private readonly codes = new CliCodes();
  private discovered?: { key: string; config: Promise<client.Configuration> };

  constructor(private readonly opts: OidcLoginOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Whether SSO is configured (false too when the settings cannot be read). */
  enabled(): boolean {
    try {
      return this.opts.config() !== undefined;
    } catch {
      return false;
    }
  }

  /** What the UI and CLI may know of the provider (no secrets); undefined when SSO is off. */
  info(): { name: string; issuer: string; clientID: string; scopes: string[]; logoutURL?: string } | undefined {
    const cfg = this.enabled() ? this.opts.config() : undefined;
    if (!cfg) return undefined;
    const logoutURL = expandLogoutURL(cfg, this.externalURL());
    return { name: cfg.name, issuer: cfg.issuer, clientID: cfg.clientID, scopes: cfg.requestedScopes, ...(logoutURL ? { logoutURL } : {}) };
  }

  /** The routes, to be mounted at `/auth`. */
  routes(): Hono {
    const app = new Hono();
    app.get("/login", (c) => this.login(c));
    app.get("/callback", (c) => this.callback(c));
    app.post("/cli-token", (c) => this.cliToken(c));
    app.onError((err, c) => this.fail(c, err));
    return app;
  }

  private externalURL(): string {
    const u = this.opts.externalURL;
    return (typeof u === "function" ? u() : u).replace(/\/+$/, "");
  }

  private redirectURI(): string {
    return `${this.externalURL()}/auth/callback`;
  }

  private requireConfig(): OidcConfig {
    const cfg = this.opts.config();
    if (!cfg) throw new NotFoundError("SSO is not configured", "set oidc.config in ConfigMap plumb-cm");
    return cfg;
  }

  private async login(c: Context): Promise<Response> {
    const cfg = this.requireConfig();
    const q = c.req.query();
    const cli = parseCliParams(q.cli_port, q.cli_challenge);
    const flow: Flow = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      verifier: client.randomPKCECodeVerifier(),
      returnPath: safeReturnPath(q.return_url, this.externalURL()),
      ...(cli ? { cli } : {}),
    };
    const oidc = await this.client(cfg);
    const params: Record<string, string> = {
      redirect_uri: this.redirectURI(),
      scope: cfg.requestedScopes.join(" "),
      state: flow.state,
      nonce: flow.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: "S256",
    };
    if (cfg.requestedIDTokenClaims) params.claims = JSON.stringify({ id_token: cfg.requestedIDTokenClaims });
    const url = client.buildAuthorizationUrl(oidc, params);
    setCookie(c, flowCookieName(flow.state), await sealFlow(this.opts.signingKey(), flow, this.now()), { ...this.cookieBase(), path: this.authPath(), maxAge: FLOW_TTL_SECONDS });
    return c.redirect(url.href, 302);
  }

  private async callback(c: Context): Promise<Response> {
    const q = c.req.query();
    if (!q.state) throw new UnauthenticatedError("the callback has no state", "start the login again");
    const name = flowCookieName(q.state);
    const sealed = getCookie(c, name);
    deleteCookie(c, name, { ...this.cookieBase(), path: this.authPath() });
    const flow = await openFlow(this.opts.signingKey(), sealed, q.state, this.now());
    try {
      if (q.error) throw new UnauthenticatedError(`the identity provider refused the login: ${q.error}${q.error_description ? ` (${q.error_description.slice(0, 300)})` : ""}`);
      const { token, expiresIn, sub, groups } = await this.exchange(c, flow);
      this.opts.log.info({ sub, groups: groups.length, cli: !!flow.cli }, "SSO login");
      if (flow.cli) {
        const code = this.codes.issue(token, flow.cli.challenge, this.now());
        return c.redirect(`http://127.0.0.1:${flow.cli.port}/callback?code=${encodeURIComponent(code)}`, 302);
      }
      setCookie(c, SESSION_COOKIE, token, { ...this.cookieBase(), path: "/", maxAge: expiresIn });
      return c.redirect(flow.returnPath, 302);
    } catch (err) {
      // The CLI is waiting on its port: tell it, rather than let it time out.
      if (flow.cli) {
        const r = this.describe(err);
        this.opts.log.warn({ reason: r.body.message }, "SSO login refused");
        return c.redirect(`http://127.0.0.1:${flow.cli.port}/callback?error=${encodeURIComponent(r.body.error)}&error_description=${encodeURIComponent(r.body.message)}`, 302);
      }
      throw err;
    }
  }

  /** The code for tokens, the ID token's claims into a plumb token. */
  private async exchange(c: Context, flow: Flow): Promise<{ token: string; expiresIn: number; sub: string; groups: string[] }> {
    const cfg = this.requireConfig();
    const oidc = await this.client(cfg);
    const current = new URL(this.redirectURI());
    current.search = new URL(c.req.url).search;
    let claims: client.IDToken | undefined;
    try {
      const tokens = await client.authorizationCodeGrant(oidc, current, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce, idTokenExpected: true });
      claims = tokens.claims();
    } catch (err) {
      throw this.classify(err, cfg);
    }
    if (!claims) throw new UnauthenticatedError("the identity provider returned no ID token");
    const remaining = claims.exp - Math.floor(this.now() / 1000);
    if (remaining <= 0) throw new UnauthenticatedError("the ID token has expired already", "check the clocks of plumb and the identity provider");
    const expiresIn = Math.min(this.opts.maxSessionSeconds ?? 24 * 3600, remaining);
    const groups = groupsOf(claims[cfg.groupsClaim]);
    const name = [claims.email, claims.name, claims.preferred_username].find((v): v is string => typeof v === "string" && v !== "") ?? claims.sub;
    const { token } = await signToken(this.opts.signingKey(), { sub: claims.sub, kind: "sso", groups, name }, { expiresInSeconds: expiresIn, now: this.now() });
    return { token, expiresIn, sub: claims.sub, groups };
  }

  private async cliToken(c: Context): Promise<Response> {
    const text = await c.req.text();
    if (text.length > 4096) throw new InvalidRequestError("the request is too large");
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new InvalidRequestError("the body must be JSON: {code, verifier}");
    }
    const req = CliTokenRequest.safeParse(body);
    if (!req.success) throw new InvalidRequestError(`the body must be {code, verifier}: ${req.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    const token = this.codes.redeem(req.data.code, req.data.verifier, this.now());
    return c.json({ token });
  }

  /** The provider's client configuration, discovered once per (issuer, client, CA); a failed discovery is forgotten. */
  private client(cfg: OidcConfig): Promise<client.Configuration> {
    const key = createHash("sha256").update(JSON.stringify([cfg.issuer, cfg.clientID, cfg.clientSecret ?? "", cfg.rootCA ?? ""])).digest("hex");
    if (this.discovered?.key === key) return this.discovered.config;
    const config = this.discover(cfg);
    this.discovered = { key, config };
    config.catch(() => {
      if (this.discovered?.config === config) this.discovered = undefined;
    });
    return config;
  }

  private async discover(cfg: OidcConfig): Promise<client.Configuration> {
    const insecure = new URL(cfg.issuer).protocol === "http:";
    const fetcher = cfg.rootCA ? fetchTrusting(cfg.rootCA) : undefined;
    const tune = (c: client.Configuration): client.Configuration => {
      if (insecure) client.allowInsecureRequests(c);
      if (fetcher) c[client.customFetch] = fetcher;
      c.timeout = this.opts.providerTimeoutSeconds ?? 30;
      return c;
    };
    let found: client.Configuration;
    try {
      found = await client.discovery(new URL(cfg.issuer), cfg.clientID, cfg.clientSecret, cfg.clientSecret ? client.ClientSecretBasic(cfg.clientSecret) : client.None(), {
        execute: insecure ? [client.allowInsecureRequests] : [],
        timeout: this.opts.providerTimeoutSeconds ?? 30,
        ...(fetcher ? { [client.customFetch]: fetcher } : {}),
      });
    } catch (err) {
      this.opts.log.error({ issuer: cfg.issuer, err: String(err instanceof Error ? err.message : err) }, "OIDC discovery failed");
      throw new IdentityProviderError(`the identity provider's discovery document at ${cfg.issuer} could not be read: ${err instanceof Error ? err.message : String(err)}`, "check oidc.config issuer (and rootCA) and that the provider is reachable from the server");
    }
    // RFC 8414: no list means client_secret_basic; a provider that takes only client_secret_post gets that.
    const methods = found.serverMetadata().token_endpoint_auth_methods_supported;
    if (cfg.clientSecret && methods && !methods.includes("client_secret_basic") && methods.includes("client_secret_post")) {
      found = new client.Configuration(found.serverMetadata(), cfg.clientID, cfg.clientSecret, client.ClientSecretPost(cfg.clientSecret));
    }
    return tune(found);
  }

  /** A failed exchange: the provider unreachable (502, discovery forgotten) or the login refused (401). */
  private classify(err: unknown, cfg: OidcConfig): PlumbError {
    if (err instanceof client.ResponseBodyError) return new UnauthenticatedError(`the identity provider refused the code: ${err.error}${err.error_description ? ` (${err.error_description})` : ""}`, "start the login again");
    if (err instanceof client.AuthorizationResponseError) return new UnauthenticatedError(`the identity provider refused the login: ${err.error}`, "start the login again");
    const network = err instanceof TypeError || (err instanceof client.ClientError && err.code === "OAUTH_RESPONSE_IS_NOT_CONFORM");
    if (network) {
      this.discovered = undefined;
      return new IdentityProviderError(`the identity provider at ${cfg.issuer} could not be reached or answered an error: ${err.message}`, "try again; check that the provider is reachable from the server");
    }
    return new UnauthenticatedError(`the identity provider's answer was not accepted: ${err instanceof Error ? err.message : String(err)}`, "start the login again");
  }

  private describe(err: unknown): ReturnType<typeof errorResponse> {
    return errorResponse(err);
  }

  /** The one error answer of these routes: a page for a browser, JSON otherwise. */
  private fail(c: Context, err: unknown): Response {
    const r = this.describe(err);
    if (r.status >= 500 && !(err instanceof IdentityProviderError)) this.opts.log.error({ err: err instanceof Error ? err.stack : String(err) }, "SSO route failed");
    else this.opts.log.warn({ path: c.req.path, reason: r.body.message }, "SSO login refused");
    const headers = { ...(r.headers ?? {}), "cache-control": "no-store" };
    if ((c.req.header("accept") ?? "").includes("text/html")) {
      const page = `<!doctype html><html><head><meta charset="utf-8"><title>Login failed</title></head><body><h1>Login failed</h1><p>${escapeHtml(r.body.message)}</p><p><a href="${escapeHtml(this.externalURL())}/login">Back to the login page</a></p></body></html>`;
      return c.html(page, r.status, headers);
    }
    return c.json(r.body, r.status, headers);
  }

  private cookieBase(): { httpOnly: true; sameSite: "Lax"; secure: boolean } {
    return { httpOnly: true, sameSite: "Lax", secure: this.externalURL().startsWith("https:") };
  }

  /** The path of `/auth` under the external URL (the flow cookie is sent only there). */
  private authPath(): string {
    return `${new URL(this.externalURL()).pathname.replace(/\/+$/, "")}/auth`;
  }
}

/** The groups claim as a list: an array's strings, or a single string. */
export function groupsOf(claim: unknown): string[] {
  if (typeof claim === "string") return claim ? [claim] : [];
  if (Array.isArray(claim)) return claim.filter((g): g is string => typeof g === "string" && g !== "");
  return [];
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** A fetch for openid-client trusting `ca` (PEM) for https, Node's https underneath. */
function fetchTrusting(ca: string): client.CustomFetch {
  return (url, options) => {
    const u = new URL(url);
    if (u.protocol !== "https:") return fetch(url, options as RequestInit);
    const body = options.body instanceof URLSearchParams ? options.body.toString() : options.body;
    if (body instanceof ReadableStream) return Promise.reject(new TypeError("streamed bodies are not supported"));
    return new Promise<Response>((resolve, reject) => {
      const req = httpsRequest(u, { method: options.method, headers: options.headers, ca, signal: options.signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (d: Buffer) => chunks.push(d));
        res.on("error", (err) => reject(new TypeError("fetch failed", { cause: err })));
        res.on("end", () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) headers.append(k, one);
          const status = res.statusCode ?? 502;
          resolve(new Response([204, 205, 304].includes(status) ? null : Buffer.concat(chunks), { status, headers }));
        });
      });
      req.on("error", (err) => reject(new TypeError("fetch failed", { cause: err })));
      req.end(body === null || body === undefined ? undefined : typeof body === "string" ? body : Buffer.from(body as ArrayBuffer));
    });
  };
}
