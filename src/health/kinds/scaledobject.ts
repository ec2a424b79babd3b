/**
 * KEDA ScaledObject / ScaledJob health (keda.sh), from KEDA's conditions (https://keda.sh/docs/latest/reference/scaledobject-spec/):
 * Paused=True → Suspended; Ready=False → Degraded; Fallback=True (the scaler fails and KEDA uses the
 * fallback replicas) → Degraded; Ready=True → Healthy; nothing yet → Progressing. Active=False only means
 * "no load", which is healthy.
 */
import type { KubeObject } from "../../core/object.js";
import { conditionsOf, describeCondition, findCondition } from "../fields.js";
import type { HealthResult } from "../types.js";

/** The health of a keda.sh/v1alpha1 ScaledObject or ScaledJob. */
export function scaledObjectHealth(obj: KubeObject): HealthResult {
  const conditions = conditionsOf(obj);
  const paused = findCondition(conditions, "Paused");
  if (paused?.status === "True") return { status: "Suspended", message: describeCondition(paused) || `${obj.kind} is paused` };
  const ready = findCondition(conditions, "Ready");
  if (ready?.status === "False") return { status: "Degraded", message: describeCondition(ready) || "Ready is False" };
  const fallback = findCondition(conditions, "Fallback");
  if (fallback?.status === "True") return { status: "Degraded", message: describeCondition(fallback) || "Scaler failed: using the fallback" };
  if (ready?.status === "True") return { status: "Healthy", message: ready.message };
  return { status: "Progressing", message: `Waiting for the ${obj.kind} to be ready` };
}
