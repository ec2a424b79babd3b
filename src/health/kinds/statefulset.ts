/**
 * StatefulSet health, following `kubectl rollout status` as Argo CD does
 * (https://github.com/kubernetes/kubectl/blob/master/pkg/polymorphichelpers/rollout_status.go):
 * every replica ready, then the update strategy decides what "rolled out" means — all pods at the update
 * revision (RollingUpdate), the pods above the partition updated (partitioned RollingUpdate), or nothing
 * at all (OnDelete, where pods change only when someone deletes them).
 */
import type { KubeObject } from "../../core/object.js";
import { generationOf, num, record, specOf, statusOf, str, generationValue } from "../fields.js";
import type { HealthResult } from "../types.js";

/** The health of an apps/v1 StatefulSet. */
export function statefulSetHealth(obj: KubeObject): HealthResult {
  const spec = specOf(obj);
  const status = statusOf(obj);

  const observed = generationValue(status.observedGeneration) ?? 0;
  if (observed === 0 || generationOf(obj) > observed) {
    return { status: "Progressing", message: "Waiting for statefulset spec update to be observed..." };
  }

  const desired = num(spec.replicas);
  const ready = num(status.readyReplicas) ?? 0;
  if (desired !== undefined && ready < desired) {
    return { status: "Progressing", message: `Waiting for ${desired - ready} pods to be ready...` };
  }

  const strategy = record(spec.updateStrategy);
  if (strategy.type === "OnDelete") {
    return { status: "Healthy", message: `statefulset has ${ready} ready pods` };
  }

  // A partition N > 0 updates only the pods with ordinal >= N: the rollout is done when those are updated
  // (https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#partitions).
  const updated = num(status.updatedReplicas) ?? 0;
  const partition = num(record(strategy.rollingUpdate).partition) ?? 0;
  if (desired !== undefined && partition > 0) {
    const target = Math.max(desired - partition, 0);
    if (updated < target) {
      return {
        status: "Progressing",
        message: `Waiting for partitioned roll out to finish: ${updated} out of ${target} new pods have been updated...`,
      };
    }
    return { status: "Healthy", message: `partitioned roll out complete: ${updated} new pods have been updated...` };
  }

  // The controller moves currentRevision to updateRevision once every pod runs the new revision.
  const updateRevision = str(status.updateRevision) ?? "";
  const currentRevision = str(status.currentRevision) ?? "";
  if (updateRevision !== currentRevision) {
    return {
      status: "Progressing",
      message: `waiting for statefulset rolling update to complete ${updated} pods at revision ${updateRevision}...`,
    };
  }
  const current = num(status.currentReplicas) ?? 0;
  return {
    status: "Healthy",
    message: `statefulset rolling update complete ${current} pods at revision ${currentRevision}...`,
  };
}
