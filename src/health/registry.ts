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
import { certificateHealth, issuerHealth } from "./kinds/certmanager.js";
import { crossplaneHealth } from "./kinds/crossplane.js";
import { cronJobHealth } from "./kinds/cronjob.js";
import { customResourceDefinitionHealth } from "./kinds/customresourcedefinition.js";
import { daemonSetHealth } from "./kinds/daemonset.js";
import { deploymentHealth } from "./kinds/deployment.js";
import { externalSecretHealth } from "./kinds/externalsecret.js";
import { fluxHealth } from "./kinds/flux.js";
import { horizontalPodAutoscalerHealth } from "./kinds/horizontalpodautoscaler.js";
import { ingressHealth } from "./kinds/ingress.js";
import { jobHealth } from "./kinds/job.js";
import { knativeHealth } from "./kinds/knative.js";
import { persistentVolumeClaimHealth } from "./kinds/persistentvolumeclaim.js";
import { podHealth } from "./kinds/pod.js";
import { replicaSetHealth } from "./kinds/replicaset.js";
import { rolloutHealth } from "./kinds/rollout.js";
import { scaledObjectHealth } from "./kinds/scaledobject.js";
import { sealedSecretHealth } from "./kinds/sealedsecret.js";
import { serviceHealth } from "./kinds/service.js";
import { statefulSetHealth } from "./kinds/statefulset.js";
import { strimziHealth } from "./kinds/strimzi.js";
import { virtualServiceHealth } from "./kinds/virtualservice.js";
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
  // Custom resources of the most used operators (kinds/ has one file per project).
  ["cert-manager.io/Certificate", certificateHealth],
  ["cert-manager.io/Issuer", issuerHealth],
  ["cert-manager.io/ClusterIssuer", issuerHealth],
  ["argoproj.io/Rollout", rolloutHealth],
  ...[
    "kustomize.toolkit.fluxcd.io/Kustomization",
    "helm.toolkit.fluxcd.io/HelmRelease",
    "source.toolkit.fluxcd.io/GitRepository",
    "source.toolkit.fluxcd.io/HelmRepository",
    "source.toolkit.fluxcd.io/OCIRepository",
    "source.toolkit.fluxcd.io/HelmChart",
    "source.toolkit.fluxcd.io/Bucket",
  ].map((k): [string, HealthCheck] => [k, fluxHealth]),
  ...["ExternalSecret", "ClusterExternalSecret", "SecretStore", "ClusterSecretStore"].map(
    (k): [string, HealthCheck] => [`external-secrets.io/${k}`, externalSecretHealth],
  ),
  ["bitnami.com/SealedSecret", sealedSecretHealth],
  ...["Service", "Route", "Configuration", "Revision"].map((k): [string, HealthCheck] => [`serving.knative.dev/${k}`, knativeHealth]),
  ["networking.istio.io/VirtualService", virtualServiceHealth],
  ["keda.sh/ScaledObject", scaledObjectHealth],
  ["keda.sh/ScaledJob", scaledObjectHealth],
  ...["Kafka", "KafkaTopic", "KafkaUser", "KafkaConnect", "KafkaMirrorMaker2", "KafkaNodePool", "KafkaBridge", "KafkaRebalance"].map(
    (k): [string, HealthCheck] => [`kafka.strimzi.io/${k}`, strimziHealth],
  ),
]);

/** Groups whose every kind gets one check: Crossplane's and Upbound's providers' managed resources. */
const GROUP_SUFFIX_CHECKS: readonly [string, HealthCheck][] = [
  [".crossplane.io", crossplaneHealth],
  [".upbound.io", crossplaneHealth],
];

/** The built-in health function for a group and kind, or undefined if the kind has none of its own. */
export function healthCheckFor(group: string, kind: string): HealthCheck | undefined {
  const exact = HEALTH_CHECKS.get(groupKind({ group, kind }));
  if (exact) return exact;
  return GROUP_SUFFIX_CHECKS.find(([suffix]) => group.endsWith(suffix))?.[1];
}
