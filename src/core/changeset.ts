/**
 * The one result type of every mutation (after Flux's ssa ChangeSet): per object what happened —
 * created, configured, unchanged, pruned, skipped or failed — with a message. Events, status, CLI output
 * and the UI all read from it; nobody re-derives it.
 *
 * Pure: imports nothing that does I/O.
 */
import { keyString, type ResourceKey } from "./object.js";

export type ChangeAction = "created" | "configured" | "unchanged" | "pruned" | "skipped" | "failed";

/**
 * Why an object was skipped, typed so that status and output never read it from the message:
 * - `prune-disabled`: no longer desired, and the sync does not prune;
 * - `prune-false`: no longer desired, kept by its `Prune=false` sync option;
 * - `prune-confirm`: no longer desired, its `Prune=confirm` sync option wants a confirmed prune;
 * - `in-sync`: already synced, and ApplyOutOfSyncOnly=true;
 * - `not-applied`: the object is marked Skip, or is a hook with no sync meaning (Helm test, PreDelete);
 * - `not-selected`: a selective sync that does not name it.
 */
export type SkipReason = "prune-disabled" | "prune-false" | "prune-confirm" | "in-sync" | "not-applied" | "not-selected";

/** How a hook object is doing: Running until it completes, then Succeeded or Failed. */
export type HookPhase = "Running" | "Succeeded" | "Failed";

export interface ChangeEntry {
  /** The object; for a hook created by generateName, with the name the server gave it. */
  key: ResourceKey;
  /** The object's API version ("v1", "apps/v1"): with `key`, enough to read it back. */
  apiVersion: string;
  /** keyString(key). */
  id: string;
  action: ChangeAction;
  message: string;
  /** Set when `action` is skipped. */
  reason?: SkipReason;
  /** The sync phase, stage and wave the change happened in. */
  phase: string;
  stage: "apply" | "prune";
  wave: number;
  /** True for hook objects. */
  hook?: boolean;
  /** Hooks: Running once created, then Succeeded or Failed. */
  hookPhase?: HookPhase;
}

export interface ChangeSet {
  /** Succeeded when nothing failed; Failed otherwise (the message says what). */
  phase: "Succeeded" | "Failed";
  message: string;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  entries: ChangeEntry[];
}

/** Counts entries per action. */
export function countChanges(cs: ChangeSet): Record<ChangeAction, number> {
  const counts: Record<ChangeAction, number> = { created: 0, configured: 0, unchanged: 0, pruned: 0, skipped: 0, failed: 0 };
  for (const e of cs.entries) counts[e.action]++;
  return counts;
}

/** A one-line summary: "3 created, 1 configured, 12 unchanged, 1 pruned". */
export function summarizeChanges(cs: ChangeSet): string {
  const counts = countChanges(cs);
  const parts = (Object.keys(counts) as ChangeAction[]).filter((a) => counts[a] > 0).map((a) => `${counts[a]} ${a}`);
  return parts.length > 0 ? parts.join(", ") : "nothing to do";
}

/** Builds an entry; `at` says where in the sync it happened, `extra` the optional fields. */
export function entry(
  key: ResourceKey,
  apiVersion: string,
  action: ChangeAction,
  message: string,
  at: { phase: string; stage: "apply" | "prune"; wave: number },
  extra: Pick<ChangeEntry, "reason" | "hook" | "hookPhase"> = {},
): ChangeEntry {
  return { key, apiVersion, id: keyString(key), action, message, phase: at.phase, stage: at.stage, wave: at.wave, ...extra };
}
