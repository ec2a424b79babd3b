/**
 * The /auth routes' refusals that need no provider, in-process (app.request): each is a clear 4xx with
 * the reason — JSON, or a page for a browser — never a 500. The flows themselves are in
 * test/e2e/server-sso.test.ts, against a real provider.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newSigningKey } from "../../../src/server/auth/jwt.js";
import { OidcConfigError, parseOidcConfig, type OidcConfig } from "../../../src/server/auth/oidc-config.js";
import { OidcLogin } from "../../../src/server/auth/oidc.js";

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const config = parseOidcConfig("issuer: http://127.0.0.1:1\nclientID: plumb\n", {}).config;

function routes(cfg: () => OidcConfig | undefined = () => config) {
  const login = new OidcLogin({ config: cfg, signingKey: newSigningKey, externalURL: "https://plumb.example.com", log: quiet });
  return { login, app: login.routes() };
}

const post = (body: string) => ({ method: "POST", headers: { "content-type": "application/json" }, body });

describe("OidcLogin without a provider", () => {
  it("is enabled by a config, not without one, and not by a broken one", () => {
    assert.equal(routes().login.enabled(), true);
    assert.equal(routes(() => undefined).login.enabled(), false);
    assert.equal(
      routes(() => {
        throw new OidcConfigError(["clientID is required"]);
      }).login.enabled(),
      false,
    );
  });

  it("tells the UI the provider's name and scopes, and no secret", () => {
    const cfg = parseOidcConfig("name: Okta\nissuer: https://idp.example.com\nclientID: plumb\nclientSecret: $s\nlogoutURL: https://idp.example.com/logout?r={{logoutRedirectURL}}\n", { s: "the-secret" }).config;
    const info = routes(() => cfg).login.info();
    assert.deepEqual(info, { name: "Okta", issuer: "https://idp.example.com", clientID: "plumb", scopes: ["openid", "profile", "email", "groups"], logoutURL: "https://idp.example.com/logout?r=https%3A%2F%2Fplumb.example.com%2F" });
    assert.equal(routes(() => undefined).login.info(), undefined);
  });

  const cases: Array<{ name: string; cfg?: () => OidcConfig | undefined; path: string; init?: RequestInit; status: number; error: string; message: RegExp }> = [
    { name: "login while SSO is off", cfg: () => undefined, path: "/login", status: 404, error: "NotFound", message: /SSO is not configured.*set oidc\.config in ConfigMap plumb-cm/s },
    {
      name: "login with a broken oidc.config",
      cfg: () => {
        throw new OidcConfigError(["clientID is required"]);
      },
      path: "/login",
      status: 422,
      error: "FailedPrecondition",
      message: /clientID is required/,
    },
    { name: "a CLI login with half its parameters", path: "/login?cli_port=4000", status: 400, error: "InvalidArgument", message: /needs both cli_port and cli_challenge/ },
    { name: "a CLI login to a port that is none", path: `/login?cli_port=70000&cli_challenge=${"a".repeat(43)}`, status: 400, error: "InvalidArgument", message: /cli_port must be a TCP port/ },
    { name: "a callback without state", path: "/callback?code=x", status: 401, error: "Unauthenticated", message: /no state/ },
    { name: "a callback this browser did not start", path: "/callback?code=x&state=abc", status: 401, error: "Unauthenticated", message: /did not start this login/ },
    { name: "a provider error for a login this browser did not start", path: "/callback?error=access_denied&state=abc", status: 401, error: "Unauthenticated", message: /did not start this login/ },
    { name: "a cli-token request that is not JSON", path: "/cli-token", init: post("code=x"), status: 400, error: "InvalidArgument", message: /must be JSON/ },
    { name: "a cli-token request without a verifier", path: "/cli-token", init: post(JSON.stringify({ code: "x" })), status: 400, error: "InvalidArgument", message: /verifier/ },
    { name: "a cli-token request with a short verifier", path: "/cli-token", init: post(JSON.stringify({ code: "x", verifier: "short" })), status: 400, error: "InvalidArgument", message: /RFC 7636 code verifier/ },
    { name: "a cli-token request that is too large", path: "/cli-token", init: post(JSON.stringify({ code: "x".repeat(5000), verifier: "v".repeat(43) })), status: 400, error: "InvalidArgument", message: /too large/ },
    { name: "an unknown one-time code", path: "/cli-token", init: post(JSON.stringify({ code: "nope", verifier: "v".repeat(43) })), status: 401, error: "Unauthenticated", message: /unknown, used already or older than 2 minutes/ },
  ];
  for (const c of cases) {
    it(`refuses ${c.name}: ${c.status}`, async () => {
      const res = await routes(c.cfg).app.request(c.path, { ...c.init, headers: { accept: "application/json", ...(c.init?.headers as Record<string, string> | undefined) } });
      assert.equal(res.status, c.status);
      assert.equal(res.headers.get("cache-control"), "no-store");
      const body = (await res.json()) as { error: string; message: string };
      assert.equal(body.error, c.error);
      assert.match(body.message, c.message);
    });
  }

  it("answers a browser with a page, its text escaped", async () => {
    const res = await routes().app.request("/callback?code=x&state=<b>", { headers: { accept: "text/html,application/xhtml+xml" } });
    assert.equal(res.status, 401);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    const page = await res.text();
    assert.match(page, /<h1>Login failed<\/h1>/);
    assert.match(page, /did not start this login/);
    assert.match(page, /href="https:\/\/plumb\.example\.com\/login"/);
  });

  it("clears the flow cookie of the state it was called with", async () => {
    const res = await routes().app.request("/callback?code=x&state=abc");
    assert.match(res.headers.getSetCookie().join("\n"), /^plumb\.oidc\.[\w-]+=; Max-Age=0; Path=\/auth;/m);
  });
});
