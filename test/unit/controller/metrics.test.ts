/**
 * The controller's metrics without a cluster: app info from views (credentials never in a label), the
 * scrape-time gauges and counters read from their sources, the shard setter, Git requests; and the two
 * things that must not rot — every metric the Grafana dashboard queries exists, and docs/metrics.md lists
 * every metric the registry has.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readApplication } from "../../../src/apps/analyze.js";
import { appInfoOf, repoLabel, type AppInfo } from "../../../src/controller/app-info.js";
import { ControllerMetrics } from "../../../src/controller/metrics.js";
import type { QueueMetrics } from "../../../src/controller/queue.js";
import { repoRoot } from "../../helpers/paths.js";
import { parseMetrics, sum, families } from "../../helpers/prom.js";

const queue = (): QueueMetrics => ({ adds: 0, depth: 3, processing: 1, delayed: 2, retries: 0, processed: 0, failures: 0, workDuration: 0, queueLatency: 0 }) as unknown as QueueMetrics;
const predictions = () => ({ hits: 0, misses: 0, entries: 0 });

function app(name: string, repoURL: string, status: object = {}) {
  return {
    apiVersion: "plumb.dev/v1alpha1",
    kind: "Application",
    metadata: { name, namespace: "plumb" },
    spec: { project: "team-a", source: { repoURL, path: "web", targetRevision: "main" }, destination: { server: "https://kubernetes.default.svc", namespace: "web" } },
    status,
  };
}

/** Every metric family name a registry exposes, histograms with their _bucket, _sum and _count series. */
async function registryNames(m: ControllerMetrics): Promise<Set<string>> {
  const names = new Set<string>();
  for (const metric of await m.registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === "histogram") for (const s of ["_bucket", "_sum", "_count"]) names.add(metric.name + s);
  }
  return names;
}

