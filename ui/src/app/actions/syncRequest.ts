/**
 * The Sync panel's choices turned into the API's sync request (pure, unit-tested): the revision, prune,
 * dry run, force, "apply out of sync only" (the ApplyOutOfSyncOnly=true sync option) and the subset of
 * resources — none listed when every resource is chosen (the whole app), as Argo CD does.
 */
import type { ResourceStatus, SyncRequest } from "../../api/types";

export interface SyncChoices {
  revision: string;
  prune: boolean;
  dryRun: boolean;
  force: boolean;
  applyOutOfSyncOnly: boolean;
  /** resourceId()s of the chosen resources. */
  selected: ReadonlySet<string>;
}

/** A resource's identity in the checklist: group/kind/namespace/name. */
export function resourceId(r: Pick<ResourceStatus, "group" | "kind" | "namespace" | "name">): string {
  return `${r.group ?? ""}/${r.kind}/${r.namespace ?? ""}/${r.name}`;
}

/** The ids of the resources the quick choice picks: all of them, or those out of sync. */
export function quickChoice(resources: readonly ResourceStatus[], which: "all" | "outOfSync" | "none"): Set<string> {
  if (which === "none") return new Set();
  return new Set(resources.filter((r) => which === "all" || r.status === "OutOfSync").map(resourceId));
}

/** The request for these choices; undefined with a reason when nothing would be synced. */
export function syncRequest(choices: SyncChoices, resources: readonly ResourceStatus[]): { request: SyncRequest } | { problem: string } {
  const chosen = resources.filter((r) => choices.selected.has(resourceId(r)));
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
