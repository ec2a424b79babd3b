/**
 * The operation of an Application, decided in one place (pure): which operation is pending, how its record
 * (`status.operationState`) maps to the sync's progress and back, and what a failed attempt leads to.
 *
 * Which operation, in this order (Argo CD's precedence):
 *   1. a record in phase Terminating: stop it (`terminate`);
 *   2. a record in phase Running: go on with it (`advance`) — `resumed` when this process did not start
 *      it (a restart, another replica); while a failed attempt waits for its retry, `wait` until due, then
 *      `retry`;
 *   3. the `operation` field, not yet started: a manual sync (`start`, trigger `manual`);
 *   4. automated sync: OutOfSync at a commit and spec not attempted yet → `automated`; Synced before at this
 *      commit and spec but drifted → `self-heal` when selfHeal is on; a failed attempt at this commit and
 *      spec is tried again only with selfHeal, after its backoff.
 * "Attempted" compares the last sync's revision, source and destination, as Argo CD compares revision and
 * source: a change of path, Helm values or destination at the same commit syncs again.
 *
 * Retries live in the operation (`operation.retry`, copied from `spec.syncPolicy.retry` for an automated
 * sync, as Argo CD does): a failed attempt with retries left keeps the record Running, counts `retryCount`
 * up, notes the failure time in `finishedAt` and says when it retries; the next attempt starts once
 * `retryDelayMs` has passed. The count lives in `operationState.retryCount` and nowhere else.
 *
 * Pure: imports nothing that does I/O.
 */
import type { ChangeEntry } from "../core/changeset.js";
import { keyString, parseApiVersion } from "../core/object.js";
import {
  canRetry,
  retryDelayMs,
  timestamp,
  type ApplicationDestination,
  type ApplicationSource,
  type Operation,
  type OperationState,
  type ResourceResult,
  type RetryStrategy,
  type SyncPolicyAutomated,
} from "../apps/index.js";
import type { SyncProgress } from "../sync/index.js";
import type { SyncTrigger } from "./metrics.js";

/** Backoff of self-heal re-attempts of a failed sync without a retry policy: 5 s doubling up to 3 minutes. */
export const DEFAULT_RETRY: RetryStrategy = { limit: 0, backoff: { duration: "5s", factor: 2, maxDuration: "3m" } };

/** What the decision reads. */
export interface PendingInput {
  /** The `operation` field, when set and not yet started by this controller. */
  requested?: Operation;
  /** The record of the current or last operation. */
  state?: OperationState;
  /** Whether this process is already carrying the Running operation out (else taking it over is a resume). */
  known: boolean;
  /** The automated policy, when automated sync is on. */
  automated?: SyncPolicyAutomated;
  retry?: RetryStrategy;
  syncOptions: string[];
  /** The commit the source's target revision resolves to now, the source and the destination. */
  sha: string;
  source: ApplicationSource;
  /** Several sources (spec.sources): each one's revision now, and the sources (sha/source are then unused). */
  revisions?: string[];
  sources?: ApplicationSource[];
  destination: ApplicationDestination;
  /** What the comparison found: out of sync at all, and whether only by objects to prune. */
  outOfSync: boolean;
  onlyExtras: boolean;
  now: number;
}

/** What to do with the application's operation now. */
export type Pending =
  | { kind: "none" }
  /** A retry or self-heal re-attempt is due in `ms`: look again then. */
  | { kind: "wait"; ms: number }
  | { kind: "start"; operation: Operation; trigger: Extract<SyncTrigger, "manual" | "automated" | "self-heal"> }
  | { kind: "advance"; trigger: Extract<SyncTrigger, "resumed"> | "running" }
  /** A failed attempt of the Running operation is due again. */
  | { kind: "retry" }
  | { kind: "terminate" };

