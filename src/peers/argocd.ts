/**
 * Argo CD (the `argocd` binary built by hack/peers.sh, its role chosen by argv[0]) run out of cluster against a
 * local control plane, in namespace `argocd`: Debian's redis-server, argocd-repo-server (plaintext gRPC) and
 * argocd-application-controller, each on free ports. ARGOCD_FAKE_IN_CLUSTER makes the in-cluster destination
 * (https://kubernetes.default.svc) use KUBECONFIG, as Argo CD's own Procfile does for local runs. GPG is off
 * (no keyring), the repo-server's plaintext gRPC needs `--client-ca-path=` (its default names a mounted mTLS CA,
 * which `--disable-tls` refuses), its askpass socket is in the run's folder, helm and kustomize are the pinned builds of hack/tools.sh and git the system's, on PATH.
 *
 * Before the processes start: the CRDs (Application, AppProject, ApplicationSet) and the default argocd-cm,
 * argocd-secret, argocd-rbac-cm and argocd-cmd-params-cm from the module cache are applied, and the `default`
 * AppProject is created as argocd-server would at its start (it does not run here). Settings are Argo CD's
 * defaults unless `statusProcessors`/`operationProcessors` say otherwise.
 *
 * Known difference: the application-controller's metrics server binds 0.0.0.0 (Argo CD hard-codes it).
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Resources } from "../cluster/resources.js";
import type { LocalCluster } from "../localcluster/cluster.js";
import { freePorts } from "../localcluster/ports.js";
import { findBinary } from "../tools/binaries.js";
import { applyFiles } from "./manifests.js";
import { newPeerRun, waitHealthy, waitLog, type PeerRun } from "./run.js";
import { peerDir, peerMissing } from "./versions.js";

export const ARGOCD_NAMESPACE = "argocd";

export interface ArgoCdOptions {
  /** `--status-processors` (Argo CD's default 20). */
  statusProcessors?: number;
  /** `--operation-processors` (Argo CD's default 10). */
  operationProcessors?: number;
  controllerArgs?: string[];
  repoServerArgs?: string[];
}

export interface RunningArgoCd extends PeerRun {
  namespace: string;
  /** 127.0.0.1:<port> of redis-server and of the repo-server. */
  redisAddr: string;
  repoServerAddr: string;
  processes(): Array<{ name: string; pid: number }>;
}

/** The AppProject argocd-server creates at its start (server/server.go initializeDefaultProject). */
function defaultProject(namespace: string) {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "AppProject",
    metadata: { name: "default", namespace },
    spec: { sourceRepos: ["*"], destinations: [{ server: "*", namespace: "*" }], clusterResourceWhitelist: [{ group: "*", kind: "*" }] },
  };
}

export async function startArgoCd(cluster: LocalCluster, resources: Resources, opts: ArgoCdOptions = {}): Promise<RunningArgoCd> {
  const missing = peerMissing("argocd");
  if (missing) throw new Error(`Argo CD cannot start: ${missing}`);
  const redis = findBinary("redis-server");
  const helm = findBinary("helm");
  const kustomize = findBinary("kustomize");
  const gitBin = findBinary("git");
  const home = peerDir("argocd");
  const ns = ARGOCD_NAMESPACE;

  await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }, { fieldManager: "plumb-peers" });
  const crds = readdirSync(join(home, "crds")).map((f) => join(home, "crds", f));
  const config = readdirSync(join(home, "manifests")).map((f) => join(home, "manifests", f));
  await applyFiles(resources, [...crds, ...config], { namespace: ns });
  await resources.apply(defaultProject(ns), { fieldManager: "plumb-peers" });

  const run = newPeerRun("argocd");
  try {
    const [redisPort, repoPort, repoMetrics, ctrlMetrics] = await freePorts(4);
    const bin = join(home, "bin");
    const redisProc = run.group.start("redis-server", redis, ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", run.dir]);
    await waitLog(run, redisProc, "Ready to accept connections");

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KUBECONFIG: cluster.kubeconfigPath,
      ARGOCD_FAKE_IN_CLUSTER: "true",
      ARGOCD_GPG_ENABLED: "false",
      ARGOCD_TLS_DATA_PATH: join(run.dir, "tls"),
      ARGOCD_SSH_DATA_PATH: join(run.dir, "ssh"),
      ARGOCD_GNUPGHOME: join(run.dir, "gpg"),
      TMPDIR: run.dir,
      // The repo-server's git credential helper socket; its default is a fixed path in /tmp, shared by all runs.
      ARGOCD_ASK_PASS_SOCK: join(run.dir, "askpass.sock"),
      // bin/ holds git-verify-wrapper.sh and gpg-wrapper.sh, which the repo-server runs by name.
      PATH: [bin, dirname(helm), dirname(kustomize), dirname(gitBin), process.env.PATH ?? ""].join(":"),
    };
    const redisAddr = `127.0.0.1:${redisPort}`;
    const repoServerAddr = `127.0.0.1:${repoPort}`;
    const repo = run.group.start(
      "argocd-repo-server",
      join(bin, "argocd-repo-server"),
      ["--address", "127.0.0.1", "--port", String(repoPort), "--metrics-address", "127.0.0.1", "--metrics-port", String(repoMetrics), "--redis", redisAddr, "--disable-tls", "--client-ca-path=", "--logformat", "json", ...(opts.repoServerArgs ?? [])],
      env,
    );
    await waitHealthy(run, repo, `http://127.0.0.1:${repoMetrics}/healthz`);
    const ctrl = run.group.start(
      "argocd-application-controller",
      join(bin, "argocd-application-controller"),
      [
        "--namespace", ns,
        "--redis", redisAddr,
        "--repo-server", repoServerAddr,
        "--repo-server-plaintext",
        "--metrics-port", String(ctrlMetrics),
        "--logformat", "json",
        ...(opts.statusProcessors ? ["--status-processors", String(opts.statusProcessors)] : []),
        ...(opts.operationProcessors ? ["--operation-processors", String(opts.operationProcessors)] : []),
        ...(opts.controllerArgs ?? []),
      ],
      env,
    );
    await waitHealthy(run, ctrl, `http://127.0.0.1:${ctrlMetrics}/healthz`, 120_000);
    return {
      ...run,
      namespace: ns,
      redisAddr,
      repoServerAddr,
      processes: () => run.group.list().map((p) => ({ name: p.name, pid: p.pid })),
    };
  } catch (err) {
    await run.stop();
    throw err;
  }
}
