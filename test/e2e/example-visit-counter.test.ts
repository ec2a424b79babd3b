/**
 * examples/visit-counter end to end, as its README tells it: with the controller in compat mode, the Argo
 * CD `application.yaml` applied as written (only its repoURL rewritten to the local Git server) becomes
 * Synced and Healthy — the chart's web and Redis Deployments and Services running (kwok runs the Pods); a
 * manual change to the web Deployment is reverted by self-heal; and the Flask app's unit tests pass.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import type { KubeObject } from "../../src/core/object.js";
import { rewriteRepoURLs } from "../../src/examples/spec.js";
import { appStatus } from "../helpers/controller.js";
import { imageOf, pythonFlaskSkip, startExampleWorld, type ExampleWorld } from "../helpers/examples.js";
import { repoRoot } from "../helpers/paths.js";
import { waitFor } from "../helpers/wait.js";

const DIR = join(repoRoot, "examples", "visit-counter");
const NS = "visit-counter";
const web = { apiVersion: "apps/v1", kind: "Deployment", namespace: NS, name: "visit-counter-web" };
const redis = { apiVersion: "apps/v1", kind: "Deployment", namespace: NS, name: "visit-counter-redis" };
type Deploy = KubeObject & { spec: { replicas: number; template: { spec: { containers: Array<{ env?: Array<{ name: string; value?: string }> }> } } } };

describe("example visit-counter", { timeout: 110_000 }, () => {
  let world: ExampleWorld;
  before(async () => {
    world = await startExampleWorld("visit-counter");
  });
  after(async () => {
    await world?.close();
  });

  it("application.yaml is applied as written, only its repoURL pointing at the local Git server", async () => {
    const url = world.repoURL("visit-counter");
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/visit-counter\.git$/);
    const expected = parseYaml(rewriteRepoURLs(readFileSync(join(DIR, "application.yaml"), "utf8"), world.started.urls).text) as KubeObject;
    const live = await world.resources.get({ apiVersion: "argoproj.io/v1alpha1", kind: "Application", namespace: "argocd", name: "visit-counter" });
    assert.ok(live);
    assert.deepEqual(live.spec, expected.spec);
    assert.equal((expected.spec as { source: { repoURL: string } }).source.repoURL, url);
  });

  it("the Application is Synced and Healthy: web and Redis Deployments and Services, the web Pods running", async () => {
    const s = await appStatus(world.resources, "visit-counter", "argocd", "argoproj.io");
    assert.equal(s?.sync?.status, "Synced");
    assert.equal(s?.sync?.revision, world.started.repos[0]!.sha);
    assert.equal(s?.health?.status, "Healthy");
    const w = (await world.resources.get(web)) as Deploy | undefined;
    assert.equal(w?.spec.replicas, 2);
    assert.equal(imageOf(w), "ghcr.io/plumb-examples/visit-counter:1.0.0");
    assert.equal(imageOf(await world.resources.get(redis)), "redis:7.4.1-alpine");
    for (const name of ["visit-counter-web", "visit-counter-redis"]) assert.ok(await world.resources.get({ apiVersion: "v1", kind: "Service", namespace: NS, name }), `Service ${name}`);
    const pods = await world.resources.list("v1", "Pod", { namespace: NS, labelSelector: "app.kubernetes.io/name=web" });
    assert.deepEqual(pods.items.map((p) => (p.status as { phase?: string }).phase), ["Running", "Running"]);
  });

  it("a manual scale and a manual env edit of the web Deployment are reverted by self-heal", async () => {
    const path = `/apis/apps/v1/namespaces/${NS}/deployments/visit-counter-web`;
    const live = (await world.resources.get(web)) as Deploy;
    const env = live.spec.template.spec.containers[0]!.env ?? [];
    assert.equal(env.find((e) => e.name === "GREETING")?.value, "Hello");
    const edited = env.map((e) => (e.name === "GREETING" ? { ...e, value: "Hacked" } : e));
    // What `kubectl scale` and `kubectl set env` send: merge patches under kubectl's field manager.
    // Each PATCH answers with the object as it stood right after the patch: that proves the change landed,
    // where a read afterwards may already see self-heal's revert.
    const scaled = await world.resources.client.request<Deploy>({ method: "PATCH", path, contentType: "application/merge-patch+json", query: { fieldManager: "kubectl-scale" }, body: { spec: { replicas: 5 } } });
    assert.equal(scaled.spec.replicas, 5, "the manual scale landed");
    const envEdited = await world.resources.client.request<Deploy>({
      method: "PATCH",
      path,
      contentType: "application/strategic-merge-patch+json",
      query: { fieldManager: "kubectl-set" },
      body: { spec: { template: { spec: { containers: [{ name: "web", env: edited }] } } } },
    });
    assert.equal(envEdited.spec.template.spec.containers[0]!.env?.find((e) => e.name === "GREETING")?.value, "Hacked", "the manual env edit landed");
    await waitFor(
      "the web Deployment back at 2 replicas with GREETING=Hello",
      async () => {
        const d = (await world.resources.get(web)) as Deploy;
        return d.spec.replicas === 2 && d.spec.template.spec.containers[0]!.env?.find((e) => e.name === "GREETING")?.value === "Hello";
      },
      30_000,
      200,
    );
    await waitFor("Synced again", async () => (await appStatus(world.resources, "visit-counter", "argocd", "argoproj.io"))?.sync?.status === "Synced", 20_000, 200);
  });

  it("the Flask app's unit tests pass (python3 -m unittest, Flask's test client)", { skip: pythonFlaskSkip() }, async () => {
    const out = await new Promise<string>((resolve, reject) =>
      execFile("/usr/bin/python3", ["-m", "unittest", "-v"], { cwd: join(DIR, "app"), env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" }, timeout: 60_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`the unit tests failed:\n${stderr}`)) : resolve(stderr),
      ),
    );
    assert.match(out, /Ran [4-9] tests/);
    assert.match(out, /\nOK\n?$/);
  });
});
