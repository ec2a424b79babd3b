/**
 * Knative Serving health (serving.knative.dev Service, Route, Configuration, Revision), from the Ready
 * condition Knative sets (https://knative.dev/docs/serving/): True → Healthy, False → Degraded, Unknown or
 * absent → Progressing; a generation not yet observed → Progressing.
 */
import type { KubeObject } from "../../core/object.js";
import { conditionsOf, describeCondition, findCondition, generationBehind } from "../fields.js";
import type { HealthResult } from "../types.js";

/** The health of a Knative Serving object. */
export function knativeHealth(obj: KubeObject): HealthResult {
  const behind = generationBehind(obj);
  if (behind) return { status: "Progressing", message: behind };
  const ready = findCondition(conditionsOf(obj), "Ready");
  if (ready?.status === "True") return { status: "Healthy", message: ready.message };
  if (ready?.status === "False") return { status: "Degraded", message: describeCondition(ready) || "Ready is False" };
  return { status: "Progressing", message: ready ? describeCondition(ready) || "Ready is Unknown" : `Waiting for the ${obj.kind} to be ready` };
}
