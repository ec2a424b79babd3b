/**
 * The inputs of an app's render: every file whose content can change what the source renders to. One set,
 * used twice — the render cache hashes it (cache.ts) and `--changed-since` intersects it with the files a
 * change touched (changed.ts) — so that the two can never disagree about what an app depends on.
 *
 * The set, all repository-relative:
 *   - the app folder, whole (a directory source, a Kustomize folder, a Helm chart with its vendored charts);
 *   - Helm value files and `--set-file` files named by the source, where they are outside the folder;
 *   - Kustomize: every local reference of the kustomization (resources, bases, components, patches, generator
 *     files, crds, …), followed through the kustomizations it reaches, and the source's extra components;
 *   - the Application manifest itself (its source options are part of it), added by the caller.
 * Remote references (URLs, `github.com/…`) are not inputs: plumb renders offline and they fail the render.
 * The set errs on the side of more: a folder is taken whole even when the source reads only some of it.
 *
 * Synchronous file system calls (see render/paths.ts). Must not import cluster/, git/ or the controller.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import type { SourceOptions } from "../render/index.js";
import { isInside, toPosix } from "../render/paths.js";
import { parseYaml } from "../render/yaml.js";
import { KUSTOMIZATION_FILES } from "../render/kustomize.js";

/** What an app's render reads. */
export interface AppInputs {
  /** Folders read whole, repository-relative ("." for the root); none inside another. */
  dirs: string[];
  /** Files read, repository-relative, outside every folder of `dirs`. */
  files: string[];
}

const REMOTE = /^[a-z][a-z0-9+.-]*:\/\/|^(github\.com|gitlab\.com|bitbucket\.org)\/|\?ref=|^git@/i;

/** The string references of a kustomization that name local files or folders. */
function kustomizationRefs(k: Record<string, unknown>): string[] {
  const out: string[] = [];
  const strings = (v: unknown): void => {
    if (Array.isArray(v)) for (const s of v) if (typeof s === "string") out.push(s);
  };
  for (const f of ["resources", "bases", "components", "patchesStrategicMerge", "crds", "generators", "transformers", "validators", "configurations"]) strings(k[f]);
  for (const f of ["patches", "patchesJson6902", "replacements"]) {
    const list = k[f];
    if (Array.isArray(list)) for (const p of list) if (p && typeof (p as { path?: unknown }).path === "string") out.push((p as { path: string }).path);
  }
  for (const f of ["configMapGenerator", "secretGenerator"]) {
    const list = k[f];
    if (!Array.isArray(list)) continue;
    for (const g of list as Array<Record<string, unknown>>) {
      if (!g) continue;
      for (const file of Array.isArray(g.files) ? g.files : []) if (typeof file === "string") out.push(file.includes("=") ? file.slice(file.indexOf("=") + 1) : file);
      strings(g.envs);
      if (typeof g.env === "string") out.push(g.env);
    }
  }
  const openapi = k.openapi as { path?: unknown } | undefined;
  if (typeof openapi?.path === "string") out.push(openapi.path);
  return out.filter((r) => r && !REMOTE.test(r));
}

function kustomizationIn(dir: string): string | undefined {
  return KUSTOMIZATION_FILES.map((f) => join(dir, f)).find((p) => existsSync(p));
}

function readKustomization(file: string): Record<string, unknown> {
  try {
    const k = parseYaml(readFileSync(file, "utf8"));
    return k && typeof k === "object" && !Array.isArray(k) ? (k as Record<string, unknown>) : {};
  } catch {
    return {}; // the render reports it
  }
}

/** Adds `abs` (a file or folder) to the sets, following kustomizations of folders. */
function follow(root: string, abs: string, dirs: Set<string>, files: Set<string>, seen: Set<string>): void {
  if (seen.has(abs) || !isInside(root, abs) || !existsSync(abs)) return;
  seen.add(abs);
  if (statSync(abs).isDirectory()) {
    dirs.add(abs);
    const k = kustomizationIn(abs);
    if (k) for (const r of kustomizationRefs(readKustomization(k))) follow(root, resolve(abs, r), dirs, files, seen);
  } else {
    files.add(abs);
    // A file resource may itself be a kustomization's folder entry point only when it is one: nothing to follow.
    const base = dirname(abs);
    if (KUSTOMIZATION_FILES.some((f) => join(base, f) === abs)) follow(root, base, dirs, files, seen);
  }
}

/**
 * The inputs of the source at `path` in the repository `repoRoot` (absolute), with the source's options.
 * Missing references are left out (the render reports them).
 */
export function appInputs(repoRoot: string, path: string, source: SourceOptions = {}): AppInputs {
  const root = resolve(repoRoot);
  const app = resolve(root, path || ".");
  const dirs = new Set<string>();
  const files = new Set<string>();
  const seen = new Set<string>();
  follow(root, app, dirs, files, seen);
  dirs.add(app);
  for (const c of source.kustomize?.components ?? []) follow(root, resolve(app, c), dirs, files, seen);
  for (const f of source.helm?.valueFiles ?? []) if (!REMOTE.test(f)) follow(root, resolve(app, f), dirs, files, seen);
  for (const p of source.helm?.fileParameters ?? []) follow(root, resolve(app, p.path), dirs, files, seen);
  const sortedDirs = [...dirs].sort();
  const top = sortedDirs.filter((d) => !sortedDirs.some((o) => o !== d && isInside(o, d)));
  const rel = (p: string): string => toPosix(relative(root, p));
  return {
    dirs: top.map(rel),
    files: [...files].filter((f) => !top.some((d) => isInside(d, f))).sort().map(rel),
  };
}

/** Whether a repository-relative path is one of the inputs (inside a folder of `dirs`, or one of `files`). */
export function isInput(inputs: AppInputs, file: string): boolean {
  if (inputs.files.includes(file)) return true;
  return inputs.dirs.some((d) => d === "." || file === d || file.startsWith(`${d}/`));
}
