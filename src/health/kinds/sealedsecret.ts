/**
 * Bitnami SealedSecret health (bitnami.com), from the Synced condition the sealed-secrets controller sets
 * once it has (or has failed to) decrypt the secret: True → Healthy, False → Degraded with the reason
 * (e.g. "no key could decrypt secret"); nothing yet → Progressing.
 */
import type { KubeObject } from "../../core/object.js";
import { conditionsOf, findCondition, generationBehind } from "../fields.js";
import type { HealthResult } from "../types.js";

/** The health of a bitnami.com/v1alpha1 SealedSecret. */
export function sealedSecretHealth(obj: KubeObject): HealthResult {
  const behind = generationBehind(obj);
  if (behind) return { status: "Progressing", message: behind };
  const synced = findCondition(conditionsOf(obj), "Synced");
  if (synced?.status === "True") return { status: "Healthy", message: synced.message };
  if (synced?.status === "False") return { status: "Degraded", message: synced.message || synced.reason || "Synced is False" };
  return { status: "Progressing", message: "Waiting for the SealedSecret to be unsealed" };
}
