/**
 * The objects of a plumb installation, as `plumb install` applies them: the Kustomize base (deploy/) built
 * with the kustomize binary, then moved to the chosen namespace and image. The move is a pure function of
 * the built objects (tested on the real base): every `namespace: plumb` (objects, RBAC subjects), the
 * Namespace itself, the `=plumb` flag values of the containers, and the `plumb` image.
 *
 * Owns: building and adjusting the install manifests. Must not import: cluster/ (install.ts applies them).
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../core/object.js";
import { PlumbError } from "../core/errors.js";
import { findBinary } from "../tools/binaries.js";
import { packageRoot } from "../tools/versions.js";

/** The namespace and image the base is written for. */
export const BASE_NAMESPACE = "plumb";
export const DEFAULT_IMAGE = "plumb:dev";
export const DEFAULT_DEPLOY_DIR = join(packageRoot, "deploy");

export interface InstallTarget {
  namespace: string;
  image: string;
}

/** `kustomize build DIR` → objects. */
export async function buildBase(dir: string = DEFAULT_DEPLOY_DIR): Promise<KubeObject[]> {
  const kustomize = findBinary("kustomize");
  let out: string;
  try {
    out = (await promisify(execFile)(kustomize, ["build", dir], { maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (err) {
    throw new PlumbError(`kustomize build ${dir} failed: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`, "pass --dir with plumb's deploy/ folder (it holds kustomization.yaml)");
  }
  return parseAllDocuments(out)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => Boolean(o?.kind));
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Moves the built base to `target` (a copy; the input is not changed). */
export function retarget(objects: readonly KubeObject[], target: InstallTarget): KubeObject[] {
  if (!NAME.test(target.namespace) || target.namespace.length > 63) throw new PlumbError(`--namespace "${target.namespace}" is not a valid namespace name`, "use lower-case letters, digits and '-' (at most 63)");
  if (!target.image || /\s/.test(target.image)) throw new PlumbError(`--image "${target.image}" is not an image reference`, "pass e.g. registry.example/plumb:1.2.3");
  const ns = target.namespace;
  return objects.map((orig) => {
    const o = structuredClone(orig) as KubeObject & Record<string, unknown>;
    if (o.kind === "Namespace" && o.metadata.name === BASE_NAMESPACE) o.metadata.name = ns;
    if (o.metadata.namespace === BASE_NAMESPACE) o.metadata.namespace = ns;
    for (const s of (o.subjects as Array<{ namespace?: string }> | undefined) ?? []) if (s.namespace === BASE_NAMESPACE) s.namespace = ns;
    const pod = (o.spec as { template?: { spec?: { containers?: Array<{ image?: string; args?: string[] }> } } } | undefined)?.template?.spec;
    for (const c of pod?.containers ?? []) {
      if (c.image === DEFAULT_IMAGE) c.image = target.image;
      if (c.args) c.args = c.args.map((a) => (a.endsWith(`=${BASE_NAMESPACE}`) ? `${a.slice(0, -BASE_NAMESPACE.length)}${ns}` : a));
    }
    return o;
  });
}

/** Apply order: the Namespace and the CRDs first (the rest lives in one or reads the other). */
export function installOrder(objects: readonly KubeObject[]): KubeObject[] {
  const rank = (o: KubeObject): number => (o.kind === "Namespace" ? 0 : o.kind === "CustomResourceDefinition" ? 1 : 2);
  return [...objects].sort((a, b) => rank(a) - rank(b));
}
