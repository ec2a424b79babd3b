/**
 * The table of per-kind health functions, keyed by group/kind ("apps/Deployment", "Pod" for the core
 * group), as gitops-engine's pkg/health does. Versions are not part of the key: every served version of a
 * kind carries the same status fields. Legacy `extensions` kinds are listed because manifests written for
 * old clusters still carry them.
 *
 * Pure: imports nothing that does I/O.
 */
import { groupKind } from "../core/object.js";
import { apiServiceHealth } from "./kinds/apiservice.js";
import { applicationHealth } from "./kinds/application.js";
import { cronJobHealth } from "./kinds/cronjob.js";
import { customResourceDefinitionHealth } from "./kinds/customresourcedefinition.js";
import { daemonSetHealth } from "./kinds/daemonset.js";
import { deploymentHealth } from "./kinds/deployment.js";
import { horizontalPodAutoscalerHealth } from "./kinds/horizontalpodautoscaler.js";
import { ingressHealth } from "./kinds/ingress.js";
import { jobHealth } from "./kinds/job.js";
import { persistentVolumeClaimHealth } from "./kinds/persistentvolumeclaim.js";
import { podHealth } from "./kinds/pod.js";
import { replicaSetHealth } from "./kinds/replicaset.js";
import { serviceHealth } from "./kinds/service.js";
import { statefulSetHealth } from "./kinds/statefulset.js";
import type { HealthCheck } from "./types.js";

/** Built-in health functions by group/kind. */
export const HEALTH_CHECKS: ReadonlyMap<string, HealthCheck> = new Map<string, HealthCheck>([
  ["apps/Deployment", deploymentHealth],
  ["apps/StatefulSet", statefulSetHealth],
  ["apps/DaemonSet", daemonSetHealth],
  ["apps/ReplicaSet", replicaSetHealth],
  ["extensions/Deployment", deploymentHealth],
  ["extensions/DaemonSet", daemonSetHealth],
  ["extensions/ReplicaSet", replicaSetHealth],
  ["extensions/Ingress", ingressHealth],
  ["Pod", podHealth],
  ["Service", serviceHealth],
  ["PersistentVolumeClaim", persistentVolumeClaimHealth],
  ["batch/Job", jobHealth],
  ["batch/CronJob", cronJobHealth],
  ["networking.k8s.io/Ingress", ingressHealth],
  ["autoscaling/HorizontalPodAutoscaler", horizontalPodAutoscalerHealth],
  ["apiregistration.k8s.io/APIService", apiServiceHealth],
  ["apiextensions.k8s.io/CustomResourceDefinition", customResourceDefinitionHealth],
  ["plumb.dev/Application", applicationHealth],
  ["argoproj.io/Application", applicationHealth],
]);

/** The built-in health function for a group and kind, or undefined if the kind has none of its own. */
export function healthCheckFor(group: string, kind: string): HealthCheck | undefined {
  return HEALTH_CHECKS.get(groupKind({ group, kind }));
}
