/**
 * CronJob health, as Argo CD's built-in customization (resource_customizations/batch/CronJob) judges it:
 * a suspended CronJob is Suspended; one whose most recent run finished without success — it was scheduled
 * after the last success and nothing is running now — is Degraded; otherwise it is Healthy, since from the
 * status alone a CronJob that never ran, or is running now, cannot be told to be wrong.
 */
import type { KubeObject } from "../../core/object.js";
import { list, specOf, statusOf, str } from "../fields.js";
import type { HealthResult } from "../types.js";

function time(value: unknown): number | undefined {
  const s = str(value);
  if (s === undefined) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

/** The health of a batch/v1 CronJob. */
export function cronJobHealth(obj: KubeObject): HealthResult {
  if (specOf(obj).suspend === true) return { status: "Suspended", message: "CronJob is suspended" };

  // The API server always returns a status (at least `{}`); its absence means the object was never stored.
  if (obj.status === undefined || obj.status === null) {
    return { status: "Progressing", message: "Waiting for the CronJob to be created" };
  }
  const status = statusOf(obj);
  const lastSchedule = time(status.lastScheduleTime);
  if (lastSchedule === undefined) return { status: "Healthy", message: "CronJob has not been scheduled yet" };

  const lastSuccess = time(status.lastSuccessfulTime);
  if (lastSuccess === undefined) {
    // The first run may still be going, or may have failed: the status does not say which.
    return { status: "Healthy", message: "CronJob has never completed successfully; its first run may still be going" };
  }
  if (list(status.active).length > 0) {
    return { status: "Healthy", message: "A job is running; the previous run may not have succeeded" };
  }
  if (lastSuccess < lastSchedule) {
    return { status: "Degraded", message: "CronJob did not complete its last run successfully" };
  }
  return { status: "Healthy", message: "CronJob completed its last run successfully" };
}
