/**
 * Discovery: the manifests of a GitOps repository that `plumb validate` starts from. Walks a folder for
 * `*.yaml`, `*.yml` and `*.json` files and reads each as a stream of documents (render/yaml.ts, the YAML 1.1
 * rules Kubernetes uses), keeping:
 *   - Application and AppProject objects of plumb's group and of Argo CD's (`plumb.dev/*`, `argoproj.io/*`);
 *   - CustomResourceDefinitions, so that the custom resources of every app are validated against them.
 * A file that does not parse is a `yaml-syntax` finding, with its line.
 *
 * Skipped: `.git` and `node_modules`, files above MAX_FILE_BYTES, and the `templates/` folder of a Helm
 * chart (a folder with a Chart.yaml): those are Go templates, not YAML, and are checked by rendering the
 * chart instead.
 *
 * Synchronous file system calls, as render/paths.ts explains: a repository is local and small files are
 * cheaper read in one call. Must not import cluster/, git/ or the controller.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { KubeObject } from "../core/object.js";
import { toPosix } from "../render/paths.js";
import { parseManifests } from "../render/yaml.js";
import type { Finding } from "./findings.js";

/** Files larger than this are not read (a manifest that large is data, not configuration). */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;

const MANIFEST_FILE = /\.(ya?ml|json)$/i;
const SKIPPED_DIRS = new Set([".git", "node_modules"]);
const APP_GROUPS = ["plumb.dev/", "argoproj.io/"];

/** An object read from a repository file. */
export interface ManifestDoc {
  object: Record<string, unknown>;
  /** Repository-relative, `/`-separated. */
  file: string;
  /** 1-based line where the object's document starts. */
  line?: number;
}

/** What a walk found. */
export interface Discovered {
  applications: ManifestDoc[];
  projects: ManifestDoc[];
  crds: KubeObject[];
  /** `yaml-syntax` findings. */
  findings: Finding[];
  /** Manifest files read. */
  files: number;
}

function groupOf(obj: Record<string, unknown>): boolean {
  return typeof obj.apiVersion === "string" && APP_GROUPS.some((g) => (obj.apiVersion as string).startsWith(g));
}

/** An Application of plumb's or Argo CD's group. */
export function isApplication(obj: Record<string, unknown>): boolean {
  return obj.kind === "Application" && groupOf(obj);
}

/** An AppProject of plumb's or Argo CD's group. */
export function isAppProject(obj: Record<string, unknown>): boolean {
  return obj.kind === "AppProject" && groupOf(obj);
}

/** An apiextensions.k8s.io CustomResourceDefinition. */
export function isCRD(obj: Record<string, unknown>): boolean {
  return obj.kind === "CustomResourceDefinition" && typeof obj.apiVersion === "string" && obj.apiVersion.startsWith("apiextensions.k8s.io/");
}

/** The manifest files under `dir`, absolute, in a stable order, with the skips of the module comment. */
export function manifestFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    const entries = readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const isChart = entries.some((e) => e.name === "Chart.yaml" && e.isFile());
    for (const e of entries) {
      const full = join(d, e.name);
      if (e.isDirectory()) {
        if (SKIPPED_DIRS.has(e.name) || (isChart && e.name === "templates")) continue;
        walk(full);
      } else if (e.isFile() && MANIFEST_FILE.test(e.name)) {
        out.push(full);
      }
    }
  };
  walk(dir);
  return out;
}

/**
 * Reads every manifest file under `dir`; file names in results are relative to `repoRoot` (which contains
 * `dir`).
 */
export function discover(dir: string, repoRoot: string): Discovered {
  const found: Discovered = { applications: [], projects: [], crds: [], findings: [], files: 0 };
  for (const full of manifestFiles(dir)) {
    const file = toPosix(relative(repoRoot, full));
    if (statSync(full).size > MAX_FILE_BYTES) continue;
    found.files++;
    const { objects, problems } = parseManifests(readFileSync(full, "utf8"), file);
    for (const p of problems) {
      if (!p.message.startsWith("invalid YAML")) continue; // a values file may well be a list
      found.findings.push({ check: "yaml-syntax", severity: "error", message: `${p.message}; fix the file so that it parses`, file, ...(p.line !== undefined ? { line: p.line } : {}) });
    }
    for (const o of objects) {
      const doc: ManifestDoc = { object: o.object, file, ...(o.line !== undefined ? { line: o.line } : {}) };
      if (isApplication(o.object)) found.applications.push(doc);
      else if (isAppProject(o.object)) found.projects.push(doc);
      else if (isCRD(o.object)) found.crds.push(o.object as unknown as KubeObject);
    }
  }
  return found;
}
