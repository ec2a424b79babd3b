/**
 * The pinned versions of the external binaries (hack/versions.env) and where hack/tools.sh caches them:
 * `$PLUMB_CACHE_DIR/tools/<name>-<version>/bin/` (default cache: $XDG_CACHE_HOME/plumb or ~/.cache/plumb).
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository (or installed package) root: the folder holding hack/. */
export const packageRoot = (() => {
  // src/tools/versions.ts → ../.. ; dist/src/tools/versions.js → ../../..
  const here = dirname(fileURLToPath(import.meta.url));
  const up2 = resolve(here, "..", "..");
  return here.includes(`${"/"}dist${"/"}`) ? resolve(up2, "..") : up2;
})();

export interface ToolVersions {
  kubernetes: string;
  etcd: string;
  kwok: string;
  helm: string;
  kustomize: string;
  jsonnet: string;
  /** plumb-gotemplate, keyed by its Sprig version. */
  gotemplate: string;
  /** The CNCF distribution registry (OCI), for the chart tests. */
  registry: string;
  /** go-containerregistry's crane, for hack/image.sh. */
  crane: string;
}

/** Parses `KEY=value` lines, skipping comments and blanks. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (!t || t.startsWith("#")) continue;
    const eq = t.indexOf("=");
    if (eq > 0) out[t.slice(0, eq)] = t.slice(eq + 1);
  }
  return out;
}

/** The versions pinned in hack/versions.env. */
export function toolVersions(): ToolVersions {
  const env = parseEnvFile(readFileSync(join(packageRoot, "hack", "versions.env"), "utf8"));
  const get = (k: string): string => {
    const v = env[k];
    if (!v) throw new Error(`hack/versions.env has no ${k}`);
    return v;
  };
  return {
    kubernetes: get("KUBERNETES_VERSION"),
    etcd: get("ETCD_VERSION"),
    kwok: get("KWOK_VERSION"),
    helm: get("HELM_VERSION"),
    kustomize: get("KUSTOMIZE_VERSION"),
    jsonnet: get("JSONNET_VERSION"),
    gotemplate: get("GOTEMPLATE_VERSION"),
    registry: get("REGISTRY_VERSION"),
    crane: get("CRANE_VERSION"),
  };
}

/** The folder hack/tools.sh builds into. */
export function toolsCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.PLUMB_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "plumb");
  return join(cache, "tools");
}

/** The cached bin folder of one tool at its pinned version. */
export function cachedBinDir(tool: keyof ToolVersions, env: NodeJS.ProcessEnv = process.env): string {
  return join(toolsCacheDir(env), `${tool}-${toolVersions()[tool]}`, "bin");
}

/** plumb's own version, from the package.json at packageRoot (the CLI's npm_package_version is only set under `npm run`). */
export function plumbVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version?: unknown };
  if (typeof pkg.version !== "string") throw new Error(`${join(packageRoot, "package.json")} has no version`);
  return pkg.version;
}
