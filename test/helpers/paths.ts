/** Paths tests need, independent of whether they run from test/ (tsx) or dist/test/ (compiled). */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "hack"))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no repository root above ${start}`);
    dir = up;
  }
}

/** The repository root. */
export const repoRoot = findRoot(dirname(fileURLToPath(import.meta.url)));

/** A path under test/fixtures. */
export function fixture(...parts: string[]): string {
  return resolve(repoRoot, "test", "fixtures", ...parts);
}
