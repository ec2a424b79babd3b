/**
 * The health vocabulary: six statuses, a total order over them, and "the worst of" a set of results.
 *
 * The statuses and their order are Argo CD's (gitops-engine pkg/health), so that an application's health
 * reads the same in plumb as in Argo CD: Healthy < Suspended < Progressing < Missing < Degraded < Unknown.
 *
 * Pure: imports nothing that does I/O.
 */
import type { KubeObject } from "../core/object.js";

/** The health of one object, or of an application (the worst of its objects). */
export type HealthStatus = "Healthy" | "Suspended" | "Progressing" | "Missing" | "Degraded" | "Unknown";

/** A health verdict with a human-readable reason (may be empty when the status says it all). */
export interface HealthResult {
  status: HealthStatus;
  message: string;
}

/** A per-kind health function: the object's health, or undefined when the kind has no notion of health. */
export type HealthCheck = (obj: KubeObject) => HealthResult | undefined;

/**
 * Checks that take precedence over the built-in ones (users' Lua scripts, health/lua): the check for a
 * group and kind, or undefined to let the built-in checks decide.
 */
export type HealthOverrides = (group: string, kind: string) => HealthCheck | undefined;

/** Every status, from best to worst. */
export const HEALTH_ORDER: readonly HealthStatus[] = ["Healthy", "Suspended", "Progressing", "Missing", "Degraded", "Unknown"];

/** The rank of a status in HEALTH_ORDER: 0 for Healthy up to 5 for Unknown. */
export function healthRank(status: HealthStatus): number {
  return HEALTH_ORDER.indexOf(status);
}

/** Whether `status` is a valid HealthStatus (useful when reading one back from JSON or a CRD status). */
export function isHealthStatus(status: unknown): status is HealthStatus {
  return typeof status === "string" && (HEALTH_ORDER as readonly string[]).includes(status);
}

/** Negative if `a` is healthier than `b`, positive if worse, 0 if equal: a comparator for sorting. */
export function compareHealth(a: HealthStatus, b: HealthStatus): number {
  return healthRank(a) - healthRank(b);
}

/**
 * The worst of several results: an application's health is the worst health of its resources.
 * `undefined` entries (kinds without health) are skipped; with nothing left the answer is Healthy, as an
 * application with no resources that report health has nothing wrong with it. Of equally bad results the
 * first wins, so its message is the one shown.
 */
export function worstHealth(results: Iterable<HealthResult | undefined>): HealthResult {
  let worst: HealthResult | undefined;
  for (const r of results) {
    if (r && (!worst || compareHealth(r.status, worst.status) > 0)) worst = r;
  }
  return worst ?? { status: "Healthy", message: "" };
}

/**
 * The health of an object that should exist but does not. Health functions never return it — they only
 * see objects that exist — so callers comparing desired with live state use this for the gaps.
 */
export function missingHealth(message = "Resource does not exist in the cluster"): HealthResult {
  return { status: "Missing", message };
}
