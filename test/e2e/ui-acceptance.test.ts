/**
 * The web UI's main story, in Debian's Chromium against `plumb server` (controller in-process), a local
 * cluster and the loopback Git server: the guestbook chart the demo deploys, auto-synced without self-heal.
 *
 * A person logs in and sees guestbook Synced and Healthy; pushes a commit and watches the tile turn
 * OutOfSync/Progressing and back to Synced/Healthy without reloading; scales the Deployment by hand and
 * sees the replicas line in the app's diff, then syncs from the UI, which puts Git's value back. No page
 * shows a console error or a failed request.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { parse as parseYaml, stringify } from "yaml";
import type { Resources } from "../../src/cluster/resources.js";
import type { KubeObject } from "../../src/core/object.js";
import type { WorkDir } from "../../src/gitserver/workdir.js";
import { browserSkip, logIn, shot, type TestBrowser } from "../helpers/browser.js";
import { repoRoot } from "../helpers/paths.js";
import type { TestServer } from "../helpers/server.js";
import { startUIWorld, type UIWorld } from "../helpers/ui-world.js";
import { waitFor } from "../helpers/wait.js";

const web = { apiVersion: "apps/v1", kind: "Deployment", namespace: "guestbook", name: "guestbook-web" };
type Deploy = KubeObject & { spec: { replicas: number; template: { spec: { containers: Array<{ image: string }> } } }; status?: { updatedReplicas?: number; readyReplicas?: number } };

describe("the web UI's main story in Chromium", { skip: browserSkip, timeout: 300_000 }, () => {
  let world: UIWorld | undefined;
  let resources: Resources;
  let wd: WorkDir;
  let srv: TestServer;
  let browser: TestBrowser;
  let page: Page;
  let first = "";

  const editValues = (edit: (v: { web: Record<string, unknown> }) => void) => {
    const path = join(wd.dir, "guestbook", "values.yaml");
    const v = parseYaml(readFileSync(path, "utf8")) as { web: Record<string, unknown> };
    edit(v);
    writeFileSync(path, stringify(v));
  };
  const appText = () => page.locator('[data-app="guestbook"]').first().innerText();

  before(async () => {
    const guestbook = (d: WorkDir) => cpSync(join(repoRoot, "examples", "guestbook"), join(d.dir, "guestbook"), { recursive: true });
    const w = (world = await startUIWorld("ui-acceptance", { repo: { name: "demo", files: guestbook, message: "guestbook: the example Helm chart" } }));
    ({ resources, wd, first } = w);
    const url = w.repoURL;
    await resources.apply({
      apiVersion: "plumb.dev/v1alpha1",
      kind: "Application",
      metadata: { name: "guestbook", namespace: "plumb" },
      spec: {
        project: "default",
        source: { repoURL: url, targetRevision: "main", path: "guestbook", helm: { valueFiles: ["values.yaml"] } },
        destination: { server: "https://kubernetes.default.svc", namespace: "guestbook" },
        syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] },
      },
    });
    ({ srv, browser, page } = await w.serve({}, { logIn: false })); // the first test logs in
  });
  after(() => world?.close());

  it("logs in and shows guestbook Synced and Healthy; its page names the commit and its author", async () => {
    await logIn(page, srv.url, "admin", srv.adminPassword);
    await waitFor("guestbook Synced and Healthy in the list", async () => /Synced/.test(await appText()) && /Healthy/.test(await appText()), 120_000, 250);
    await shot(page, "applications");
    await page.locator('[data-app="guestbook"] a').first().click();
    await page.waitForURL(/\/applications\/plumb\/guestbook/);
    const revision = page.getByTestId("revision");
    await revision.getByText("guestbook: the example Helm chart").waitFor({ timeout: 15_000 });
    assert.match(await revision.innerText(), new RegExp(first.slice(0, 7)));
    assert.match(await revision.innerText(), /plumb/i, "the commit's author (the work tree's identity)");
    await shot(page, "application");
    browser.assertClean("logging in and opening the app");
  });

  it("a push turns the tile OutOfSync/Progressing and back to Synced/Healthy, without a reload", async () => {
    await page.goto(`${srv.url}/applications`);
    await page.locator('[data-app="guestbook"]').first().waitFor();
    // What the tile says, every time it changes — and a mark that a reload would wipe.
    // (A script string: the root project's TypeScript has no DOM types.)
    await page.evaluate(`(() => {
      window.seen = [];
      window.noReload = true;
      const read = () => {
        const text = document.querySelector('[data-app="guestbook"]')?.textContent ?? "";
        if (text !== window.seen[window.seen.length - 1]) window.seen.push(text);
      };
      new MutationObserver(read).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
      read();
    })()`);
    const before = page.url();
    editValues((v) => {
      v.web.tag = "1.28";
      v.web.replicaCount = 3;
    });
    const second = await wd.commit("web: nginx 1.28, three replicas");
    await wd.push("main");
    await waitFor(
      "the Deployment rolled out with nginx:1.28",
      async () => {
        const d = (await resources.get(web)) as Deploy | undefined;
        return d?.spec.template.spec.containers[0]?.image === "nginx:1.28" && d.status?.readyReplicas === 3 && d.status.updatedReplicas === 3;
      },
      120_000,
      250,
    );
    await waitFor("the tile back to Synced and Healthy", async () => /Synced/.test(await appText()) && /Healthy/.test(await appText()) && !/OutOfSync/.test(await appText()), 60_000, 250);
    const { seen, noReload } = (await page.evaluate("({ seen: window.seen, noReload: window.noReload })")) as { seen: string[]; noReload: boolean };
    assert.equal(noReload, true, "the page was not reloaded");
    assert.equal(page.url(), before, "no navigation");
    assert.ok(seen.some((t) => /OutOfSync|Progressing/.test(t)), `the tile showed OutOfSync or Progressing on the way: ${JSON.stringify(seen)}`);
    assert.match(seen[seen.length - 1]!, new RegExp(second.slice(0, 7)), "and ends at the pushed revision");
    browser.assertClean("watching the push");
  });

  it("kubectl scale shows the replicas line in the app's diff; Sync from the UI puts Git's value back", async () => {
    // As `kubectl scale deployment guestbook-web --replicas=5` does: the scale subresource.
    await resources.client.request({ method: "PATCH", path: "/apis/apps/v1/namespaces/guestbook/deployments/guestbook-web/scale", body: { spec: { replicas: 5 } }, contentType: "application/merge-patch+json" });
    await page.goto(`${srv.url}/applications/plumb/guestbook?section=diff`);
    const diff = page.getByTestId("diff-view").first();
    await waitFor("the diff shows replicas", async () => (await diff.count()) > 0 && /replicas/.test(await diff.innerText()), 60_000, 500);
    await diff.locator('[data-diff-line][data-kind="remove"]', { hasText: "replicas: 5" }).first().waitFor({ timeout: 10_000 });
    await diff.locator('[data-diff-line][data-kind="add"]', { hasText: "replicas: 3" }).first().waitFor({ timeout: 10_000 });
    assert.equal(await diff.locator('[data-diff-line][data-kind="add"]', { hasText: "replicas: 5" }).count(), 0, "the live value is not shown as desired");
    await shot(page, "diff", "[aria-label=Sections]");
    await page.getByRole("button", { name: "Sync", exact: true }).click();
    await page.getByRole("button", { name: "Synchronize" }).click();
    await waitFor("replicas back to 3", async () => ((await resources.get(web)) as Deploy).spec.replicas === 3, 60_000, 250);
    await page.getByText("Everything is in sync").waitFor({ timeout: 60_000 });
    browser.assertClean("the diff and the sync");
  });
});
