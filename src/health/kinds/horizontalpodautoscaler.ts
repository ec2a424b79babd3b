/**
 * HorizontalPodAutoscaler health from its conditions
 * (https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#appendix-horizontal-pod-autoscaler-status-conditions):
 *
 * - AbleToScale=False with a Failed* reason (FailedGetScale, FailedUpdateScale: the target cannot be read or
 *   scaled) → Degraded. AbleToScale=False for a Backoff* reason is the normal cool-down after a rescale.
 * - ScalingActive=False → Degraded (metrics cannot be fetched or computed, invalid selector...), except for
 *   ScalingDisabled: the target was scaled to zero on purpose, which Argo CD counts as Healthy.
 * - ScalingActive=True → Healthy. No ScalingActive condition yet → Progressing ("Waiting to Autoscale").
 *
 * autoscaling/v1 has no status.conditions; the controller writes them as JSON into the
 * `autoscaling.alpha.kubernetes.io/conditions` annotation, which is read instead.
 */
import type { KubeObject } from "../../core/object.js";
import { type Condition, conditionsOf, describeCondition, findCondition, toConditions } from "../fields.js";
import type { HealthResult } from "../types.js";

const V1_CONDITIONS_ANNOTATION = "autoscaling.alpha.kubernetes.io/conditions";

function hpaConditions(obj: KubeObject): Condition[] | string {
  const conditions = conditionsOf(obj);
  if (conditions.length > 0) return conditions;
  const annotation = obj.metadata.annotations?.[V1_CONDITIONS_ANNOTATION];
  if (annotation === undefined) return [];
  try {
    return toConditions(JSON.parse(annotation));
  } catch {
    return `cannot parse annotation ${V1_CONDITIONS_ANNOTATION}: not valid JSON`;
  }
}

/** The health of an autoscaling/v1 or v2 HorizontalPodAutoscaler. */
export function horizontalPodAutoscalerHealth(obj: KubeObject): HealthResult {
  const conditions = hpaConditions(obj);
  if (typeof conditions === "string") return { status: "Unknown", message: conditions };

  const ableToScale = findCondition(conditions, "AbleToScale");
  if (ableToScale?.status === "False" && ableToScale.reason.startsWith("Failed")) {
    return { status: "Degraded", message: describeCondition(ableToScale) };
  }
  const active = findCondition(conditions, "ScalingActive");
  if (active?.status === "False" && active.reason !== "ScalingDisabled") {
    return { status: "Degraded", message: describeCondition(active) };
  }
  if (active?.status === "True" || active?.reason === "ScalingDisabled") {
    return { status: "Healthy", message: describeCondition(active) };
  }
  return { status: "Progressing", message: "Waiting to Autoscale" };
}
