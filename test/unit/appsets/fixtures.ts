/** What the ApplicationSet unit tests import: the module's API and a structural check of a CRD. */
import { structuralViolations, type JSONSchemaProps } from "../../../src/apps/openapi.js";
import type { KubeObject } from "../../../src/core/object.js";
export * from "../../../src/appsets/index.js";

/** The structural-schema violations of a CRD's first version. */
export function structuralViolationsOf(crd: KubeObject): string[] {
  const v = (crd.spec as { versions: Array<{ schema: { openAPIV3Schema: JSONSchemaProps }; subresources?: unknown }> }).versions[0]!;
  return [...structuralViolations(v.schema.openAPIV3Schema), ...(v.subresources ? [] : ["no status subresource"])];
}
