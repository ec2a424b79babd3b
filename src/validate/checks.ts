/**
 * Every check id `plumb validate` reports, with a description: the policy checks (policy/checks.ts) and the
 * ids of the schema and Application checks, as the validate contract names them. The reports use it for
 * SARIF's rules and the docs list the same ids (docs/validate-checks.md). An id not listed (a schema check
 * added later) still gets a description from its prefix.
 *
 * Pure: imports nothing that does I/O.
 */
import type { Severity } from "./findings.js";
import { POLICY_CHECKS } from "./policy/checks.js";

export interface CheckInfo {
  id: string;
  description: string;
  /** The severity its findings have, when it is always the same. */
  severity?: Severity;
}

/** The schema checks (src/validate/schema.ts) and the Application and render checks (the orchestrator). */
export const OTHER_CHECKS: readonly CheckInfo[] = [
  { id: "schema-unknown-field", severity: "error", description: "A field that the Kubernetes OpenAPI schema (or the CRD's schema) of the object's kind does not have." },
  { id: "schema-type", severity: "error", description: "A field whose value has the wrong type for the schema (a string where a number is expected, …)." },
  { id: "schema-required", severity: "error", description: "A field the schema requires is missing." },
  { id: "schema-enum", severity: "error", description: "A field's value is not one of those the schema allows." },
  { id: "schema-format", severity: "error", description: "A field's value does not have the format the schema asks for (a quantity, a date-time, …), or breaks a pattern, length or range of it." },
  { id: "schema-unknown-kind", severity: "error", description: "No schema for the object's apiVersion and kind, in Kubernetes nor in any CRD given (as kubeconform by default)." },
  { id: "schema-crd", severity: "error", description: "A CustomResourceDefinition whose schema cannot be compiled, so its objects cannot be validated." },
  { id: "render", severity: "error", description: "The Application's source does not render (Helm, kustomize or plain YAML); the message is the renderer's error." },
  { id: "yaml-syntax", severity: "error", description: "A YAML file that does not parse." },
  { id: "app-spec", severity: "error", description: "The Application manifest is not a valid Application." },
  { id: "app-repo", description: "The Application's repoURL is not this repository (nor one plumb can reach), or its targetRevision does not exist." },
  { id: "app-path", description: "The Application's source path does not exist in the repository." },
  { id: "app-project", description: "The Application names an AppProject that does not exist, or that does not allow its source or destination." },
  { id: "app-destination", description: "The Application's destination (server or name, namespace) is missing or not allowed." },
  { id: "app-value-files", description: "A Helm value file the Application names does not exist." },
  { id: "sync-wave", description: "A sync-wave annotation that is not an integer." },
  { id: "hook-phase", description: "A hook annotation that names an unknown phase, or a hook delete policy that is not known." },
];

const ALL = new Map<string, CheckInfo>([...POLICY_CHECKS.map((c) => [c.id, c] as const), ...OTHER_CHECKS.map((c) => [c.id, c] as const)]);

/** The description of any check id, known or not. */
export function describeCheck(id: string): CheckInfo {
  const known = ALL.get(id);
  if (known) return known;
  if (id.startsWith("schema-")) return { id, description: `Schema validation of the rendered object against its Kubernetes OpenAPI or CRD schema (${id}).` };
  if (id.startsWith("app-")) return { id, description: `The Application manifest's ${id.slice(4)} (${id}).` };
  return { id, description: `Check ${id}.` };
}
