/**
 * health — how well is a live object doing? Pure: per-kind functions plus one generic rule, no I/O.
 *
 * The algorithm for one object (`assessHealth`):
 *   1. An object being deleted (metadata.deletionTimestamp set) is Progressing: "Pending deletion".
 *   2. A check from `overrides` (users' Lua scripts, see lua/), when it has one for the kind, wins over
 *      everything below.
 *   3. A kind with a function of its own in the registry (Deployment, Pod, Job, Service, ...; see
 *      registry.ts and kinds/, one file per kind) is judged by it. Those follow Argo CD's meanings
 *      (gitops-engine pkg/health and argo-cd resource_customizations), so a repository moved from Argo CD
 *      reports the same health.
 *   4. Any other object that reports status conditions — in practice a custom resource — is judged by the
 *      generic rule (generic.ts): observedGeneration, then Stalled, Reconciling, Ready/Available.
 *   5. Anything else has no health: undefined. Callers leave such objects out of the application's health.
 *
 * An application's health is the worst of its objects' (`worstHealth`), in the order
 * Healthy < Suspended < Progressing < Missing < Degraded < Unknown; objects that should exist but do not
 * count as Missing (`missingHealth`), which only the caller can know.
 *
 * Must not import anything that does I/O (cluster, git, fs): it is tested with YAML fixtures alone.
 */
import { type KubeObject, parseApiVersion } from "../core/object.js";
import { conditionsHealth } from "./generic.js";
import { crossplaneHealth, isCrossplaneComposite } from "./kinds/crossplane.js";
import { healthCheckFor } from "./registry.js";
import type { HealthOverrides, HealthResult } from "./types.js";

export { conditionsHealth, GENERIC_CONDITION_TYPES } from "./generic.js";
export { HEALTH_CHECKS, healthCheckFor } from "./registry.js";
export {
  compareHealth,
  HEALTH_ORDER,
  type HealthCheck,
  type HealthOverrides,
  healthRank,
  type HealthResult,
  type HealthStatus,
  isHealthStatus,
  missingHealth,
  worstHealth,
} from "./types.js";

/**
 * The health of one live object, or undefined when its kind has no notion of health (ConfigMap, Secret,
 * RBAC objects, custom resources without conditions). Never throws: a health function that fails on a
 * malformed object yields Unknown with the reason.
 */
export function assessHealth(obj: KubeObject, overrides?: HealthOverrides): HealthResult | undefined {
  if (obj.metadata?.deletionTimestamp) return { status: "Progressing", message: "Pending deletion" };
  try {
    const group = parseApiVersion(obj.apiVersion ?? "").group;
    const override = overrides?.(group, obj.kind);
    if (override) return override(obj);
    const check = healthCheckFor(group, obj.kind);
    if (check) return check(obj);
    return isCrossplaneComposite(obj) ? crossplaneHealth(obj) : conditionsHealth(obj);
  } catch (err) {
    return { status: "Unknown", message: `health check failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}
