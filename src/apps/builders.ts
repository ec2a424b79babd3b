/**
 * Pure builders of an Application's status, for the controller: each takes the current status and returns
 * a new one (never mutating its input), and `statusPatch` turns "before" and "after" into the one merge patch
 * the reconcile sends — or nothing when the status did not change.
 *
 * Conditions follow Argo CD's rule: a reconcile evaluates some condition types, replaces every condition of
 * those types with what it found, and keeps the others; a condition found again with the same message keeps
 * its lastTransitionTime, so the time says since when it holds.
 *
 * Pure: imports nothing that does I/O.
 */
import type { Operation } from "./spec.js";
import type {
  AppHealth,
  ApplicationCondition,
  ApplicationSourceType,
  ApplicationStatus,
  OperationPhase,
  ResourceStatus,
  RevisionHistory,
  SyncOperationResult,
  SyncStatus,
} from "./status.js";
import type { SpecProblem } from "./unsupported.js";

/** The condition types that come from analysing the spec (analyzeApplication's problem types). */
export const SPEC_CONDITION_TYPES = ["InvalidSpecError", "UnsupportedField"];

/** A Kubernetes timestamp (RFC 3339, whole seconds, UTC): "2025-01-31T12:00:00Z". */
export function timestamp(now: Date = new Date()): string {
  return `${now.toISOString().slice(0, 19)}Z`;
}

/**
 * Replaces the conditions of `evaluated` types with `fresh`, keeping the others; a fresh condition equal in
 * type and message to an existing one keeps its lastTransitionTime.
 */
export function setConditions(
  existing: readonly ApplicationCondition[] | undefined,
  fresh: ReadonlyArray<{ type: string; message: string }>,
  evaluated: readonly string[],
  now: Date = new Date(),
): ApplicationCondition[] {
  const old = existing ?? [];
  const kept = old.filter((c) => !evaluated.includes(c.type));
  const added = fresh.map((c) => {
    const same = old.find((o) => o.type === c.type && o.message === c.message);
    return { type: c.type, message: c.message, lastTransitionTime: same?.lastTransitionTime ?? timestamp(now) };
  });
  return [...kept, ...added];
}

/** The status with the spec's problems as conditions (and none left from problems since fixed). */
export function withSpecProblems(status: ApplicationStatus, problems: readonly SpecProblem[], now: Date = new Date()): ApplicationStatus {
  const fresh = problems.map((p) => ({ type: p.type, message: p.message }));
  return { ...status, conditions: setConditions(status.conditions, fresh, SPEC_CONDITION_TYPES, now) };
}

/** What a comparison of Git with the cluster found. */
export interface Comparison {
  sync: SyncStatus;
  health: AppHealth;
  resources: ResourceStatus[];
  sourceType?: ApplicationSourceType;
  sourceTypes?: ApplicationSourceType[];
  images?: string[];
}

/**
 * The status after a comparison: sync, health, resources, source type, reconciledAt and observedAt. The
 * resources are the whole list, so a summary of an earlier, shortened list (budget.ts) is dropped.
 */
export function withComparison(status: ApplicationStatus, c: Comparison, now: Date = new Date()): ApplicationStatus {
  const at = timestamp(now);
  const { resourcesSummary: _shortened, ...rest } = status;
  // health.lastTransitionTime: when the health status last changed (Argo CD's field, which its on-deployed
  // notification trigger compares with the operation's finishedAt).
  const since = status.health?.status === c.health.status ? (status.health.lastTransitionTime ?? at) : at;
  const out: ApplicationStatus = { ...rest, sync: c.sync, health: { ...c.health, lastTransitionTime: since }, resources: c.resources, reconciledAt: at, observedAt: at };
  if (c.sourceType) out.sourceType = c.sourceType;
  if (c.sourceTypes) out.sourceTypes = c.sourceTypes;
  if (c.images) out.summary = { ...status.summary, images: c.images };
  return out;
}

/** The status when an operation starts: phase Running, startedAt now, no result yet. */
export function withOperationStarted(status: ApplicationStatus, operation: Operation, now: Date = new Date()): ApplicationStatus {
  return { ...status, operationState: { operation, phase: "Running", message: "", startedAt: timestamp(now), retryCount: 0 } };
}

/** The status as a running operation progresses (a message, the results so far). */
export function withOperationProgress(status: ApplicationStatus, progress: { message?: string; syncResult?: SyncOperationResult }): ApplicationStatus {
  const op = status.operationState;
  if (!op) return status;
  return {
    ...status,
    operationState: { ...op, ...(progress.message !== undefined ? { message: progress.message } : {}), ...(progress.syncResult ? { syncResult: progress.syncResult } : {}) },
  };
}

/**
 * The status when a failed attempt will be retried: retryCount + 1, still Running, with why; the failure's
 * time in finishedAt (what the retry's backoff counts from) and no position, since no attempt runs.
 */
export function withOperationRetry(status: ApplicationStatus, message: string, now: Date = new Date(), syncResult?: SyncOperationResult): ApplicationStatus {
  const op = status.operationState;
  if (!op) return status;
  const { progress: _p, ...rest } = op;
  return { ...status, operationState: { ...rest, phase: "Running", message, retryCount: (op.retryCount ?? 0) + 1, finishedAt: timestamp(now), ...(syncResult ? { syncResult } : {}) } };
}

/** The status when an operation ends: its final phase, message and result, finishedAt now, no position left. */
export function withOperationFinished(
  status: ApplicationStatus,
  end: { phase: Exclude<OperationPhase, "Running">; message: string; syncResult?: SyncOperationResult },
  now: Date = new Date(),
): ApplicationStatus {
  const op = status.operationState;
  if (!op) return status;
  const { progress: _p, ...rest } = op;
  return {
    ...status,
    operationState: { ...rest, phase: end.phase, message: end.message, ...(end.syncResult ? { syncResult: end.syncResult } : {}), finishedAt: timestamp(now) },
  };
}

/**
 * Appends a deployment to the history and keeps the newest `limit` entries (Argo CD's
 * revisionHistoryLimit; 0 keeps none). The entry's id is one more than the last entry's (0 for the first).
 */
export function historyAppend(history: readonly RevisionHistory[] | undefined, entry: Omit<RevisionHistory, "id">, limit: number): RevisionHistory[] {
  const old = history ?? [];
  const last = old[old.length - 1];
  const next = [...old, { ...entry, id: last ? last.id + 1 : 0 }];
  return limit <= 0 ? [] : next.slice(-limit);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * The JSON merge patch (RFC 7386) that turns `before` into `after`: changed fields, `null` for removed ones,
 * lists replaced whole. Undefined when they are equal.
 */
export function mergePatch(before: unknown, after: unknown): unknown {
  if (deepEqual(before, after)) return undefined;
  if (!isPlainObject(before) || !isPlainObject(after)) return after === undefined ? null : after;
  const patch: Record<string, unknown> = {};
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (after[k] === undefined) {
      if (before[k] !== undefined) patch[k] = null;
      continue;
    }
    const sub = mergePatch(before[k], after[k]);
    if (sub !== undefined) patch[k] = sub;
  }
  return patch;
}

/** The body of a merge patch of the status subresource, or undefined when nothing changed. */
export function statusPatch(before: ApplicationStatus | undefined, after: ApplicationStatus): { status: unknown } | undefined {
  const patch = mergePatch(before ?? {}, after);
  return patch === undefined ? undefined : { status: patch };
}
