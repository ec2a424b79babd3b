/**
 * Job health. A Job ends with a Complete or Failed condition set to True
 * (https://kubernetes.io/docs/concepts/workloads/controllers/job/#terminal-job-conditions); until then it
 * is Progressing, unless it is suspended (spec.suspend, reflected by a Suspended=True condition), which
 * Argo CD shows as Suspended.
 */
import type { KubeObject } from "../../core/object.js";
import { conditionsOf, describeCondition, findCondition, num, specOf, statusOf } from "../fields.js";
import type { HealthResult } from "../types.js";

/** The health of a batch/v1 Job. */
export function jobHealth(obj: KubeObject): HealthResult {
  const conditions = conditionsOf(obj);
  const failed = findCondition(conditions, "Failed");
  if (failed?.status === "True") return { status: "Degraded", message: describeCondition(failed) };
  const complete = findCondition(conditions, "Complete");
  if (complete?.status === "True") return { status: "Healthy", message: complete.message || "Job completed" };

  const suspended = findCondition(conditions, "Suspended");
  if (specOf(obj).suspend === true || suspended?.status === "True") {
    return { status: "Suspended", message: suspended?.message || "Job is suspended" };
  }

  const status = statusOf(obj);
  const active = num(status.active) ?? 0;
  const succeeded = num(status.succeeded) ?? 0;
  const failedPods = num(status.failed) ?? 0;
  return {
    status: "Progressing",
    message: `Waiting for the job to complete: ${active} active, ${succeeded} succeeded, ${failedPods} failed pods`,
  };
}
