/**
 * Which Lua script judges an object, in Argo CD's precedence, plus plumb's built-ins at the bottom:
 *
 *   1. a ConfigMap key for the exact group/kind, then one whose "*" pattern matches it;
 *   2. the folder laid out as Argo CD's resource_customizations (`<group>/<kind>/health.lua`; "_" in a
 *      folder name is a wildcard, as in `_.crossplane.io/_`), exact before wildcard;
 *   3. otherwise no script: assessHealth falls back to plumb's built-in checks.
 *
 * Among wildcards the most specific pattern (most literal characters) wins, so the answer does not depend
 * on the order keys were read in. Pure: works on maps already read.
 */
import { globMatch } from "../../diff/ignore.js";
import type { LuaScript } from "./customizations.js";

/** Scripts from one source, by "group/Kind" pattern ("*" globs allowed). */
export type ScriptTable = ReadonlyMap<string, LuaScript>;

function literalLength(pattern: string): number {
  return pattern.replaceAll("*", "").length;
}

function findIn(table: ScriptTable, key: string): LuaScript | undefined {
  const exact = table.get(key);
  if (exact) return exact;
  let best: [string, LuaScript] | undefined;
  for (const entry of table) {
    if (!entry[0].includes("*") || !globMatch(entry[0], key)) continue;
    if (!best || literalLength(entry[0]) > literalLength(best[0]) || (literalLength(entry[0]) === literalLength(best[0]) && entry[0] < best[0])) best = entry;
  }
  return best?.[1];
}

/** The script for group/kind from the first source (highest precedence first) that has one. */
export function findScript(sources: readonly ScriptTable[], group: string, kind: string): LuaScript | undefined {
  const key = group ? `${group}/${kind}` : kind;
  for (const table of sources) {
    const s = findIn(table, key);
    if (s) return s;
  }
  return undefined;
}
