/**
 * The web UI in a real browser — Debian's Chromium driven by playwright-core — against `plumb server` on a
 * local cluster: a person logs in as admin, sees the applications, and a new one appears without a reload
 * (the SSE stream); a wrong password is told, and logging out returns to the login form.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { installCRDs } from "../../src/apps/index.js";
import type { Resources } from "../../src/cluster/resources.js";
import type { KubeObject } from "../../src/core/object.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { resourcesFor } from "../helpers/cluster.js";
import { repoRoot } from "../helpers/paths.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const CHROMIUM = "/usr/bin/chromium";
const built = existsSync(join(repoRoot, "ui", "dist", "index.html"));
const skip = !existsSync(CHROMIUM) ? "no /usr/bin/chromium (apt-get install chromium)" : !built ? "the UI is not built (npm --prefix ui ci && npm --prefix ui run build)" : false;

const app = (name: string): KubeObject => ({
  apiVersion: "plumb.dev/v1alpha1",
  kind: "Application",
  metadata: { name, namespace: "plumb" },
  spec: { source: { repoURL: "http://example.invalid/x.git", path: ".", targetRevision: "main" }, destination: { server: "https://kubernetes.default.svc", namespace: name } },
});

describe("the web UI in Chromium", { skip, timeout: 180_000 }, () => {
  let cluster: LocalCluster;
  let resources: Resources;
  let srv: TestServer;
  let browser: BrowserContext;
  let page: Page;
  const profile = mkdtempSync(join(tmpdir(), "plumb-chromium-"));
  const pageErrors: string[] = [];

  before(async () => {
    cluster = await startLocalCluster({ name: "e2e-ui-browser" });
    resources = await resourcesFor(cluster);
    await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "plumb" } });
    await installCRDs(resources);
    for (const n of ["alpha", "beta"]) await resources.apply(app(n));
    srv = await startTestServer(resources, { controller: false });
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    page = await browser.newPage();
    page.on("pageerror", (e) => pageErrors.push(String(e)));
  });
  after(async () => {
    await browser?.close();
    await srv?.stop();
    resources?.client.close();
    await cluster?.stop();
    rmSync(profile, { recursive: true, force: true });
  });

  it("a wrong password is told on the login form", async () => {
    await page.goto(`${srv.url}/`);
    await page.fill('input[name="username"]', "admin");
    await page.fill('input[name="password"]', "not-the-password");
    await page.click('button[type="submit"]');
    const alert = await page.waitForSelector('[role="alert"]', { timeout: 15_000 });
    assert.match((await alert.textContent()) ?? "", /invalid username or password/i);
  });

  it("admin logs in and sees the applications; a new one appears without a reload", async () => {
    await page.fill('input[name="password"]', srv.adminPassword);
    await page.click('button[type="submit"]');
    await page.waitForSelector("text=alpha", { timeout: 15_000 });
    await page.waitForSelector("text=beta", { timeout: 15_000 });
    const url = page.url();
    await resources.apply(app("gamma"));
    await page.waitForSelector("text=gamma", { timeout: 15_000 });
    assert.equal(page.url(), url, "no navigation: the stream brought it");
    assert.deepEqual(pageErrors, [], "no script errors");
  });

  it("logging out returns to the login form, and the session is gone", async () => {
    await page.click("text=Log out");
    await page.waitForSelector('input[name="password"]', { timeout: 15_000 });
    const cookies = await browser.cookies(srv.url);
    assert.equal(cookies.find((c) => c.name === "plumb.token"), undefined, "the session cookie is removed");
  });
});
