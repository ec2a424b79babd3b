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
 */
import { readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { RenderError, type RenderProblem } from "./errors.js";
import { globMatcher } from "./glob.js";
import { checkJsonnetOptions, evaluateJsonnet, jsonnetLibs } from "./jsonnet.js";
import { isInside, toPosix } from "./paths.js";
import type { DirectorySource, RenderContext, RenderOutput } from "./schema.js";
import { parseManifests, type SourcedObject } from "./yaml.js";

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

/** Renders a directory source: every problem of every file (Jsonnet evaluation errors included) is reported. */
export async function renderDirectory(ctx: RenderContext, opts: DirectorySource = {}): Promise<RenderOutput> {
  const files = listFiles(ctx, opts);
  const jsonnetOpts = opts.jsonnet ?? {};
  checkJsonnetOptions(jsonnetOpts);
  const libs = files.some((f) => JSONNET_FILE.test(f)) ? await jsonnetLibs(ctx, jsonnetOpts) : [];
  const objects: SourcedObject[] = [];
  const problems: RenderProblem[] = [];
  const relFiles: string[] = [];
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
    const parsed = parseManifests(text, rel);
    objects.push(...parsed.objects);
    problems.push(...parsed.problems);
  }
  return { objects, problems, files: relFiles };
}
