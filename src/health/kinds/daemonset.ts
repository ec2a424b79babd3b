/**
 * DaemonSet health, following `kubectl rollout status` as Argo CD does
 * (https://github.com/kubernetes/kubectl/blob/master/pkg/polymorphichelpers/rollout_status.go):
 * every node that should run the daemon runs the updated pod, and it is available.
 */
import type { KubeObject } from "../../core/object.js";
import { generationOf, num, record, specOf, statusOf, generationValue } from "../fields.js";
import type { HealthResult } from "../types.js";

/** The health of an apps/v1 DaemonSet. */
export function daemonSetHealth(obj: KubeObject): HealthResult {
  const status = statusOf(obj);
  const name = obj.metadata.name;

  if (generationOf(obj) > (generationValue(status.observedGeneration) ?? 0)) {
    return {
      status: "Progressing",
      message: "Waiting for rollout to finish: observed daemon set generation less than desired generation",
    };
  }

  const desired = num(status.desiredNumberScheduled) ?? 0;
  const updated = num(status.updatedNumberScheduled) ?? 0;
  const available = num(status.numberAvailable) ?? 0;

  // With OnDelete, old pods stay until someone deletes them, so "not updated" is the expected steady state.
  if (record(specOf(obj).updateStrategy).type === "OnDelete") {
    return { status: "Healthy", message: `daemon set ${updated} out of ${desired} new pods have been updated` };
  }
  if (updated < desired) {
    return {
      status: "Progressing",
      message: `Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...`,
    };
  }
  if (available < desired) {
    return {
      status: "Progressing",
      message: `Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available...`,
    };
  }
  return { status: "Healthy", message: "" };
}
