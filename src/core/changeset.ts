/**
 * The one result type of every mutation (after Flux's ssa ChangeSet): per object what happened —
 * created, configured, unchanged, pruned, skipped or failed — with a message. Events, status, CLI output
 * and the UI all read from it; nobody re-derives it.
 *
 * Pure: imports nothing that does I/O.
 */
import { keyString, type ResourceKey } from "./object.js";

export type ChangeAction = "created" | "configured" | "unchanged" | "pruned" | "skipped" | "failed";

export interface ChangeEntry {
  key: ResourceKey;
  /** keyString(key); for a hook created by generateName, the name the server gave it. */
  id: string;
  action: ChangeAction;
  message: string;
  /** The sync phase and wave the change happened in. */
  phase: string;
  wave: number;
  /** True for hook objects. */
  hook?: boolean;
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

export function entry(key: ResourceKey, action: ChangeAction, message: string, phase: string, wave: number, hook?: boolean): ChangeEntry {
  return { key, id: keyString(key), action, message, phase, wave, ...(hook ? { hook } : {}) };
}
