/**
 * The resource tree in Chromium, against `plumb server` (with its controller) on a local cluster whose
 * controller-manager makes ReplicaSets and Pods and whose kwok nodes run them, and a Git server holding
 * the app: a Deployment of 2 replicas, a Service and a ConfigMap, synced automatically.
 *
 * - the app page shows Deployment → ReplicaSet → 2 Pods, with their health, and the Service and ConfigMap;
 * - a commit changing the image (a rollout) shows a new ReplicaSet whose Pods replace the old ones, live:
 *   no reload, no navigation;
 * - the List view lists the same resources, and the filter box narrows them to a kind and its owners;
 * - selecting a node (keyboard or click) puts it in the URL as ?node=, Escape clears it, and a page opened
 *   on such a URL shows the node selected;
 * - an app of 2,000 ConfigMaps (and the one from Git) opens as one group node "2,001 ConfigMaps", which opens into
 *   them within the issue's 1 s, rendering only what is in view (scrolling to the end shows the last one).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { stringify } from "yaml";
import { mapLimit } from "../../src/core/concurrency.js";
import { withTracking } from "../../src/core/tracking.js";
import type { Resources } from "../../src/cluster/resources.js";
import type { WorkDir } from "../../src/gitserver/workdir.js";
import { browserSkip, shot, type TestBrowser } from "../helpers/browser.js";
import type { TestServer } from "../helpers/server.js";
import { startUIWorld, type UIWorld } from "../helpers/ui-world.js";

const NS = "tree-ui";
const BIG_NS = "tree-big";
const deployment = (image: string) =>
  stringify({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web" },
    spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "main", image }] } } },
  });
const service = stringify({ apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } });
const configMap = stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings" }, data: { greeting: "hello" } });

const DEPLOY = `apps/Deployment/${NS}/web`;

/** A node of the tree or list as the page shows it. */
interface Shown {
  key: string;
  kind: string;
  health: string;
  parent: string;
  text: string;
  selected: boolean;
}

/** Every resource node the page shows in `testid` (the tree's canvas or the list). */
const shown = (page: Page, testid: "resource-tree" | "resource-list"): Promise<Shown[]> =>
  page.$$eval(`[data-testid=${testid}] [data-node-key]`, (els) =>
    els.map((e) => ({
      key: e.getAttribute("data-node-key") ?? "",
      kind: e.getAttribute("data-kind") ?? "",
      health: e.getAttribute("data-health") ?? "",
      parent: e.getAttribute("data-parent-key") ?? "",
      text: e.textContent ?? "",
      selected: e.getAttribute("aria-selected") === "true",
    })),
  );

/** The tree as "kind(parent kind)" facts once `pred` holds for the shown nodes. */
async function treeWhen(page: Page, what: string, pred: (nodes: Shown[]) => boolean, timeoutMs = 90_000): Promise<Shown[]> {
  const deadline = Date.now() + timeoutMs;
  let last: Shown[] = [];
  while (Date.now() < deadline) {
    last = await shown(page, "resource-tree");
    if (pred(last)) return last;
    await page.waitForTimeout(250);
  }
  throw new Error(`timed out waiting for ${what}; the tree showed: ${last.map((n) => `${n.key} [${n.health}] ← ${n.parent}`).join("; ")}`);
}

/** Waits until the page's URL has ?node=`key` (null: none). */
async function nodeParam(page: Page, key: string | null): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (new URL(page.url()).searchParams.get("node") === key) return;
    await page.waitForTimeout(100);
  }
  assert.equal(new URL(page.url()).searchParams.get("node"), key, "?node= in the URL");
}

const podsOf = (nodes: Shown[], rs: string) => nodes.filter((n) => n.kind === "Pod" && n.parent === rs);
const replicaSets = (nodes: Shown[]) => nodes.filter((n) => n.kind === "ReplicaSet" && n.parent === DEPLOY);

