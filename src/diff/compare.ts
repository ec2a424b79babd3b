/**
 * The comparison of one resource, and the application's sync status from all of them.
 *
 * For a resource both in Git and in the cluster, the cluster layer has asked the API server for a
 * server-side-apply dry run of the desired object (field manager `plumb`); the answer is the predicted
 * live object, with every API-server and CRD-schema default filled in. compareObject:
 *   1. normalizes the predicted and the live object (normalize.ts: server bookkeeping out, keys sorted);
 *   2. applies the application's ignoreDifferences rules that match the resource (ignore.ts);
 *   3. compares what is left structurally: equal is Synced, anything else OutOfSync;
 *   4. masks Secret values on both sides (mask.ts) and renders both as YAML and a unified diff.
 * Since both sides come from the server, a default never shows as drift. Without a dry-run result (say it
 * failed) desired is compared with the part of live that has desired's shape instead (projectOnto),
 * which is close but can show defaults inside list items; `basis` says which was used.
 *
 * A desired object with no live one is Missing; a live object the application owns that is no longer
 * desired is Extra. An Extra object whose compare-options annotation holds IgnoreExtraneous (plumb's or
 * Argo CD's) is reported but does not make the application OutOfSync
 * (https://argo-cd.readthedocs.io/en/stable/user-guide/compare-options/).
 *
 * Pure: imports nothing that does I/O.
 */
import { createTwoFilesPatch } from "diff";
import { stringify } from "yaml";
import { Annotation, parseOptionList, readAnnotation } from "../core/annotations.js";
import { UsageError } from "../core/errors.js";
import { groupKind, keyOf, type KubeObject, type ResourceKey } from "../core/object.js";
import { applyIgnore, type IgnoreDifference } from "./ignore.js";
import type { JqPathEvaluator } from "./jq.js";
import { maskSecretVersions } from "./mask.js";
import { normalize, projectOnto } from "./normalize.js";
import { deepEqual, sortedCopy } from "./paths.js";

/** The sync status of one resource. */
export type ResourceStatus = "Synced" | "OutOfSync" | "Missing" | "Extra";

/** Options of a comparison; see defaultCompareOptions. */
export interface CompareOptions {
  /** The application's ignoreDifferences rules; only those matching the resource apply. */
  ignore: readonly IgnoreDifference[];
  /** A jq evaluator (loadJqPathEvaluator()); needed only when a matching rule has jqPathExpressions. */
  jq: JqPathEvaluator | undefined;
  /** Lines of unchanged context around each change in the unified diff. */
  contextLines: number;
}

/** No rules, no jq, three lines of context (as `diff -u`). */
export function defaultCompareOptions(): CompareOptions {
  return { ignore: [], jq: undefined, contextLines: 3 };
}

/** The objects to compare (at least desired/predicted or live) and, optionally, options. */
export interface CompareInput extends Partial<CompareOptions> {
  /** The rendered manifest from Git; absent when the resource is no longer desired. */
  desired?: KubeObject;
  /** The server-side-apply dry-run result for desired; absent when there is none. */
  predicted?: KubeObject;
  /** The object in the cluster; absent when it does not exist. */
  live?: KubeObject;
}

/** The outcome of comparing one resource. */
export interface ResourceDiff {
  key: ResourceKey;
  status: ResourceStatus;
  /** An Extra resource that opted out of counting (compare-options IgnoreExtraneous). */
  ignoreExtraneous: boolean;
  /** What the desired side was: the dry-run result, or the desired object itself (fallback). */
  basis: "dry-run" | "desired";
  /** The desired side as compared: normalized, ignored fields removed, Secret values masked. */
  predicted?: KubeObject;
  /** The live side as compared: normalized, ignored fields removed, Secret values masked. */
  live?: KubeObject;
  /** Unified diff of the YAML of both sides, `live` → `desired`; empty when Synced. Made when first read. */
  diff: string;
  /** Things the user may want to know (a jq expression failing on this object, malformed managedFields). */
  warnings: string[];
}

/**
 * Compares one resource (see the module comment). Throws UsageError when given nothing to compare, when
 * desired and live are different objects, or when an ignore rule is unusable (bad jq, no evaluator).
 */
