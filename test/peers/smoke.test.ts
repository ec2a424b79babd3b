/**
 * Opt-in smoke test of the peers (issue 16): each peer built by hack/peers.sh really syncs one app from Git, so
 * the peers benchmark can never compare plumb against a peer that did nothing. Run by hack/peers-smoke.sh, not
 * by the default suites; a peer that is not built is skipped with the command that builds it.
 *
 * One local control plane and one loopback Git server for the file; the repository holds two folders of the same
 * app (a ConfigMap and a Deployment scaled to 0), one per peer, each in its own namespace. For each peer in turn:
 * start it, point it at its folder, and wait until the objects exist with the peer's ownership marker (Flux's
 * kustomize.toolkit.fluxcd.io/name label; Argo CD's tracking-id annotation), carry the values from Git, and the
 * peer reports the commit as applied (Kustomization Ready; Application Synced and Healthy). Then stop it: every
 * one of its processes is gone and its folder removed.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import type { Resources } from "../../src/cluster/resources.js";
import type { KubeObject } from "../../src/core/object.js";
import { startGitServer, type GitServer } from "../../src/gitserver/server.js";
import { WorkDir } from "../../src/gitserver/workdir.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { startArgoCd } from "../../src/peers/argocd.js";
import { startFlux } from "../../src/peers/flux.js";
import type { PeerRun } from "../../src/peers/run.js";
import { peerMissing } from "../../src/peers/versions.js";
import { resourcesFor } from "../helpers/cluster.js";
import { processAlive, waitFor } from "../helpers/wait.js";

const fluxMissing = peerMissing("flux");
const argoMissing = peerMissing("argocd");

function app(namespace: string, greeting: string): Record<string, string> {
  return {
    "configmap.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: smoke-config
  namespace: ${namespace}
data:
  greeting: ${greeting}
`,
    "deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: smoke-web
  namespace: ${namespace}
spec:
  replicas: 0
  selector:
    matchLabels: {app: smoke-web}
  template:
    metadata:
      labels: {app: smoke-web}
    spec:
      containers:
        - name: web
          image: registry.invalid/smoke-web:1.0.0
`,
  };
}

function prefixed(folder: string, files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [`${folder}/${k}`, v]));
}

type Condition = { type: string; status: string; reason?: string; message?: string };
const conditions = (o: KubeObject | undefined): Condition[] => ((o?.status as { conditions?: Condition[] } | undefined)?.conditions ?? []);
const ready = (o: KubeObject | undefined): boolean => conditions(o).some((c) => c.type === "Ready" && c.status === "True");

async function assertStopped(peer: PeerRun & { processes(): Array<{ pid: number }> }, failed: boolean): Promise<void> {
  if (failed) console.log(`the peer's logs:\n${peer.logs()}`);
  const pids = peer.processes().map((p) => p.pid);
  assert.ok(pids.length > 0);
  await peer.stop();
  await waitFor("every peer process gone", async () => pids.every((p) => !processAlive(p)) || undefined, 15_000, 100);
  assert.equal(existsSync(peer.dir), false, `${peer.dir} is left behind`);
}

describe("peers smoke: each peer really syncs one app from Git", { timeout: 600_000 }, () => {
  let cluster: LocalCluster;
  let resources: Resources;
  let git: GitServer;
  let repoUrl: string;
  let commit: string;

  before(async () => {
    if (fluxMissing && argoMissing) return;
    cluster = await startLocalCluster({ name: "peers-smoke" });
    resources = await resourcesFor(cluster);
    git = await startGitServer();
    repoUrl = await git.createRepo("smoke");
    const wd = await WorkDir.clone(repoUrl);
    wd.write({ ...prefixed("flux", app("smoke-flux", "hello-from-flux")), ...prefixed("argocd", app("smoke-argocd", "hello-from-argocd")) });
    commit = await wd.commit("smoke app for each peer");
    await wd.push("main");
    for (const ns of ["smoke-flux", "smoke-argocd"]) await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  });

  after(async () => {
    await git?.close();
    await cluster?.stop();
  });

  it("Flux: a Kustomization from a GitRepository is applied and Ready", { skip: fluxMissing ? `Flux: ${fluxMissing}` : false }, async () => {
    const flux = await startFlux(cluster, resources);
    let failed = true;
    try {
      await resources.apply({
        apiVersion: "source.toolkit.fluxcd.io/v1",
        kind: "GitRepository",
        metadata: { name: "smoke", namespace: flux.namespace },
        spec: { url: repoUrl, interval: "1m", ref: { branch: "main" } },
      });
      await resources.apply({
        apiVersion: "kustomize.toolkit.fluxcd.io/v1",
        kind: "Kustomization",
        metadata: { name: "smoke", namespace: flux.namespace },
        spec: { interval: "1m", path: "./flux", prune: true, wait: true, timeout: "2m", sourceRef: { kind: "GitRepository", name: "smoke" } },
      });
      const ks = await waitFor(
        "Kustomization smoke Ready",
        async () => {
          const k = await resources.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: flux.namespace, name: "smoke" });
          return ready(k) ? k : undefined;
        },
        180_000,
        500,
      );
      assert.match(String((ks.status as { lastAppliedRevision?: string }).lastAppliedRevision), new RegExp(commit), "the applied revision is the pushed commit");
      for (const ref of [
        { apiVersion: "v1", kind: "ConfigMap", namespace: "smoke-flux", name: "smoke-config" },
        { apiVersion: "apps/v1", kind: "Deployment", namespace: "smoke-flux", name: "smoke-web" },
      ]) {
        const live = await resources.get(ref);
        assert.ok(live, `${ref.kind}/${ref.name} exists`);
        assert.equal(live.metadata.labels?.["kustomize.toolkit.fluxcd.io/name"], "smoke", `${ref.kind} carries Flux's ownership label`);
        assert.equal(live.metadata.labels?.["kustomize.toolkit.fluxcd.io/namespace"], flux.namespace);
      }
      const cm = await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "smoke-flux", name: "smoke-config" });
      assert.equal((cm?.data as Record<string, string>).greeting, "hello-from-flux");
      const dep = await resources.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: "smoke-flux", name: "smoke-web" });
      assert.equal((dep?.spec as { replicas: number }).replicas, 0);
      failed = false;
    } finally {
      await assertStopped(flux, failed);
    }
  });

  it("Argo CD: an automated Application is Synced and Healthy", { skip: argoMissing ? `Argo CD: ${argoMissing}` : false }, async () => {
    const argo = await startArgoCd(cluster, resources);
    let failed = true;
    try {
      await resources.apply({
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Application",
        metadata: { name: "smoke", namespace: argo.namespace },
        spec: {
          project: "default",
          source: { repoURL: repoUrl, targetRevision: "main", path: "argocd" },
          destination: { server: "https://kubernetes.default.svc", namespace: "smoke-argocd" },
          syncPolicy: { automated: { prune: true, selfHeal: true } },
        },
      });
      type AppStatus = { sync?: { status?: string; revision?: string }; health?: { status?: string }; conditions?: unknown[] };
      const status = await waitFor(
        "Application smoke Synced and Healthy",
        async () => {
          const a = await resources.get({ apiVersion: "argoproj.io/v1alpha1", kind: "Application", namespace: argo.namespace, name: "smoke" });
          const s = a?.status as AppStatus | undefined;
          if (s?.sync?.status === "Synced" && s.health?.status === "Healthy") return s;
          throw new Error(`status: ${JSON.stringify(s ?? null).slice(0, 800)}`);
        },
        240_000,
        500,
      );
      assert.equal(status.sync?.revision, commit, "the synced revision is the pushed commit");
      for (const ref of [
        { apiVersion: "v1", kind: "ConfigMap", namespace: "smoke-argocd", name: "smoke-config" },
        { apiVersion: "apps/v1", kind: "Deployment", namespace: "smoke-argocd", name: "smoke-web" },
      ]) {
        const live = await resources.get(ref);
        assert.ok(live, `${ref.kind}/${ref.name} exists`);
        const tracking = live.metadata.annotations?.["argocd.argoproj.io/tracking-id"] ?? "";
        assert.ok(tracking.startsWith("smoke:"), `${ref.kind} carries Argo CD's tracking annotation for app smoke (got "${tracking}")`);
      }
      const cm = await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "smoke-argocd", name: "smoke-config" });
      assert.equal((cm?.data as Record<string, string>).greeting, "hello-from-argocd");
      failed = false;
    } finally {
      await assertStopped(argo, failed);
    }
  });
});
