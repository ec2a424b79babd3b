/**
 * ignoreDifferences: per-application rules that take fields out of the comparison, in Argo CD's shape
 * (https://argo-cd.readthedocs.io/en/stable/user-guide/diffing/) so Application manifests written for Argo
 * CD work unchanged.
 *
 * A rule matches a resource by group ("" is the core group) and kind, and optionally name and namespace;
 * each may be `*` or a glob with `*`. All matching rules apply together, in this order:
 * 1. managedFieldsManagers: fields those managers own in the live object are copied from live into the
 *    predicted object (see managedfields.ts), so what an HPA or a controller set is not drift;
 * 2. jsonPointers (RFC 6901): the field is removed from both sides;
 * 3. jqPathExpressions: every path `path(expr)` yields on either side is removed from both sides
 *    (see jq.ts). A run-time error on one side selects nothing there; "Cannot iterate over null" (a list
 *    that isn't there) silently, anything else with a warning.
 * After a removal, containers left empty on both sides by it are removed too, so that `{}` left behind on
 * one side does not differ from nothing on the other.
 *
 * Pure: imports nothing that does I/O.
 */
import { z } from "zod";
import { UsageError } from "../core/errors.js";
import type { KubeObject, ResourceKey } from "../core/object.js";
import type { JqPathEvaluator, JqPathResult } from "./jq.js";
import { applyTrustedManagers } from "./managedfields.js";
import {
  deepEqual,
  deletePaths,
  getPath,
  isObject,
  parseJsonPointer,
  type JsonPath,
} from "./paths.js";

const JsonPointer = z.string().regex(/^\//, 'a JSON pointer starts with "/", e.g. /spec/replicas');

/** One ignoreDifferences rule, as in Argo CD's Application `spec.ignoreDifferences[]`. */
export const IgnoreDifference = z.object({
  /** API group without version; "" (or absent) is the core group; "*" is any. */
  group: z.string().default(""),
  /** Kind, e.g. "Deployment"; "*" is any. */
  kind: z.string().min(1),
  /** Only the object of this name (glob with "*"); any when absent. */
  name: z.string().optional(),
  /** Only objects in this namespace (glob with "*"); any when absent. */
  namespace: z.string().optional(),
  /** RFC 6901 pointers of fields to ignore, e.g. "/spec/replicas". */
  jsonPointers: z.array(JsonPointer).optional(),
  /** jq path expressions of fields to ignore, e.g. `.spec.template.spec.initContainers[] | select(.name == "x")`. */
  jqPathExpressions: z.array(z.string().min(1)).optional(),
  /** Field managers whose fields in the live object win over the desired state. */
  managedFieldsManagers: z.array(z.string().min(1)).optional(),
});
export type IgnoreDifference = z.infer<typeof IgnoreDifference>;

/** A list of rules, as in `spec.ignoreDifferences`. */
export const IgnoreDifferences = z.array(IgnoreDifference);

/** Validates rules read from an Application or a file; throws UsageError naming the bad entry. */
export function parseIgnoreDifferences(input: unknown): IgnoreDifference[] {
  const r = IgnoreDifferences.safeParse(input ?? []);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue ? `ignoreDifferences${issue.path.map((p) => `[${JSON.stringify(p)}]`).join("")}` : "ignoreDifferences";
  throw new UsageError(`invalid ${where}: ${issue?.message ?? r.error.message}`);
}

/** Matches a value against a pattern where "*" stands for any run of characters. */
export function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes("*")) return pattern === value;
  const re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
  return re.test(value);
}

/** Whether a rule applies to the resource with this key. */
export function ruleMatches(rule: IgnoreDifference, key: ResourceKey): boolean {
  return (
    globMatch(rule.group, key.group) &&
    globMatch(rule.kind, key.kind) &&
    (rule.name === undefined || rule.name === "" || globMatch(rule.name, key.name)) &&
    (rule.namespace === undefined || rule.namespace === "" || globMatch(rule.namespace, key.namespace))
  );
}

/** The union of what all rules matching `key` ask to ignore. */
export interface EffectiveIgnore {
  jsonPointers: string[];
  jqPathExpressions: string[];
  managedFieldsManagers: string[];
}

/** Merges the rules that match `key` (duplicates removed, order kept). */
export function effectiveIgnore(rules: readonly IgnoreDifference[], key: ResourceKey): EffectiveIgnore {
  const pick = (f: (r: IgnoreDifference) => string[] | undefined): string[] => [
    ...new Set(rules.filter((r) => ruleMatches(r, key)).flatMap((r) => f(r) ?? [])),
  ];
  return {
    jsonPointers: pick((r) => r.jsonPointers),
    jqPathExpressions: pick((r) => r.jqPathExpressions),
    managedFieldsManagers: pick((r) => r.managedFieldsManagers),
  };
}

/** Inputs of applyIgnore: both normalized sides (changed in place) and the raw live object. */
export interface IgnoreTarget {
  /** The normalized predicted object; changed in place. */
  predicted: KubeObject;
  /** The normalized live object; changed in place. */
  live: KubeObject;
  /** The live object before normalization (its managedFields). */
  rawLive: KubeObject;
}

/**
 * Applies the rules matching `key` to both sides in place (see the module comment) and returns warnings.
 * Throws UsageError when a rule has jq expressions but no evaluator is given, or an expression is not jq.
 */
