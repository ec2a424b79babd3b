/**
 * Many clusters, one controller: two local control planes, A (the controller's home, where Applications
 * and cluster Secrets live) and B, both registered with the real `plumb cluster add` (the CLI, from a
 * kubeconfig holding both contexts). The dev app (branch `develop`) goes to A by destination.name, the
 * prod app (branch `main`) to B by destination.server.
 *
 * Then B's API server is stopped: a push to develop still reaches A within 15 s (a worker pool blocked by
 * B would miss it), B's app shows a ComparisonError, the cluster list says Failed, and nothing of B is
 * pruned; B back → its app is Synced again and a push to main reaches B (its watches were restarted).
 * Also: an unknown cluster name is an InvalidSpecError condition; the cluster list shows each cluster's
 * state and server version; the API's GET /api/v1/clusters answers the same without credentials.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse as parseYaml, stringify } from "yaml";
import type { Resources } from "../../src/cluster/resources.js";
import type { KubeObject } from "../../src/core/object.js";
import { startGitServer, type GitServer } from "../../src/gitserver/server.js";
import { WorkDir } from "../../src/gitserver/workdir.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { resourcesFor } from "../helpers/cluster.js";
import { appStatus, runController, type RunningController } from "../helpers/controller.js";
import { repoRoot } from "../helpers/paths.js";
import { waitFor } from "../helpers/wait.js";

const NS = "plumb";

function configMap(name: string, data: Record<string, string>): string {
  return stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data });
}

describe("clusters: one controller, two control planes", { timeout: 420_000 }, () => {
  let a: LocalCluster;
  let b: LocalCluster;
  let ra: Resources;
  let rb: Resources;
  let git: GitServer;
  let wd: WorkDir;
  let ctrl: RunningController;
  let repoURL: string;
  const temp = mkdtempSync(join(tmpdir(), "plumb-clusters-"));
  const kubeconfig = join(temp, "kubeconfig");
  let mainSha = "";
  let developSha = "";

  const plumb = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const env = { ...process.env, NO_COLOR: "1", PLUMB_CONFIG: join(temp, "no-config") };
      execFile(process.execPath, [join(repoRoot, "dist", "src", "cli", "main.js"), ...args], { env }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
      });
    });
  const ok = async (...args: string[]): Promise<string> => {
    const r = await plumb(...args);
    assert.equal(r.code, 0, `plumb ${args.join(" ")} → ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  const list = async (): Promise<Array<{ server: string; name: string; serverVersion?: string; connectionState: { status: string; message: string } }>> =>
    JSON.parse(await ok("cluster", "list", "--core", "-o", "json", "--kubeconfig", kubeconfig, "--context", "a")) as never;
  const synced = (name: string, sha: string) => async () => {
    const s = await appStatus(ra, name);
    return s?.sync?.status === "Synced" && s.sync.revision === sha && !s.conditions?.some((c) => c.type === "ComparisonError") ? s : undefined;
  };
  const app = (name: string, destination: Record<string, string>, revision: string): KubeObject =>
    ({
      apiVersion: "plumb.dev/v1alpha1",
      kind: "Application",
      metadata: { name, namespace: NS },
      spec: {
        project: "default",
        source: { repoURL, path: "web", targetRevision: revision },
        destination: { ...destination, namespace: "web" },
        syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["CreateNamespace=true"] },
      },
    }) as KubeObject;
  const cm = async (r: Resources, name: string): Promise<{ data?: Record<string, string> } | undefined> => (await r.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "web", name })) as never;

  before(async () => {
    a = await startLocalCluster({ name: "a" });
    b = await startLocalCluster({ name: "b" });
    ra = await resourcesFor(a);
    rb = await resourcesFor(b);
    await ra.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
    // One kubeconfig with both contexts, as a user would have it.
    const ka = parseYaml(readFileSync(a.kubeconfigPath, "utf8")) as Record<string, unknown[]>;
    const kb = parseYaml(readFileSync(b.kubeconfigPath, "utf8")) as Record<string, unknown[]>;
    writeFileSync(kubeconfig, stringify({ apiVersion: "v1", kind: "Config", clusters: [...ka.clusters!, ...kb.clusters!], users: [...ka.users!, ...kb.users!], contexts: [...ka.contexts!, ...kb.contexts!], "current-context": "a" }), { mode: 0o600 });

    git = await startGitServer({ root: join(temp, "git") });
    repoURL = await git.createRepo("apps");
    wd = await WorkDir.clone(repoURL);
    wd.write({ "web/settings.yaml": configMap("settings", { env: "prod", rev: "1" }), "web/extra.yaml": configMap("extra", { keep: "me" }) });
    mainSha = await wd.commit("prod");
    await wd.push("main");
    await wd.branch("develop");
    wd.write({ "web/settings.yaml": configMap("settings", { env: "dev", rev: "1" }) });
    developSha = await wd.commit("dev");
    await wd.push("develop");

    ctrl = await runController(ra, { clusters: { namespace: NS, checkIntervalMs: 1000, maxRetryMs: 1000, requestTimeoutMs: 5000, checkTimeoutMs: 2000 }, pollIntervalMs: 500 });
  });

  after(async () => {
    await ctrl?.stop();
    wd?.dispose();
    await git?.close();
    ra?.client.close();
    rb?.client.close();
    await b?.stop();
    await a?.stop();
    rmSync(temp, { recursive: true, force: true });
  });

  it("registers both clusters with `plumb cluster add`, refusing a second add with other settings unless --upsert", async () => {
    await ok("cluster", "add", "a", "--name", "dev", "--label", "env=dev", "--kubeconfig", kubeconfig, "--context", "a");
    await ok("cluster", "add", "b", "--name", "prod", "--label", "env=prod", "--kubeconfig", kubeconfig, "--context", "a");
    const again = await plumb("cluster", "add", "b", "--name", "production", "--kubeconfig", kubeconfig, "--context", "a");
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /already registered.*--upsert/s);
    const secrets = (await ra.list("v1", "Secret", { namespace: NS, labelSelector: "argocd.argoproj.io/secret-type=cluster" })).items;
    assert.equal(secrets.length, 2);
    const servers = secrets.map((s) => Buffer.from((s.data as Record<string, string>).server!, "base64").toString()).sort();
    assert.deepEqual(servers, [a.server, b.server].sort());
  });

  it("deploys dev (develop, by destination.name) to A and prod (main, by destination.server) to B", async () => {
    await ra.apply(app("dev", { name: "dev" }, "develop"));
    await ra.apply(app("prod", { server: b.server }, "main"));
    await waitFor("dev Synced at develop", synced("dev", developSha), 90_000);
    await waitFor("prod Synced at main", synced("prod", mainSha), 90_000);
    assert.equal((await cm(ra, "settings"))?.data?.env, "dev");
    assert.equal((await cm(rb, "settings"))?.data?.env, "prod");
    assert.equal(await cm(rb, "extra").then((o) => o?.data?.keep), "me");
  });

  it("reports an unknown cluster name as an InvalidSpecError condition saying what to do", async () => {
    await ra.apply(app("lost", { name: "nowhere" }, "main"));
    const s = await waitFor("lost's condition", async () => (await appStatus(ra, "lost"))?.conditions?.find((c) => c.type === "InvalidSpecError"), 30_000);
    assert.match(s.message, /no cluster named nowhere.*plumb cluster add/);
    await ra.delete({ apiVersion: "plumb.dev/v1alpha1", kind: "Application", namespace: NS, name: "lost" });
  });

  it("lists each cluster with its connection state and server version", async () => {
    const items = await waitFor("both clusters Successful", async () => {
      const l = await list();
      return l.filter((c) => c.name === "dev" || c.name === "prod").every((c) => c.connectionState.status === "Successful" && c.serverVersion) && l.length === 3 ? l : undefined;
    }, 30_000);
    assert.deepEqual(items.map((c) => c.name), ["in-cluster", "dev", "prod"]);
    assert.match(items.find((c) => c.name === "prod")!.serverVersion!, /^\d+\.\d+$/);
    const text = await ok("cluster", "list", "--core", "--kubeconfig", kubeconfig, "--context", "a");
    assert.match(text, new RegExp(`${b.server.replace(/[.]/g, "\\.")}\\s+prod\\s+\\d+\\.\\d+\\s+Successful`));
    // No credential in what the list says.
    const token = (parseYaml(readFileSync(b.kubeconfigPath, "utf8")) as { users: Array<{ user: { token: string } }> }).users[0]!.user.token;
    assert.ok(!JSON.stringify(items).includes(token));
  });

  it("stopping B: a push to develop still deploys to A within 15 s; prod shows ComparisonError; nothing of B is pruned; B back → recovers", async () => {
    await b.stopApiServer();
    try {
      const prod = await waitFor("prod's ComparisonError", async () => (await appStatus(ra, "prod"))?.conditions?.find((c) => c.type === "ComparisonError"), 30_000);
      assert.match(prod.message, /cluster prod .* unreachable/);
      await wd.checkout("develop");
      wd.write({ "web/settings.yaml": configMap("settings", { env: "dev", rev: "2" }) });
      const pushed = Date.now();
      developSha = await wd.commit("dev 2");
      await wd.push("develop");
      await waitFor("dev Synced at the new develop commit while B is down", synced("dev", developSha), 15_000);
      assert.equal((await cm(ra, "settings"))?.data?.rev, "2");
      const took = Date.now() - pushed;
      assert.ok(took < 15_000, `dev took ${took} ms`);
      const failed = await waitFor("prod listed as Failed", async () => (await list()).find((c) => c.name === "prod" && c.connectionState.status === "Failed"), 30_000);
      assert.match(failed.connectionState.message, /ECONNREFUSED|cannot reach/);
      // Still ComparisonError, still not Synced at anything new, no sync attempted against B.
      const st = await appStatus(ra, "prod");
      assert.ok(st?.conditions?.some((c) => c.type === "ComparisonError"));
    } finally {
      await b.startApiServer();
    }
    // Nothing of B was pruned meanwhile.
    assert.equal((await cm(rb, "settings"))?.data?.env, "prod");
    assert.equal((await cm(rb, "extra"))?.data?.keep, "me");
    await waitFor("prod Synced again", synced("prod", mainSha), 60_000);
    // Its watches are back: a push to main reaches B, and drift there is reverted.
    await wd.checkout("main");
    wd.write({ "web/settings.yaml": configMap("settings", { env: "prod", rev: "2" }) });
    mainSha = await wd.commit("prod 2");
    await wd.push("main");
    await waitFor("prod Synced at the new main commit", synced("prod", mainSha), 30_000);
    assert.equal((await cm(rb, "settings"))?.data?.rev, "2");
    await rb.client.request({ method: "PATCH", path: "/api/v1/namespaces/web/configmaps/settings", contentType: "application/merge-patch+json", body: { data: { rev: "drift" } } });
    await waitFor("drift in B reverted", async () => (await cm(rb, "settings"))?.data?.rev === "2", 30_000);
    assert.equal((await list()).find((c) => c.name === "prod")?.connectionState.status, "Successful");
  });

  it("stops a cluster's caches when no app targets it any more", async () => {
    await ra.delete({ apiVersion: "plumb.dev/v1alpha1", kind: "Application", namespace: NS, name: "prod" });
    const state = await waitFor("prod not monitored", async () => ctrl.controller.clusters.states().find((c) => c.name === "prod" && c.connectionState.status === "Unknown"), 30_000);
    assert.match(state.connectionState.message, /not monitored/);
    assert.equal(state.cached, false);
  });
});