describe("controller metrics", () => {
  it("reads an app's info labels from its view, Unknown before the first comparison", () => {
    const info = appInfoOf(readApplication(app("web", "https://git.example.com/org/web.git", { sync: { status: "OutOfSync" }, health: { status: "Degraded" } }) as never));
    assert.deepEqual(info, { namespace: "plumb", name: "web", project: "team-a", repo: "https://git.example.com/org/web.git", dest_server: "https://kubernetes.default.svc", dest_namespace: "web", sync_status: "OutOfSync", health_status: "Degraded" });
    const fresh = appInfoOf(readApplication(app("new", "https://git.example.com/org/web.git") as never));
    assert.equal(fresh.sync_status, "Unknown");
    assert.equal(fresh.health_status, "Unknown");
  });

  it("takes credentials, query and fragment out of repository labels", () => {
    assert.equal(repoLabel("https://user:tok3n@git.example.com/org/web.git?x=1#y"), "https://git.example.com/org/web.git");
    assert.equal(repoLabel("https://tok3n@git.example.com/org/web.git"), "https://git.example.com/org/web.git");
    assert.equal(repoLabel("ssh://git@git.example.com/org/web.git"), "ssh://git.example.com/org/web.git");
    assert.equal(repoLabel("git@git.example.com:org/web.git"), "git.example.com:org/web.git");
  });

  it("serves app info, sync and health per app, Kubernetes requests, queue and shard gauges when scraped", async () => {
    let apps: AppInfo[] = [appInfoOf(readApplication(app("web", "https://u:secret@h/r.git", { sync: { status: "Synced" }, health: { status: "Healthy" } }) as never))];
    const kube = new Map([["get 200", 5], ["patch 409", 1]]);
    const m = new ControllerMetrics({ queue, predictions, apps: () => apps, kube: () => kube });
    let all = parseMetrics(await m.text());
    assert.equal(sum(all, "plumb_app_info", { name: "web", repo: "https://h/r.git", sync_status: "Synced", health_status: "Healthy", project: "team-a" }), 1);
    assert.equal(sum(all, "plumb_app_sync_status", { name: "web", sync_status: "Synced" }), 1);
    assert.equal(sum(all, "plumb_app_health_status", { name: "web", health_status: "Healthy" }), 1);
    assert.equal(sum(all, "plumb_kube_requests_total", { verb: "get", code: "200" }), 5);
    assert.equal(sum(all, "plumb_kube_requests_total", { verb: "patch", code: "409" }), 1);
    assert.equal(sum(all, "plumb_workqueue_depth"), 3);
    assert.equal(sum(all, "plumb_shard_members"), 1);
    assert.equal(sum(all, "plumb_shard_owned_applications"), 1, "without sharding a member owns every app");
    assert.ok(!(await m.text()).includes("secret"));
    // A status change and a deleted app show at the next scrape; no stale series stay behind.
    apps = [{ ...apps[0]!, sync_status: "OutOfSync" }];
    kube.set("get 200", 7);
    all = parseMetrics(await m.text());
    assert.equal(sum(all, "plumb_app_info", { name: "web" }), 1);
    assert.equal(sum(all, "plumb_app_info", { sync_status: "Synced" }), 0);
    assert.equal(sum(all, "plumb_kube_requests_total", { verb: "get", code: "200" }), 7);
    apps = [];
    all = parseMetrics(await m.text());
    assert.equal(sum(all, "plumb_app_info"), 0);
    m.setShard(() => ({ members: 3, owned: 42 }));
    all = parseMetrics(await m.text());
    assert.equal(sum(all, "plumb_shard_members"), 3);
    assert.equal(sum(all, "plumb_shard_owned_applications"), 42);
  });

  it("counts Git requests by repository and result, and observes their durations", async () => {
    const m = new ControllerMetrics({ queue, predictions });
    m.gitRequest("https://u:pw@h/r.git", "fetch", true, 0.2);
    m.gitRequest("https://h/r.git", "fetch", false, 3);
    const all = parseMetrics(await m.text());
    assert.equal(sum(all, "plumb_git_request_total", { repo: "https://h/r.git", request: "fetch", result: "ok" }), 1);
    assert.equal(sum(all, "plumb_git_request_total", { repo: "https://h/r.git", request: "fetch", result: "error" }), 1);
    assert.equal(sum(all, "plumb_git_request_duration_seconds_count", { repo: "https://h/r.git" }), 2);
    assert.equal(sum(all, "plumb_git_request_duration_seconds_bucket", { repo: "https://h/r.git", le: "0.25" }), 1);
    assert.ok(Math.abs(sum(all, "plumb_git_request_duration_seconds_sum") - 3.2) < 1e-9);
  });

  it("the Grafana dashboard queries only metrics the registry has", async () => {
    const names = await registryNames(new ControllerMetrics({ queue, predictions }));
    const dashboard = JSON.parse(readFileSync(join(repoRoot, "deploy", "grafana", "plumb-dashboard.json"), "utf8")) as { panels: Array<{ title: string; targets?: Array<{ expr: string }> }>; templating: { list: Array<{ query?: unknown }> } };
    const exprs = [...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)), ...dashboard.templating.list.map((v) => (typeof v.query === "string" ? v.query : ""))];
    const used = new Set(exprs.flatMap((e) => [...e.matchAll(/\bplumb_[a-z0-9_]+/g)].map((m) => m[0])));
    assert.ok(used.size >= 15, `the dashboard uses ${used.size} metrics`);
    for (const name of used) assert.ok(names.has(name), `the dashboard queries ${name}, which the controller does not expose`);
    for (const p of dashboard.panels) assert.ok((p.targets ?? []).length > 0, `panel ${p.title} has no query`);
  });

  it("docs/metrics.md lists every metric the registry has", async () => {
    const m = new ControllerMetrics({ queue, predictions });
    const doc = readFileSync(join(repoRoot, "docs", "metrics.md"), "utf8");
    for (const name of families(await m.text())) assert.ok(doc.includes(`\`${name}\``), `docs/metrics.md does not list ${name}`);
  });
});
