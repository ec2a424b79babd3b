/**
 * A real OpenID Connect provider on loopback for tests: node-oidc-provider (the certified implementation
 * behind many production IdPs) with one confidential client, PKCE required, RS256-signed ID tokens from a
 * fresh key, and accounts that carry a `groups` claim. Its login and consent pages are our own minimal
 * interaction handlers (the provider's interaction API), so a login checks the password and a test can
 * log in without a browser: `Browser` follows redirects, keeps cookies per host as a browser does, and
 * posts the page's form.
 */
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair } from "jose";
import Provider from "oidc-provider";

export interface TestAccount {
  password: string;
  email: string;
  name: string;
  /** The groups claim as the provider sends it: a list, or a single string. */
  groups: string[] | string;
}

/** alice is in team-a; bob is in no group. */
export const DEFAULT_ACCOUNTS: Record<string, TestAccount> = {
  alice: { password: "alice-pw", email: "alice@example.com", name: "Alice", groups: ["team-a"] },
  bob: { password: "bob-pw", email: "bob@example.com", name: "Bob", groups: [] },
};

export interface OidcProviderOptions {
  /** The client's registered redirect URIs (the plumb server's `<url>/auth/callback`). */
  redirectUris: string[];
  clientId?: string;
  clientSecret?: string;
  accounts?: Record<string, TestAccount>;
  /** Serve https with this certificate (and key); default plain http. */
  tls?: { cert: string; key: string };
  /** ID token lifetime, seconds (default 3600). */
  idTokenTtlSeconds?: number;
  /** Listen on this port (default: a free one). */
  port?: number;
}

export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Requests the provider has received, as "METHOD /path". */
  requests: string[];
  close(): Promise<void>;
}

