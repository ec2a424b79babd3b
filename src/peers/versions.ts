/**
 * The peers plumb is measured against (issue 16) and where hack/peers.sh builds them:
 * `$PLUMB_CACHE_DIR/peers/<name>-<version>/` with bin/, crds/ and, for Argo CD, manifests/ (its default
 * ConfigMaps and Secret). Versions are pinned in hack/peers.env. Nothing here builds or runs anything.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot, parseEnvFile, toolsCacheDir } from "../tools/versions.js";

export type PeerBuild = "flux-source-controller" | "flux-kustomize-controller" | "argocd";

export interface PeerVersions {
  sourceController: string;
  kustomizeController: string;
  argocd: string;
}

/** The versions pinned in hack/peers.env. */
export function peerVersions(): PeerVersions {
  const env = parseEnvFile(readFileSync(join(packageRoot, "hack", "peers.env"), "utf8"));
  const get = (k: string): string => {
    const v = env[k];
    if (!v) throw new Error(`hack/peers.env has no ${k}`);
    return v;
  };
  return {
    sourceController: get("FLUX_SOURCE_CONTROLLER_VERSION"),
    kustomizeController: get("FLUX_KUSTOMIZE_CONTROLLER_VERSION"),
    argocd: get("ARGOCD_VERSION"),
  };
}

/** The folder hack/peers.sh builds into (beside the tools cache). */
export function peersCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(toolsCacheDir(env), "..", "peers");
}

/** The cache folder of one peer build at its pinned version. */
export function peerDir(build: PeerBuild, env: NodeJS.ProcessEnv = process.env): string {
  const v = peerVersions();
  const version = build === "argocd" ? v.argocd : build === "flux-source-controller" ? v.sourceController : v.kustomizeController;
  return join(peersCacheDir(env), `${build}-${version}`);
}

/** Which engine a build belongs to, for messages and `hack/peers.sh <engine>`. */
export type PeerEngine = "flux" | "argocd";

const BUILDS: Record<PeerEngine, PeerBuild[]> = {
  flux: ["flux-source-controller", "flux-kustomize-controller"],
  argocd: ["argocd"],
};

/**
 * Undefined when every build of `engine` is complete in the cache, else a message saying what is missing and
 * the command that builds it (for a skipped test or a refused benchmark).
 */
export function peerMissing(engine: PeerEngine, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const missing = BUILDS[engine].filter((b) => !existsSync(join(peerDir(b, env), ".complete")));
  if (missing.length === 0) return undefined;
  return `${missing.map((b) => `${b} is not built (no ${join(peerDir(b, env), ".complete")})`).join("; ")}: run hack/peers.sh ${engine}`;
}
