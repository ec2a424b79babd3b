/**
 * The directory source: plain manifests. Reads `*.yaml`, `*.yml` and `*.json` files of the app folder
 * (and, with `recurse`, of its sub-folders), in name order, each a stream of documents. Like Argo CD
 * (reposerver findManifests): `exclude` and then `include` are matched against the path relative to the
 * app folder; other files (README.md, *.txt) are ignored; a symlinked folder is not followed, a symlinked
 * file is read if it stays inside the repository. Every file that fails to parse is reported, not just
 * the first. File system calls are synchronous (as in paths.ts): a manifest folder is small and local,
 * and a thread-pool round trip per call cost more than the call (fs/promises' readFile makes four).
 *
 * `*.jsonnet` files among the selected ones are evaluated (jsonnet.ts) with `directory.jsonnet`'s options,
 * as Argo CD does; `*.libsonnet` files are libraries they import, never evaluated themselves.
 *
 * Caps (limits.ts) before any parse: every selected file is stat'ed first — one over the per-file cap, or
 * all of them together over the per-app cap, refuses the render without a byte read; a file holding more
 * document markers than the per-app count is refused before the YAML parser runs. Parsing is sliced (the
 * event loop is given back every few milliseconds), so a large app does not stall the others.
 */
import { readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { RenderError, type RenderProblem } from "./errors.js";
import { globMatcher } from "./glob.js";
import { checkJsonnetOptions, evaluateJsonnet, jsonnetLibs } from "./jsonnet.js";
import { isInside, toPosix } from "./paths.js";
import type { DirectorySource, RenderContext, RenderOutput } from "./schema.js";
import { DEFAULT_MANIFEST_LIMITS, countDocumentMarkers, formatBytes, Slicer, type ManifestLimits } from "./limits.js";
import { parseManifestsSliced, type SourcedObject } from "./yaml.js";

/** The files a directory source reads, as Argo CD's repo server selects them (reposerver manifestFile). */
const MANIFEST_FILE = /\.(ya?ml|json|jsonnet)$/;
const JSONNET_FILE = /\.jsonnet$/;

function matcher(option: "include" | "exclude", pattern: string | undefined): ((rel: string) => boolean) | undefined {
  if (!pattern) return undefined;
  try {
    return globMatcher(pattern);
  } catch (err) {
    throw RenderError.of(`source.directory.${option}: ${(err as Error).message}`);
  }
}

/** The manifest files of the app folder that the options select, as absolute paths, in walk order. */
function listFiles(ctx: RenderContext, opts: DirectorySource): string[] {
  const include = matcher("include", opts.include);
  const exclude = matcher("exclude", opts.exclude);
  const root = ctx.app.real;
  const files: string[] = [];
  const walk = (dir: string): void => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = join(dir, e.name);
      if (e.isDirectory()) {
        if (opts.recurse && e.name !== ".git") walk(full);
        continue;
      }
      if (!MANIFEST_FILE.test(e.name)) continue;
      if (e.isSymbolicLink()) {
        // Links leading out were refused before; a link to a folder is not followed (as Go's filepath.Walk).
        const target = realpathOrUndefined(full);
        if (!target || !isInside(ctx.repo.realRoot, target) || !statSync(target).isFile()) continue;
      } else if (!e.isFile()) {
        continue;
      }
      const rel = toPosix(relative(root, full));
      if (exclude?.(rel)) continue;
      if (include && !include(rel)) continue;
      files.push(full);
    }
  };
  walk(root);
  return files;
}

function realpathOrUndefined(p: string): string | undefined {
  try {
    return realpathSync.native(p);
  } catch {
    return undefined;
  }
}

/** The files' sizes against the caps, before any is read; a RenderError naming each file over them. */
function checkSizes(ctx: RenderContext, files: readonly string[], limits: ManifestLimits): void {
  const problems: RenderProblem[] = [];
  let total = 0;
  for (const file of files) {
    const size = statSync(file).size;
    total += size;
    if (size > limits.fileBytes) problems.push({ file: toPosix(relative(ctx.repo.realRoot, file)), message: `the file is ${formatBytes(size)}, over the cap of ${formatBytes(limits.fileBytes)} per manifest file: split it into smaller files (nothing was parsed, applied or pruned)` });
  }
  if (problems.length === 0 && total > limits.appBytes) {
    problems.push({ message: `the app's manifest files are ${formatBytes(total)} together, over the cap of ${formatBytes(limits.appBytes)} per app: split the app into several apps (nothing was parsed, applied or pruned)` });
  }
  if (problems.length > 0) throw new RenderError(problems);
}

/** Renders a directory source: every problem of every file (Jsonnet evaluation errors included) is reported. */
export async function renderDirectory(ctx: RenderContext, opts: DirectorySource = {}, limits: ManifestLimits = ctx.limits ?? DEFAULT_MANIFEST_LIMITS): Promise<RenderOutput> {
  const files = listFiles(ctx, opts);
  checkSizes(ctx, files, limits);
  const jsonnetOpts = opts.jsonnet ?? {};
  checkJsonnetOptions(jsonnetOpts);
  const libs = files.some((f) => JSONNET_FILE.test(f)) ? await jsonnetLibs(ctx, jsonnetOpts) : [];
  const objects: SourcedObject[] = [];
  const problems: RenderProblem[] = [];
  const relFiles: string[] = [];
  const slicer = new Slicer();
  let documents = 0;
  for (const file of files) {
    const rel = toPosix(relative(ctx.repo.realRoot, file));
    relFiles.push(rel);
    if (JSONNET_FILE.test(file)) {
      const evaluated = await evaluateJsonnet(ctx, file, jsonnetOpts, libs);
      objects.push(...evaluated.objects);
      problems.push(...evaluated.problems);
      continue;
    }
    const text = readFileSync(file, "utf8");
    documents += countDocumentMarkers(text);
    if (documents > limits.documents) {
      throw RenderError.of(`the app holds more than ${limits.documents} YAML documents (counted up to this file), over the cap per app: split the app into several apps (nothing was parsed, applied or pruned)`, { file: rel });
    }
    const parsed = await parseManifestsSliced(text, rel, { slicer });
    objects.push(...parsed.objects);
    problems.push(...parsed.problems);
    await slicer.yieldIfDue();
  }
  return { objects, problems, files: relFiles };
}
