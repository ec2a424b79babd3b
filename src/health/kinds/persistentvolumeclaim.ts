/**
 * PersistentVolumeClaim health from its phase
 * (https://kubernetes.io/docs/concepts/storage/persistent-volumes/#phase): Bound is Healthy, Pending is
 * Progressing (waiting for a volume, or for its first consumer with WaitForFirstConsumer binding), Lost —
 * the bound volume is gone — is Degraded.
 */
import type { KubeObject } from "../../core/object.js";
import { statusOf, str } from "../fields.js";
import type { HealthResult } from "../types.js";

/** The health of a v1 PersistentVolumeClaim. */
export function persistentVolumeClaimHealth(obj: KubeObject): HealthResult {
  const phase = str(statusOf(obj).phase);
  switch (phase) {
    case "Bound":
      return { status: "Healthy", message: "" };
    case "Pending":
      return { status: "Progressing", message: "Waiting for the claim to be bound to a volume" };
    case "Lost":
      return { status: "Degraded", message: "The claim lost its bound volume" };
    default:
      return { status: "Unknown", message: phase ? `unknown phase "${phase}"` : "the claim has no phase" };
  }
}
