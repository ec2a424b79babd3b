/**
 * Flux health (Kustomization, HelmRelease, GitRepository, HelmRepository, OCIRepository, HelmChart,
 * Bucket), from the kstatus conditions the Flux controllers set (https://fluxcd.io/flux/components/):
 * spec.suspend → Suspended; generation not observed yet → Progressing; Stalled=True → Degraded;
 * Reconciling=True → Progressing; Ready True/False → Healthy/Degraded; anything else → Progressing.
 */
import type { KubeObject } from "../../core/object.js";
import { conditionsOf, describeCondition, findCondition, generationBehind, specOf } from "../fields.js";
import type { HealthResult } from "../types.js";

/** The health of a Flux object. */
export function fluxHealth(obj: KubeObject): HealthResult {
  if (specOf(obj).suspend === true) return { status: "Suspended", message: `${obj.kind} is suspended` };
  const behind = generationBehind(obj);
  if (behind) return { status: "Progressing", message: behind };
  const conditions = conditionsOf(obj);
  const stalled = findCondition(conditions, "Stalled");
  if (stalled?.status === "True") return { status: "Degraded", message: describeCondition(stalled) || "Stalled" };
  const reconciling = findCondition(conditions, "Reconciling");
  if (reconciling?.status === "True") return { status: "Progressing", message: describeCondition(reconciling) || "Reconciling" };
  const ready = findCondition(conditions, "Ready");
  if (ready?.status === "True") return { status: "Healthy", message: describeCondition(ready) };
  if (ready?.status === "False") return { status: "Degraded", message: describeCondition(ready) || "Ready is False" };
  return { status: "Progressing", message: ready ? describeCondition(ready) : `Waiting for the ${obj.kind} to be reconciled` };
}
