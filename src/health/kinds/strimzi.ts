/**
 * Strimzi health (kafka.strimzi.io Kafka, KafkaTopic, KafkaUser, KafkaConnect, KafkaNodePool...), from
 * the conditions the Strimzi operators set (https://strimzi.io/docs/operators/latest/overview): Ready=True →
 * Healthy; NotReady=True with a failure reason, or Ready=False → Degraded; NotReady otherwise (creating,
 * rolling) → Progressing; a generation not yet observed → Progressing.
 */
import type { KubeObject } from "../../core/object.js";
import { conditionsOf, describeCondition, findCondition, generationBehind } from "../fields.js";
import type { HealthResult } from "../types.js";

const PROGRESS_REASONS = new Set(["", "Creating", "RollingUpdate", "Updating", "Reconciling", "ReconciliationPaused"]);

/** The health of a kafka.strimzi.io object. */
export function strimziHealth(obj: KubeObject): HealthResult {
  const behind = generationBehind(obj);
  if (behind) return { status: "Progressing", message: behind };
  const conditions = conditionsOf(obj);
  const paused = findCondition(conditions, "ReconciliationPaused");
  if (paused?.status === "True") return { status: "Suspended", message: "Reconciliation is paused" };
  const ready = findCondition(conditions, "Ready");
  if (ready?.status === "True") return { status: "Healthy", message: ready.message };
  if (ready?.status === "False") return { status: "Degraded", message: describeCondition(ready) || "Ready is False" };
  const notReady = findCondition(conditions, "NotReady");
  if (notReady?.status === "True") {
    const failed = !PROGRESS_REASONS.has(notReady.reason);
    return { status: failed ? "Degraded" : "Progressing", message: describeCondition(notReady) || "Not ready" };
  }
  return { status: "Progressing", message: `Waiting for the ${obj.kind} to be ready` };
}
