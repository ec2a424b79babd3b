/**
 * External Secrets Operator health (external-secrets.io ExternalSecret, ClusterExternalSecret,
 * SecretStore, ClusterSecretStore), from the Ready condition (https://external-secrets.io/latest/api/externalsecret/):
 * True → Healthy, False → Degraded (e.g. SecretSyncedError), absent → Progressing.
 */
import type { KubeObject } from "../../core/object.js";
import { conditionsOf, describeCondition, findCondition, generationBehind } from "../fields.js";
import type { HealthResult } from "../types.js";

/** The health of an external-secrets.io object. */
export function externalSecretHealth(obj: KubeObject): HealthResult {
  const behind = generationBehind(obj);
  if (behind) return { status: "Progressing", message: behind };
  const ready = findCondition(conditionsOf(obj), "Ready");
  if (ready?.status === "True") return { status: "Healthy", message: ready.message };
  if (ready?.status === "False") return { status: "Degraded", message: describeCondition(ready) || "Ready is False" };
  return { status: "Progressing", message: `Waiting for the ${obj.kind} to be synced` };
}
