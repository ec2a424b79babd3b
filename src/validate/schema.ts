/**
 * PLACEHOLDER for branch `schema` (dropped at merge): the exact signatures of the contract
 * (/tmp/validate-contract.md), validating nothing, so the orchestrator builds and runs before the real
 * module lands.
 */
import { UsageError } from "../core/errors.js";
import type { KubeObject } from "../core/object.js";
import type { Resources } from "../cluster/resources.js";
import type { Finding } from "./findings.js";

export const SHIPPED_KUBE_VERSIONS: readonly string[] = ["v1.36.3"];

export interface SchemaValidator {
  /** Adds CRDs; returns findings for CRDs whose schema cannot be used. */
  addCRDs(crds: readonly KubeObject[]): Finding[];
  /** Findings for one rendered object (check ids start with "schema-"). */
  validate(obj: KubeObject): Finding[];
}

/** Throws UsageError for a version that is not shipped. */
export function loadSchemas(opts: { kubeVersion?: string } = {}): Promise<SchemaValidator> {
  const v = opts.kubeVersion;
  if (v !== undefined && !SHIPPED_KUBE_VERSIONS.includes(v) && !SHIPPED_KUBE_VERSIONS.includes(`v${v}`)) {
    return Promise.reject(new UsageError(`--kube-version ${v}: no schemas shipped for it`, `use one of ${SHIPPED_KUBE_VERSIONS.join(", ")}`));
  }
  return Promise.resolve({ addCRDs: () => [], validate: () => [] });
}

/** The live cluster's CRDs, for --kubeconfig. */
export async function liveCRDs(resources: Resources): Promise<KubeObject[]> {
  return (await resources.list("apiextensions.k8s.io/v1", "CustomResourceDefinition")).items;
}
