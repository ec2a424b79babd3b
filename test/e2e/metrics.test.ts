/**
 * The controller's /metrics, read from a running `plumb controller --metrics-port 0` process against the local
 * control plane: two apps, one synced from Git automatically, one whose repository does not exist. Each metric
 * of docs/metrics.md is asserted by what it must say of these two apps, and no credential of a repository URL
 * ever shows in a label.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Resources } from "../../src/cluster/resources.js";
import { normalizeRepoURL } from "../../src/git/url.js";
import { startGitServer, type GitServer } from "../../src/gitserver/server.js";
import { WorkDir } from "../../src/gitserver/workdir.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { resourcesFor } from "../helpers/cluster.js";
import { repoRoot } from "../helpers/paths.js";
import { parseMetrics, samples, sum, type Sample } from "../helpers/prom.js";
import { waitFor } from "../helpers/wait.js";

describe("controller: Prometheus metrics at /metrics", { timeout: 240_000 }, () => {
  let cluster: LocalCluster;
  let resources: Resources;
  let git: GitServer;
  let controller: ChildProcess | undefined;
  let output = "";
  let metricsURL = "";
  let repoURL = "";
  const cacheDir = mkdtempSync(join(tmpdir(), "plumb-metrics-cache-"));
  const scrape = async (): Promise<{ text: string; all: Sample[] }> => {
    const text = await (await fetch(metricsURL)).text();
    return { text, all: parseMetrics(text) };
  };
  const app = (name: string, url: string, automated: boolean) => ({
    apiVersion: "plumb.dev/v1alpha1",
    kind: "Application",
    metadata: { name, namespace: "plumb" },
    spec: {
      project: "default",
      source: { repoURL: url, targetRevision: "main", path: "web" },
      destination: { server: "https://kubernetes.default.svc", namespace: "web" },
      ...(automated ? { syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] } } : {}),
    },
  });

  before(async () => {
    cluster = await startLocalCluster({ name: "e2e-metrics" });
    resources = await resourcesFor(cluster);
    await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "plumb" } });
    git = await startGitServer();
    const url = await git.createRepo("web");
    const wd = await WorkDir.clone(url);
    mkdirSync(join(wd.dir, "web"));
    writeFileSync(join(wd.dir, "web", "web.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  colour: blue\n");
    await wd.commit("web");
    await wd.push("main");
    wd.dispose();
    repoURL = git.repoUrl("web");
    controller = spawn(process.execPath, [join(repoRoot, "dist", "src", "cli", "main.js"), "controller", "--kubeconfig", cluster.kubeconfigPath, "--poll-interval", "2", "--cache-dir", cacheDir, "--metrics-port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    controller.stdout!.on("data", (c: Buffer) => (output += c.toString()));
    controller.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    metricsURL = await waitFor("the controller to serve metrics", async () => {
      if (controller!.exitCode !== null) throw new Error(`controller exited: ${output}`);
      return /"url":"(http:[^"]+\/metrics)"/.exec(output)?.[1];
    }, 60_000, 50);
    await waitFor("caches ready", async () => output.includes('"msg":"caches ready"'), 60_000, 50);
    // The web app's URL carries a user and password (the Git server ignores them): no label may show them.
    const withCreds = repoURL.replace("://", "://metrics-user:s3cret-token@");
    await resources.apply(app("web", withCreds, true));
    await resources.apply(app("ghost", git.repoUrl("does-not-exist"), false));
  });
  after(async () => {
    if (process.env.PLUMB_TEST_DEBUG) {
      for (const n of ["web", "ghost"]) console.log(n, JSON.stringify((await resources.get({ apiVersion: "plumb.dev/v1alpha1", kind: "Application", namespace: "plumb", name: n }))?.status).slice(0, 3000));
      console.log(output.slice(-6000));
    }
    if (controller && controller.exitCode === null) {
      controller.kill("SIGTERM");
      await new Promise((r) => controller!.once("exit", r));
    }
    await git?.close();
    resources?.client.close();
    await cluster?.stop();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it("says each app's info, sync and health, and the shard owns both", async () => {
    const { all, text } = await waitFor("web Synced/Healthy in plumb_app_info", async () => {
      const s = await scrape();
      return samples(s.all, "plumb_app_info", { name: "web", sync_status: "Synced", health_status: "Healthy" }).length === 1 ? s : undefined;
    }, 90_000, 200);
    const [web] = samples(all, "plumb_app_info", { name: "web" });
    assert.deepEqual(web!.labels, { namespace: "plumb", name: "web", project: "default", repo: repoURL, dest_server: "https://kubernetes.default.svc", dest_namespace: "web", sync_status: "Synced", health_status: "Healthy" });
    assert.equal(web!.value, 1);
    assert.ok(!text.includes("s3cret-token") && !text.includes("metrics-user"), "a credential of the repository URL shows in /metrics");
    assert.equal(samples(all, "plumb_app_info", { name: "ghost" }).length, 1, "the failing app has its info too");
    assert.equal(samples(all, "plumb_app_info").length, 2, "one info series per app");
    assert.deepEqual(samples(all, "plumb_app_sync_status", { name: "web" }).map((s) => s.labels.sync_status), ["Synced"]);
    assert.deepEqual(samples(all, "plumb_app_health_status", { name: "web" }).map((s) => s.labels.health_status), ["Healthy"]);
    assert.equal(sum(all, "plumb_shard_members"), 1);
    assert.equal(sum(all, "plumb_shard_owned_applications"), 2);
  });

  it("counts the sync and its duration, and times reconciles", async () => {
    const { all } = await scrape();
    assert.ok(sum(all, "plumb_app_sync_total", { name: "web", phase: "Succeeded", trigger: "automated" }) >= 1);
    const syncs = sum(all, "plumb_app_sync_duration_seconds_count", { phase: "Succeeded" });
    assert.ok(syncs >= 1, "a finished sync is in the duration histogram");
    assert.equal(sum(all, "plumb_app_sync_duration_seconds_bucket", { phase: "Succeeded", le: "+Inf" }), syncs);
    assert.ok(sum(all, "plumb_app_sync_duration_seconds_sum", { phase: "Succeeded" }) > 0);
    const reconciles = sum(all, "plumb_app_reconcile_duration_seconds_count");
    assert.ok(reconciles >= 2, `reconciles timed: ${reconciles}`);
    // Every finished reconcile is timed; the total counter also counts one that may be running now.
    assert.ok(reconciles <= sum(all, "plumb_reconcile_total"));
  });

  it("counts Git fetches by repository without credentials, good and failed, with durations", async () => {
    // Git metrics name a repository as its mirror does: the normalized URL (no credentials, no .git).
    const good = normalizeRepoURL(repoURL);
    const { all, text } = await waitFor("a failed fetch of the missing repository", async () => {
      const s = await scrape();
      return sum(s.all, "plumb_git_request_total", { repo: normalizeRepoURL(git.repoUrl("does-not-exist")), request: "fetch", result: "error" }) >= 1 ? s : undefined;
    }, 60_000, 200);
    assert.ok(sum(all, "plumb_git_request_total", { repo: good, request: "fetch", result: "ok" }) >= 1, "the good repository's fetches");
    assert.equal(sum(all, "plumb_git_request_total", { repo: good, result: "error" }), 0);
    assert.ok(sum(all, "plumb_git_request_duration_seconds_count", { repo: good, request: "fetch" }) >= 1);
    assert.ok(!text.includes("s3cret-token"));
    assert.ok(samples(all, "plumb_git_request_total").every((s) => !s.labels.repo!.includes("@")), "a repo label with a user");
  });

  it("counts Kubernetes requests by verb and code, and shows the work queue", async () => {
    const { all } = await scrape();
    assert.ok(sum(all, "plumb_kube_requests_total", { verb: "get", code: "200" }) >= 1, "lists and gets");
    assert.ok(sum(all, "plumb_kube_requests_total", { verb: "watch", code: "200" }) >= 1, "watches opened");
    assert.ok(sum(all, "plumb_kube_requests_total", { verb: "patch", code: "200" }) >= 1, "server-side applies and status patches");
    for (const s of samples(all, "plumb_kube_requests_total")) assert.match(s.labels.code!, /^\d{1,3}$/);
    // The ConfigMap's apply: its field manager write is one of the patches counted.
    assert.ok(await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "web", name: "web" }));
    for (const g of ["plumb_workqueue_depth", "plumb_workqueue_processing", "plumb_workqueue_delayed"]) assert.equal(samples(all, g).length, 1, g);
    assert.ok(sum(all, "plumb_workqueue_delayed") >= 1, "both apps wait for their resync");
  });
});
