/**
 * The web UI's shell in a real browser — Debian's Chromium driven by playwright-core — against `plumb
 * server` on a local cluster (no controller: these stories need none): a wrong password is told; admin logs
 * in, sees the applications, and a new one appears without a reload (the SSE stream); the projects and
 * settings pages show what the cluster holds; SSO through a real OpenID Connect provider on loopback (the
 * login page's button, the provider's pages, back to the page asked for, logged in with the groups);
 * logging out returns to the login form. No page shows a console error or a failed request.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import type { Resources } from "../../src/cluster/resources.js";
import type { KubeObject } from "../../src/core/object.js";
import { browserSkip, shot, type TestBrowser } from "../helpers/browser.js";
import { startOidcProvider, type TestOidcProvider } from "../helpers/oidc-provider.js";
import type { TestServer } from "../helpers/server.js";
import { startUIWorld, type UIWorld } from "../helpers/ui-world.js";
import { waitFor } from "../helpers/wait.js";

const app = (name: string): KubeObject => ({
  apiVersion: "plumb.dev/v1alpha1",
  kind: "Application",
  metadata: { name, namespace: "plumb" },
  spec: { project: "team-a", source: { repoURL: "http://example.invalid/x.git", path: ".", targetRevision: "main" }, destination: { server: "https://kubernetes.default.svc", namespace: name } },
});

describe("the web UI's shell in Chromium", { skip: browserSkip, timeout: 180_000 }, () => {
  let world: UIWorld | undefined;
  let resources: Resources;
  let srv: TestServer;
  let idp: TestOidcProvider;
  let browser: TestBrowser;
  let page: Page;

  before(async () => {
    const w = (world = await startUIWorld("ui-browser"));
    resources = w.resources;
    await resources.apply({
      apiVersion: "plumb.dev/v1alpha1",
      kind: "AppProject",
      metadata: { name: "team-a", namespace: "plumb" },
      spec: { description: "Team A's apps", sourceRepos: ["https://git.example.com/team-a/*"], destinations: [{ server: "https://kubernetes.default.svc", namespace: "team-a-*" }], roles: [{ name: "deployer", description: "CI deploys", policies: ["p, proj:team-a:deployer, applications, sync, team-a/*, allow"] }] },
    });
    for (const n of ["alpha", "beta"]) await resources.apply(app(n));
    ({ srv, browser, page } = await w.serve({ controller: false }, { logIn: false })); // the tests log in themselves
    // SSO: a real provider whose client redirects back to this server; the server reads oidc.config live.
    idp = await startOidcProvider({ redirectUris: [`${srv.url}/auth/callback`] });
    await resources.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "plumb-rbac-cm", namespace: "plumb" }, data: { "policy.csv": "g, team-a, role:readonly" } });
  });
  after(async () => {
    try {
      await world?.close();
    } finally {
      await idp?.close();
    }
  });

  it("a wrong password is told on the login form", async () => {
    browser.expectFailure(/\/api\/v1\/session$/, 401);
    await page.goto(`${srv.url}/`);
    await page.fill('input[name="username"]', "admin");
    await page.fill('input[name="password"]', "not-the-password");
    await page.click('button[type="submit"]');
    const alert = await page.waitForSelector('[role="alert"]', { timeout: 15_000 });
    assert.match((await alert.textContent()) ?? "", /invalid username or password/i);
    assert.equal(await page.getByRole("link", { name: /Log in via/ }).count(), 0, "no SSO button without oidc.config");
    await shot(page, "login");
    browser.assertClean("the login page");
  });

  it("admin logs in and sees the applications; a new one appears without a reload", async () => {
    await page.fill('input[name="password"]', srv.adminPassword);
    await page.click('button[type="submit"]');
    await page.locator('[data-app="alpha"]').first().waitFor({ timeout: 15_000 });
    await page.locator('[data-app="beta"]').first().waitFor({ timeout: 15_000 });
    const url = page.url();
    await resources.apply(app("gamma"));
    await page.locator('[data-app="gamma"]').first().waitFor({ timeout: 15_000 });
    assert.equal(page.url(), url, "no navigation: the stream brought it");
    browser.assertClean("the applications page");
  });

  it("the projects page lists team-a; its page shows sources, destinations and roles", async () => {
    await page.getByRole("link", { name: "Projects" }).click();
    await page.locator('[data-project="team-a"]').waitFor({ timeout: 15_000 });
    assert.match(await page.locator('[data-project="team-a"]').innerText(), /Team A's apps/);
    await page.locator('[data-project="team-a"] a').click();
    await page.getByRole("heading", { name: "team-a" }).waitFor();
    const text = await page.locator("main").innerText();
    assert.match(text, /https:\/\/git\.example\.com\/team-a\/\*/);
    assert.match(text, /team-a-\*/);
    assert.match(text, /deployer/);
    assert.match(text, /3 applications/, "the project's apps counted");
    browser.assertClean("the projects pages");
  });

  it("the settings page shows the version and who is logged in; the skip link reaches the content by keyboard", async () => {
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByTestId("version").getByText(/\S/).waitFor();
    assert.equal(await page.getByTestId("username").innerText(), "admin");
    await page.reload();
    await page.getByTestId("username").getByText("admin").waitFor();
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate("document.activeElement && document.activeElement.textContent"), "Skip to content", "the first Tab stop is the skip link");
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate("document.activeElement && document.activeElement.id"), "main", "Enter on it moves the focus to the content");
    browser.assertClean("the settings page");
  });

  it("logging out returns to the login form, and the session is gone", async () => {
    await page.getByRole("button", { name: "Log out" }).click();
    await page.waitForSelector('input[name="password"]', { timeout: 15_000 });
    const cookies = await browser.context.cookies(srv.url);
    assert.equal(cookies.find((c) => c.name === "plumb.token"), undefined, "the session cookie is removed");
    browser.assertClean("logging out");
  });

  it("with OIDC configured the login page offers SSO; signing in at the provider lands on the page asked for, with the user's groups", async () => {
    await resources.apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "plumb-secret", namespace: "plumb" }, stringData: { "oidc.clientSecret": idp.clientSecret } });
    await resources.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "plumb-cm", namespace: "plumb" }, data: { "oidc.config": `name: Test IdP\nissuer: ${idp.issuer}\nclientID: ${idp.clientId}\nclientSecret: $oidc.clientSecret\n` } });
    await waitFor("the server to read oidc.config", async () => (await srv.call("GET", "/api/v1/settings")).body?.oidcConfig?.name === "Test IdP", 15_000, 200);
    // The provider's own pages ask for a favicon it does not have: not the UI's request.
    browser.expectFailure(new RegExp(`^${idp.issuer.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}.*favicon`), 404);
    await page.goto(`${srv.url}/projects`);
    await page.getByRole("link", { name: "Log in via Test IdP" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor({ timeout: 15_000 });
    await page.fill('input[name="login"]', "alice");
    await page.fill('input[name="password"]', "alice-pw");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.waitForURL(`${srv.url}/projects`, { timeout: 15_000 });
    await page.locator("nav[aria-label=Main]").waitFor();
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByTestId("username").getByText("alice").waitFor({ timeout: 15_000 });
    assert.match(await page.locator("main").innerText(), /team-a/, "her groups");
    browser.assertClean("the SSO login");
  });
});
