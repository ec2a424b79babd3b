/**
 * plumb installed in its own cluster, on one local control plane:
 * - `plumb install` applies deploy/ (CRDs, RBAC, Deployments, …) and the Deployments become Available
 *   (kwok plays the kubelet: the Pods run without pulling plumb:dev);
 * - in-cluster mode: `plumb controller` with no kubeconfig, only KUBERNETES_SERVICE_HOST/PORT and a
 *   service-account folder holding a TokenRequest token of the shipped plumb-controller ServiceAccount,
 *   syncs an Application — the shipped ClusterRole suffices — and, once that token is revoked and the file
 *   holds a fresh one, keeps working (the token is re-read).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { ApiError, KubeClient } from "../../src/cluster/client.js";
import type { Resources } from "../../src/cluster/resources.js";
import { startGitServer, type GitServer } from "../../src/gitserver/server.js";
import { WorkDir } from "../../src/gitserver/workdir.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { resourcesFor } from "../helpers/cluster.js";
import { appStatus } from "../helpers/controller.js";
import { repoRoot } from "../helpers/paths.js";
import { waitFor } from "../helpers/wait.js";

const MAIN = join(repoRoot, "dist", "src", "cli", "main.js");
const configMap = (value: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  value: "${value}"\n`;

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    child.once("exit", (code) => resolve({ code, out }));
  });
}

describe("plumb in its cluster: install and in-cluster mode", { timeout: 300_000 }, () => {
  let cluster: LocalCluster;
  let resources: Resources;
  let git: GitServer;
  const dir = mkdtempSync(join(tmpdir(), "plumb-install-"));
  const children: ChildProcess[] = [];

  before(async () => {
    cluster = await startLocalCluster({ name: "e2e-install" });
    resources = await resourcesFor(cluster);
    git = await startGitServer();
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    await git?.close();
    resources?.client.close();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("plumb install creates everything and the Deployments become Available", async () => {
    const r = await run(["install", "--kubeconfig", cluster.kubeconfigPath, "--timeout", "120"], { ...process.env });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /Deployment\/plumb\/plumb-controller is Available/);
    assert.match(r.out, /Deployment\/plumb\/plumb-server is Available/);
    for (const ref of [
      { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: "applications.plumb.dev" },
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", name: "plumb-controller" },
      { apiVersion: "v1", kind: "ServiceAccount", namespace: "plumb", name: "plumb-controller" },
      { apiVersion: "v1", kind: "ConfigMap", namespace: "plumb", name: "plumb-rbac-cm" },
      { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", namespace: "plumb", name: "plumb-server" },
      { apiVersion: "policy/v1", kind: "PodDisruptionBudget", namespace: "plumb", name: "plumb-server" },
    ]) assert.ok(await resources.get(ref), `${ref.kind} ${ref.name} installed`);
    const dep = (await resources.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: "plumb", name: "plumb-server" })) as { status?: { availableReplicas?: number } } | undefined;
    assert.equal(dep?.status?.availableReplicas, 2, "both API server replicas run (on kwok's nodes)");
  });

  it("in-cluster mode: the controller syncs with the shipped ClusterRole and survives a token rotation", async () => {
    // Tokens bound to a Secret: deleting the Secret revokes the token (the API server looks the object up).
    const mint = async (binding: string): Promise<string> => {
      const secret = await resources.apply({ apiVersion: "v1", kind: "Secret", metadata: { name: binding, namespace: "plumb" } });
      const tr = await resources.client.request<{ status: { token: string } }>({
        method: "POST",
        path: "/api/v1/namespaces/plumb/serviceaccounts/plumb-controller/token",
        body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { audiences: [], expirationSeconds: 600, boundObjectRef: { apiVersion: "v1", kind: "Secret", name: binding, uid: secret.metadata.uid } } },
      });
      return tr.status.token;
    };
    const sa = join(dir, "sa");
    const home = join(dir, "home");
    for (const d of [sa, home]) rmSync(d, { recursive: true, force: true });
    mkdirSync(sa);
    mkdirSync(home);
    const kubeconfig = parse(readFileSync(cluster.kubeconfigPath, "utf8")) as { clusters: Array<{ cluster: { "certificate-authority-data": string } }> };
    writeFileSync(join(sa, "ca.crt"), Buffer.from(kubeconfig.clusters[0]!.cluster["certificate-authority-data"], "base64"));
    writeFileSync(join(sa, "namespace"), "plumb");
    const first = await mint("token-one");
    writeFileSync(join(sa, "token"), first);

    const url = await git.createRepo("incluster");
    const wd = await WorkDir.clone(url);
    wd.write({ "app/settings.yaml": configMap("one") });
    await wd.commit("one");
    await wd.push("main");

    const port = new URL(cluster.server).port;
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, KUBERNETES_SERVICE_HOST: "127.0.0.1", KUBERNETES_SERVICE_PORT: port, PLUMB_SERVICEACCOUNT_DIR: sa };
    const child = spawn(process.execPath, [MAIN, "controller", "--no-install-crds", "--shard", "--lease-namespace", "plumb", "--poll-interval", "2", "--cache-dir", join(dir, "cache"), "--metrics-port", "0"], { env, stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    const metricsURL = await waitFor("the controller to be ready", async () => {
      if (child.exitCode !== null) throw new Error(`the controller exited (${child.exitCode}): ${out}`);
      if (!out.includes('"msg":"caches ready"')) return undefined;
      return /"url":"([^"]+)\/metrics"/.exec(out)?.[1];
    }, 60_000);
    assert.equal((await fetch(`${metricsURL}/readyz`)).status, 200, "ready once the caches are synced");
    assert.equal(await (await fetch(`${metricsURL}/healthz`)).text(), "ok");

    await resources.apply({
      apiVersion: "plumb.dev/v1alpha1",
      kind: "Application",
      metadata: { name: "incluster", namespace: "plumb" },
      spec: {
        source: { repoURL: url, targetRevision: "main", path: "app" },
        destination: { server: "https://kubernetes.default.svc", namespace: "incluster" },
        syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] },
      },
    });
    const value = async (): Promise<string | undefined> => ((await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "incluster", name: "settings" })) as { data?: { value?: string } } | undefined)?.data?.value;
    await waitFor("the app to sync with the service account's rights", async () => (await value()) === "one" && (await appStatus(resources, "incluster"))?.sync?.status === "Synced", 90_000);

    // Rotate: the file gets a fresh token (atomically, as the kubelet does), the old one is revoked.
    writeFileSync(join(sa, "token.new"), await mint("token-two"));
    renameSync(join(sa, "token.new"), join(sa, "token"));
    await resources.delete({ apiVersion: "v1", kind: "Secret", namespace: "plumb", name: "token-one" });
    const withOld = KubeClient.fromCredentials(cluster.server, { bearerToken: first, ca: readFileSync(join(sa, "ca.crt"), "utf8") });
    await waitFor("the first token to be refused", async () => {
      const err = await withOld.request({ path: "/api/v1/namespaces/plumb/configmaps" }).then(() => undefined, (e: unknown) => e);
      return err instanceof ApiError && err.status === 401;
    }, 30_000);
    withOld.close();
    wd.write({ "app/settings.yaml": configMap("two") });
    await wd.commit("two");
    await wd.push("main");
    await waitFor("the controller to deploy the next commit with the rotated token", async () => (await value()) === "two", 90_000);
    assert.doesNotMatch(out, /"level":50.*reconcile failed/, "no reconcile failed for want of a valid token");
    wd.dispose();

    child.kill("SIGTERM");
    assert.equal(await new Promise((r) => child.once("exit", r)), 0, "a clean stop");
  });
});
