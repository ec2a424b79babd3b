/**
 * How the operation panel orders and judges a sync's per-resource results (pure, unit-tested): failed
 * ones (a SyncFailed result, or a hook that failed or errored) first, then running hooks, then the rest
 * in the order the sync handled them.
 */
import type { ResourceResult } from "../../api/types";

/** Whether this result is a failure the user must see. */
export function isFailed(r: ResourceResult): boolean {
  return r.status === "SyncFailed" || r.hookPhase === "Failed" || r.hookPhase === "Error";
}

function rank(r: ResourceResult): number {
  if (isFailed(r)) return 0;
  if (r.hookPhase === "Running" || r.hookPhase === "Terminating") return 1;
  return 2;
}

/** The results, failed first (a stable sort: equal ones keep the sync's order). */
export function orderResults(results: readonly ResourceResult[]): ResourceResult[] {
  return results.map((r, i) => ({ r, i })).sort((a, b) => rank(a.r) - rank(b.r) || a.i - b.i).map((x) => x.r);
}

/** What a result says in the table's status column: the hook's phase for a hook, else its result. */
export function resultStatus(r: ResourceResult): string {
  return r.status ?? (r.hookPhase ? `Hook ${r.hookPhase}` : "");
}
