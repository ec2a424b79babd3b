/**
 * cert-manager health (cert-manager.io Certificate, Issuer, ClusterIssuer), from the Ready condition the
 * cert-manager controllers set (https://cert-manager.io/docs/reference/api-docs/): Ready=True is Healthy,
 * Ready=False Degraded, and a Certificate being issued (Issuing=True) or without a verdict yet Progressing.
 */
import type { KubeObject } from "../../core/object.js";
import { conditionsOf, describeCondition, findCondition, generationBehind } from "../fields.js";
import type { HealthResult } from "../types.js";

/** The health of a cert-manager.io/v1 Certificate. */
export function certificateHealth(obj: KubeObject): HealthResult {
  const behind = generationBehind(obj);
  if (behind) return { status: "Progressing", message: behind };
  const conditions = conditionsOf(obj);
  const issuing = findCondition(conditions, "Issuing");
  if (issuing?.status === "True") return { status: "Progressing", message: describeCondition(issuing) || "Issuing certificate" };
  const ready = findCondition(conditions, "Ready");
  if (ready?.status === "True") return { status: "Healthy", message: ready.message };
  if (ready?.status === "False") return { status: "Degraded", message: describeCondition(ready) || "Certificate is not ready" };
  return { status: "Progressing", message: ready ? describeCondition(ready) || "Waiting for the certificate" : "Waiting for the certificate" };
}

/** The health of a cert-manager.io/v1 Issuer or ClusterIssuer. */
export function issuerHealth(obj: KubeObject): HealthResult {
  const ready = findCondition(conditionsOf(obj), "Ready");
  if (ready?.status === "True") return { status: "Healthy", message: ready.message };
  if (ready?.status === "False") return { status: "Degraded", message: describeCondition(ready) || `${obj.kind} is not ready` };
  return { status: "Progressing", message: `Initializing ${obj.kind}` };
}
