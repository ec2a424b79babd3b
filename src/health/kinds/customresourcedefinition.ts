/**
 * CustomResourceDefinition health, beyond Argo CD (which has none): a CRD is usable only once the API
 * server has Established it, so a sync wave holding a CRD is not done before that and custom resources in
 * later waves can be applied. NamesAccepted=False (a name clash with another CRD) is Degraded.
 * (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#create-a-customresourcedefinition)
 */
import type { KubeObject } from "../../core/object.js";
import { conditionsOf, describeCondition, findCondition } from "../fields.js";
import type { HealthResult } from "../types.js";

/** The health of an apiextensions.k8s.io CustomResourceDefinition. */
export function customResourceDefinitionHealth(obj: KubeObject): HealthResult {
  const conditions = conditionsOf(obj);
  const names = findCondition(conditions, "NamesAccepted");
  if (names?.status === "False") return { status: "Degraded", message: describeCondition(names) };
  const established = findCondition(conditions, "Established");
  if (established?.status === "True") return { status: "Healthy", message: "" };
  return { status: "Progressing", message: established ? describeCondition(established) : "Waiting to be established" };
}
