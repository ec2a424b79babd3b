/**
 * What a managed resource's diff compares: its live state against what a sync would make of it (the
 * server's predicted live state, from a server-side-apply dry run; the desired manifest when there is
 * none), both as YAML normalised the same way (noise dropped, keys sorted).
 */
import type { ManagedResource } from "../api/types";
import { jsonTextToYaml } from "./yaml";

export interface DiffTexts {
  live: string;
  desired: string;
}

/** The live and desired YAML of a managed resource, ready for DiffView (left = live, right = desired). */
export function diffTexts(item: Pick<ManagedResource, "liveState" | "predictedLiveState" | "targetState">): DiffTexts {
  const desired = item.predictedLiveState && item.predictedLiveState !== "null" ? item.predictedLiveState : item.targetState;
  return { live: jsonTextToYaml(item.liveState, { sortKeys: true }), desired: jsonTextToYaml(desired, { sortKeys: true }) };
}

/** Whether the managed resource differs from Git (modified, or any status but Synced). */
export function isOutOfSync(item: Pick<ManagedResource, "modified" | "status">): boolean {
  return item.modified || item.status !== "Synced";
}