describe("the resource tree in Chromium", { skip: browserSkip, timeout: 240_000 }, () => {
  let world: UIWorld | undefined;
  let resources: Resources;
  let wd: WorkDir;
  let srv: TestServer;
  let browser: TestBrowser;
  let page: Page;
  let appURL = "";
  let firstRS = "";
  let treeKeys: string[] = [];

  before(async () => {
    const files = { "app/deployment.yaml": deployment("registry.example/app:1"), "app/service.yaml": service, "app/settings.yaml": configMap };
    const w = (world = await startUIWorld("ui-tree", { repo: { name: "shop", files, message: "the shop" } }));
    ({ resources, wd } = w);
    const repoURL = w.repoURL;
    await resources.apply({
      apiVersion: "plumb.dev/v1alpha1",
      kind: "Application",
      metadata: { name: "shop", namespace: "plumb" },
      spec: {
        project: "default",
        source: { repoURL, targetRevision: "main", path: "app" },
        destination: { server: "https://kubernetes.default.svc", namespace: NS },
        syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] },
      },
    });
    // A second app, synced by hand: 2,000 ConfigMaps carrying its label (applied here, faster than a sync).
    await resources.apply({
      apiVersion: "plumb.dev/v1alpha1",
      kind: "Application",
      metadata: { name: "big", namespace: "plumb" },
      spec: { project: "default", source: { repoURL, targetRevision: "main", path: "app" }, destination: { server: "https://kubernetes.default.svc", namespace: BIG_NS } },
    });
    await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: BIG_NS } });
    await mapLimit(Array.from({ length: 2000 }, (_, i) => i), 16, (i) => resources.apply(withTracking({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `cm-${String(i).padStart(4, "0")}`, namespace: BIG_NS }, data: { i: String(i) } }, "big")));
    ({ srv, browser, page } = await w.serve());
    appURL = `${srv.url}/applications/plumb/shop`;
  });
  after(() => world?.close());

  it("shows Deployment → ReplicaSet → 2 Pods with their health, and the Service and ConfigMap", async () => {
    await page.goto(appURL);
    await page.waitForSelector("[data-testid=resource-tree]", { timeout: 60_000 });
    const nodes = await treeWhen(page, "a healthy Deployment with one ReplicaSet of 2 healthy Pods", (ns) => {
      const rs = replicaSets(ns);
      return ns.find((n) => n.key === DEPLOY)?.health === "Healthy" && rs.length === 1 && podsOf(ns, rs[0]!.key).length === 2 && podsOf(ns, rs[0]!.key).every((p) => p.health === "Healthy");
    });
    const rs = replicaSets(nodes)[0]!;
    firstRS = rs.key;
    assert.equal(rs.health, "Healthy");
    const root = nodes.find((n) => n.kind === "Application");
    assert.ok(root, "the app is the root");
    assert.equal(nodes.find((n) => n.key === DEPLOY)?.parent, root.key, "the Deployment hangs from the app");
    for (const pod of podsOf(nodes, rs.key)) {
      assert.match(pod.text, /Healthy/, "the health badge");
      assert.match(pod.text, /Running/, "the Pod's status reason");
      assert.match(pod.text, /1\/1/, "its containers ready");
    }
    assert.ok(nodes.some((n) => n.key === `/Service/${NS}/web` && n.parent === root.key));
    const cm = nodes.find((n) => n.key === `/ConfigMap/${NS}/settings`);
    assert.ok(cm && cm.parent === root.key, "the ConfigMap");
    assert.match(cm.text, /Synced/, "its sync badge");
    assert.ok(await page.evaluate(() => performance.getEntriesByName("plumb:tree-ready").length === 1), "the tree-ready mark is set once");
    await shot(page, "tree", "[aria-label=Sections]");
  });

  it("a rollout shows a new ReplicaSet whose Pods replace the old ones, without a reload", async () => {
    await page.evaluate(() => ((globalThis as { plumbSamePage?: boolean }).plumbSamePage = true));
    const url = page.url();
    wd.write({ "app/deployment.yaml": deployment("registry.example/app:2") });
    await wd.commit("app 2");
    await wd.push("main");
    const nodes = await treeWhen(page, "a second ReplicaSet with 2 healthy Pods, the first with none", (ns) => {
      const next = replicaSets(ns).find((r) => r.key !== firstRS);
      return !!next && podsOf(ns, next.key).length === 2 && podsOf(ns, next.key).every((p) => p.health === "Healthy") && podsOf(ns, firstRS).length === 0;
    });
    assert.equal(replicaSets(nodes).length, 2, "the old ReplicaSet stays, scaled to 0");
    assert.equal(page.url(), url, "the URL is unchanged");
    assert.equal(await page.evaluate(() => (globalThis as { plumbSamePage?: boolean }).plumbSamePage), true, "the same page: no reload");
    treeKeys = nodes.filter((n) => n.kind !== "Application").map((n) => n.key).sort();
  });

  it("the List view lists the same resources; the filter narrows them", async () => {
    await page.getByRole("button", { name: "List", exact: true }).click();
    await page.waitForSelector("[data-testid=resource-list] [data-node-key]", { timeout: 15_000 });
    assert.equal(new URL(page.url()).searchParams.get("view"), "list");
    const rows = await shown(page, "resource-list");
    assert.deepEqual(rows.map((r) => r.key).sort(), treeKeys);
    const deploy = rows.find((r) => r.key === DEPLOY)!;
    assert.match(deploy.text, /Synced/);
    assert.match(deploy.text, /Healthy/);
    await shot(page, "tree-list", "[aria-label=Sections]");
    // The filter: Pods, shown under their owners; the Service and ConfigMap left out; the counts say so.
    await page.fill('input[aria-label="Filter resources by kind or name"]', "pod");
    await page.waitForSelector(`[data-testid=resource-list] [data-node-key="/Service/${NS}/web"]`, { state: "detached", timeout: 5_000 });
    const filtered = await shown(page, "resource-list");
    assert.deepEqual([...new Set(filtered.map((r) => r.kind))].sort(), ["Deployment", "Pod", "ReplicaSet"]);
    assert.equal(filtered.filter((r) => r.kind === "Pod").length, 2);
    assert.ok(await page.locator(`text=${filtered.length} of ${treeKeys.length} resources shown`).count(), "the counts");
    await page.fill('input[aria-label="Filter resources by kind or name"]', "");
    await page.getByRole("button", { name: "Tree", exact: true }).click();
    await page.waitForSelector("[data-testid=resource-tree]", { timeout: 15_000 });
    assert.equal(new URL(page.url()).searchParams.get("view"), "tree");
  });

  it("selecting a node puts it in the URL; Escape clears it; a page opened on that URL shows it selected", async () => {
    // By keyboard: from the app, Right goes to the first resource (the Deployment); Enter selects it.
    await page.focus("[data-testid=resource-tree]");
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("Enter");
    await nodeParam(page, DEPLOY);
    assert.equal((await shown(page, "resource-tree")).find((n) => n.key === DEPLOY)?.selected, true, "aria-selected");
    await page.getByTestId("resource-panel").waitFor();
    assert.equal(await page.evaluate("document.activeElement && document.activeElement.getAttribute('data-testid')"), "resource-tree", "the panel opens without taking the keyboard from the tree");
    await page.keyboard.press("Escape");
    await nodeParam(page, null);

    // By click: a Pod of the new ReplicaSet.
    const pod = (await shown(page, "resource-tree")).find((n) => n.kind === "Pod" && n.parent !== firstRS)!;
    await page.click(`[data-testid=resource-tree] [data-node-key="${pod.key}"]`);
    await nodeParam(page, pod.key);
    const link = page.url();

    const other = await browser.page();
    await other.goto(link);
    await other.waitForSelector(`[data-testid=resource-tree] [data-node-key="${pod.key}"][aria-selected=true]`, { timeout: 30_000 });
    const selected = await shown(other, "resource-tree");
    assert.deepEqual(selected.filter((n) => n.selected).map((n) => n.key), [pod.key], "only that node is selected");
    // And the list view on the same link selects it too.
    await other.getByRole("button", { name: "List", exact: true }).click();
    await other.waitForSelector(`[data-testid=resource-list] [data-node-key="${pod.key}"][aria-selected=true]`, { timeout: 15_000 });
    await other.close();
    browser.assertClean("the resource tree");
  });

  it("2,000 ConfigMaps are one group node that opens into all of them, rendered by viewport (times printed; bench/ui-tree.ts judges them)", async () => {
    await page.goto(`${srv.url}/applications/plumb/big`);
    const group = await page.waitForSelector('[data-testid=resource-tree] [data-group=ConfigMap]:has-text("2,001 ConfigMaps")', { timeout: 60_000 }).catch(async (err: unknown) => {
      await page.screenshot({ path: "/tmp/ui-tree-big.png" });
      throw err;
    });
    // 2,001: the 2,000 and the app's own ConfigMap from Git, Missing (this app is not synced).
    assert.match((await group.textContent()) ?? "", /2,001 ConfigMaps/);
    const ready = await page.evaluate(() => performance.getEntriesByName("plumb:tree-ready")[0]?.startTime ?? NaN);
    console.log(`navigation → tree ready (2,000 ConfigMaps, grouped): ${Math.round(ready)} ms`);
    // Open the group and time it to the frame that shows the ConfigMaps (the page's own clock).
    const ms = await page.evaluate(
      () =>
        new Promise<number>((done) => {
          const w = globalThis as unknown as { document: { querySelector(s: string): { click(): void } | null }; requestAnimationFrame(cb: () => void): number };
          const t0 = performance.now();
          w.document.querySelector("[data-group=ConfigMap]")!.click();
          const check = () => (w.document.querySelector("[data-kind=ConfigMap][data-node-key]") ? w.requestAnimationFrame(() => setTimeout(() => done(performance.now() - t0))) : w.requestAnimationFrame(check));
          check();
        }),
    );
    const rendered = (await page.$$("[data-testid=resource-tree] [data-kind=ConfigMap]")).length;
    console.log(`2,000 ConfigMaps expanded and painted in ${Math.round(ms)} ms; ${rendered} of them in the page`);
    await shot(page, "tree-big", "[aria-label=Sections]");
    assert.ok(rendered > 5 && rendered < 200, `only the nodes near the view are rendered (${rendered})`);
    // Scrolling to the end shows the last one.
    await page.$eval("[data-testid=resource-tree]", (el) => el.scrollTo({ top: el.scrollHeight }));
    await page.waitForSelector(`[data-testid=resource-tree] [data-node-key="/ConfigMap/${BIG_NS}/cm-1999"]`, { timeout: 5_000 });
    assert.equal(await page.locator("text=The app has no resources yet").count(), 0);
    browser.assertClean("the 2,000-node tree");
  });
});
