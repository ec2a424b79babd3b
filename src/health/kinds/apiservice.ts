/**
 * APIService health from its Available condition, set by the kube-aggregator
 * (https://kubernetes.io/docs/tasks/extend-kubernetes/configure-aggregation-layer/).
 *
 * Available=True is Healthy. Available=False is split by reason, where Argo CD says Progressing for all:
 * while the backing Service or its endpoints do not exist yet (ServiceNotFound, MissingEndpoints,
 * EndpointsNotFound — normal while the extension server is being deployed in the same sync) it is
 * Progressing; when the server is there but answers wrongly or not at all (FailedDiscoveryCheck,
 * ServiceAccessError, ...) it is Degraded. No condition yet, or Unknown, is Progressing.
 */
import type { KubeObject } from "../../core/object.js";
import { conditionsOf, describeCondition, findCondition } from "../fields.js";
import type { HealthResult } from "../types.js";

/** Available=False reasons that mean "not deployed yet" rather than "broken". */
const STARTING_REASONS = new Set(["ServiceNotFound", "MissingEndpoints", "EndpointsNotFound"]);

/** The health of an apiregistration.k8s.io APIService. */
export function apiServiceHealth(obj: KubeObject): HealthResult {
  const available = findCondition(conditionsOf(obj), "Available");
  if (!available) return { status: "Progressing", message: "Waiting to be processed" };
  const message = describeCondition(available);
  if (available.status === "True") return { status: "Healthy", message };
  if (available.status === "False" && !STARTING_REASONS.has(available.reason)) return { status: "Degraded", message };
  return { status: "Progressing", message };
}