/** Which operation is pending (see the module comment). */
export function pendingOperation(input: PendingInput): Pending {
  const { state, now } = input;
  if (state?.phase === "Terminating") return { kind: "terminate" };
  if (state?.phase === "Running") {
    if (!state.progress && state.finishedAt && (state.retryCount ?? 0) > 0) {
      const due = Date.parse(state.finishedAt) + retryDelayMs(state.operation.retry ?? DEFAULT_RETRY, (state.retryCount ?? 1) - 1);
      return now < due ? { kind: "wait", ms: due - now + 50 } : { kind: "retry" };
    }
    return { kind: "advance", trigger: input.known ? "running" : "resumed" };
  }
  if (input.requested?.sync) return { kind: "start", operation: input.requested, trigger: "manual" };
  const automated = input.automated;
  if (!automated || automated.enabled === false || !input.outOfSync) return { kind: "none" };
  // Extras alone with prune off: a sync would change nothing (they are reported, not deleted).
  if (input.onlyExtras && !automated.prune) return { kind: "none" };
  const last = state;
  const attempted = last?.syncResult !== undefined && (input.revisions && input.sources ? sameTargets(last.syncResult, input.revisions, input.sources, input.destination) : sameTarget(last.syncResult, input.sha, input.source, input.destination));
  const selfHeals = attempted && last?.phase !== "Succeeded" ? (last?.operation.sync?.selfHealAttemptsCount ?? 0) + 1 : 0;
  if (attempted && last?.phase !== "Succeeded") {
    // A failed sync of this commit is tried again only with selfHeal, with the retry policy's backoff
    // (or the default one), as Argo CD's self-heal backoff does.
    // Nor after someone terminated it: that was a decision, not a failure to heal.
    if (!automated.selfHeal || last?.terminatedAt) return { kind: "none" };
    const finished = last?.finishedAt ? Date.parse(last.finishedAt) : 0;
    const due = finished + retryDelayMs(input.retry ?? DEFAULT_RETRY, selfHeals - 1);
    if (now < due) return { kind: "wait", ms: due - now + 50 };
  } else if (attempted && !automated.selfHeal) return { kind: "none" }; // once per commit and spec unless selfHeal
  const operation: Operation = {
    sync: { ...(input.revisions ? { revisions: input.revisions } : { revision: input.sha }), prune: Boolean(automated.prune), syncOptions: input.syncOptions, ...(selfHeals > 0 ? { selfHealAttemptsCount: selfHeals } : {}) },
    initiatedBy: { automated: true },
    ...(input.retry ? { retry: input.retry } : {}),
  };
  return { kind: "start", operation, trigger: attempted ? "self-heal" : "automated" };
}

/** Whether the last sync was of this commit, source and destination (an absent destination: not compared). */
export function sameTarget(last: NonNullable<OperationState["syncResult"]>, sha: string, source: ApplicationSource, destination: ApplicationDestination): boolean {
  if (last.revision !== sha) return false;
  if (last.source && canonical(withoutRevision(last.source)) !== canonical(withoutRevision(source))) return false;
  return !last.destination || canonical(last.destination) === canonical(destination);
}

/** sameTarget for several sources: every source's revision and spec, in order. */
export function sameTargets(last: NonNullable<OperationState["syncResult"]>, revisions: readonly string[], sources: readonly ApplicationSource[], destination: ApplicationDestination): boolean {
  if (!last.revisions || canonical(last.revisions) !== canonical(revisions)) return false;
  if (last.sources && canonical(last.sources.map(withoutRevision)) !== canonical(sources.map(withoutRevision))) return false;
  return !last.destination || canonical(last.destination) === canonical(destination);
}

/** A source minus its targetRevision (the commit is compared apart: a branch and the SHA it points at are one target). */
function withoutRevision(s: ApplicationSource): Partial<ApplicationSource> {
  const { targetRevision: _targetRevision, ...rest } = s;
  return rest;
}

/** JSON with sorted keys and no undefined or empty values, so equal specs compare equal. */
export function canonical(v: unknown): string {
  const norm = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(norm);
    if (x && typeof x === "object") {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(x).sort()) {
        const val = (x as Record<string, unknown>)[k];
        if (val === undefined || val === null || (Array.isArray(val) && val.length === 0)) continue;
        out[k] = norm(val);
      }
      return out;
    }
    return x;
  };
  return JSON.stringify(norm(v));
}

/** What a failed attempt leads to: a retry (the record stays Running) or the operation's end. */
export type AfterFailure = { retry: true; retryCount: number; retryAt: number; message: string } | { retry: false; message: string };

