/**
 * The policy checks plumb runs on rendered objects: one entry per check id, with its severity and what it
 * checks. The ids are kube-score's wherever kube-score has the check
 * (https://github.com/zegl/kube-score/blob/master/README_CHECKS.md), so an object annotated with
 * `kube-score/ignore: "<id>"` for kube-score is skipped by plumb too. kube-score's "critical" is our error, its
 * "warning" our warning, its "almost OK" our info.
 *
 * A check whose findings can be of two severities (container-resources: a missing limit is an error, a missing
 * request a warning) lists the higher one here; each finding carries its own.
 *
 * Pure: imports nothing that does I/O.
 */
import type { Severity } from "../findings.js";

export interface PolicyCheck {
  id: string;
  severity: Severity;
  description: string;
}

export const POLICY_CHECKS: readonly PolicyCheck[] = [
  // containers
  { id: "container-image-tag", severity: "error", description: "Every container's image has a tag or digest, and the tag is not `latest`." },
  { id: "container-image-pull-policy", severity: "error", description: "Every container sets imagePullPolicy: Always, so image pull secrets are checked on every start (an unset policy with a pinned tag defaults to IfNotPresent)." },
  { id: "container-resources", severity: "error", description: "Every container sets resources.limits.cpu and .memory (error when missing) and resources.requests.cpu and .memory (warning when missing)." },
  { id: "container-ephemeral-storage-request-and-limit", severity: "error", description: "Every container sets resources.limits.ephemeral-storage (error when missing) and resources.requests.ephemeral-storage (warning when missing)." },
  { id: "environment-variable-key-duplication", severity: "error", description: "No container lists the same environment variable name twice (the last one silently wins)." },
  { id: "container-security-context-user-group-id", severity: "error", description: "Every container runs with runAsUser and runAsGroup of 10000 or more (container or pod securityContext), and not with runAsNonRoot: false." },
  { id: "container-security-context-privileged", severity: "error", description: "No container sets securityContext.privileged: true." },
  { id: "container-security-context-readonlyrootfilesystem", severity: "error", description: "Every container sets securityContext.readOnlyRootFilesystem: true." },
  { id: "container-security-context-allow-privilege-escalation", severity: "warning", description: "Every container sets securityContext.allowPrivilegeEscalation: false (plumb's own check; kube-score has none)." },
  // pods
  { id: "pod-probes", severity: "error", description: "A pod targeted by a Service has a readinessProbe (error when missing) and a livenessProbe (info when missing). Jobs and CronJobs are not checked." },
  { id: "pod-probes-identical", severity: "error", description: "No container uses the same check for its readinessProbe and its livenessProbe." },
  { id: "pod-topology-spread-constraints", severity: "error", description: "Every topologySpreadConstraints entry has maxSkew > 0, a topologyKey, whenUnsatisfiable DoNotSchedule or ScheduleAnyway, and a labelSelector." },
  // workloads
  { id: "deployment-pod-selector-labels-match-template-metadata-labels", severity: "error", description: "A Deployment's spec.selector matches its own pod template's labels." },
  { id: "statefulset-pod-selector-labels-match-template-metadata-labels", severity: "error", description: "A StatefulSet's spec.selector matches its own pod template's labels." },
  { id: "workload-selector-labels", severity: "error", description: "A DaemonSet's or ReplicaSet's spec.selector matches its own pod template's labels (plumb's own id; kube-score checks Deployments and StatefulSets only)." },
  { id: "deployment-has-poddisruptionbudget", severity: "warning", description: "A Deployment with more than one replica (or scaled by an HPA) is targeted by a PodDisruptionBudget in the set." },
  { id: "statefulset-has-poddisruptionbudget", severity: "warning", description: "A StatefulSet with more than one replica (or scaled by an HPA) is targeted by a PodDisruptionBudget in the set." },
  { id: "poddisruptionbudget-has-policy", severity: "error", description: "A PodDisruptionBudget sets minAvailable or maxUnavailable." },
  { id: "deployment-has-host-podantiaffinity", severity: "warning", description: "A Deployment with more than one replica (or scaled by an HPA) has a podAntiAffinity on kubernetes.io/hostname that selects its own pods." },
  { id: "statefulset-has-host-podantiaffinity", severity: "warning", description: "A StatefulSet with more than one replica (or scaled by an HPA) has a podAntiAffinity on kubernetes.io/hostname that selects its own pods." },
  { id: "statefulset-has-servicename", severity: "error", description: "A StatefulSet's serviceName names a headless Service in the set that selects its pods." },
  { id: "deployment-targeted-by-hpa-does-not-have-replicas-configured", severity: "error", description: "A Deployment scaled by a HorizontalPodAutoscaler does not set spec.replicas (each sync would reset the HPA's count)." },
  { id: "cronjob-has-deadline", severity: "error", description: "A CronJob sets spec.startingDeadlineSeconds." },
  { id: "cronjob-restartpolicy", severity: "error", description: "A CronJob's pod template sets restartPolicy OnFailure or Never." },
  // networking and scaling
  { id: "service-targets-pod", severity: "error", description: "A Service's selector matches the pod template of a workload (or a Pod) in the set, in its namespace." },
  { id: "service-type", severity: "warning", description: "A Service is not of type NodePort." },
  { id: "ingress-targets-service", severity: "error", description: "Every backend of an Ingress names a Service in the set, in its namespace, and a port that Service has." },
  { id: "networkpolicy-targets-pod", severity: "error", description: "A NetworkPolicy's podSelector matches the pod template of a workload (or a Pod) in the set, in its namespace." },
  { id: "horizontalpodautoscaler-has-target", severity: "error", description: "A HorizontalPodAutoscaler's scaleTargetRef names an object in the set, in its namespace." },
  // every object
  { id: "stable-version", severity: "warning", description: "An object does not use a deprecated apiVersion when a stable one exists (extensions/v1beta1, apps/v1beta1 and v1beta2, batch/v1beta1, policy/v1beta1, networking.k8s.io/v1beta1, autoscaling/v2beta1 and v2beta2)." },
  { id: "label-values", severity: "error", description: "Every label value is a valid Kubernetes label value (at most 63 characters of [A-Za-z0-9._-], starting and ending with an alphanumeric)." },
];

const BY_ID = new Map(POLICY_CHECKS.map((c) => [c.id, c]));

/** The check with this id (throws for an id not in POLICY_CHECKS: a programming error). */
export function policyCheck(id: string): PolicyCheck {
  const c = BY_ID.get(id);
  if (!c) throw new Error(`unknown policy check "${id}"`);
  return c;
}
