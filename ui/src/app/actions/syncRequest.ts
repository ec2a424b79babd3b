/**
 * The Sync panel's choices turned into the API's sync request (pure, unit-tested): the revision, prune,
 * dry run, force, "apply out of sync only" (the ApplyOutOfSyncOnly=true sync option) and the subset of
 * resources — none listed when every resource is chosen (the whole app), as Argo CD does.
 */
import type { ResourceStatus, SyncRequest } from "../../api/types";
import { nodeKey } from "../../tree/keys";

export interface SyncChoices {
  revision: string;
  prune: boolean;
  dryRun: boolean;
  force: boolean;
  applyOutOfSyncOnly: boolean;
  /** nodeKey()s of the chosen resources (the tree's keys: group/kind/namespace/name). */
  selected: ReadonlySet<string>;
}

/** The ids of the resources the quick choice picks: all of them, or those out of sync. */
export function quickChoice(resources: readonly ResourceStatus[], which: "all" | "outOfSync" | "none"): Set<string> {
  if (which === "none") return new Set();
  return new Set(resources.filter((r) => which === "all" || r.status === "OutOfSync").map((r) => nodeKey(r)));
}

/** The request for these choices; undefined with a reason when nothing would be synced. */
export function syncRequest(choices: SyncChoices, resources: readonly ResourceStatus[]): { request: SyncRequest } | { problem: string } {
  const chosen = resources.filter((r) => choices.selected.has(nodeKey(r)));
  if (resources.length > 0 && chosen.length === 0) return { problem: "Choose at least one resource to synchronize." };
  const options = choices.applyOutOfSyncOnly ? ["ApplyOutOfSyncOnly=true"] : [];
  const request: SyncRequest = {
    ...(choices.revision.trim() ? { revision: choices.revision.trim() } : {}),
    ...(choices.prune ? { prune: true } : {}),
    ...(choices.dryRun ? { dryRun: true } : {}),
    ...(choices.force ? { strategy: { apply: { force: true } } } : {}),
    ...(options.length ? { syncOptions: { items: options } } : {}),
    ...(chosen.length < resources.length ? { resources: chosen.map((r) => ({ ...(r.group ? { group: r.group } : {}), ...(r.version ? { version: r.version } : {}), kind: r.kind, name: r.name, ...(r.namespace ? { namespace: r.namespace } : {}) })) } : {}),
  };
  return { request };
}
