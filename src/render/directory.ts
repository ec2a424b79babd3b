/**
 * The directory source: plain manifests. Reads `*.yaml`, `*.yml` and `*.json` files of the app folder
 * (and, with `recurse`, of its sub-folders), in name order, each a stream of documents. Like Argo CD
 * (reposerver findManifests): `exclude` and then `include` are matched against the path relative to the
 * app folder; other files (README.md, *.txt) are ignored; a symlinked folder is not followed, a symlinked
 * file is read if it stays inside the repository. Every file that fails to parse is reported, not just
 * the first.
 */
import { readFileSync } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { RenderError, type RenderProblem } from "./errors.js";
import { globMatcher } from "./glob.js";
import { isInside, toPosix } from "./paths.js";
import type { DirectorySource, RenderContext, RenderOutput } from "./schema.js";
import { parseManifests, type SourcedObject } from "./yaml.js";

const MANIFEST_FILE = /\.(ya?ml|json)$/;

function matcher(option: "include" | "exclude", pattern: string | undefined): ((rel: string) => boolean) | undefined {
  if (!pattern) return undefined;
  try {
    return globMatcher(pattern);
  } catch (err) {
    throw RenderError.of(`source.directory.${option}: ${(err as Error).message}`);
  }
}

/** The manifest files of the app folder that the options select, as absolute paths, in walk order. */
async function listFiles(ctx: RenderContext, opts: DirectorySource): Promise<string[]> {
  const include = matcher("include", opts.include);
  const exclude = matcher("exclude", opts.exclude);
  const root = ctx.app.real;
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = join(dir, e.name);
      if (e.isDirectory()) {
        if (opts.recurse && e.name !== ".git") await walk(full);
        continue;
      }
      if (!MANIFEST_FILE.test(e.name)) continue;
      if (e.isSymbolicLink()) {
        // Links leading out were refused before; a link to a folder is not followed (as Go's filepath.Walk).
        const target = await realpath(full).catch(() => undefined);
        if (!target || !isInside(ctx.repo.realRoot, target) || !(await stat(target)).isFile()) continue;
      } else if (!e.isFile()) {
        continue;
      }
      const rel = toPosix(relative(root, full));
      if (exclude?.(rel)) continue;
      if (include && !include(rel)) continue;
      files.push(full);
    }
  };
  await walk(root);
  return files;
}

/** Renders a directory source. */
export async function renderDirectory(ctx: RenderContext, opts: DirectorySource = {}): Promise<RenderOutput> {
  const files = await listFiles(ctx, opts);
  const objects: SourcedObject[] = [];
  const problems: RenderProblem[] = [];
  const relFiles: string[] = [];
  for (const file of files) {
    const rel = toPosix(relative(ctx.repo.realRoot, file));
    relFiles.push(rel);
    // Manifests are small local files: a synchronous read costs a fraction of the four thread-pool round
    // trips of fs/promises' readFile (open, stat, read, close), which a controller rendering a thousand
    // apps pays a thousand times over.
    const text = readFileSync(file, "utf8");
    const parsed = parseManifests(text, rel);
    objects.push(...parsed.objects);
    problems.push(...parsed.problems);
  }
  return { objects, problems, files: relFiles };
}
