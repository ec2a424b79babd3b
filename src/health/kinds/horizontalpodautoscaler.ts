/**
 * HorizontalPodAutoscaler health, by Argo CD's rule (gitops-engine pkg/health/health_hpa.go): the
 * conditions are read in the order the HPA controller wrote them, and the first one that is decisive
 * decides:
 *
 * - degraded: AbleToScale with reason FailedGetScale or FailedUpdateScale (the target cannot be read or
 *   scaled), ScalingActive with reason FailedGetResourceMetric or InvalidSelector;
 * - healthy: AbleToScale or ScalingLimited with status True;
 * - none decisive (no conditions yet, only a backoff, ...) → Progressing, "Waiting to Autoscale".
 *
 * The order matters, as in Argo CD: the HPA controller writes AbleToScale first, so an HPA that can scale
 * but cannot fetch its metrics (AbleToScale=True, then ScalingActive=False FailedGetResourceMetric) is
 * Healthy. plumb keeps that answer rather than invent a stricter one, so an app is Healthy in plumb exactly
 * when it is in Argo CD; a stricter check belongs in a health override (Lua).
 *
 * autoscaling/v1 has no status.conditions; the controller writes them as JSON into the
 * `autoscaling.alpha.kubernetes.io/conditions` annotation, which is read instead.
 */
import type { KubeObject } from "../../core/object.js";
import { type Condition, conditionsOf, describeCondition, toConditions } from "../fields.js";
import type { HealthResult } from "../types.js";

const V1_CONDITIONS_ANNOTATION = "autoscaling.alpha.kubernetes.io/conditions";

/** The (type, reason) pairs that make an HPA Degraded. */
const DEGRADED: ReadonlyArray<readonly [string, string]> = [
  ["AbleToScale", "FailedGetScale"],
  ["AbleToScale", "FailedUpdateScale"],
  ["ScalingActive", "FailedGetResourceMetric"],
  ["ScalingActive", "InvalidSelector"],
];
/** The condition types whose status True makes an HPA Healthy. */
const HEALTHY_TYPES = ["AbleToScale", "ScalingLimited"];

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
  for (const c of conditions) {
    if (DEGRADED.some(([type, reason]) => c.type === type && c.reason === reason)) return { status: "Degraded", message: describeCondition(c) };
    if (HEALTHY_TYPES.includes(c.type) && c.status === "True") return { status: "Healthy", message: describeCondition(c) };
  }
  return { status: "Progressing", message: "Waiting to Autoscale" };
}
