/**
 * Deployment health, with the meaning `kubectl rollout status` gives it and Argo CD reuses
 * (https://github.com/kubernetes/kubectl/blob/master/pkg/polymorphichelpers/rollout_status.go):
 * a Deployment is healthy when the controller has seen its latest spec and every desired replica is updated
 * and available, with no old replica left.
 */
import type { KubeObject } from "../../core/object.js";
import { conditionsOf, findCondition, generationOf, num, specOf, statusOf, generationValue } from "../fields.js";
import type { HealthResult } from "../types.js";

/** The health of an apps/v1 Deployment. */
export function deploymentHealth(obj: KubeObject): HealthResult {
  const spec = specOf(obj);
  const status = statusOf(obj);

  // A paused Deployment never makes progress by design: Argo CD shows it as Suspended, not Progressing.
  if (spec.paused === true) return { status: "Suspended", message: "Deployment is paused" };

  // Until the controller has observed the latest generation, the counts below describe an older spec.
  if (generationOf(obj) > (generationValue(status.observedGeneration) ?? 0)) {
    return {
      status: "Progressing",
      message: "Waiting for rollout to finish: observed deployment generation less than desired generation",
    };
  }

  // The controller sets Progressing=False/ProgressDeadlineExceeded after spec.progressDeadlineSeconds without
  // progress (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#failed-deployment).
  const progressing = findCondition(conditionsOf(obj), "Progressing");
  if (progressing?.reason === "ProgressDeadlineExceeded") {
    return { status: "Degraded", message: `Deployment "${obj.metadata.name}" exceeded its progress deadline` };
  }

  const desired = num(spec.replicas);
  const replicas = num(status.replicas) ?? 0;
  const updated = num(status.updatedReplicas) ?? 0;
  const available = num(status.availableReplicas) ?? 0;
  if (desired !== undefined && updated < desired) {
    return {
      status: "Progressing",
      message: `Waiting for rollout to finish: ${updated} out of ${desired} new replicas have been updated...`,
    };
  }
  if (replicas > updated) {
    return {
      status: "Progressing",
      message: `Waiting for rollout to finish: ${replicas - updated} old replicas are pending termination...`,
    };
  }
  if (available < updated) {
    return {
      status: "Progressing",
      message: `Waiting for rollout to finish: ${available} of ${updated} updated replicas are available...`,
    };
  }
  return { status: "Healthy", message: "" };
}
