/**
 * Flux (source-controller + kustomize-controller, built by hack/peers.sh) run out of cluster against a local
 * control plane: both use the cluster's admin kubeconfig (KUBECONFIG), source-controller stores artifacts in
 * the run's folder and serves them on a loopback port (`--storage-addr`, advertised with `--storage-adv-addr`
 * so that kustomize-controller fetches them there), and every other listener (metrics, health) is on a free
 * loopback port. Leader election is off (one replica), all namespaces are watched, and the rest are Flux's
 * documented defaults (`--concurrent` 4 for kustomize-controller, 2 for source-controller) unless
 * `concurrent` says otherwise. The CRDs come from the build's crds/ folder (taken from the module cache).
 */
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Resources } from "../cluster/resources.js";
import type { LocalCluster } from "../localcluster/cluster.js";
import { freePorts } from "../localcluster/ports.js";
import { applyFiles } from "./manifests.js";
import { newPeerRun, waitHealthy, type PeerRun } from "./run.js";
import { peerDir, peerMissing } from "./versions.js";

/** The namespace Flux's own objects (GitRepository, Kustomization) live in, as `flux install` makes it. */
export const FLUX_NAMESPACE = "flux-system";

export interface FluxOptions {
  /** Reconciles at once per controller (`--concurrent`) for both controllers. Default: each one's own default. */
  concurrent?: number;
  /** Extra arguments per controller. */
  sourceArgs?: string[];
  kustomizeArgs?: string[];
}

export interface RunningFlux extends PeerRun {
  namespace: string;
  /** http://127.0.0.1:<port>: where source-controller serves artifacts. */
  storageUrl: string;
  /** The processes (name and pid), for RSS and CPU readings. */
  processes(): Array<{ name: string; pid: number }>;
}

/** Applies Flux's CRDs and the flux-system namespace, then starts both controllers and waits for their /readyz. */
export async function startFlux(cluster: LocalCluster, resources: Resources, opts: FluxOptions = {}): Promise<RunningFlux> {
  const missing = peerMissing("flux");
  if (missing) throw new Error(`Flux cannot start: ${missing}`);
  const src = peerDir("flux-source-controller");
  const kus = peerDir("flux-kustomize-controller");
  const crdFiles = [src, kus].flatMap((d) => readdirSync(join(d, "crds")).filter((f) => f.endsWith(".yaml")).map((f) => join(d, "crds", f)));
  await applyFiles(resources, crdFiles);
  await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: FLUX_NAMESPACE } }, { fieldManager: "plumb-peers" });

  const run = newPeerRun("flux");
  try {
    const [storage, srcMetrics, srcHealth, kusMetrics, kusHealth] = await freePorts(5);
    mkdirSync(join(run.dir, "storage"));
    const env = { ...process.env, KUBECONFIG: cluster.kubeconfigPath, RUNTIME_NAMESPACE: FLUX_NAMESPACE };
    const common = (metrics: number, health: number): string[] => [
      `--metrics-addr=127.0.0.1:${metrics}`,
      `--health-addr=127.0.0.1:${health}`,
      "--enable-leader-election=false",
      "--watch-all-namespaces=true",
      "--log-level=info",
      "--log-encoding=json",
      ...(opts.concurrent ? [`--concurrent=${opts.concurrent}`] : []),
    ];
    const sc = run.group.start(
      "source-controller",
      join(src, "bin", "source-controller"),
      [...common(srcMetrics!, srcHealth!), `--storage-path=${join(run.dir, "storage")}`, `--storage-addr=127.0.0.1:${storage}`, `--storage-adv-addr=127.0.0.1:${storage}`, ...(opts.sourceArgs ?? [])],
      env,
    );
    const kc = run.group.start("kustomize-controller", join(kus, "bin", "kustomize-controller"), [...common(kusMetrics!, kusHealth!), ...(opts.kustomizeArgs ?? [])], env);
    await waitHealthy(run, sc, `http://127.0.0.1:${srcHealth}/readyz`);
    await waitHealthy(run, kc, `http://127.0.0.1:${kusHealth}/readyz`);
    return {
      ...run,
      namespace: FLUX_NAMESPACE,
      storageUrl: `http://127.0.0.1:${storage}`,
      processes: () => run.group.list().map((p) => ({ name: p.name, pid: p.pid })),
    };
  } catch (err) {
    await run.stop();
    throw err;
  }
}
