/**
 * SSO against a real OpenID Connect provider on loopback (node-oidc-provider, test/helpers/oidc-provider.ts):
 * the server's /auth routes served over HTTP by @hono/node-server, a browser-less browser following the
 * redirects and posting the provider's login and consent forms.
 *
 * - alice logs in: login → provider → sign-in → consent → callback; her cookie holds a plumb SSO token with
 *   her subject, groups and email, living no longer than her ID token; she lands on the return_url;
 * - the groups claim as a single string, or empty;
 * - a callback whose state this browser did not start is refused (a forged state, a login started in
 *   another browser), the provider's ?error= is shown as a 401, never a 500;
 * - return_url to another host falls back to "/";
 * - the CLI: `loginWithSso` gets a token while the browser never sees it; a one-time code works once,
 *   not with a wrong verifier, not after 2 minutes;
 * - an unreachable provider answers 502 and is discovered again once it is up; rootCA is what makes a
 *   provider with a private CA trusted.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { loginWithSso } from "../../src/cli/sso.js";
import { newSigningKey, verifyToken } from "../../src/server/auth/jwt.js";
import { parseOidcConfig, type OidcConfig } from "../../src/server/auth/oidc-config.js";
import { OidcLogin } from "../../src/server/auth/oidc.js";
import { SESSION_COOKIE } from "../../src/server/auth/types.js";
import { generateCertificates } from "../../src/localcluster/certs.js";
import { closedPort } from "../helpers/hanging-server.js";
import { Browser, DEFAULT_ACCOUNTS, startOidcProvider, type Page, type TestOidcProvider } from "../helpers/oidc-provider.js";

const accounts = { ...DEFAULT_ACCOUNTS, carol: { password: "carol-pw", email: "carol@example.com", name: "Carol", groups: "team-b" } };

interface Lines {
  lines: string[];
  info(f: Record<string, unknown>, m: string): void;
  warn(f: Record<string, unknown>, m: string): void;
  error(f: Record<string, unknown>, m: string): void;
}
function memoryLog(): Lines {
  const lines: string[] = [];
  const at = (level: string) => (f: Record<string, unknown>, m: string) => void lines.push(`${level} ${m} ${JSON.stringify(f)}`);
  return { lines, info: at("info"), warn: at("warn"), error: at("error") };
}

/** A plumb server with only the /auth routes (and two pages to land on), on loopback. */
async function startPlumb(config: () => OidcConfig | undefined, opts: { now?: () => number } = {}) {
  const key = newSigningKey();
  const log = memoryLog();
  let url = "";
  const login = new OidcLogin({ config, signingKey: () => key, externalURL: () => url, log, ...(opts.now ? { now: opts.now } : {}) });
  const app = new Hono();
  app.route("/auth", login.routes());
  app.get("/", (c) => c.text("home"));
  app.get("/applications", (c) => c.text("applications"));
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1", overrideGlobalObjects: false }) as Server;
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    key,
    log,
    login,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
type Plumb = Awaited<ReturnType<typeof startPlumb>>;

/** oidc.config as an operator writes it, the client secret in plumb-secret. */
function configFor(p: TestOidcProvider, extra = ""): OidcConfig {
  const yaml = `name: Test IdP\nissuer: ${p.issuer}\nclientID: ${p.clientId}\nclientSecret: $oidc.clientSecret\n${extra}`;
  return parseOidcConfig(yaml, { "oidc.clientSecret": p.clientSecret }).config;
}

/** Signs in at the provider's pages from the first page the login leads to, through consent. */
async function signIn(b: Browser, first: Page, user: string, until?: (u: URL) => boolean): Promise<Page> {
  assert.equal(first.status, 200, first.body.slice(0, 300));
  assert.match(first.body, /Sign in/);
  const consent = await b.submit(first, { login: user, password: accounts[user as keyof typeof accounts].password }, until);
  if (consent.status === 0) return consent;
  assert.match(consent.body, /Authorize/);
  return b.submit(consent, {}, until);
}

/** An https external URL under a path, served in-process (app.request) rather than on a port. */
const SECURE_URL = "https://plumb.example.com/plumb";

const atPath = (base: string, path: string) => (u: URL) => u.origin === new URL(base).origin && u.pathname === path;

describe("SSO with a real OIDC provider", () => {
  let plumb: Plumb;
  let idp: TestOidcProvider;
  let config: OidcConfig;

  before(async () => {
    plumb = await startPlumb(() => config);
    idp = await startOidcProvider({ redirectUris: [`${plumb.url}/auth/callback`, `${SECURE_URL}/auth/callback`], accounts });
    config = configFor(idp);
  });
  after(async () => {
    await plumb?.close();
    await idp?.close();
  });

  it("alice logs in: her cookie holds a plumb SSO token with her subject and groups, and she lands on return_url", async () => {
    const b = new Browser();
    const first = await b.get(`${plumb.url}/auth/login?return_url=${encodeURIComponent("/applications?view=tiles")}`);
    const end = await signIn(b, first, "alice");
    assert.equal(end.url, `${plumb.url}/applications?view=tiles`);
    assert.equal(end.body, "applications");
    const cookie = b.cookie(plumb.url, SESSION_COOKIE);
    assert.ok(cookie, "no session cookie");
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, "Lax");
    assert.equal(cookie.path, "/");
    const claims = await verifyToken(plumb.key, cookie.value);
    assert.equal(claims.sub, "alice");
    assert.equal(claims.kind, "sso");
    assert.deepEqual(claims.groups, ["team-a"]);
    assert.equal(claims.name, "alice@example.com");
    // The provider's ID tokens live an hour: the session no longer.
    const life = (claims.exp ?? 0) - (claims.iat ?? 0);
    assert.ok(life > 3500 && life <= 3600, `session lives ${life}s`);
    assert.equal([...(b.jar.get("127.0.0.1")?.keys() ?? [])].filter((n) => n.startsWith("plumb.oidc.")).length, 0, "the flow cookie is removed");
    assert.ok(!plumb.log.lines.some((l) => l.includes(cookie.value) || l.includes(idp.clientSecret)), "a token or the client secret was logged");
  });

  it("asks for the code with PKCE S256, state, nonce and the configured scopes", async () => {
    const b = new Browser();
    const auth = new URL((await b.get(`${plumb.url}/auth/login`, (u) => u.origin === idp.issuer)).url);
    assert.equal(auth.searchParams.get("code_challenge_method"), "S256");
    assert.match(auth.searchParams.get("code_challenge") ?? "", /^[A-Za-z0-9_-]{43}$/);
    assert.ok(auth.searchParams.get("state") && auth.searchParams.get("nonce"));
    assert.equal(auth.searchParams.get("scope"), "openid profile email groups");
    assert.equal(auth.searchParams.get("redirect_uri"), `${plumb.url}/auth/callback`);
    assert.equal(auth.searchParams.get("claims"), null);
  });

  it("asks for the scopes and ID token claims oidc.config names", async () => {
    config = configFor(idp, "requestedScopes: [openid, email, groups]\nrequestedIDTokenClaims:\n  groups:\n    essential: true\n");
    try {
      const auth = new URL((await new Browser().get(`${plumb.url}/auth/login`, (u) => u.origin === idp.issuer)).url);
      assert.equal(auth.searchParams.get("scope"), "openid email groups");
      assert.deepEqual(JSON.parse(auth.searchParams.get("claims") ?? "null"), { id_token: { groups: { essential: true } } });
    } finally {
      config = configFor(idp);
    }
  });

  it("behind https under a path: its cookies are Secure, the flow cookie is scoped to <path>/auth", async () => {
    const key = newSigningKey();
    const routes = new OidcLogin({ config: () => config, signingKey: () => key, externalURL: SECURE_URL, log: memoryLog() }).routes();
    const start = await routes.request("/login");
    assert.equal(start.status, 302);
    const auth = new URL(start.headers.get("location") ?? "");
    assert.equal(auth.searchParams.get("redirect_uri"), `${SECURE_URL}/auth/callback`);
    const flowCookie = start.headers.getSetCookie()[0] ?? "";
    assert.match(flowCookie, /^plumb\.oidc\.[\w-]+=[^;]+; Max-Age=300; Path=\/plumb\/auth; HttpOnly; Secure; SameSite=Lax$/);

    const b = new Browser();
    const stopped = await signIn(b, await b.get(auth.href), "alice", (u) => u.origin === new URL(SECURE_URL).origin);
    const callback = new URL(stopped.url);
    assert.equal(callback.pathname, "/plumb/auth/callback");
    const done = await routes.request(`/callback${callback.search}`, { headers: { cookie: flowCookie.split(";")[0]! } });
    assert.equal(done.status, 302);
    assert.equal(done.headers.get("location"), "/");
    const session = done.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`)) ?? "";
    assert.match(session, /; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    assert.match(session, /Max-Age=(\d+)/);
    assert.equal((await verifyToken(key, session.split(";")[0]!.slice(SESSION_COOKIE.length + 1))).sub, "alice");
  });

  it("reads a groups claim that is one string, and an empty one", async () => {
    for (const [user, groups] of [["carol", ["team-b"]], ["bob", []]] as const) {
      const b = new Browser();
      await signIn(b, await b.get(`${plumb.url}/auth/login`), user);
      const claims = await verifyToken(plumb.key, b.cookie(plumb.url, SESSION_COOKIE)?.value ?? "");
      assert.deepEqual(claims.groups, groups, user);
    }
  });

  it("refuses a callback whose state this browser did not start; the browser that did gets in", async () => {
    const b = new Browser();
    const stopAtCallback = atPath(plumb.url, "/auth/callback");
    const stopped = await signIn(b, await b.get(`${plumb.url}/auth/login`), "alice", stopAtCallback);
    assert.equal(stopped.status, 0);
    const callback = new URL(stopped.url);
    assert.ok(callback.searchParams.get("code"));

    const forged = new URL(callback);
    forged.searchParams.set("state", randomBytes(16).toString("base64url"));
    const refused = await b.get(forged.href);
    assert.equal(refused.status, 401);
    assert.match(refused.body, /did not start this login/);

    // The same callback in another browser (login CSRF: an attacker's code planted in a victim's browser).
    const other = new Browser();
    const planted = await other.get(callback.href);
    assert.equal(planted.status, 401);
    assert.equal(other.cookie(plumb.url, SESSION_COOKIE), undefined);

    assert.equal(b.cookie(plumb.url, SESSION_COOKIE), undefined);
    const ok = await b.get(callback.href);
    assert.equal(ok.url, `${plumb.url}/`);
    assert.ok(b.cookie(plumb.url, SESSION_COOKIE));
  });

  it("answers the provider's ?error= with a 401 page naming it", async () => {
    const b = new Browser();
    const auth = await b.get(`${plumb.url}/auth/login`, (u) => u.origin === idp.issuer);
    const state = new URL(auth.url).searchParams.get("state") ?? "";
    const page = await b.get(`${plumb.url}/auth/callback?error=access_denied&error_description=${encodeURIComponent("End-User aborted <interaction>")}&state=${state}`);
    assert.equal(page.status, 401);
    assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    assert.match(page.body, /access_denied/);
    assert.match(page.body, /&#60;interaction&#62;/, "the provider's text is escaped");
    const json = await fetch(`${plumb.url}/auth/callback?error=access_denied&state=${state}`, { headers: { accept: "application/json" } });
    assert.equal(json.status, 401);
    assert.equal(((await json.json()) as { error: string }).error, "Unauthenticated");
  });

  it("does not return to another host: such a return_url falls back to /", async () => {
    for (const bad of ["https://evil.example/x", "//evil.example/x", "/\\evil.example/x"]) {
      const b = new Browser();
      const end = await signIn(b, await b.get(`${plumb.url}/auth/login?return_url=${encodeURIComponent(bad)}`), "alice");
      assert.equal(end.url, `${plumb.url}/`, bad);
    }
  });

  it("the CLI logs in through the browser without the token ever reaching the browser", async () => {
    const b = new Browser();
    const token = await loginWithSso(plumb.url, {
      timeoutMs: 20_000,
      open: async (url) => {
        const end = await signIn(b, await b.get(url), "alice");
        assert.equal(end.status, 200);
        assert.match(end.body, /logged in to plumb/);
      },
    });
    const claims = await verifyToken(plumb.key, token);
    assert.equal(claims.sub, "alice");
    assert.equal(claims.kind, "sso");
    assert.deepEqual(claims.groups, ["team-a"]);
    assert.equal(b.cookie(plumb.url, SESSION_COOKIE), undefined, "a CLI login sets no browser session");
    assert.ok(!b.visited.some((u) => u.includes(token)), "the token appeared in a URL");
    const loopback = b.visited.at(-1) ?? "";
    assert.match(loopback, /^http:\/\/127\.0\.0\.1:\d+\/callback\?code=/);
  });

  it("a CLI's one-time code works once, with the right verifier, within 2 minutes", async () => {
    let offset = 0;
    const clocked = await startPlumb(() => config, { now: () => Date.now() + offset });
    const idp2 = await startOidcProvider({ redirectUris: [`${clocked.url}/auth/callback`], accounts });
    config = configFor(idp2);
    try {
      /** A CLI login up to the code, the loopback port left unserved. */
      const codeFor = async (verifier: string): Promise<string> => {
        const port = await closedPort();
        const challenge = createHash("sha256").update(verifier).digest("base64url");
        const b = new Browser();
        const toCli = (u: URL) => u.port === String(port);
        const target = new URL((await signIn(b, await b.get(`${clocked.url}/auth/login?cli_port=${port}&cli_challenge=${challenge}`), "alice", toCli)).url);
        assert.equal(target.origin, `http://127.0.0.1:${port}`);
        return target.searchParams.get("code") ?? "";
      };
      const redeem = (code: string, verifier: string) => fetch(`${clocked.url}/auth/cli-token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ code, verifier }) });
      const verifier = randomBytes(32).toString("base64url");

      const code = await codeFor(verifier);
      const first = await redeem(code, verifier);
      assert.equal(first.status, 200);
      assert.equal((await verifyToken(clocked.key, ((await first.json()) as { token: string }).token)).sub, "alice");
      const again = await redeem(code, verifier);
      assert.equal(again.status, 401, "a code redeemed twice");

      const code2 = await codeFor(verifier);
      const wrong = await redeem(code2, randomBytes(32).toString("base64url"));
      assert.equal(wrong.status, 401, "a wrong verifier");
      assert.match(((await wrong.json()) as { message: string }).message, /verifier does not match/);
      assert.equal((await redeem(code2, verifier)).status, 401, "a code tried with a wrong verifier is used up");

      const code3 = await codeFor(verifier);
      offset = 121_000;
      assert.equal((await redeem(code3, verifier)).status, 401, "a code older than 2 minutes");
      offset = 0;

      const badPort = await fetch(`${clocked.url}/auth/login?cli_port=99999&cli_challenge=${"a".repeat(43)}`);
      assert.equal(badPort.status, 400);
    } finally {
      config = configFor(idp);
      await clocked.close();
      await idp2.close();
    }
  });
});

describe("SSO when the provider is away or behind a private CA", () => {
  it("is off without oidc.config: /auth/login is 404", async () => {
    const plumb = await startPlumb(() => undefined);
    try {
      assert.equal(plumb.login.enabled(), false);
      const res = await fetch(`${plumb.url}/auth/login`);
      assert.equal(res.status, 404);
      assert.match(((await res.json()) as { message: string }).message, /oidc\.config/);
    } finally {
      await plumb.close();
    }
  });

  it("answers 502 while the provider is unreachable, and discovers it again once it is up", async () => {
    const port = await closedPort();
    const config = parseOidcConfig(`issuer: http://127.0.0.1:${port}\nclientID: plumb\nclientSecret: s3cret-value\n`, {}).config;
    const plumb = await startPlumb(() => config);
    try {
      const down = await fetch(`${plumb.url}/auth/login`, { redirect: "manual" });
      assert.equal(down.status, 502);
      const body = (await down.json()) as { error: string; message: string };
      assert.equal(body.error, "IdentityProviderUnavailable");
      assert.doesNotMatch(body.message, /s3cret-value/);
      const idp = await startOidcProvider({ port, redirectUris: [`${plumb.url}/auth/callback`], clientSecret: "s3cret-value" });
      try {
        const up = await fetch(`${plumb.url}/auth/login`, { redirect: "manual" });
        assert.equal(up.status, 302);
        assert.deepEqual(idp.requests, ["GET /.well-known/openid-configuration"]);
        assert.ok(up.headers.get("location")?.startsWith(`${idp.issuer}/`));
      } finally {
        await idp.close();
      }
    } finally {
      await plumb.close();
    }
  });

  it("trusts an https provider signed by a private CA only through rootCA", async () => {
    const certs = await generateCertificates(1);
    let config: OidcConfig | undefined;
    const plumb = await startPlumb(() => config);
    const idp = await startOidcProvider({ redirectUris: [`${plumb.url}/auth/callback`], tls: certs.apiserver, accounts });
    try {
      config = configFor(idp);
      const untrusted = await fetch(`${plumb.url}/auth/login`, { redirect: "manual" });
      assert.equal(untrusted.status, 502, "a provider with an unknown CA was trusted");

      config = configFor(idp, `rootCA: |\n${certs.ca.cert.trim().split("\n").map((l) => `  ${l}`).join("\n")}\n`);
      const b = new Browser({ ca: certs.ca.cert });
      const end = await signIn(b, await b.get(`${plumb.url}/auth/login`), "alice");
      assert.equal(end.url, `${plumb.url}/`);
      assert.equal((await verifyToken(plumb.key, b.cookie(plumb.url, SESSION_COOKIE)?.value ?? "")).sub, "alice");
    } finally {
      await plumb.close();
      await idp.close();
    }
  });
});