/** Starts the provider on 127.0.0.1 with a free port. */
export async function startOidcProvider(opts: OidcProviderOptions): Promise<TestOidcProvider> {
  const clientId = opts.clientId ?? "plumb";
  const clientSecret = opts.clientSecret ?? randomBytes(16).toString("hex");
  const accounts = opts.accounts ?? DEFAULT_ACCOUNTS;
  const requests: string[] = [];
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, (q, s) => handle(q, s)) : createHttpServer((q, s) => handle(q, s));
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
  const issuer = `${opts.tls ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg: "RS256", use: "sig", kid: randomBytes(8).toString("hex") };
  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: opts.redirectUris, grant_types: ["authorization_code"], response_types: ["code"], token_endpoint_auth_method: "client_secret_basic" }],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false }, claimsParameter: { enabled: true } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"], groups: ["groups"] },
    // Claims of the granted scopes go into the ID token (as Dex, Keycloak and Okta can), not only userinfo.
    conformIdTokenClaims: false,
    findAccount: (_ctx: unknown, id: string) => {
      const a = accounts[id];
      if (!a) return undefined;
      return { accountId: id, claims: () => ({ sub: id, email: a.email, email_verified: true, name: a.name, groups: a.groups }) };
    },
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(16).toString("hex")] },
    ttl: { IdToken: opts.idTokenTtlSeconds ?? 3600, AccessToken: 3600, AuthorizationCode: 60, Interaction: 600, Session: 3600, Grant: 3600 },
    renderError: (ctx: { type: string; body: unknown }, out: unknown) => {
      ctx.type = "json";
      ctx.body = out;
    },
  });
  const callback = provider.callback();
  handle = (req, res) => {
    requests.push(`${req.method} ${(req.url ?? "").split("?")[0]}`);
    if ((req.url ?? "").startsWith("/interaction/")) {
      interaction(provider, accounts, req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" }).end(String(err));
      });
    } else callback(req, res);
  };
  return {
    issuer,
    clientId,
    clientSecret,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The login and consent pages: GET shows the form of the current prompt; POST …/login, POST …/confirm. */
async function interaction(provider: Provider, accounts: Record<string, TestAccount>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const [, , uid, action] = (req.url ?? "").split("?")[0]!.split("/");
  const details = await provider.interactionDetails(req, res);
  const page = (status: number, body: string): void => void res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(`<!doctype html><html><body>${body}</body></html>`);
  const loginForm = (msg = "") => `<h1>Sign in</h1>${msg}<form method="post" action="/interaction/${uid}/login"><input name="login"><input type="password" name="password"><button>Sign in</button></form>`;
  if (req.method === "GET") {
    if (details.prompt.name === "login") return page(200, loginForm());
    return page(200, `<h1>Authorize ${details.params.client_id}</h1><form method="post" action="/interaction/${uid}/confirm"><button>Continue</button></form>`);
  }
  const form = new URLSearchParams(await readBody(req));
  if (action === "login") {
    const id = form.get("login") ?? "";
    if (accounts[id]?.password !== form.get("password")) return page(401, loginForm("<p>wrong user or password</p>"));
    return provider.interactionFinished(req, res, { login: { accountId: id } }, { mergeWithLastSubmission: false });
  }
  if (action === "confirm") {
    const accountId = details.session?.accountId;
    if (!accountId) return page(400, "<p>no session</p>");
    const grant = (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ?? new provider.Grant({ accountId, clientId: details.params.client_id });
    const missing = details.prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(" "));
    return provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
  }
  page(404, "<p>unknown interaction</p>");
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

interface StoredCookie {
  value: string;
  path: string;
  secure: boolean;
  httpOnly: boolean;
  sameSite?: string;
  maxAge?: number;
}

/** One hop of a browse. */
export interface Page {
  url: string;
  status: number;
  headers: Headers;
  body: string;
}

/**
 * Enough of a browser for OAuth flows: cookies kept per host (not per port, as browsers do) with paths,
 * expiry and Secure honoured; redirects followed (a 302/303 turns into a GET); forms posted.
 */
export class Browser {
  /** host → name → cookie */
  readonly jar = new Map<string, Map<string, StoredCookie>>();
  /** Every URL visited, in order. */
  readonly visited: string[] = [];

  constructor(private readonly opts: { ca?: string } = {}) {}

  /** GETs `url` and follows redirects until a page answers (or `until` says stop at a URL, unvisited). */
  async get(url: string, until?: (url: URL) => boolean): Promise<Page> {
    return this.browse("GET", url, undefined, until);
  }

  /** Fills and posts the page's first form. */
  async submit(page: Page, fields: Record<string, string>, until?: (url: URL) => boolean): Promise<Page> {
    const action = /<form[^>]*action="([^"]+)"/.exec(page.body)?.[1];
    if (!action) throw new Error(`no form on ${page.url}: ${page.body.slice(0, 300)}`);
    return this.browse("POST", new URL(action.replaceAll("&amp;", "&"), page.url).href, new URLSearchParams(fields).toString(), until);
  }

  /** A cookie the browser holds for `url`. */
  cookie(url: string, name: string): StoredCookie | undefined {
    return this.jar.get(new URL(url).hostname)?.get(name);
  }

  private async browse(method: string, url: string, body: string | undefined, until?: (url: URL) => boolean): Promise<Page> {
    for (let hop = 0; hop < 20; hop++) {
      const u = new URL(url);
      if (until?.(u)) return { url, status: 0, headers: new Headers(), body: "" };
      this.visited.push(url);
      const page = await this.request(method, u, body);
      const location = page.headers.get("location");
      if (![301, 302, 303, 307, 308].includes(page.status) || !location) return page;
      url = new URL(location, url).href;
      if (page.status !== 307 && page.status !== 308) {
        method = "GET";
        body = undefined;
      }
    }
    throw new Error(`too many redirects from ${url}`);
  }

  private request(method: string, u: URL, body: string | undefined): Promise<Page> {
    const headers: Record<string, string> = { accept: "text/html", "user-agent": "plumb-test-browser" };
    const cookies = this.cookiesFor(u);
    if (cookies) headers.cookie = cookies;
    if (body !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
    const send = u.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise<Page>((resolve, reject) => {
      const req = send(u, { method, headers, ...(this.opts.ca ? { ca: this.opts.ca } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (d: Buffer) => chunks.push(d));
        res.on("error", reject);
        res.on("end", () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) h.append(k, one);
          for (const line of ([] as string[]).concat(res.headers["set-cookie"] ?? [])) this.store(u, line);
          resolve({ url: u.href, status: res.statusCode ?? 0, headers: h, body: Buffer.concat(chunks).toString("utf8") });
        });
      });
      req.on("error", reject);
      req.end(body);
    });
  }

  private store(u: URL, line: string): void {
    const [pair, ...attrs] = line.split(";").map((s) => s.trim());
    const eq = pair!.indexOf("=");
    const name = pair!.slice(0, eq);
    const value = pair!.slice(eq + 1);
    const c: StoredCookie = { value, path: u.pathname.replace(/\/[^/]*$/, "") || "/", secure: false, httpOnly: false };
    let expired = false;
    for (const a of attrs) {
      const [k, v = ""] = a.split("=");
      const key = k!.toLowerCase();
      if (key === "path") c.path = v || "/";
      else if (key === "secure") c.secure = true;
      else if (key === "httponly") c.httpOnly = true;
      else if (key === "samesite") c.sameSite = v;
      else if (key === "max-age") {
        c.maxAge = Number(v);
        if (c.maxAge <= 0) expired = true;
      } else if (key === "expires" && Date.parse(v) <= Date.now()) expired = true;
    }
    if (c.secure && u.protocol !== "https:") return;
    const host = this.jar.get(u.hostname) ?? new Map<string, StoredCookie>();
    this.jar.set(u.hostname, host);
    if (expired) host.delete(name);
    else host.set(name, c);
  }

  private cookiesFor(u: URL): string {
    const out: string[] = [];
    for (const [name, c] of this.jar.get(u.hostname) ?? []) {
      const pathOK = u.pathname === c.path || u.pathname.startsWith(c.path.endsWith("/") ? c.path : `${c.path}/`);
      if (pathOK && (!c.secure || u.protocol === "https:")) out.push(`${name}=${c.value}`);
    }
    return out.join("; ");
  }
}
