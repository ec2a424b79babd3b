/**
 * The health of objects no per-kind function knows — in practice custom resources — read from the
 * conventions most controllers follow, in the spirit of kstatus
 * (https://github.com/kubernetes-sigs/cli-utils/blob/master/pkg/kstatus/README.md) and of the
 * `metav1.Condition` API conventions
 * (https://github.com/kubernetes/community/blob/master/contributors/devel/sig-architecture/api-conventions.md#typical-status-properties):
 *
 * 1. Only objects that report something are judged: a `status.conditions` list or a
 *    `status.observedGeneration`. Anything else (ConfigMap, Secret, RBAC objects...) has no health.
 * 2. `spec.suspend: true` (Flux's sources and Kustomizations, and many operators) → Suspended.
 * 3. The controller has not seen the latest spec — `status.observedGeneration`, or the observedGeneration of
 *    a Stalled/Reconciling/Ready/Available condition, is behind `metadata.generation` → Progressing: what the
 *    status says is about an older spec.
 * 4. Stalled=True → Degraded (kstatus: the controller gave up); Reconciling=True → Progressing.
 * 5. Ready, else Available: True → Healthy, False → Degraded, Unknown → Progressing.
 * 6. None of these conditions → no health (undefined): the conditions mean something this rule cannot know.
 *
 * Pure: imports nothing that does I/O.
 */
import type { KubeObject } from "../core/object.js";
import { type Condition, conditionsOf, describeCondition, findCondition, generationOf, specOf, statusOf, generationValue } from "./fields.js";
import type { HealthResult } from "./types.js";

/** The condition types the generic rule reads, most decisive first. */
export const GENERIC_CONDITION_TYPES = ["Stalled", "Reconciling", "Ready", "Available"] as const;

function fromCondition(c: Condition, fallback: string): string {
  return describeCondition(c) || fallback;
}

/** The health of an object by the generic conditions rule, or undefined if it reports nothing this rule reads. */
export function conditionsHealth(obj: KubeObject): HealthResult | undefined {
  const conditions = conditionsOf(obj);
  const observed = generationValue(statusOf(obj).observedGeneration);
  if (conditions.length === 0 && observed === undefined) return undefined;

  if (specOf(obj).suspend === true) return { status: "Suspended", message: `${obj.kind} is suspended` };

  const generation = generationOf(obj);
  if (observed !== undefined && observed < generation) {
    return {
      status: "Progressing",
      message: `Waiting for the controller to observe generation ${generation} (observed ${observed})`,
    };
  }
  const known = GENERIC_CONDITION_TYPES.map((t) => findCondition(conditions, t)).filter((c) => c !== undefined);
  const stale = known.find((c) => c.observedGeneration !== undefined && c.observedGeneration < generation);
  if (stale) {
    return {
      status: "Progressing",
      message: `Waiting for the controller to observe generation ${generation} (condition ${stale.type} is at ${stale.observedGeneration})`,
    };
  }

  const stalled = findCondition(conditions, "Stalled");
  if (stalled?.status === "True") return { status: "Degraded", message: fromCondition(stalled, "Stalled") };
  const reconciling = findCondition(conditions, "Reconciling");
  if (reconciling?.status === "True") return { status: "Progressing", message: fromCondition(reconciling, "Reconciling") };

  const ready = findCondition(conditions, "Ready") ?? findCondition(conditions, "Available");
  if (!ready) return undefined;
  if (ready.status === "True") return { status: "Healthy", message: describeCondition(ready) };
  if (ready.status === "False") return { status: "Degraded", message: fromCondition(ready, `${ready.type} is False`) };
  return { status: "Progressing", message: fromCondition(ready, `${ready.type} is ${ready.status}`) };
}
