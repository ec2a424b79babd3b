/**
 * ReplicaSet health, as Argo CD judges it: the controller has seen the latest spec, did not report a
 * ReplicaFailure (pods it could not create: quota, admission, missing service account...), and every desired
 * replica is available.
 */
import type { KubeObject } from "../../core/object.js";
import { conditionsOf, describeCondition, findCondition, generationOf, num, specOf, statusOf, generationValue } from "../fields.js";
import type { HealthResult } from "../types.js";

/** The health of an apps/v1 ReplicaSet. */
export function replicaSetHealth(obj: KubeObject): HealthResult {
  const status = statusOf(obj);

  if (generationOf(obj) > (generationValue(status.observedGeneration) ?? 0)) {
    return {
      status: "Progressing",
      message: "Waiting for rollout to finish: observed replica set generation less than desired generation",
    };
  }

  // https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/replica-set-v1/#ReplicaSetStatus
  const failure = findCondition(conditionsOf(obj), "ReplicaFailure");
  if (failure?.status === "True") return { status: "Degraded", message: describeCondition(failure) };

  const desired = num(specOf(obj).replicas);
  const available = num(status.availableReplicas) ?? 0;
  if (desired !== undefined && available < desired) {
    return {
      status: "Progressing",
      message: `Waiting for rollout to finish: ${available} out of ${desired} new replicas are available...`,
    };
  }
  return { status: "Healthy", message: "" };
}
