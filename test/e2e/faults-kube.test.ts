/**
 * Faults of the Kubernetes side (issue 15, ADR 0024), on one local control plane and one in-process
 * controller tracking the guestbook with automated sync and self-heal:
 * - kube-apiserver restarted twice while the watches are open, a drift made 1 s after it is ready again →
 *   reverted within 10 s, by one self-heal sync per drift; the watch failure and the recovery are logged;
 * - etcd restarted → the same;
 * - 1,000 webhooks in about a second, with a push in the middle → the repository is fetched a bounded
 *   number of times, the receiver answers another request quickly meanwhile, the last push is deployed.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import type { Resources } from "../../src/cluster/resources.js";
import type { KubeObject } from "../../src/core/object.js";
import { appStatus, startGitOpsWorld, type GitOpsWorld } from "../helpers/controller.js";
import { waitFor } from "../helpers/wait.js";

const NS = "guestbook";
const SECRET = "hook-secret";
const web = { apiVersion: "apps/v1", kind: "Deployment", namespace: NS, name: "guestbook-web" };
type Deploy = KubeObject & { spec: { replicas: number } };

describe("faults: Kubernetes restarts and a webhook flood", { timeout: 400_000 }, () => {
  let world: GitOpsWorld;
  let resources: Resources;
  const logLines: string[] = [];
  const logged = (): Array<Record<string, unknown>> => logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const synced = (sha: string) => async () => {
    const s = await appStatus(resources, "guestbook");
    return s?.sync?.status === "Synced" && s.sync.revision === sha && s.health?.status === "Healthy" ? s : undefined;
  };
  const replicas = async (): Promise<number | undefined> => ((await resources.get(web)) as Deploy | undefined)?.spec.replicas;

  before(async () => {
    world = await startGitOpsWorld("e2e-faults-kube", {
      webhook: { port: 0, secrets: { github: SECRET } },
      metrics: { port: 0 },
      // Only webhooks (and the first reconcile) fetch: the flood's fetches are countable.
      pollIntervalMs: 600_000,
      logDestination: { write: (line: string) => void logLines.push(line) },
      logLevel: "debug",
    });
    resources = world.resources;
    await resources.apply({
      apiVersion: "plumb.dev/v1alpha1",
      kind: "Application",
      metadata: { name: "guestbook", namespace: "plumb" },
      spec: {
        project: "default",
        source: { repoURL: world.repoURL, targetRevision: "main", path: "guestbook", helm: { valueFiles: ["values.yaml"] } },
        destination: { server: "https://kubernetes.default.svc", namespace: NS },
        syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["CreateNamespace=true"] },
      },
    });
    await waitFor("guestbook Synced and Healthy", synced(await world.wd.head()), 120_000);
  });
  after(async () => {
    await world?.close();
  });

  /** Scales the Deployment by hand (retrying while the test's own connections recover) and times the revert. */
  async function driftAndTimeRevert(label: string): Promise<number> {
    const want = (await replicas())!;
    const startsBefore = logged().filter((l) => l.msg === "sync started" && l.app === "plumb/guestbook").length;
    await waitFor(`the manual scale (${label})`, async () => {
      await resources.client.request({ method: "PATCH", path: `/apis/apps/v1/namespaces/${NS}/deployments/guestbook-web/scale`, contentType: "application/merge-patch+json", body: { spec: { replicas: want + 4 } } });
      return true;
    }, 10_000, 100);
    const drifted = Date.now();
    await waitFor(`the drift reverted (${label})`, async () => (await replicas()) === want || undefined, 30_000, 50);
    const took = Date.now() - drifted;
    // Settle, then count: one self-heal sync for the one drift, and it succeeded.
    await waitFor("the self-heal recorded", async () => (await appStatus(resources, "guestbook"))?.operationState?.phase === "Succeeded" || undefined, 30_000);
    await new Promise((r) => setTimeout(r, 3000));
    const starts = logged().filter((l) => l.msg === "sync started" && l.app === "plumb/guestbook").slice(startsBefore);
    assert.deepEqual(starts.map((l) => l.trigger), ["self-heal"], `${label}: exactly one sync for the drift`);
    return took;
  }

  it("kube-apiserver restarted twice: a drift made 1 s after it is ready is reverted within 10 s, by one sync", async () => {
    const figures: number[] = [];
    for (const round of [1, 2]) {
      const warnsBefore = logged().filter((l) => l.msg === "watch failed; retrying").length;
      const resumedBefore = logged().filter((l) => l.msg === "watch resumed").length;
      await world.cluster.stopApiServer();
      // Down long enough for the backoff to grow (250 ms doubling: past 4 s).
      await new Promise((r) => setTimeout(r, 8000));
      await world.cluster.startApiServer();
      await new Promise((r) => setTimeout(r, 1000));
      const took = await driftAndTimeRevert(`restart ${round}`);
      figures.push(took);
      assert.ok(took < 10_000, `restart ${round}: the drift was reverted after ${took} ms`);
      const lines = logged();
      const warns = lines.filter((l) => l.msg === "watch failed; retrying").slice(warnsBefore);
      assert.ok(warns.some((l) => l.resource === "apps/deployments" && typeof l.error === "string" && l.failures === 1), `restart ${round}: the watch failure is logged with its resource and error`);
      assert.ok(lines.filter((l) => l.msg === "watch resumed").slice(resumedBefore).some((l) => l.resource === "apps/deployments"), `restart ${round}: the recovery is logged`);
    }
    console.log(`# drift reverted after the kube-apiserver restarts in ${figures.join(" ms, ")} ms`);
  });

  it("etcd restarted: a drift made 1 s after it is back is reverted within 10 s, by one sync", async () => {
    await world.cluster.stopEtcd();
    await new Promise((r) => setTimeout(r, 8000));
    await world.cluster.startEtcd();
    await new Promise((r) => setTimeout(r, 1000));
    const took = await driftAndTimeRevert("etcd restart");
    console.log(`# drift reverted after the etcd restart in ${took} ms`);
    assert.ok(took < 10_000, `the drift was reverted after ${took} ms`);
  });

  it("1,000 webhooks in a second: a bounded number of fetches, the receiver answers meanwhile, the last push is deployed", async () => {
    const url = `${world.ctrl.controller.webhookURL}/api/webhook`;
    // Fetches the controller's mirror ran, and requests the Git server served (a fetch is 2–3 of them).
    const fetches = (): number => world.ctrl.sources.mirrors.status(world.repoURL).fetches;
    const served = (): number => world.git.requests.get("apps.git git-upload-pack") ?? 0;
    const hook = async (after: string): Promise<number> => {
      const body = JSON.stringify({ ref: "refs/heads/main", after, repository: { clone_url: world.repoURL, html_url: world.repoURL, full_name: "local/apps" } });
      const signature = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", "x-github-event": "push", "x-hub-signature-256": signature }, body });
      await res.arrayBuffer();
      return res.status;
    };
    const first = await world.wd.head();
    const before = fetches();
    const servedBefore = served();
    const sent: Array<Promise<number>> = [];
    const t0 = Date.now();
    let last = first;
    let probeMs = -1;
    for (let i = 0; i < 1000; i++) {
      if (i === 500) {
        // A push in the middle of the flood: the webhooks after it name it.
        world.editValues((v) => (v.web!.replicaCount = 4));
        last = await world.wd.commit("four replicas, pushed mid-flood");
        await world.wd.push();
        // Another request, timed while the flood is on.
        const p0 = Date.now();
        sent.push(hook(last).then((s) => ((probeMs = Date.now() - p0), s)));
        continue;
      }
      sent.push(hook(last));
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, 40));
    }
    const sentIn = Date.now() - t0;
    const statuses = await Promise.all(sent);
    const allIn = Date.now() - t0;
    assert.deepEqual([...new Set(statuses)], [200], "every webhook was accepted");
    await waitFor("the last push deployed", synced(last), 90_000);
    const fetched = fetches() - before;
    console.log(`# 1,000 webhooks sent in ${sentIn} ms, all answered in ${allIn} ms; the request timed mid-flood took ${probeMs} ms; ${fetched} fetches (${served() - servedBefore} Git requests)`);
    assert.ok(fetched >= 1, "the pushes were fetched");
    // One fetch running and one waiting per repository, whatever the number of webhooks: the count is the
    // flood's length over a fetch's, not the number of webhooks (without coalescing: one per webhook).
    assert.ok(fetched <= 50, `fetches are coalesced: ${fetched} for 1,000 webhooks`);
    assert.ok(probeMs >= 0 && probeMs < 5000, `a request made during the flood was answered in ${probeMs} ms`);
    assert.equal(await replicas(), 4, "the mid-flood push is what runs");
  });
});
