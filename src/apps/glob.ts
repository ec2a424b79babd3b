/**
 * The glob dialect of Argo CD's AppProject rules (gobwas/glob), with optional separators:
 *   `*`   any run of characters that are not separators     `**`      any run of characters
 *   `?`   one character that is not a separator             `[abc]`, `[a-z]`, `[!a-z]`  classes
 *   `{a,b}` alternatives                                     `\x`      the character x literally
 * Argo CD matches sourceRepos with `/` as the separator (`https://github.com/org/*` matches the org's
 * repositories, not deeper paths) and destinations and group/kind lists without any. A malformed pattern
 * matches nothing, as a glob that fails to compile does in Argo CD.
 *
 * Pure: imports nothing that does I/O.
 */

import { compileGlob } from "../core/glob.js";

/** Whether `value` matches the glob `pattern`; `separators` are the characters a single `*` does not cross. */
export function globMatch(pattern: string, value: string, separators = ""): boolean {
  if (pattern === "*" && !separators) return true;
  try {
    return compileGlob(pattern, separators).test(value);
  } catch {
    return false;
  }
}

/** A `!pattern` denies what it matches. */
export function isDenyPattern(pattern: string): boolean {
  return pattern.startsWith("!");
}

/** Argo CD's globMatch with negation: `!pattern` matches what `pattern` does not; `*` matches everything. */
export function globMatchWithNegation(pattern: string, value: string, separators = ""): boolean {
  if (isDenyPattern(pattern)) return !globMatch(pattern.slice(1), value, separators);
  if (pattern === "*") return true;
  return globMatch(pattern, value, separators);
}
