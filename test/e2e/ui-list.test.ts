/**
 * The applications list in Chromium against `plumb server` (API alone, no controller) on a local cluster.
 * The test writes each app's status subresource itself (as a controller would), then checks that filters,
 * search, sort and layout narrow and order the list and live in the URL (a reload and a new page show the
 * same); that a status written to the cluster reaches the badge without a reload; that a list that could
 * not be read says so and Try again reads it; and that 2,030 apps are
 * listed with far fewer elements in the page (virtualised), the last one reached by scrolling.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import type { Resources } from "../../src/cluster/resources.js";
import { mapLimit } from "../../src/core/concurrency.js";
import type { KubeObject } from "../../src/core/object.js";
import { browserSkip, logIn, shot, type TestBrowser } from "../helpers/browser.js";
import type { TestServer } from "../helpers/server.js";
import { startUIWorld, type UIWorld } from "../helpers/ui-world.js";

const N = 30;
const BULK = 2000;
const PROJECTS = ["shop", "ops", "data"];
const REPOS = ["http://git.example/one.git", "http://git.example/two.git"];
const name = (i: number) => `svc-${String(i).padStart(2, "0")}`;
const health = (i: number) => (i % 5 === 1 ? "Degraded" : i % 5 === 3 ? "Progressing" : "Healthy");
const DEGRADED = Array.from({ length: N }, (_, i) => i).filter((i) => health(i) === "Degraded").map(name);

function app(n: string, i: number): KubeObject {
  return {
    apiVersion: "plumb.dev/v1alpha1",
    kind: "Application",
    metadata: { name: n, namespace: "plumb", labels: { team: PROJECTS[i % 3]!, tier: i % 2 ? "web" : "db" } },
    spec: {
      project: PROJECTS[i % 3],
      source: { repoURL: REPOS[i < N / 2 ? 0 : 1], path: `apps/${n}`, targetRevision: "main" },
      destination: { server: "https://kubernetes.default.svc", namespace: n },
    },
  };
}

async function writeStatus(resources: Resources, n: string, status: Record<string, unknown>): Promise<void> {
  await resources.client.request({
    method: "PATCH",
    path: `/apis/plumb.dev/v1alpha1/namespaces/plumb/applications/${n}/status`,
    contentType: "application/merge-patch+json",
    body: { status },
  });
}

function statusOf(i: number): Record<string, unknown> {
  const finishedAt = new Date(Date.now() - (i + 1) * 60_000).toISOString();
  return {
    sync: { status: i % 4 === 0 ? "OutOfSync" : "Synced", revision: `${"0123456789abcdef".repeat(3).slice(i % 16, (i % 16) + 33)}${String(i).padStart(7, "0")}` },
    health: { status: health(i) },
    operationState: { operation: { sync: {} }, phase: i === 8 ? "Running" : "Succeeded", startedAt: finishedAt, ...(i === 8 ? {} : { finishedAt }) },
    ...(i === 7 ? { conditions: [{ type: "ComparisonError", message: "repository not reachable" }] } : {}),
  };
}

/** Page script: types into the search box as one input event and answers the ms until plumb:list-filtered. */
const TYPE_AND_WAIT = (text: string) => `new Promise((resolve) => {
  const input = document.querySelector('input[name="search"]');
  const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
  performance.clearMarks("plumb:list-filtered");
  const t0 = performance.now();
  setValue.call(input, ${JSON.stringify(text)});
  input.dispatchEvent(new Event("input", { bubbles: true }));
  const check = () => {
    const m = performance.getEntriesByName("plumb:list-filtered").at(-1);
    if (m) resolve(m.startTime - t0);
    else setTimeout(check, 1);
  };
  check();
})`;

/** The names of the app elements in the page, in list order. */
async function shownNames(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`[...document.querySelectorAll("[data-app]")].map((e) => [Number(e.dataset.pos), e.dataset.app]).sort((a, b) => a[0] - b[0]).map((e) => e[1])`);
}

async function countIs(page: Page, text: string, timeout = 15_000): Promise<void> {
  // a locator, not waitForFunction: polling a string predicate is an eval, which the page's CSP refuses
  await page.locator('[data-testid="app-count"]', { hasText: new RegExp(`^\\s*${text}\\s*$`) }).waitFor({ timeout });
}

