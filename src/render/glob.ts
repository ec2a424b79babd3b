/**
 * Argo CD's glob syntax for a directory source's include/exclude. Argo CD matches the file's path relative
 * to the app folder with gobwas/glob compiled *without* separators, so `*` also crosses `/`: `*.yaml`
 * matches `a.yaml` and `sub/a.yaml` alike. Common JavaScript glob libraries treat `/` specially, hence this
 * small translation to a regular expression:
 *   `*`, `**`   any run of characters        `?`        one character
 *   `[abc]`, `[a-z]`, `[!a-z]`  classes       `{a,b}`    alternatives (may nest)
 *   `\x`        the character x literally
 *
 * The compiler is shared with AppProject rules (core/glob.ts).
 *
 * Pure: imports nothing that does I/O.
 */
import { compileGlob } from "../core/glob.js";

export { compileGlob };

/** A matcher for a path relative to the app folder (always with `/` separators). */
export function globMatcher(pattern: string): (relPath: string) => boolean {
  const re = compileGlob(pattern);
  return (relPath) => re.test(relPath);
}
