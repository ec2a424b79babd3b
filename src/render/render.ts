/**
 * render(): one source folder → the desired manifests. The steps:
 *   1. validate the options (zod; unknown, invalid and unsupported fields are refused);
 *   2. check the app path: inside the repository, lexically and through symlinks, an existing folder with
 *      no symlink leading out of the repository;
 *   3. pick the type as Argo CD does: explicit options win (`plugin` selects a config management plugin);
 *      otherwise a registered plugin whose discover rules match, then a kustomization means kustomize, a
 *      Chart.yaml helm, anything else is a directory of manifests;
 *   4. render with that type (directory.ts with jsonnet.ts, kustomize.ts, helm.ts, plugin.ts);
 *   5. run the common checks (validate.ts) and sort.
 * Every problem is thrown as one RenderError; a missing helm/kustomize is a ToolMissingError.
 */
import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { renderDirectory } from "./directory.js";
import { RenderError } from "./errors.js";
import { renderHelm } from "./helm.js";
import { kustomizationFile, renderKustomize } from "./kustomize.js";
import { openRepo, outOfBoundsSymlinks, resolveInRepo } from "./paths.js";
import { renderWithPlugin } from "./plugin.js";
import type { KubeObject } from "../core/object.js";
import { parseSourceOptions, type ObjectOrigin, type RenderContext, type RenderOutput, type RenderRequest, type RenderResult, type SourceOptions, type SourceType } from "./schema.js";
import { finalize } from "./validate.js";
import { DEFAULT_MANIFEST_LIMITS } from "./limits.js";
import type { SourcedObject } from "./yaml.js";

const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * The type a source renders as: explicit options first, then the folder's files (Argo CD's discovery). A
 * folder with both a kustomization and a Chart.yaml is kustomize: Argo CD walks the folder's files in
 * lexical order and the last match wins, and `Chart.yaml` sorts before every kustomization file name
 * (util/app/discovery). Such a folder is typically a kustomization that inflates the chart (helmCharts).
 * Plugins are selected before this, in render().
 */
export function detectSourceType(appDir: string, source: SourceOptions = {}): Exclude<SourceType, "plugin"> {
  if (source.helm) return "helm";
  if (source.kustomize) return "kustomize";
  if (source.directory) return "directory";
  if (kustomizationFile(appDir)) return "kustomize";
  if (existsSync(join(appDir, "Chart.yaml"))) return "helm";
  return "directory";
}

/**
 * Renders the source at `req.path` in the repository `req.repoRoot` into checked Kubernetes objects.
 * Throws RenderError (every problem found, each naming its file or object) or ToolMissingError.
 */
export async function render(req: RenderRequest): Promise<RenderResult> {
  const source = parseSourceOptions(req.source);
  const repo = await openRepo(req.repoRoot);
  const app = await resolveInRepo(repo, repo.root, req.path || ".", "path");
  if (!app) throw RenderError.of(`path "${req.path}" does not exist in the repository`);
  if (!(await stat(app.real)).isDirectory()) throw RenderError.of(`path "${req.path}" is a file; an application path names a folder`);
  const links = await outOfBoundsSymlinks(repo, app.real);
  if (links.length) throw new RenderError(links);

  const ctx: RenderContext = { request: req, repo, app, env: req.env ?? process.env, timeoutMs: req.timeoutMs ?? DEFAULT_TIMEOUT_MS, limits: req.limits ?? DEFAULT_MANIFEST_LIMITS };
  const explicit = !!(source.helm || source.kustomize || source.directory);
  const byPlugin = explicit ? undefined : await renderWithPlugin(ctx, source.plugin, source.plugin !== undefined);
  const type: SourceType = byPlugin ? "plugin" : detectSourceType(app.real, source);
  let out: RenderOutput;
  switch (type) {
    case "plugin":
      out = byPlugin!;
      break;
    case "helm":
      out = await renderHelm(ctx, source.helm);
      break;
    case "kustomize":
      out = await renderKustomize(ctx, source.kustomize);
      break;
    case "directory":
      out = await renderDirectory(ctx, source.directory);
      break;
  }
  // A tool's output was capped in bytes as it streamed (exec.ts); its objects are counted here, before
  // the checks and the comparison (a directory's documents were counted before they were parsed).
  const maxDocs = ctx.limits!.documents;
  if (out.objects.length > maxDocs) throw RenderError.of(`the ${type} render produced ${out.objects.length} objects, over the cap of ${maxDocs} per app: split the app into several apps (nothing was applied or pruned)`);
  const objects = finalize(out.objects, { destinationNamespace: req.destinationNamespace, isNamespaced: req.isNamespaced }, out.problems);
  const result: RenderResult = out.files ? { objects, type, files: out.files } : { objects, type };
  if (req.withOrigins) result.origins = originsOf(out.objects, objects);
  return result;
}

/** Where each finalized object came from: finalize keeps every object's identity, so a look-up by reference. */
function originsOf(read: readonly SourcedObject[], objects: readonly KubeObject[]): ObjectOrigin[] {
  const where = new Map<object, ObjectOrigin>();
  for (const s of read) where.set(s.object, s.line !== undefined ? { file: s.file, line: s.line } : { file: s.file });
  return objects.map((o) => where.get(o) ?? { file: "" });
}
