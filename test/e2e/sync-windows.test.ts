/**
 * Sync windows on a real control plane, as a user meets them (one local cluster, the loopback Git server,
 * the controller in-process, an API-only server beside it, the CLI as a child process):
 *
 * - a deny window that covers now and closes ~20 s from now (its schedule the current minute in
 *   Asia/Kolkata, its duration the seconds until then) holds the automated sync of a new commit: the
 *   SyncWindowBlocked condition names the window and its end meanwhile, the API and `plumb app get` say
 *   "Sync Denied", and the sync happens just after the window closes (a requeue at that moment: the resync
 *   period is far longer), the condition then gone;
 * - a manual sync in a deny window is refused — by the API (422, naming the window, nothing written), by
 *   `plumb app sync` over the API and in core mode, and as an operation written on the Application
 *   directly (operationState Failed, naming the window) — and runs once the window has manualSync: true;
 * - an allow window that is not active holds an automated sync (nothing deployed) until it is.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { stringify } from "yaml";
import type { KubeObject } from "../../src/core/object.js";
import { appStatus, startGitOpsWorld, type GitOpsWorld } from "../helpers/controller.js";
import { repoRoot } from "../helpers/paths.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { waitFor } from "../helpers/wait.js";

const NS = "plumb";
const cm = (v: string) => stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings" }, data: { v } });

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe("sync windows: automated syncs wait, manual syncs are refused unless manualSync", { timeout: 300_000 }, () => {
  let world: GitOpsWorld;
  let srv: TestServer;
  let token: string;
  let windows: Array<Record<string, unknown>> = [];

  const plumb = (args: string[], mode: "core" | "api"): Promise<Run> =>
    new Promise((resolve) => {
      const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", KUBECONFIG: mode === "core" ? world.cluster.kubeconfigPath : join(world.gitRoot, "no-kubeconfig"), PLUMB_CONFIG: join(world.gitRoot, "plumb-config") };
      for (const k of ["PLUMB_SERVER", "PLUMB_AUTH_TOKEN", "PLUMB_CONTEXT", "FORCE_COLOR"]) delete env[k];
      const target = mode === "core" ? ["--core"] : ["--server", new URL(srv.url).host, "--plaintext", "--auth-token", token];
      execFile(process.execPath, [join(repoRoot, "dist", "src", "cli", "main.js"), ...args, ...target], { env }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
      });
    });

  /** Writes the project with these windows (the controller enqueues its apps on the change). */
  const setWindows = async (list: Array<Record<string, unknown>>): Promise<void> => {
    windows = list;
    await world.resources.apply({
      apiVersion: "plumb.dev/v1alpha1",
      kind: "AppProject",
      metadata: { name: "team", namespace: NS },
      spec: { sourceRepos: ["*"], destinations: [{ server: "*", namespace: "*" }], clusterResourceWhitelist: [{ group: "*", kind: "*" }], syncWindows: list },
    } as KubeObject);
  };
  const application = (name: string, automated: boolean): KubeObject => ({
    apiVersion: "plumb.dev/v1alpha1",
    kind: "Application",
    metadata: { name, namespace: NS },
    spec: {
      project: "team",
      source: { repoURL: world.repoURL, path: name, targetRevision: "main" },
      destination: { server: "https://kubernetes.default.svc", namespace: `win-${name}` },
      syncPolicy: { ...(automated ? { automated: { prune: true } } : {}), syncOptions: ["CreateNamespace=true"] },
    },
  });
  const configValue = async (name: string): Promise<string | undefined> => ((await world.resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: `win-${name}`, name: "settings" }))?.data as Record<string, string> | undefined)?.v;
  const condition = async (name: string): Promise<string | undefined> => (await appStatus(world.resources, name))?.conditions?.find((c) => c.type === "SyncWindowBlocked")?.message;

  before(async () => {
    world = await startGitOpsWorld("e2e-sync-windows", { resyncMs: 120_000 });
    world.wd.write({ "auto/settings.yaml": cm("1"), "manual/settings.yaml": cm("1"), "allowed/settings.yaml": cm("1") });
    await world.wd.commit("three apps");
    await world.wd.push("main");
    await setWindows([]);
    srv = await startTestServer(world.resources, { controller: false });
    token = await srv.login("admin", srv.adminPassword);
  });
  after(async () => {
    await srv?.stop();
    await world?.close();
  });

  it("a deny window holds the automated sync of a new commit until it closes; the condition says so meanwhile", async () => {
    await world.resources.apply(application("auto", true));
    await waitFor("auto deployed at v1", async () => (await configValue("auto")) === "1" || undefined, 60_000);

    // A deny window opened this minute in Asia/Kolkata (UTC+05:30), closing 20 s from now.
    const now = Date.now();
    const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", { timeZone: "Asia/Kolkata", hour: "numeric", minute: "numeric", hourCycle: "h23" }).formatToParts(new Date(now)).map((p) => [p.type, p.value]));
    const opened = now - (now % 60_000);
    const seconds = Math.ceil((now + 20_000 - opened) / 1000);
    const closes = opened + seconds * 1000;
    const schedule = `${Number(parts.minute)} ${Number(parts.hour)} * * *`;
    await setWindows([{ kind: "deny", schedule, duration: `${seconds}s`, timeZone: "Asia/Kolkata", applications: ["auto"] }]);

    world.wd.write({ "auto/settings.yaml": cm("2") });
    const sha = await world.wd.commit("auto v2");
    await world.wd.push();
    const closesText = new Date(closes).toISOString().replace(/\.000Z$/, "Z");
    const message = await waitFor("the SyncWindowBlocked condition", () => condition("auto"), 15_000);
    assert.equal(message, `automated sync is blocked by sync window 0 (deny '${schedule}' ${seconds}s (Asia/Kolkata)); syncs are allowed again at ${closesText}`);
    const st = await appStatus(world.resources, "auto");
    assert.equal(st?.sync?.status, "OutOfSync");
    assert.equal(st?.sync?.revision, sha, "compared with the new commit");
    assert.equal(await configValue("auto"), "1", "not synced inside the window");

    // The API and the CLI say the same, in both modes.
    const w = await srv.call("GET", "/api/v1/applications/auto/syncwindows", { token });
    assert.equal(w.status, 200, w.text);
    assert.equal(w.body.canSync, false);
    assert.equal(w.body.automatedCanSync, false);
    assert.deepEqual(w.body.activeWindows.map((x: { kind: string; schedule: string }) => [x.kind, x.schedule]), [["deny", schedule]]);
    assert.equal(w.body.assignedWindows.length, 1);
    assert.equal(w.body.automatedAllowedAt, closesText);
    for (const mode of ["api", "core"] as const) {
      const get = await plumb(["app", "get", "auto"], mode);
      assert.equal(get.code, 0, get.stderr);
      assert.match(get.stdout, new RegExp(`Sync Window:\\s+Sync Denied — deny '${schedule.replace(/\*/g, "\\*")}' ${seconds}s \\(Asia/Kolkata\\); opens at ${closesText}`), `${mode}: ${get.stdout}`);
      assert.match(get.stdout, /SyncWindowBlocked: automated sync is blocked by sync window 0/);
    }
    const list = await plumb(["proj", "windows", "list", "team"], "core");
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`^0\\s+Active\\s+deny\\s+${schedule.replace(/\*/g, "\\*")}\\s+${seconds}s\\s+Asia/Kolkata\\s+auto\\s`, "m"));

    // Still held until the end; synced right after it (the resync period is 2 minutes: a requeue at the end did it).
    const synced = await waitFor("auto synced to v2", async () => ((await configValue("auto")) === "2" ? Date.now() : undefined), 40_000, 100);
    assert.ok(synced >= closes, `synced ${closes - synced} ms before the window closed`);
    assert.ok(synced - closes < 8000, `synced ${synced - closes} ms after the window closed`);
    assert.equal(await condition("auto"), undefined, "the condition is gone");
    const after = await appStatus(world.resources, "auto");
    assert.equal(after?.operationState?.phase, "Succeeded");
    assert.equal(after?.operationState?.syncResult?.revision, sha);
  });

  it("a manual sync in a deny window is refused by the API, the CLI and the controller; manualSync lets it through", async () => {
    await world.resources.apply(application("manual", false));
    await waitFor("manual compared: OutOfSync", async () => (await appStatus(world.resources, "manual"))?.sync?.status === "OutOfSync" || undefined, 60_000);
    await setWindows([{ kind: "deny", schedule: "* * * * *", duration: "1h", applications: ["manual"] }]);
    const expected = /manual sync is blocked by sync window 0 \(deny '\* \* \* \* \*' 1h\); manual syncs are allowed again at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ|no opening was found ahead/;

    const refused = await srv.call("POST", "/api/v1/applications/manual/sync", { token, body: {} });
    assert.equal(refused.status, 422, refused.text);
    assert.equal(refused.body.error, "FailedPrecondition");
    assert.match(refused.body.message, /cannot sync application "manual": manual sync is blocked by sync window 0 \(deny '\* \* \* \* \*' 1h\)/);
    const app = await world.resources.get({ apiVersion: "plumb.dev/v1alpha1", kind: "Application", namespace: NS, name: "manual" });
    assert.equal(app?.operation, undefined, "no operation written");
    for (const mode of ["api", "core"] as const) {
      const r = await plumb(["app", "sync", "manual", "--timeout", "30"], mode);
      assert.equal(r.code, 1, `${mode}: ${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, /manual sync is blocked by sync window 0 \(deny '\* \* \* \* \*' 1h\)/, mode);
    }

    // An operation written on the Application directly (kubectl, another tool) ends Failed, naming the window.
    await world.resources.client.request({ method: "PATCH", path: `/apis/plumb.dev/v1alpha1/namespaces/${NS}/applications/manual`, contentType: "application/merge-patch+json", body: { operation: { sync: {}, initiatedBy: { username: "kubectl" } } } });
    const failed = await waitFor("the operation refused", async () => {
      const op = (await appStatus(world.resources, "manual"))?.operationState;
      return op?.phase === "Failed" ? op : undefined;
    }, 30_000);
    assert.match(failed.message ?? "", expected);
    assert.equal(await configValue("manual"), undefined, "nothing deployed");

    // manualSync: true on the window — the same sync runs.
    await setWindows([{ kind: "deny", schedule: "* * * * *", duration: "1h", applications: ["manual"], manualSync: true }]);
    const ok = await waitFor("the API accepts the sync", async () => {
      const r = await srv.call("POST", "/api/v1/applications/manual/sync", { token, body: {} });
      return r.status === 200 ? r : undefined;
    }, 15_000);
    assert.equal(ok.status, 200);
    await waitFor("manual synced", async () => (await appStatus(world.resources, "manual"))?.operationState?.phase === "Succeeded" || undefined, 60_000);
    assert.equal(await configValue("manual"), "1");
    const w = await srv.call("GET", "/api/v1/applications/manual/syncwindows", { token });
    assert.equal(w.body.canSync, true, "manual syncs allowed");
    assert.equal(w.body.automatedCanSync, false, "automated ones still not");
  });

  it("an allow window that is not active holds an automated sync until one is", async () => {
    const hour = (new Date().getUTCHours() + 12) % 24;
    await setWindows([...windows, { kind: "allow", schedule: `0 ${hour} * * *`, duration: "1h", applications: ["allowed"] }]);
    await world.resources.apply(application("allowed", true));
    const message = await waitFor("the SyncWindowBlocked condition", () => condition("allowed"), 60_000);
    assert.match(message, new RegExp(`^automated sync is blocked by sync window 1 \\(allow '0 ${hour} \\* \\* \\*' 1h, not active\\); syncs are allowed again at \\d{4}-\\d\\d-\\d\\dT${String(hour).padStart(2, "0")}:00:00Z$`));
    assert.equal(await configValue("allowed"), undefined, "nothing deployed");
    const w = await srv.call("GET", "/api/v1/applications/allowed/syncwindows", { token });
    assert.equal(w.body.canSync, false);
    assert.deepEqual(w.body.activeWindows, []);
    const list = await plumb(["proj", "windows", "list", "team"], "api");
    assert.match(list.stdout, new RegExp(`^1\\s+Inactive\\s+allow\\s+0 ${hour} \\* \\* \\*\\s+1h\\s+UTC\\s+allowed\\s`, "m"), list.stdout + list.stderr);

    // An allow window active now: the sync runs, the condition goes.
    await setWindows([windows[0]!, { kind: "allow", schedule: "* * * * *", duration: "1h", applications: ["allowed"] }]);
    await waitFor("allowed deployed", async () => (await configValue("allowed")) === "1" || undefined, 60_000);
    await waitFor("the condition gone", async () => (await condition("allowed")) === undefined || undefined, 10_000);
  });
});
