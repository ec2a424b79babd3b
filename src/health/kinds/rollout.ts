/**
 * Argo Rollouts Rollout health (argoproj.io), with the meaning the Rollouts controller and its kubectl
 * plugin give a Rollout's phase (https://argoproj.github.io/argo-rollouts/features/specification/), which
 * Argo CD's rollout check follows:
 *   1. status.observedGeneration (a string in Rollouts: a number, or a pod hash in v0.9 objects, which is
 *      ignored) behind metadata.generation → Progressing.
 *   2. InvalidSpec condition, or a condition with reason RolloutAborted / ProgressDeadlineExceeded → Degraded.
 *   3. spec.paused, or any status.pauseConditions → Suspended (a canary pause step, a manual pause).
 *   4. No status.currentPodHash yet → Progressing. Then the replica counts: fewer updated than desired,
 *      fewer available than updated, (canary) more replicas than updated → Progressing.
 *   5. Blue-green: healthy once the active Service selects the current pod hash; canary: once the stable
 *      ReplicaSet is the current one (all steps done).
 */
import type { KubeObject } from "../../core/object.js";
import { conditionsOf, generationOf, list, num, record, specOf, statusOf, str } from "../fields.js";
import type { HealthResult } from "../types.js";

const progressing = (message: string): HealthResult => ({ status: "Progressing", message });

/** The health of an argoproj.io/v1alpha1 Rollout. */
export function rolloutHealth(obj: KubeObject): HealthResult {
  const spec = specOf(obj);
  const status = statusOf(obj);
  const observedRaw = status.observedGeneration;
  const observed = typeof observedRaw === "string" && /^\d+$/.test(observedRaw) ? Number(observedRaw) : num(observedRaw);
  if (!obj.status || (observed !== undefined && observed < generationOf(obj))) {
    return progressing("Waiting for rollout spec update to be observed");
  }
  for (const c of conditionsOf(obj)) {
    if (c.type === "InvalidSpec") return { status: "Degraded", message: c.message || "InvalidSpec" };
    if (c.type === "Progressing" && (c.reason === "RolloutAborted" || c.reason === "ProgressDeadlineExceeded")) {
      return { status: "Degraded", message: c.message || c.reason };
    }
  }
  const pauses = list(status.pauseConditions);
  if (spec.paused === true || pauses.length > 0) {
    return { status: "Suspended", message: str(record(pauses[0]).reason) ?? "Rollout is paused" };
  }
  const current = str(status.currentPodHash);
  if (!current) return progressing("Waiting for rollout to finish: status has not been reconciled.");

  const desired = num(spec.replicas) ?? 1;
  const replicas = num(status.replicas) ?? 0;
  const updated = num(status.updatedReplicas) ?? 0;
  const available = num(status.availableReplicas) ?? 0;
  const strategy = record(spec.strategy);
  if (updated < desired) return progressing("Waiting for roll out to finish: More replicas need to be updated");
  if (available < updated) return progressing("Waiting for roll out to finish: updated replicas are still becoming available");
  if (strategy.blueGreen !== undefined) {
    const active = str(record(status.blueGreen).activeSelector);
    if (active !== current) return progressing("Waiting for roll out to finish: active service cutover pending");
    return { status: "Healthy", message: "" };
  }
  if (replicas > updated) return progressing("Waiting for roll out to finish: old replicas are pending termination");
  const stable = str(status.stableRS) ?? str(record(status.canary).stableRS);
  if (stable !== current) return progressing("Waiting for roll out to finish: waiting for all steps to complete");
  return { status: "Healthy", message: "" };
}