export function applyIgnore(
  target: IgnoreTarget,
  key: ResourceKey,
  rules: readonly IgnoreDifference[],
  jq?: JqPathEvaluator,
): string[] {
  const warnings: string[] = [];
  const eff = effectiveIgnore(rules, key);
  const { predicted, live } = target;
  applyTrustedManagers(predicted, live, target.rawLive, eff.managedFieldsManagers, warnings);

  const pointers: JsonPath[] = eff.jsonPointers.map(parseJsonPointer);
  const perSide: [JsonPath[], JsonPath[]] = [[], []];
  if (eff.jqPathExpressions.length > 0) {
    if (!jq) {
      throw new UsageError(
        "ignoreDifferences has jqPathExpressions but no jq evaluator was given",
        "load one once with loadJqPathEvaluator() and pass it as the `jq` option",
      );
    }
    // Each side's own paths: an index found in one list means nothing in the other.
    jq.paths([predicted, live], eff.jqPathExpressions).forEach((perDoc, d) => {
      const side = d === 0 ? "predicted" : "live";
      perDoc.forEach((r, e) => perSide[d]?.push(...jqPaths(r, eff.jqPathExpressions[e] ?? "", side, warnings)));
    });
  }
  removeIgnored(predicted, live, pointers, perSide[0], perSide[1]);
  return warnings;
}

function jqPaths(r: JqPathResult, expr: string, side: string, warnings: string[]): JsonPath[] {
  if ("error" in r) {
    if (!/^Cannot iterate over null/.test(r.error)) warnings.push(`jq "${expr}" on ${side}: ${r.error}`);
    return [];
  }
  return r.paths.filter((p) => {
    const ok = Array.isArray(p) && p.every((el: unknown) => typeof el === "string" || typeof el === "number");
    if (!ok) warnings.push(`jq "${expr}" on ${side}: path ${JSON.stringify(p)} is not a field or index; ignored`);
    return ok;
  });
}

/**
 * Removes `both` from both documents, `fromA` from `a` only and `fromB` from `b` only (in place), then
 * the containers these removals left empty on both sides.
 */
export function removeIgnored(
  a: unknown,
  b: unknown,
  both: readonly JsonPath[],
  fromA: readonly JsonPath[] = [],
  fromB: readonly JsonPath[] = [],
): void {
  if (both.length + fromA.length + fromB.length === 0) return;
  deletePaths(a, dedupe([...both, ...fromA]));
  deletePaths(b, dedupe([...both, ...fromB]));
  for (const p of dedupe([...both, ...fromA, ...fromB])) pruneEmptied(a, b, p);
}

function dedupe(paths: readonly JsonPath[]): JsonPath[] {
  const seen = new Map<string, JsonPath>();
  for (const p of paths) seen.set(JSON.stringify(p.map(String)), p);
  return [...seen.values()];
}

const isEmptyContainer = (v: unknown): boolean =>
  (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);

/**
 * Walks up from the parent of a removed path: while both sides are empty there or absent (and not both
 * absent), removes it from both. The document root is never removed.
 */
function pruneEmptied(a: unknown, b: unknown, removed: JsonPath): void {
  for (let depth = removed.length - 1; depth >= 1; depth--) {
    const p = removed.slice(0, depth);
    const va = getPath(a, p);
    const vb = getPath(b, p);
    if (va === undefined && vb === undefined) continue;
    const emptyOrGone = (v: unknown): boolean => v === undefined || isEmptyContainer(v);
    if (!emptyOrGone(va) || !emptyOrGone(vb)) return;
    if (va !== undefined && vb !== undefined && !deepEqual(va, vb)) return; // [] vs {}: a real difference
    deletePaths(a, [p]);
    deletePaths(b, [p]);
  }
}

/**
 * The desired object a sync applies under RespectIgnoreDifferences=true (Argo CD): at each ignored JSON
 * pointer, the live value when the live object has one, else nothing — so the sync neither resets a field
 * another actor owns (an HPA's replicas) nor adds it. A copy; `desired` is not changed. Pointers the
 * object does not have are skipped.
 */
export function keepLiveAtIgnored(desired: KubeObject, live: KubeObject, pointers: readonly string[]): KubeObject {
  if (pointers.length === 0) return desired;
  const out = structuredClone(desired);
  const removals: JsonPath[] = [];
  for (const pointer of pointers) {
    const path = parseJsonPointer(pointer);
    if (path.length === 0) continue;
    const value = getPath(live, path);
    if (value === undefined) removals.push(path);
    else setPath(out, path, structuredClone(value));
  }
  deletePaths(out, removals);
  return out;
}

/** Sets `value` at `path` in `doc`, making the objects on the way; an array step must exist. */
function setPath(doc: unknown, path: JsonPath, value: unknown): void {
  let cur = doc;
  for (let i = 0; i < path.length - 1; i++) {
    const el = path[i]!;
    let next = getPath(cur, [el]);
    if (next === undefined) {
      if (!isObject(cur)) return;
      next = {};
      cur[String(el)] = next;
    }
    cur = next;
  }
  const last = path[path.length - 1]!;
  if (Array.isArray(cur)) {
    const i = Number(last);
    if (Number.isInteger(i) && i >= 0 && i < cur.length) cur[i] = value;
  } else if (isObject(cur)) {
    cur[String(last)] = value;
  }
}