describe("the applications list in Chromium", { skip: browserSkip, timeout: 240_000 }, () => {
  let world: UIWorld | undefined;
  let resources: Resources;
  let srv: TestServer;
  let browser: TestBrowser;
  let page: Page;

  before(async () => {
    const w = (world = await startUIWorld("ui-list"));
    resources = w.resources;
    await mapLimit(
      Array.from({ length: N }, (_, i) => i),
      8,
      async (i) => {
        await resources.apply(app(name(i), i));
        await writeStatus(resources, name(i), statusOf(i));
      },
    );
    ({ srv, browser, page } = await w.serve({ controller: false }, { logIn: false }));
    browser.expectFailure(/\/api\/v1\/session\/userinfo$/, 401); // before the login: nobody is logged in yet
    await logIn(page, srv.url, "admin", srv.adminPassword);
  });
  after(() => world?.close());

  it("lists every app with its statuses, revision, repository, destination, running and condition marks", async () => {
    await countIs(page, `${N} of ${N} applications`);
    const tile = page.locator('[data-app="svc-07"]');
    const text = (await tile.textContent()) ?? "";
    for (const want of ["svc-07", "Synced", "Healthy", "ops", "git.example/one.git", "apps/svc-07", "kubernetes.default.svc / svc-07", "min ago"]) assert.ok(text.includes(want), `tile shows ${want}: ${text}`);
    assert.match((await tile.locator(".mark").getAttribute("title")) ?? "", /repository not reachable/, "the condition's message is in the mark's title");
    assert.match((await page.locator('[data-app="svc-08"]').textContent()) ?? "", /Syncing/, "a running operation is marked");
    const rev = page.locator('[data-app="svc-07"] .rev');
    assert.equal(((await rev.textContent()) ?? "").length, 7, "the revision is cut to 7 characters");
    assert.equal(((await rev.getAttribute("title")) ?? "").length, 40, "the whole revision in the title");
    await shot(page, "applications-tiles");
    browser.assertClean("the list");
  });

  it("filtering by health narrows the list and the URL holds it; a reload and a new page show the same", async () => {
    await page.getByRole("group", { name: "Health" }).getByRole("checkbox", { name: /Degraded/ }).check();
    await countIs(page, `${DEGRADED.length} of ${N} applications`);
    assert.deepEqual(await shownNames(page), DEGRADED);
    const url = new URL(page.url());
    assert.deepEqual(url.searchParams.getAll("health"), ["Degraded"]);

    await page.reload();
    await countIs(page, `${DEGRADED.length} of ${N} applications`);
    assert.deepEqual(await shownNames(page), DEGRADED);
    assert.equal(await page.getByRole("group", { name: "Health" }).getByRole("checkbox", { name: /Degraded/ }).isChecked(), true);

    const other = await browser.page();
    await other.goto(url.toString());
    await countIs(other, `${DEGRADED.length} of ${N} applications`);
    assert.deepEqual(await shownNames(other), DEGRADED);
    await other.close();
    browser.assertClean("filter by health");
  });

  it("search narrows, within the filters, and is kept in the URL", async () => {
    await page.fill('input[name="search"]', "SVC-1");
    const want = DEGRADED.filter((n) => n.startsWith("svc-1"));
    await countIs(page, `${want.length} of ${N} applications`);
    assert.deepEqual(await shownNames(page), want);
    assert.equal(new URL(page.url()).searchParams.get("search"), "SVC-1");
    await page.getByRole("button", { name: "Clear filters" }).click();
    await countIs(page, `${N} of ${N} applications`);
    assert.equal(await page.inputValue('input[name="search"]'), "", "clearing empties the search box");
    assert.equal(new URL(page.url()).search, "");
    browser.assertClean("search");
  });

  it("label selectors and project narrow together; no match says so and clears", async () => {
    const ops = page.getByRole("group", { name: "Project" }).getByRole("checkbox", { name: /ops/ });
    assert.match((await page.getByRole("group", { name: "Project" }).locator("label", { hasText: "ops" }).textContent()) ?? "", /ops\s*10/, "each value with its count");
    await page.fill('input[name="label-selector"]', "tier=web");
    await page.press('input[name="label-selector"]', "Enter");
    await countIs(page, `${N / 2} of ${N} applications`);
    assert.deepEqual(new URL(page.url()).searchParams.getAll("labels"), ["tier=web"]);
    await ops.check();
    const want = Array.from({ length: N }, (_, i) => i).filter((i) => i % 2 === 1 && i % 3 === 1).map(name);
    await countIs(page, `${want.length} of ${N} applications`);
    assert.deepEqual(await shownNames(page), want);
    await page.fill('input[name="label-selector"]', "!tier");
    await page.press('input[name="label-selector"]', "Enter");
    await countIs(page, `0 of ${N} applications`);
    await page.getByText("No application matches").waitFor();
    await page.getByRole("button", { name: "clear the filters" }).click();
    await countIs(page, `${N} of ${N} applications`);
    assert.equal(new URL(page.url()).search, "");
    browser.assertClean("labels and project");
  });

  it("sort changes the order; the layout switches between tiles and table", async () => {
    assert.equal((await shownNames(page))[0], "svc-00", "by name first");
    await page.selectOption('select[name="sort"]', "health");
    await page.waitForSelector('[data-pos="0"][data-app="svc-01"]');
    const byHealth = await shownNames(page);
    assert.deepEqual(byHealth.slice(0, DEGRADED.length), DEGRADED, "worst health first");
    assert.equal(new URL(page.url()).searchParams.get("sort"), "health");

    await page.getByRole("button", { name: "Table", exact: true }).click();
    await page.waitForSelector('[role="row"][data-app="svc-01"]');
    assert.equal(new URL(page.url()).searchParams.get("view"), "table");
    assert.equal(await page.locator("article[data-app]").count(), 0, "no tiles in the table");
    const inTable = await shownNames(page);
    const common = Math.min(inTable.length, byHealth.length);
    assert.ok(common >= 15, `enough apps rendered to compare (${common})`);
    assert.deepEqual(inTable.slice(0, common), byHealth.slice(0, common), "the same order in the table");
    await shot(page, "applications-table");
    await page.getByRole("button", { name: "Tiles", exact: true }).click();
    await page.waitForSelector('article[data-app="svc-01"]');
    assert.equal(new URL(page.url()).searchParams.get("view"), null);
    await page.getByRole("button", { name: "Table", exact: true }).click();
    await page.selectOption('select[name="sort"]', "name");
    browser.assertClean("sort and layout");
  });

  it("a status written to the cluster changes the app's badge without a reload", async () => {
    await page.evaluate("window.plumbMarker = 1");
    assert.match((await page.locator('[data-app="svc-00"]').textContent()) ?? "", /Healthy/);
    await writeStatus(resources, "svc-00", { health: { status: "Degraded" } });
    await page.waitForSelector('[data-app="svc-00"]:has-text("Degraded")', { timeout: 15_000 });
    assert.equal(await page.evaluate("window.plumbMarker"), 1, "the same page: no reload");
    browser.assertClean("live status");
  });

  it("a list that could not be read says so; Try again reads it", async () => {
    const p = await browser.page();
    // The list's one request answered 503 once, in the browser (the server itself stays up).
    const LIST = /\/api\/v1\/applications\?fields=/;
    browser.expectFailure(LIST, 503);
    await p.route(LIST, (r) => r.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify({ error: "unavailable", code: 14, message: "unavailable" }) }));
    await p.goto(`${srv.url}/applications`);
    await p.getByText("Could not load the applications").waitFor({ timeout: 15_000 });
    await p.unroute(LIST);
    await p.getByRole("button", { name: "Try again", exact: true }).click();
    await countIs(p, `${N} of ${N} applications`);
    await p.close();
    browser.assertClean("Try again");
  });

  it("2,030 apps: the page holds far fewer elements, the count says all, and scrolling reaches the last", async () => {
    const t0 = Date.now();
    await mapLimit(
      Array.from({ length: BULK }, (_, i) => i),
      16,
      (i) => resources.apply(app(`bulk-${String(i).padStart(4, "0")}`, i)),
    );
    const created = Date.now() - t0;
    await countIs(page, `${N + BULK} of ${N + BULK} applications`, 60_000);
    console.log(`created ${BULK} apps in ${created} ms; listed ${Date.now() - t0} ms after the first`);
    const inPage = await page.locator("[data-app]").count();
    assert.ok(inPage > 0 && inPage < 200, `the page holds ${inPage} app elements of ${N + BULK}`);
    assert.equal((await shownNames(page))[0], "bulk-0000");
    // the benchmarks' marks: ready once, filtered after each change of the view is rendered
    assert.ok(await page.evaluate<boolean>(`performance.getEntriesByName("plumb:list-ready").length === 1`), "plumb:list-ready marked once");
    const ms = await page.evaluate<number>(TYPE_AND_WAIT("bulk-19"));
    await countIs(page, `100 of ${N + BULK} applications`);
    console.log(`search over ${N + BULK} apps: plumb:list-filtered ${ms.toFixed(1)} ms after the input event`);
    await page.fill('input[name="search"]', "");
    await countIs(page, `${N + BULK} of ${N + BULK} applications`);
    await page.evaluate(`(() => { const el = document.querySelector('[data-testid="app-list"]'); el.scrollTo({ top: el.scrollHeight }); })()`);
    await page.waitForSelector('[data-app="svc-29"]', { timeout: 5_000 });
    assert.ok((await page.locator("[data-app]").count()) < 200, "still few elements at the end");
    // the keyboard: the list is one Tab stop (after the toolbar), Home goes back to the first app, Enter opens it
    await page.getByRole("button", { name: "Table", exact: true }).focus();
    await page.keyboard.press("Tab");
    await page.waitForSelector("[data-app]:focus", { timeout: 5_000 });
    assert.equal(await page.locator('[data-testid="app-list"] [data-app][tabindex="0"]').count(), 1, "one app of the list takes the Tab stop");
    await page.focus('[data-app="svc-29"]');
    await page.keyboard.press("Home");
    await page.waitForSelector('[data-app="bulk-0000"]:focus', { timeout: 5_000 });
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/applications\/plumb\/bulk-0000$/, { timeout: 5_000 });
    browser.assertClean("2,030 apps");
  });
});
