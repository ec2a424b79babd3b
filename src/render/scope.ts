/**
 * Whether a kind is namespaced, when the cluster has not told us. Asked in order: the caller's discovery
 * (`isNamespaced`), CustomResourceDefinitions in the rendered set itself (a chart that ships a CRD and its
 * custom resources), then the built-in cluster-scoped kinds of Kubernetes below. Anything else is taken to
 * be namespaced, which is what most custom resources are.
 *
 * Pure: imports nothing that does I/O.
 */
import { groupKind } from "../core/object.js";

/** Cluster-scoped kinds of Kubernetes itself, as "group/Kind" ("Kind" for the core group). */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  "Namespace",
  "Node",
  "PersistentVolume",
  "ComponentStatus",
  "rbac.authorization.k8s.io/ClusterRole",
  "rbac.authorization.k8s.io/ClusterRoleBinding",
  "apiextensions.k8s.io/CustomResourceDefinition",
  "apiregistration.k8s.io/APIService",
  "scheduling.k8s.io/PriorityClass",
  "admissionregistration.k8s.io/MutatingWebhookConfiguration",
  "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
  "admissionregistration.k8s.io/ValidatingAdmissionPolicy",
  "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding",
  "admissionregistration.k8s.io/MutatingAdmissionPolicy",
  "admissionregistration.k8s.io/MutatingAdmissionPolicyBinding",
  "networking.k8s.io/IngressClass",
  "networking.k8s.io/IPAddress",
  "networking.k8s.io/ServiceCIDR",
  "storage.k8s.io/StorageClass",
  "storage.k8s.io/CSIDriver",
  "storage.k8s.io/CSINode",
  "storage.k8s.io/VolumeAttachment",
  "storage.k8s.io/VolumeAttributesClass",
  "node.k8s.io/RuntimeClass",
  "certificates.k8s.io/CertificateSigningRequest",
  "certificates.k8s.io/ClusterTrustBundle",
  "flowcontrol.apiserver.k8s.io/FlowSchema",
  "flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration",
  "policy/PodSecurityPolicy",
  "resource.k8s.io/DeviceClass",
  "resource.k8s.io/ResourceSlice",
  "authentication.k8s.io/TokenReview",
  "authentication.k8s.io/SelfSubjectReview",
  "authorization.k8s.io/SubjectAccessReview",
  "authorization.k8s.io/SelfSubjectAccessReview",
  "authorization.k8s.io/SelfSubjectRulesReview",
]);

/** Answers "is group/kind namespaced?" for one render. */
export type ScopeLookup = (group: string, kind: string) => boolean;

/**
 * Builds the lookup for a rendered set: `isNamespaced` first, then CRDs among `objects`
 * (spec.group, spec.names.kind, spec.scope), then the built-in table, else namespaced.
 */
export function scopeLookup(
  objects: ReadonlyArray<Record<string, unknown>>,
  isNamespaced?: (group: string, kind: string) => boolean | undefined,
): ScopeLookup {
  const fromCrds = new Map<string, boolean>();
  for (const o of objects) {
    if (o.kind !== "CustomResourceDefinition" || typeof o.apiVersion !== "string" || !o.apiVersion.startsWith("apiextensions.k8s.io/")) continue;
    const spec = o.spec as { group?: unknown; scope?: unknown; names?: { kind?: unknown } } | undefined;
    if (typeof spec?.group === "string" && typeof spec.names?.kind === "string") {
      fromCrds.set(groupKind({ group: spec.group, kind: spec.names.kind }), spec.scope !== "Cluster");
    }
  }
  return (group, kind) => {
    const known = isNamespaced?.(group, kind);
    if (known !== undefined) return known;
    const gk = groupKind({ group, kind });
    return fromCrds.get(gk) ?? !CLUSTER_SCOPED_KINDS.has(gk);
  };
}
