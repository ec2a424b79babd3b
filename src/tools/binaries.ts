/**
 * Finding the external programs plumb runs (helm, kustomize, git, plumb-jsonnet, plumb-gotemplate and the
 * control-plane binaries).
 * Order: an explicit path (option or PLUMB_<NAME> environment variable), then the pinned build in the tools
 * cache (hack/tools.sh), then PATH. A missing program is a ToolMissingError that says how to get it.
 */
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { ToolMissingError } from "../core/errors.js";
import { cachedBinDir, type ToolVersions } from "./versions.js";

/** Which cached tool build provides each binary. */
const PROVIDER: Record<string, keyof ToolVersions> = {
  helm: "helm",
  kustomize: "kustomize",
  jsonnet: "jsonnet",
  "plumb-jsonnet": "jsonnet",
  "plumb-gotemplate": "gotemplate",
  etcd: "etcd",
  kwok: "kwok",
  "kube-apiserver": "kubernetes",
  "kube-controller-manager": "kubernetes",
  "kube-scheduler": "kubernetes",
  kubectl: "kubernetes",
  registry: "registry",
  crane: "crane",
};

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The environment variable that overrides a binary's path: helm → PLUMB_HELM, kube-apiserver → PLUMB_KUBE_APISERVER. */
export function overrideVariable(name: string): string {
  return `PLUMB_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

export interface FindOptions {
  /** An explicit path, e.g. from a flag; wins over everything else. */
  path?: string;
  env?: NodeJS.ProcessEnv;
}

/** Finds a binary or throws ToolMissingError with instructions. */
export function findBinary(name: string, opts: FindOptions = {}): string {
  const env = opts.env ?? process.env;
  const explicit = opts.path ?? env[overrideVariable(name)];
  if (explicit) {
    if (isExecutable(explicit)) return explicit;
    throw new ToolMissingError(`${name}: ${explicit} is not an executable file`, `fix the path given in ${opts.path ? "the option" : overrideVariable(name)}`);
  }
  const provider = PROVIDER[name];
  if (provider) {
    const cached = join(cachedBinDir(provider, env), name);
    if (isExecutable(cached)) return cached;
  }
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  const how = provider
    ? `build the pinned version with \`bash hack/tools.sh ${provider}\`, put ${name} on PATH, or set ${overrideVariable(name)}=/path/to/${name}`
    : `install ${name} and put it on PATH, or set ${overrideVariable(name)}=/path/to/${name}`;
  throw new ToolMissingError(`${name} not found`, how);
}
