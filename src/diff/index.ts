/**
 * diff/ — is a resource in the cluster as Git wants it?
 *
 * Owns: normalizing objects (normalize.ts), ignoreDifferences rules (ignore.ts, with jq path expressions
 * in jq.ts and field ownership in managedfields.ts), Secret masking (mask.ts), and the comparison of a
 * server-side-apply dry-run result with the live object into Synced | OutOfSync | Missing | Extra with a
 * readable diff (compare.ts).
 *
 * Must not import: anything that does I/O (cluster, git, render, controller, api, cli). The cluster layer
 * performs the dry run and hands the results in; the one asynchronous step here is loading jq's
 * WebAssembly module once (loadJqPathEvaluator).
 */
export {
  compareObject,
  countsAsOutOfSync,
  defaultCompareOptions,
  diffName,
  summarize,
  toYaml,
  unifiedDiff,
  type CompareInput,
  type CompareOptions,
  type ResourceDiff,
  type ResourceStatus,
  type SyncSummary,
} from "./compare.js";
export {
  applyIgnore,
  effectiveIgnore,
  keepLiveAtIgnored,
  globMatch,
  IgnoreDifference,
  IgnoreDifferences,
  parseIgnoreDifferences,
  removeIgnored,
  ruleMatches,
  type EffectiveIgnore,
  type IgnoreTarget,
} from "./ignore.js";
export { jqPathEvaluator, loadJqPathEvaluator, type JqPathEvaluator, type JqPathResult } from "./jq.js";
export {
  applyTrustedManagers,
  formatFieldPathElement,
  listFieldPaths,
  ownedFieldSets,
  parseFieldPathElement,
  parseFieldsV1,
  type FieldPathElement,
  type FieldSet,
} from "./managedfields.js";
export { MASK_CHAR, maskOf, maskSecret, maskSecretVersions } from "./mask.js";
export {
  foldStringData,
  isSecret,
  LAST_APPLIED_ANNOTATION,
  normalize,
  projectOnto,
  SERVER_ANNOTATIONS,
  SERVER_METADATA_FIELDS,
} from "./normalize.js";
export { deepEqual, parseJsonPointer, type JsonPath, type PathElement } from "./paths.js";
