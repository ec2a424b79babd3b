/**
 * Chart sources on the local control plane with the real controller: charts from a loopback Helm chart
 * repository with basic auth (credentials in a `type: helm` repository Secret of the controller's repos
 * namespace) and from the CNCF distribution registry over OCI (with auth). A semver range resolves to the
 * chart version, which is the app's revision; a new version inside the range is deployed after a refresh;
 * a wrong password is a ComparisonError naming the repository (never the password) and nothing is pruned;
 * a multi-source app takes its chart from the chart repository and its values from Git (`$values/…`).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { chartSources } from "../../src/controller/chart-sources.js";
import type { KubeObject } from "../../src/core/object.js";
import { WorkDir } from "../../src/gitserver/workdir.js";
import { startChartRepo, writeChart, type ChartRepo } from "../helpers/chartrepo.js";
import { runController, startGitOpsWorld, type GitOpsWorld } from "../helpers/controller.js";
import { startRegistry, type Registry } from "../helpers/registry.js";
import { waitFor } from "../helpers/wait.js";

const NS = "charts";
const REPOS_NS = "plumb-repos";
const USER = "chart-reader";
const PASSWORD = "s3cret-Chart-pw";
const OCI_PASSWORD = "oci-Registry-pw7";
const WRONG = "wrong-Pa55-guess";

interface Status {
  sync?: { status?: string; revision?: string; revisions?: string[] };
  health?: { status?: string };
  conditions?: Array<{ type: string; message: string }>;
  operationState?: { phase?: string; message?: string };
}

const b64 = (s: string) => Buffer.from(s).toString("base64");
const repoSecret = (name: string, data: Record<string, string>): KubeObject => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name, namespace: REPOS_NS, labels: { "argocd.argoproj.io/secret-type": "repository" } },
  data: Object.fromEntries(Object.entries({ type: "helm", ...data }).map(([k, v]) => [k, b64(v)])),
} as KubeObject);

describe("controller: charts from a chart repository and an OCI registry", { timeout: 400_000 }, () => {
  let world: GitOpsWorld;
  let repo: ChartRepo;
  let registry: Registry;
  let values: WorkDir;
  let valuesURL: string;
  let src: string;
  let chartCache: string;

  const app = (name: string, spec: Record<string, unknown>): KubeObject => ({
    apiVersion: "plumb.dev/v1alpha1",
    kind: "Application",
    metadata: { name, namespace: "plumb" },
    spec: { destination: { server: "https://kubernetes.default.svc", namespace: NS }, syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] }, ...spec },
  } as KubeObject);
  const status = async (name: string): Promise<Status | undefined> =>
    ((await world.resources.get({ apiVersion: "plumb.dev/v1alpha1", kind: "Application", namespace: "plumb", name })) as { status?: Status } | undefined)?.status;
  const configMap = async (name: string): Promise<Record<string, string> | undefined> =>
    ((await world.resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: NS, name })) as { data?: Record<string, string> } | undefined)?.data;
  const refresh = (name: string) =>
    world.resources.client.request({
      method: "PATCH",
      path: `/apis/plumb.dev/v1alpha1/namespaces/plumb/applications/${name}`,
      contentType: "application/merge-patch+json",
      body: { metadata: { annotations: { "argocd.argoproj.io/refresh": "normal" } } },
    });
  const synced = (name: string, check: (s: Status) => boolean) => async () => {
    const s = await status(name);
    return s?.sync?.status === "Synced" && s.health?.status === "Healthy" && s.operationState?.phase !== "Running" && check(s) ? s : undefined;
  };

  before(async () => {
    src = mkdtempSync(join(tmpdir(), "plumb-e2e-charts-"));
    chartCache = mkdtempSync(join(tmpdir(), "plumb-e2e-chart-cache-"));
    [world, repo, registry] = await Promise.all([
      startGitOpsWorld("e2e-chart-sources"),
      startChartRepo({ username: USER, password: PASSWORD }),
      startRegistry({ username: USER, password: OCI_PASSWORD }),
    ]);
    const first = await writeChart(join(src, "1.0.0"), "app", "1.0.0");
    await Promise.all([repo.publish(first), registry.push(first), repo.publish(await writeChart(join(src, "2.0.0"), "app", "2.0.0"))]);
    // The controller with chart repositories whose credentials come from the repos namespace's Secrets.
    await world.resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: REPOS_NS } });
    await world.resources.apply(repoSecret("loopback-charts", { url: repo.url, username: USER, password: PASSWORD }));
    await world.resources.apply(repoSecret("loopback-oci", { url: registry.ociURL, enableOCI: "true", username: USER, password: OCI_PASSWORD }));
    await world.ctrl.stop();
    const log = pino({ level: process.env.PLUMB_TEST_LOG ?? "silent" });
    world.ctrl = await runController(world.resources, { charts: chartSources({ cacheDir: chartCache, secretsNamespace: REPOS_NS, resources: world.resources, log }) });
    valuesURL = await world.git.createRepo("chart-values");
    values = await WorkDir.clone(valuesURL);
    values.write({ "env/app.yaml": "greeting: from-git\n" });
    await values.commit("values");
    await values.push("main");
  });
  after(async () => {
    values?.dispose();
    await Promise.all([world?.close(), repo?.close(), registry?.close()]);
    for (const d of [src, chartCache]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it("installs a chart by semver range from the password-protected chart repository and from the OCI registry: Synced, Healthy, revision = the resolved version", async () => {
    await world.resources.apply(app("web", { source: { repoURL: repo.url, chart: "app", targetRevision: "1.x" } }));
    await world.resources.apply(app("oci", { source: { repoURL: registry.ociURL, chart: "app", targetRevision: "^1.0.0" } }));
    const s = await waitFor("web Synced and Healthy", synced("web", (st) => st.sync?.revision === "1.0.0"), 90_000);
    assert.equal(s.sync?.revision, "1.0.0", "1.x resolves to 1.0.0, not 2.0.0");
    assert.equal((await configMap("app-web"))?.chartVersion, "1.0.0");
    await waitFor("oci Synced and Healthy", synced("oci", (st) => st.sync?.revision === "1.0.0"), 90_000);
    assert.equal((await configMap("app-oci"))?.chartVersion, "1.0.0");
  });

  it("picks up a new version inside the range on refresh and deploys it", async () => {
    const next = await writeChart(join(src, "1.1.0"), "app", "1.1.0");
    await repo.publish(next);
    await refresh("web");
    await waitFor("web Synced at 1.1.0", synced("web", (st) => st.sync?.revision === "1.1.0"), 60_000);
    assert.equal((await configMap("app-web"))?.chartVersion, "1.1.0");
  });

  it("a wrong password is a ComparisonError naming the repository, not the password; nothing is pruned", async () => {
    await world.resources.apply(repoSecret("loopback-charts", { url: repo.url, username: USER, password: WRONG }));
    // The Secrets are re-read every few seconds; each refresh fetches the index again.
    const s = await waitFor("a ComparisonError for the refused credentials", async () => {
      const st = await status("web");
      if (st?.conditions?.some((c) => c.type === "ComparisonError")) return st;
      await refresh("web");
      return undefined;
    }, 60_000, 1000);
    const message = s.conditions!.find((c) => c.type === "ComparisonError")!.message;
    assert.ok(message.includes(repo.url), message);
    assert.ok(!message.includes(WRONG) && !message.includes(PASSWORD), message);
    assert.equal((await configMap("app-web"))?.chartVersion, "1.1.0", "the deployed objects stay");
    await world.resources.apply(repoSecret("loopback-charts", { url: repo.url, username: USER, password: PASSWORD }));
    await waitFor("the error gone once the password is right again", async () => {
      const st = await status("web");
      if (st?.sync?.status === "Synced" && !st.conditions?.some((c) => c.type === "ComparisonError")) return st;
      await refresh("web");
      return undefined;
    }, 60_000, 1000);
  });

  it("multi-source: the chart from the chart repository, its values from Git; a push re-syncs; both revisions in status", async () => {
    const sources = [
      { repoURL: repo.url, chart: "app", targetRevision: "~1.1.0", helm: { valueFiles: ["$values/env/app.yaml"] } },
      { repoURL: valuesURL, targetRevision: "main", ref: "values" },
    ];
    await world.resources.apply(app("mixed", { sources }));
    const first = await values.head();
    await waitFor("mixed Synced at [1.1.0, values]", synced("mixed", (st) => JSON.stringify(st.sync?.revisions) === JSON.stringify(["1.1.0", first])), 90_000);
    assert.deepEqual(await configMap("app-mixed"), { chartVersion: "1.1.0", greeting: "from-git" });
    values.write({ "env/app.yaml": "greeting: pushed\n" });
    const sha = await values.commit("new greeting");
    await values.push();
    await waitFor("mixed Synced at the new values commit", synced("mixed", (st) => JSON.stringify(st.sync?.revisions) === JSON.stringify(["1.1.0", sha])), 60_000);
    assert.equal((await configMap("app-mixed"))?.greeting, "pushed");
  });
});
