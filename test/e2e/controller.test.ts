/**
 * The GitOps loop, as a user lives it: an Application with automated sync, prune and self-heal tracks a
 * branch of a real Git server; pushes deploy, manual changes are reverted, removed manifests are pruned,
 * an unreachable Git server leaves everything as it was with a ComparisonError, and webhooks with a wrong
 * signature are refused.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import type { Resources } from "../../src/cluster/resources.js";
import type { KubeObject } from "../../src/core/object.js";
import { startGitServer, type GitServer } from "../../src/gitserver/server.js";
import type { WorkDir } from "../../src/gitserver/workdir.js";
import { appStatus, startGitOpsWorld, type GitOpsWorld, type RunningController } from "../helpers/controller.js";
import { waitFor } from "../helpers/wait.js";
import { ControllerMetrics } from "../../src/controller/metrics.js";

const NS = "guestbook";
const web = { apiVersion: "apps/v1", kind: "Deployment", namespace: NS, name: "guestbook-web" };
type Deploy = KubeObject & { spec: { replicas: number; template: { spec: { containers: Array<{ image: string; env?: Array<{ name: string; value: string }> }> } } } };

function application(repoURL: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "plumb.dev/v1alpha1",
    kind: "Application",
    metadata: { name: "guestbook", namespace: "plumb" },
    spec: {
      project: "default",
      source: { repoURL, targetRevision: "main", path: "guestbook", helm: { valueFiles: ["values.yaml"] } },
      destination: { server: "https://kubernetes.default.svc", namespace: NS },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["CreateNamespace=true"] },
      ...extra,
    },
  };
}

describe("controller: the GitOps loop", { timeout: 400_000 }, () => {
  let world: GitOpsWorld;
  let resources: Resources;
  let wd: WorkDir;
  let ctrl: RunningController;
  let repoURL: string;
  let git: GitServer;

  const setValues = (edit: (v: Record<string, Record<string, unknown>>) => void): void => world.editValues(edit);
  const synced = (sha: string) => async () => {
    const s = await appStatus(resources, "guestbook");
    return s?.sync?.status === "Synced" && s.sync.revision === sha && s.health?.status === "Healthy" ? s : undefined;
  };

  /** The controller's JSON log lines. */
  const logLines: string[] = [];
  const logged = (): Array<Record<string, unknown>> => logLines.map((l) => JSON.parse(l) as Record<string, unknown>);

  before(async () => {
    world = await startGitOpsWorld("e2e-controller", {
      webhook: { port: 0, secrets: { github: "hook-secret" } },
      metrics: { port: 0 },
      logDestination: { write: (line: string) => void logLines.push(line) },
      logLevel: "info",
    });
    ({ resources, wd, ctrl, repoURL, git } = world);
  });
  after(async () => {
    world.git = git;
    await world?.close();
  });

  it("deploys a new Application: Synced and Healthy at the branch's commit, with history", async () => {
    await resources.apply(application(repoURL));
    const sha = await wd.head();
    const s = await waitFor("guestbook Synced and Healthy", synced(sha), 90_000);
    assert.equal(s.history?.at(-1)?.revision, sha);
    const d = (await resources.get(web)) as Deploy;
    assert.equal(d.spec.replicas, 2);
  });

  it("(a) a pushed image tag is deployed", async () => {
    setValues((v) => (v.web!.tag = "1.28"));
    const sha = await wd.commit("web 1.28");
    await wd.push();
    await waitFor("the new commit Synced and Healthy", synced(sha), 60_000);
    const d = (await resources.get(web)) as Deploy;
    assert.equal(d.spec.template.spec.containers[0]?.image, "nginx:1.28");
  });

  it("(b) replicaCount 3 gives three Ready Pods", async () => {
    setValues((v) => (v.web!.replicaCount = 3));
    const sha = await wd.commit("three replicas");
    await wd.push();
    await waitFor("Synced and Healthy", synced(sha), 60_000);
    const d = (await resources.get(web)) as Deploy & { status: { readyReplicas?: number } };
    assert.equal(d.status.readyReplicas, 3);
  });

  it("(d) a manual scale to 5 is reverted to 3 by selfHeal", async () => {
    await resources.client.request({
      method: "PATCH",
      path: `/apis/apps/v1/namespaces/${NS}/deployments/guestbook-web/scale`,
      contentType: "application/merge-patch+json",
      body: { spec: { replicas: 5 } },
    });
    await waitFor("replicas back to 3", async () => ((await resources.get(web)) as Deploy).spec.replicas === 3 || undefined, 30_000, 100);
  });

  it("(e) a deleted Deployment is recreated", async () => {
    await resources.delete(web, { propagationPolicy: "Background" });
    await waitFor("the Deployment recreated", async () => {
      const d = await resources.get(web);
      return d && !d.metadata.deletionTimestamp ? d : undefined;
    }, 30_000, 100);
  });

  it("(g) a removed manifest is pruned", async () => {
    wd.write({ "guestbook/templates/extra.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata: {a: b}\n" });
    let sha = await wd.commit("extra config");
    await wd.push();
    await waitFor("extra deployed", synced(sha), 60_000);
    assert.ok(await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: NS, name: "extra" }));
    wd.remove("guestbook/templates/extra.yaml");
    sha = await wd.commit("drop extra");
    await wd.push();
    await waitFor("extra pruned", synced(sha), 60_000);
    await waitFor("the ConfigMap gone", async () => (await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: NS, name: "extra" })) === undefined || undefined, 30_000);
  });

  it("records every sync, prune and self-heal: Events on the Application, Prometheus counters at /metrics, JSON log lines", async () => {
    // Events: one per sync, on the Application, saying which commit.
    const head = await wd.head();
    const events = await resources.list("v1", "Event", { namespace: "plumb" });
    const ours = events.items.filter((e) => (e.involvedObject as { kind?: string; name?: string }).name === "guestbook");
    const synced = ours.filter((e) => e.reason === "Synced");
    assert.ok(synced.length >= 4, `a Synced event per sync, got ${synced.length}`);
    assert.ok(synced.some((e) => String(e.message).startsWith(`synced to ${head.slice(0, 7)}`)), "the last sync's event names its commit");
    assert.ok(ours.every((e) => (e.involvedObject as { kind?: string }).kind === "Application" && (e.source as { component?: string }).component === "plumb-controller"));

    // Metrics, as Prometheus scrapes them.
    const res = await fetch(`${ctrl.controller.metricsURL}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
    const text = await res.text();
    const value = (re: RegExp): number => Number(re.exec(text)?.[1] ?? NaN);
    const app = 'namespace="plumb",name="guestbook"';
    assert.ok(value(new RegExp(`^plumb_app_sync_total\\{${app},phase="Succeeded",trigger="automated"\\} (\\d+)$`, "m")) >= 4, text);
    // (d) is a self-heal; it may still wait for the scale-down when (e) deletes the Deployment, fail, and
    // be retried: its phase varies, its trigger does not.
    const selfHeals = [...text.matchAll(new RegExp(`^plumb_app_sync_total\\{${app},phase="\\w+",trigger="self-heal"\\} (\\d+)$`, "gm"))].reduce((n, m) => n + Number(m[1]), 0);
    assert.ok(selfHeals >= 1, text);
    assert.equal(value(new RegExp(`^plumb_app_pruned_total\\{${app}\\} (\\d+)$`, "m")), 1, "(g) pruned one ConfigMap");
    assert.ok(value(/^plumb_reconcile_total (\d+)$/m) > 0);
    assert.match(text, /^plumb_workqueue_depth \d+$/m);

    // Logs: one JSON object per line, a line per sync with its trigger, and one per pruned object.
    const lines = logged();
    const succeeded = lines.filter((l) => l.msg === "sync succeeded" && l.app === "plumb/guestbook");
    assert.ok(lines.some((l) => l.msg === "sync started" && l.trigger === "self-heal" && l.app === "plumb/guestbook"), "the self-heal of (d)");
    assert.ok(succeeded.some((l) => l.trigger === "automated" && l.revision === head), "the last push's sync");
    assert.ok(succeeded.every((l) => typeof l.revision === "string" && typeof l.time === "number"));
    const pruned = lines.filter((l) => l.msg === "pruned");
    assert.deepEqual(pruned.map((l) => [l.app, l.kind, l.namespace, l.name]), [["plumb/guestbook", "ConfigMap", NS, "extra"]]);
  });

  it("(l) a webhook with a wrong signature is refused with 401; a right one is accepted", async () => {
    const body = JSON.stringify({ ref: "refs/heads/main", after: "0".repeat(40), repository: { clone_url: repoURL, html_url: repoURL, full_name: "local/apps" } });
    const post = (signature: string) =>
      fetch(`${ctrl.controller.webhookURL}/api/webhook`, { method: "POST", headers: { "content-type": "application/json", "x-github-event": "push", "x-hub-signature-256": signature }, body });
    const pushes = (await ControllerMetrics.total(ctrl.controller.metrics.webhookPushes));
    const bad = await post(`sha256=${createHmac("sha256", "wrong").update(body).digest("hex")}`);
    assert.equal(bad.status, 401);
    assert.equal(await ControllerMetrics.total(ctrl.controller.metrics.webhookPushes), pushes, "nothing was triggered");
    const good = await post(`sha256=${createHmac("sha256", "hook-secret").update(body).digest("hex")}`);
    assert.equal(good.status, 200);
    assert.deepEqual(await good.json(), { refreshed: 1 });
  });

  it("(k) with the Git server down the app keeps its state with a ComparisonError, nothing pruned; it recovers", async () => {
    const before = await appStatus(resources, "guestbook");
    const port = git.port;
    await git.close();
    await waitFor("a ComparisonError condition", async () => {
      const s = await appStatus(resources, "guestbook");
      return s?.conditions?.some((c) => c.type === "ComparisonError") ? s : undefined;
    }, 60_000);
    assert.ok(await resources.get(web), "nothing was pruned");
    assert.equal((await appStatus(resources, "guestbook"))?.sync?.revision, before?.sync?.revision);
    git = await startGitServer({ root: world.gitRoot, port });
    setValues((v) => (v.web!.tag = "1.29"));
    const sha = await wd.commit("web 1.29");
    await wd.push();
    const s = await waitFor("recovered and synced", synced(sha), 90_000);
    assert.equal(s.conditions?.some((c) => c.type === "ComparisonError") ?? false, false);
  });
});

