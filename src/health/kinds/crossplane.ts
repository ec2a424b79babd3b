/**
 * Crossplane health: managed resources (groups ending in .crossplane.io or .upbound.io), composite
 * resources and claims (any group; recognized by spec.compositionRef / compositionSelector / resourceRef(s)
 * next to a Synced condition). Crossplane sets two conditions
 * (https://docs.crossplane.io/latest/concepts/managed-resources/#conditions): Synced (the last reconcile
 * reached the provider) and Ready (the external resource is usable). Synced=False or a failed
 * LastAsyncOperation → Degraded; Ready=True → Healthy; otherwise Progressing. ProviderConfig-like kinds,
 * which report no conditions, are Healthy.
 */
import type { KubeObject } from "../../core/object.js";
import { conditionsOf, describeCondition, findCondition, specOf } from "../fields.js";
import type { HealthResult } from "../types.js";

const NO_CONDITIONS = new Set(["ProviderConfig", "ClusterProviderConfig", "ProviderConfigUsage"]);

/** Whether a custom resource has the shape of a Crossplane composite or claim. */
export function isCrossplaneComposite(obj: KubeObject): boolean {
  const spec = specOf(obj);
  const shaped = ["compositionRef", "compositionSelector", "resourceRef", "resourceRefs"].some((k) => spec[k] !== undefined);
  return shaped && findCondition(conditionsOf(obj), "Synced") !== undefined;
}

/** The health of a Crossplane managed resource, composite resource or claim. */
export function crossplaneHealth(obj: KubeObject): HealthResult {
  const conditions = conditionsOf(obj);
  if (NO_CONDITIONS.has(obj.kind) && conditions.length === 0) return { status: "Healthy", message: "" };
  for (const c of conditions) {
    if ((c.type === "Synced" || c.type === "LastAsyncOperation") && c.status === "False") {
      return { status: "Degraded", message: describeCondition(c) || `${c.type} is False` };
    }
  }
  const ready = findCondition(conditions, "Ready");
  if (ready?.status === "True") return { status: "Healthy", message: "Resource is up-to-date." };
  return { status: "Progressing", message: ready ? describeCondition(ready) || "Waiting for the resource to be ready" : "Waiting for the resource to be ready" };
}
