/**
 * What a person does to an app from the web UI, in Chromium, against `plumb server` (controller
 * in-process) on a local cluster and a loopback Git server:
 *
 * 1. Sync from the Sync panel, twice (v=1, then v=2 pushed), and Rollback from the history to the first
 *    entry: the cluster's ConfigMap is v=1 again.
 * 2. A read-only user sees no Sync, Delete or Edit; a forged sync from their page is refused (403); and
 *    when their right to sync is taken away while the Sync panel is open, Synchronize says "Not allowed".
 * 3. A sync stuck in a PreSync hook shows Running and the hook; Terminate ends it and the panel says so.
 *    A sync the API server refuses shows the failing resource and its message, first in the results.
 * 4. Delete with cascade removes the app and its ConfigMap; New application creates one that syncs (the
 *    form and the YAML kept in step, a YAML error told by line); Edit replaces its spec.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { stringify } from "yaml";
import type { Resources } from "../../src/cluster/resources.js";
import type { KubeObject } from "../../src/core/object.js";
import type { WorkDir } from "../../src/gitserver/workdir.js";
import { browserSkip, launchBrowser, logIn, shot, type TestBrowser } from "../helpers/browser.js";
import type { TestServer } from "../helpers/server.js";
import { startUIWorld, type UIWorld } from "../helpers/ui-world.js";
import { waitFor } from "../helpers/wait.js";

const cm = (name: string, v: string) => stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { v } });
const stuckHook = stringify({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "stuck", annotations: { "argocd.argoproj.io/hook": "PreSync" } },
  spec: { backoffLimit: 0, template: { spec: { restartPolicy: "Never", nodeSelector: { "plumb.dev/no-such-node": "true" }, containers: [{ name: "c", image: "busybox:1.36", command: ["true"] }] } } },
});
// A CRD and an object of it that its schema refuses (size < 1): the object cannot be dry-run before the
// CRD exists, so the comparison lets it through and the sync's apply is what fails, for this one object.
const widgetCRD = stringify({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.ui-actions.plumb.test" },
  spec: {
    group: "ui-actions.plumb.test",
    scope: "Namespaced",
    names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
    versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", properties: { size: { type: "integer", minimum: 1 } } } } } } }],
  },
});
const badWidget = stringify({ apiVersion: "ui-actions.plumb.test/v1", kind: "Widget", metadata: { name: "too-small", annotations: { "argocd.argoproj.io/sync-wave": "1" } }, spec: { size: 0 } });

function application(name: string, repoURL: string, path: string): KubeObject {
  return {
    apiVersion: "plumb.dev/v1alpha1",
    kind: "Application",
    metadata: { name, namespace: "plumb" },
    spec: { project: "default", source: { repoURL, targetRevision: "main", path }, destination: { server: "https://kubernetes.default.svc", namespace: name }, syncPolicy: { syncOptions: ["CreateNamespace=true"] } },
  };
}

describe("app actions in Chromium", { skip: browserSkip, timeout: 300_000 }, () => {
  let world: UIWorld | undefined;
  let resources: Resources;
  let wd: WorkDir;
  let repoURL: string;
  let srv: TestServer;
  let browser: TestBrowser;
  let page: Page;
  let first: string;

  const setPolicy = (csv: string) => resources.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "plumb-rbac-cm", namespace: "plumb" }, data: { "policy.csv": csv, "policy.default": "" } });
  const configMap = async (ns: string, name: string) => (await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name })) as (KubeObject & { data?: Record<string, string> }) | undefined;
  const appPage = async (p: Page, name: string) => {
    await p.goto(`${srv.url}/applications/plumb/${name}`);
    await p.getByRole("heading", { name, exact: true }).waitFor({ timeout: 15_000 });
  };
  const button = (p: Page, name: string) => p.getByRole("button", { name, exact: true });
  /** Sync from the UI: the toolbar's Sync, then Synchronize in the panel (which closes). */
  const syncFromUI = async (p: Page, screenshot?: string) => {
    await button(p, "Sync").click();
    const dialog = p.getByRole("dialog");
    if (screenshot) await shot(p, screenshot);
    await dialog.getByRole("button", { name: "Synchronize", exact: true }).click();
    await dialog.waitFor({ state: "detached", timeout: 15_000 });
  };
  /** Waits until the operation panel's phase matches, answering it. */
  const phase = (p: Page, re: RegExp, timeout = 60_000) =>
    waitFor(`the operation panel's phase to match ${re}`, async () => {
      const now = await p.getByTestId("operation").getAttribute("data-phase", { timeout: 5_000 });
      return now && re.test(now) ? now : undefined;
    }, timeout);

  before(async () => {
    const files = { "rb/cm.yaml": cm("rb", "1"), "hooked/cm.yaml": cm("h", "1"), "hooked/job.yaml": stuckHook, "failing/crd.yaml": widgetCRD, "failing/widget.yaml": badWidget, "failing/cm.yaml": cm("fine", "1"), "made/cm.yaml": cm("made", "1") };
    const w = (world = await startUIWorld("ui-actions", { repo: { name: "actions", files, message: "first" } }));
    ({ resources, wd, repoURL, first } = w);
    await resources.apply({ apiVersion: "plumb.dev/v1alpha1", kind: "AppProject", metadata: { name: "default", namespace: "plumb" }, spec: { sourceRepos: ["*"], destinations: [{ server: "*", namespace: "*" }], clusterResourceWhitelist: [{ group: "*", kind: "*" }] } });
    await resources.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "plumb-cm", namespace: "plumb" }, data: { "accounts.viewer": "login" } });
    await setPolicy("g, viewer, role:readonly");
    for (const [name, path] of [["rb", "rb"], ["hooked", "hooked"], ["failing", "failing"]] as const) await resources.apply(application(name, repoURL, path));
    ({ srv, browser, page } = await w.serve());
    const admin = await srv.login("admin", srv.adminPassword);
    const r = await srv.call("PUT", "/api/v1/account/password", { token: admin, body: { name: "viewer", currentPassword: srv.adminPassword, newPassword: "viewer-password-1" } });
    assert.equal(r.status, 200, r.text);
  });
  after(() => world?.close());

  it("syncs from the Sync panel, twice, and rolls back to the first entry from the history", async () => {
    await appPage(page, "rb");
    // The panel is a modal dialog: Escape closes it and focus returns to the button that opened it.
    await button(page, "Sync").click();
    await page.getByRole("dialog").waitFor();
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "detached" });
    assert.equal(await page.locator(":focus").textContent(), "Sync", "focus is back on Sync");
    await syncFromUI(page, "app-actions-sync-panel");
    await phase(page, /^Succeeded$/);
    assert.equal((await configMap("rb", "rb"))?.data?.v, "1", "the first sync deployed v=1");

    wd.write({ "rb/cm.yaml": cm("rb", "2") });
    const second = await wd.commit("v2");
    await wd.push("main");
    await syncFromUI(page);
    await waitFor("the ConfigMap at v=2", async () => (await configMap("rb", "rb"))?.data?.v === "2", 60_000);
    const ops = page.getByTestId("operation");
    await ops.getByText(second).waitFor({ timeout: 30_000 });
    await page.getByRole("tab", { name: "History" }).click();
    await page.locator("tr[data-history-id]").nth(1).waitFor({ timeout: 30_000 });
    const ids = await page.locator("tr[data-history-id]").evaluateAll((rows) => rows.map((r) => Number(r.getAttribute("data-history-id"))));
    assert.equal(ids.length, 2, `two history entries: ${JSON.stringify(ids)}`);
    assert.ok(ids[0]! > ids[1]!, "newest first");
    const oldest = page.locator(`tr[data-history-id="${ids[1]}"]`);
    assert.match((await oldest.textContent()) ?? "", new RegExp(first), "the first entry is the first commit");
    assert.equal(await page.locator(`tr[data-history-id="${ids[0]}"]`).getByRole("button", { name: "Rollback" }).count(), 0, "no rollback to the current entry");

    await oldest.getByRole("button", { name: "Rollback", exact: true }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: "Roll back", exact: true }).click();
    await dialog.waitFor({ state: "detached", timeout: 15_000 });
    await waitFor("the ConfigMap back at v=1", async () => (await configMap("rb", "rb"))?.data?.v === "1", 60_000);
    await ops.getByText(first).waitFor({ timeout: 30_000 });
    await shot(page, "app-actions-history");
    browser.assertClean("sync and rollback");
  });

  it("a read-only user sees no write actions, a forged sync is refused, and a refused Synchronize says so", async () => {
    const viewer = await launchBrowser();
    try {
      const vp = await viewer.page();
      await logIn(vp, srv.url, "viewer", "viewer-password-1");
      const answered = ["sync", "delete", "update"].map((action) => vp.waitForResponse((r) => r.url().includes(`/can-i/applications/${action}/`), { timeout: 15_000 }));
      await appPage(vp, "rb");
      await Promise.all(answered);
      await button(vp, "Refresh").waitFor({ timeout: 15_000 });
      for (const name of ["Sync", "Delete", "Edit", "Terminate", "Rollback"]) assert.equal(await button(vp, name).count(), 0, `no ${name} button for a read-only user`);

      viewer.expectFailure(/\/api\/v1\/applications\/rb\/sync$/, 403);
      const forged = await vp.evaluate(async () => {
        const r = await fetch("/api/v1/applications/rb/sync", { method: "POST", credentials: "same-origin", headers: { "content-type": "application/json" }, body: "{}" });
        return { status: r.status, body: await r.text() };
      });
      assert.equal(forged.status, 403, `the server refuses the forged sync: ${forged.body}`);

      // Granted sync on this app: the Sync button shows (after a reload: can-i answers are cached).
      const token = await srv.login("viewer", "viewer-password-1");
      const canSync = async () => ((await srv.call("GET", `/api/v1/account/can-i/applications/sync/${encodeURIComponent("default/rb")}`, { token })).body as { value: string }).value;
      await setPolicy("g, viewer, role:readonly\np, viewer, applications, sync, default/rb, allow");
      await waitFor("the policy granting sync in force", async () => (await canSync()) === "yes", 15_000);
      await vp.reload();
      await button(vp, "Sync").click({ timeout: 15_000 });
      const dialog = vp.getByRole("dialog");
      await dialog.getByRole("button", { name: "Synchronize", exact: true }).waitFor();
      // Taken away while the panel is open: the server refuses, and the panel says why.
      await setPolicy("g, viewer, role:readonly");
      await waitFor("the grant withdrawn", async () => (await canSync()) === "no", 15_000);
      await dialog.getByRole("button", { name: "Synchronize", exact: true }).click();
      const alert = dialog.getByRole("alert");
      await alert.waitFor({ timeout: 15_000 });
      assert.match((await alert.textContent()) ?? "", /^Not allowed: .*Ask an administrator for a role that permits it\./, "the refusal is said to the user");
      assert.equal(await dialog.count(), 1, "the panel stays open to show it");
      await shot(vp, "app-actions-forbidden");
      viewer.assertClean("the read-only user's pages");
    } finally {
      await viewer.close();
    }
  });

  it("shows a sync running in its hook, terminates it, and shows the resource a failed sync failed on", async () => {
    await appPage(page, "hooked");
    await syncFromUI(page);
    await phase(page, /^Running$/);
    const ops = page.getByTestId("operation");
    await ops.locator('tr[data-result-kind="Job"][data-result-name="stuck"]').waitFor({ timeout: 30_000 });
    assert.equal(await page.getByRole("button", { name: "Terminate", exact: true }).count(), 1, "one Terminate on the page: the operation panel's");
    await ops.getByRole("button", { name: "Terminate", exact: true }).click();
    await phase(page, /^(Failed|Error)$/);
    assert.match((await ops.textContent()) ?? "", /terminated/i, "the panel says the operation was terminated");

    await appPage(page, "failing");
    await syncFromUI(page);
    await phase(page, /^(Failed|Error)$/, 90_000).catch(async (e: unknown) => {
      const a = await resources.get({ apiVersion: "plumb.dev/v1alpha1", kind: "Application", namespace: "plumb", name: "failing" });
      console.log("DEBUG failing app", JSON.stringify({ op: (a as { operation?: unknown })?.operation, status: a?.status }).slice(0, 6000));
      const crd = await resources.get({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: "widgets.ui-actions.plumb.test" });
      console.log("DEBUG crd", JSON.stringify({ rv: crd?.metadata.resourceVersion, labels: crd?.metadata.labels, status: crd?.status }).slice(0, 3000));
      console.log("DEBUG page", (await page.getByTestId("operation").textContent().catch(() => "none"))?.slice(0, 500), page.url());
      throw e;
    });
    const failedRow = ops.locator('tr[data-result-status="SyncFailed"]');
    await failedRow.first().waitFor({ timeout: 15_000 });
    assert.equal(await failedRow.first().getAttribute("data-result-name"), "too-small", "the failing resource is named");
    assert.match((await failedRow.first().textContent()) ?? "", /greater than or equal to 1|size/i, "with the API server's message");
    const firstRow = ops.locator("table.results tbody tr").first();
    assert.equal(await firstRow.getAttribute("data-result-status"), "SyncFailed", "failed results come first");
    const summary = ops.getByRole("group", { name: "Failed resources" });
    assert.match((await summary.textContent()) ?? "", /Widget .*too-small.*:/, "the failure is shown above the table too");
    await shot(page, "app-actions-failed-sync");
    browser.assertClean("terminate and a failed sync");
  });

  it("deletes an app with its resources, creates one from the form that syncs, and edits it", async () => {
    await appPage(page, "rb");
    await button(page, "Delete").click();
    const dialog = page.getByRole("dialog");
    const confirm = dialog.getByRole("button", { name: "Delete application", exact: true });
    assert.equal(await confirm.isDisabled(), true, "not before the name is typed");
    // Focus is in the dialog's name field: typing goes there.
    await page.keyboard.type("rb");
    assert.equal(await dialog.getByLabel(/Type rb to confirm/).inputValue(), "rb");
    await dialog.getByLabel(/Foreground cascade/).check();
    await confirm.click();
    await page.waitForURL(/\/applications$/, { timeout: 30_000 });
    await waitFor("the app and its ConfigMap gone", async () => !(await resources.get({ apiVersion: "plumb.dev/v1alpha1", kind: "Application", namespace: "plumb", name: "rb" })) && !(await configMap("rb", "rb")), 60_000);
    await page.locator('tr[data-app="rb"]').waitFor({ state: "detached", timeout: 15_000 });

    await button(page, "New application").click();
    const editor = page.getByRole("dialog");
    // Checked before sending: an empty form names what is missing.
    await editor.getByRole("button", { name: "Create", exact: true }).click();
    await editor.getByText("Give the application a name.").waitFor();
    await editor.getByLabel("Application name", { exact: true }).fill("made");
    await editor.getByLabel("Project", { exact: true }).selectOption("default");
    await editor.getByLabel("Repository URL").fill(repoURL);
    await editor.getByLabel("Revision", { exact: true }).fill("main");
    await editor.getByLabel("Path", { exact: true }).fill("made");
    await editor.getByLabel("Namespace", { exact: true }).fill("made");
    await editor.getByLabel(/Automated sync/).check();
    await editor.getByLabel(/Create namespace/).check();
    // The YAML says the same.
    await editor.getByRole("button", { name: "YAML", exact: true }).click();
    const yamlBox = editor.getByLabel("Application YAML");
    const text = await yamlBox.inputValue();
    assert.match(text, /name: made/);
    assert.match(text, /CreateNamespace=true/);
    // A YAML error is told with its line; a YAML edit that parses shows in the form.
    await yamlBox.fill(`${text}spec: [unclosed\n`);
    await editor.getByText(/^Line \d+, column \d+: /).waitFor();
    await yamlBox.fill(text.replace("targetRevision: main", "targetRevision: HEAD"));
    await editor.getByRole("button", { name: "Form", exact: true }).click();
    assert.equal(await editor.getByLabel("Revision", { exact: true }).inputValue(), "HEAD", "the form follows the YAML");
    await editor.getByLabel("Revision", { exact: true }).fill("main");
    await shot(page, "app-actions-new-app");
    await editor.getByRole("button", { name: "Create", exact: true }).click();
    await page.waitForURL(/\/applications\/plumb\/made$/, { timeout: 15_000 });
    await waitFor("the new app's ConfigMap", async () => (await configMap("made", "made"))?.data?.v === "1", 90_000);
    await phase(page, /^Succeeded$/);

    // Edit: automated sync off, saved as the app's spec.
    await button(page, "Edit").click();
    const edit = page.getByRole("dialog");
    // A label added in the YAML cannot be saved by an edit (it sends the spec): refused, said next to the YAML.
    await edit.getByRole("button", { name: "YAML", exact: true }).click();
    const editYaml = edit.getByLabel("Application YAML");
    const original = await editYaml.inputValue();
    await editYaml.fill(original.replace("  name: made\n", "  name: made\n  labels:\n    extra: added\n"));
    await edit.getByRole("button", { name: "Save", exact: true }).click();
    await edit.getByText("Only the spec is saved here; change labels and annotations with kubectl or in Git.").first().waitFor();
    assert.equal(await edit.count(), 1, "the dialog stays open");
    await editYaml.fill(original);
    await edit.getByRole("button", { name: "Form", exact: true }).click();
    await edit.getByLabel(/Automated sync/).uncheck();
    await edit.getByRole("button", { name: "Save", exact: true }).click();
    await edit.waitFor({ state: "detached", timeout: 15_000 });
    const stored = (await resources.get({ apiVersion: "plumb.dev/v1alpha1", kind: "Application", namespace: "plumb", name: "made" })) as KubeObject & { spec: { syncPolicy?: { automated?: unknown; syncOptions?: string[] }; source: { path: string } } };
    assert.equal(stored.spec.syncPolicy?.automated, undefined, "automated sync is off");
    assert.deepEqual(stored.spec.syncPolicy?.syncOptions, ["CreateNamespace=true"], "the rest of the spec kept");
    assert.equal(stored.spec.source.path, "made");
    assert.equal((stored.metadata.labels ?? {}).extra, undefined, "the refused label was not saved");
    browser.assertClean("delete, create and edit");
  });
});
