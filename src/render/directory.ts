/**
 * The directory source: plain manifests. Reads `*.yaml`, `*.yml` and `*.json` files of the app folder
 * (and, with `recurse`, of its sub-folders), in name order, each a stream of documents. Like Argo CD
 * (reposerver findManifests): `exclude` and then `include` are matched against the path relative to the
 * app folder; other files (README.md, *.txt) are ignored; a symlinked folder is not followed, a symlinked
 * file is read if it stays inside the repository. Every file that fails to parse is reported, not just
 * the first. File system calls are synchronous (as in paths.ts): a manifest folder is small and local,
 * and a thread-pool round trip per call cost more than the call (fs/promises' readFile makes four).
 *
 * Argo CD's directory source also evaluates `*.jsonnet` files (`*.libsonnet` are libraries they import).
 * plumb cannot yet, so a selection holding any Jsonnet file is refused as a whole, naming the files:
 * rendering the YAML beside them would deploy part of the app and prune the rest, and a folder of Jsonnet
 * alone would look like an empty app.
 */
import { readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { RenderError, type RenderProblem } from "./errors.js";
import { globMatcher } from "./glob.js";
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

/** The RenderError of a selection that holds Jsonnet files: one problem per file, and what to do. */
function jsonnetRefused(ctx: RenderContext, files: string[]): RenderError {
  const problems = files.map((f) => ({
    file: toPosix(relative(ctx.repo.realRoot, f)),
    message: "Jsonnet is not supported yet: plumb cannot evaluate this file, so the source is not rendered at all (none of its manifests are deployed or pruned)",
  }));
  const hint = "commit the YAML or JSON the Jsonnet generates instead, or, if these files are not manifests, leave them out with source.directory.exclude (e.g. '*.jsonnet')";
  return new RenderError(problems, hint);
}

/** Renders a directory source; throws RenderError when the selected files include Jsonnet. */
export async function renderDirectory(ctx: RenderContext, opts: DirectorySource = {}): Promise<RenderOutput> {
  const files = listFiles(ctx, opts);
  const jsonnet = files.filter((f) => JSONNET_FILE.test(f));
  if (jsonnet.length) throw jsonnetRefused(ctx, jsonnet);
  const objects: SourcedObject[] = [];
  const problems: RenderProblem[] = [];
  const relFiles: string[] = [];
  for (const file of files) {
    const rel = toPosix(relative(ctx.repo.realRoot, file));
    relFiles.push(rel);
    const text = readFileSync(file, "utf8");
    const parsed = parseManifests(text, rel);
    objects.push(...parsed.objects);
    problems.push(...parsed.problems);
  }
  return { objects, problems, files: relFiles };
}