export function compareObject(input: CompareInput): ResourceDiff {
  const options = { ...defaultCompareOptions(), ...definedOnly(input) };
  const { desired, predicted, live } = input;
  const wanted = predicted ?? desired;
  if (!wanted && !live) throw new UsageError("compareObject needs a desired, predicted or live object");
  const key = keyOf((live ?? wanted) as KubeObject);
  if (wanted && live) checkSameObject(keyOf(wanted), key);
  const basis = predicted || !desired ? "dry-run" : "desired";

  if (!live) {
    const [shown] = maskSecretVersions([normalize(wanted as KubeObject)]);
    return result(key, "Missing", basis, shown, undefined, options.contextLines);
  }
  if (!wanted) {
    const [shown] = maskSecretVersions([normalize(live)]);
    const r = result(key, "Extra", basis, undefined, shown, options.contextLines);
    r.ignoreExtraneous = parseOptionList(readAnnotation(live, Annotation.compareOptions)).has("IgnoreExtraneous");
    return r;
  }

  const p = normalize(wanted);
  // A prediction that is the live object itself (remembered: applying changes nothing) is normalized once
  // and serves as both sides — unless ignore rules are given: removing a list item by index from one
  // object standing for both sides would remove two.
  const same = wanted === live && options.ignore.length === 0;
  const l = same ? p : basis === "dry-run" ? normalize(live) : (sortedCopy(projectOnto(normalize(live), p)) as KubeObject);
  const warnings = applyIgnore({ predicted: p, live: l, rawLive: live }, key, options.ignore, options.jq);
  if (basis === "desired") warnings.push("no dry-run result: compared the fields desired sets (defaults inside lists may show)");
  const sortedL = sortedCopy(l);
  const [maskedLive, maskedPredicted] = maskSecretVersions([sortedL, same ? sortedL : sortedCopy(p)]);
  const status = same || deepEqual(p, l) ? "Synced" : "OutOfSync";
  const r = result(key, status, basis, maskedPredicted, maskedLive, options.contextLines);
  r.warnings = warnings;
  return r;
}

/** Summary of an application's resources. */
export interface SyncSummary {
  /** OutOfSync when any resource is OutOfSync, Missing, or Extra without IgnoreExtraneous. */
  status: "Synced" | "OutOfSync";
  resources: number;
  synced: number;
  outOfSync: number;
  missing: number;
  extra: number;
  /** Extra resources that do not count (also included in `extra`). */
  ignoredExtraneous: number;
}

/** Whether a resource makes its application OutOfSync. */
export function countsAsOutOfSync(r: ResourceDiff): boolean {
  return r.status !== "Synced" && !(r.status === "Extra" && r.ignoreExtraneous);
}

/** The application-level status and counts of its resources' results. */
export function summarize(results: readonly ResourceDiff[]): SyncSummary {
  const count = (s: ResourceStatus): number => results.filter((r) => r.status === s).length;
  return {
    status: results.some(countsAsOutOfSync) ? "OutOfSync" : "Synced",
    resources: results.length,
    synced: count("Synced"),
    outOfSync: count("OutOfSync"),
    missing: count("Missing"),
    extra: count("Extra"),
    ignoredExtraneous: results.filter((r) => r.status === "Extra" && r.ignoreExtraneous).length,
  };
}

/** The YAML both sides are shown in: block style, no line folding (a folded line would diff badly). */
export function toYaml(obj: KubeObject | undefined): string {
  return obj === undefined ? "" : stringify(obj, { lineWidth: 0, sortMapEntries: true });
}

/** The path a resource is named by in diff headers: "apps/Deployment/web/api", "Namespace/web". */
export function diffName(key: ResourceKey): string {
  return [groupKind(key), key.namespace, key.name].filter((s) => s !== "").join("/");
}

/**
 * A unified diff from the live to the desired YAML, with `--- live/<resource>` and
 * `+++ desired/<resource>` headers; empty when they are equal.
 */
export function unifiedDiff(key: ResourceKey, live: KubeObject | undefined, desired: KubeObject | undefined, context = 3): string {
  const from = toYaml(live);
  const to = toYaml(desired);
  if (from === to) return "";
  const name = diffName(key);
  const patch = createTwoFilesPatch(`live/${name}`, `desired/${name}`, from, to, undefined, undefined, { context });
  return patch.replace(/^=+\n/, "");
}

function result(
  key: ResourceKey,
  status: ResourceStatus,
  basis: ResourceDiff["basis"],
  predicted: KubeObject | undefined,
  live: KubeObject | undefined,
  context: number,
): ResourceDiff {
  // The diff text is made when first read: the controller compares thousands of objects and seldom shows one.
  let diff: string | undefined = status === "Synced" ? "" : undefined;
  const r = { key, status, ignoreExtraneous: false, basis, warnings: [] } as unknown as ResourceDiff;
  Object.defineProperty(r, "diff", {
    enumerable: true,
    configurable: true,
    get: () => (diff ??= unifiedDiff(key, live, predicted, context)),
    set: (text: string) => (diff = text),
  });
  if (predicted) r.predicted = predicted;
  if (live) r.live = live;
  return r;
}

/** Desired and live must be one object; a namespace left empty in the manifest matches any. */
function checkSameObject(want: ResourceKey, live: ResourceKey): void {
  const same =
    want.group === live.group &&
    want.kind === live.kind &&
    want.name === live.name &&
    (want.namespace === "" || live.namespace === "" || want.namespace === live.namespace);
  if (!same) {
    throw new UsageError(`compareObject was given two objects: desired ${JSON.stringify(want)} and live ${JSON.stringify(live)}`);
  }
}

/** The option fields of the input that are set, so they override the defaults and undefined doesn't. */
function definedOnly(input: CompareInput): Partial<CompareOptions> {
  const out: Partial<CompareOptions> = {};
  if (input.ignore !== undefined) out.ignore = input.ignore;
  if (input.jq !== undefined) out.jq = input.jq;
  if (input.contextLines !== undefined) out.contextLines = input.contextLines;
  return out;
}