/** Whether a failed attempt is retried, per the operation's retry strategy (Argo CD's message, "Retrying attempt #n"). */
export function afterFailure(state: OperationState, failure: string, now: number): AfterFailure {
  const retries = state.retryCount ?? 0;
  const retry = state.operation.retry;
  if (!canRetry(retry, retries)) return { retry: false, message: failure };
  const retryAt = now + retryDelayMs(retry!, retries);
  const at = new Date(retryAt).toISOString().slice(11, 19);
  return { retry: true, retryCount: retries + 1, retryAt, message: `${failure}. Retrying attempt #${retries + 1} at ${at} UTC.` };
}

/** The record's progress, as the sync module reads it (the entries rebuilt from the results). */
export function progressOf(state: OperationState): SyncProgress | undefined {
  const p = state.progress;
  if (!p) return undefined;
  return {
    ...(p.step ? { step: { phase: p.step.phase, stage: p.step.stage, wave: p.step.wave, appliedAt: p.step.appliedAt } } : {}),
    ...(p.failure !== undefined ? { failure: p.failure } : {}),
    entries: (state.syncResult?.resources ?? []).map(entryOf),
  };
}

/** The record of a progress (the entries go to syncResult.resources, see resultsOf). */
export function progressRecord(progress: SyncProgress, attemptStartedAt: string): NonNullable<OperationState["progress"]> {
  return {
    attemptStartedAt,
    ...(progress.step ? { step: { ...progress.step } } : {}),
    ...(progress.failure !== undefined ? { failure: progress.failure } : {}),
  };
}

/** One object's result in Argo CD's shape, from its ChangeSet entry (typed fields, never the message). */
export function resultOf(e: ChangeEntry): ResourceResult {
  const status: ResourceResult["status"] =
    e.action === "failed"
      ? "SyncFailed"
      : e.action === "pruned"
        ? "Pruned"
        : e.action === "skipped"
          ? e.reason === "prune-disabled" || e.reason === "prune-false" || e.reason === "prune-confirm"
            ? "PruneSkipped"
            : undefined
          : "Synced";
  return {
    group: e.key.group,
    version: parseApiVersion(e.apiVersion).version,
    kind: e.key.kind,
    namespace: e.key.namespace,
    name: e.key.name,
    ...(status ? { status } : {}),
    message: e.message,
    ...(e.hook ? { hookType: e.phase, ...(e.hookPhase ? { hookPhase: e.hookPhase } : {}) } : {}),
    syncPhase: e.phase as ResourceResult["syncPhase"],
    syncWave: e.wave,
  };
}

/** The entries of a progress as results. */
export function resultsOf(entries: readonly ChangeEntry[]): ResourceResult[] {
  return entries.map(resultOf);
}

/**
 * A ChangeSet entry from a recorded result, for a controller that takes a running sync over. What the
 * record cannot tell apart comes back as the nearest kind: a Synced object as `configured`, a
 * PruneSkipped one with the reason `prune-disabled`.
 */
export function entryOf(r: ResourceResult): ChangeEntry {
  const key = { group: r.group, kind: r.kind, namespace: r.namespace, name: r.name };
  const prune = !r.hookType && (r.status === "Pruned" || r.status === "PruneSkipped");
  const action: ChangeEntry["action"] = r.status === "SyncFailed" ? "failed" : r.status === "Pruned" ? "pruned" : r.status === "Synced" ? "configured" : "skipped";
  // Which prune option kept it is in the message only; any prune reason keeps it PruneSkipped.
  const reason = r.status === "PruneSkipped" ? { reason: "prune-disabled" as const } : {};
  return {
    key,
    apiVersion: r.group ? `${r.group}/${r.version}` : r.version,
    id: keyString(key),
    action,
    message: r.message ?? "",
    phase: r.syncPhase ?? "Sync",
    stage: prune ? "prune" : "apply",
    wave: r.syncWave ?? 0,
    ...reason,
    ...(r.hookType ? { hook: true } : {}),
    ...(r.hookPhase && r.hookPhase !== "Error" && r.hookPhase !== "Terminating" ? { hookPhase: r.hookPhase } : {}),
  };
}

/** "now" as the record writes it. */
export function recordTime(now: number): string {
  return timestamp(new Date(now));
}
