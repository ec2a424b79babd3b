/**
 * The set's status from what one reconcile found, in Argo CD's condition types
 * (https://argo-cd.readthedocs.io/en/stable/operator-manual/applicationset/Controlling-Resource-Modification/):
 *
 * - ErrorOccurred — True when a generator failed (nothing was touched), the spec is invalid, an Application
 *   could not be generated or applied; False (ApplicationSetUpToDate) otherwise;
 * - ParametersGenerated — whether every generator produced its parameters;
 * - ResourcesUpToDate — whether every generated Application is as the set wants it;
 * - UnsupportedField (plumb's) — fields set that plumb recognises but does not implement.
 *
 * A condition keeps its lastTransitionTime while its status stays the same, so an unchanged status is an
 * equal object and is not written again.
 *
 * Pure: imports nothing that does I/O.
 */
import { isDeepStrictEqual } from "node:util";
import type { AppSetCondition, AppSetResource, ApplicationSetStatus, InvalidApplication } from "./schema.js";

/** What a reconcile found, for the status. */
export interface Outcome {
  /** The spec could not be read, or a generator failed: nothing was touched. */
  error?: { reason: string; message: string };
  /** Generated Applications not applied, and why. */
  invalid: InvalidApplication[];
  /** Applies or deletes that the API server refused. */
  failures: string[];
  unsupported: string[];
  resources?: AppSetResource[];
}

/** The most invalid Applications listed in status (the count is in the condition's message). */
export const MAX_LISTED_INVALID = 100;

function listInvalid(invalid: readonly InvalidApplication[], max = 5): string {
  const shown = invalid.slice(0, max).map((i) => `${i.name ?? `parameter set ${i.index}`}: ${i.message}`);
  return shown.join("; ") + (invalid.length > max ? `; …and ${invalid.length - max} more (status.invalidApplications)` : "");
}

/** The conditions of an outcome (without transition times). */
export function conditionsOf(o: Outcome): AppSetCondition[] {
  const out: AppSetCondition[] = [];
  if (o.error) {
    out.push({ type: "ErrorOccurred", status: "True", reason: o.error.reason, message: `${o.error.message}; no Application was created, updated or deleted` });
    out.push({ type: "ParametersGenerated", status: "False", reason: o.error.reason, message: o.error.message });
    out.push({ type: "ResourcesUpToDate", status: "False", reason: o.error.reason, message: "the generated Applications were left as they were" });
  } else {
    const problems = [...(o.invalid.length ? [`${o.invalid.length} generated Application${o.invalid.length === 1 ? "" : "s"} not applied: ${listInvalid(o.invalid)}`] : []), ...o.failures.slice(0, 5)];
    const reason = o.invalid.length ? "ApplicationValidationError" : "ApplicationSetApplyError";
    out.push(problems.length ? { type: "ErrorOccurred", status: "True", reason, message: problems.join("; ") } : { type: "ErrorOccurred", status: "False", reason: "ApplicationSetUpToDate", message: "All applications have been generated successfully" });
    out.push({ type: "ParametersGenerated", status: "True", reason: "ParametersGenerated", message: "Successfully generated parameters for all Applications" });
    out.push(problems.length ? { type: "ResourcesUpToDate", status: "False", reason, message: problems.join("; ") } : { type: "ResourcesUpToDate", status: "True", reason: "ApplicationSetUpToDate", message: "All applications have been generated successfully" });
  }
  if (o.unsupported.length) out.push({ type: "UnsupportedField", status: "True", reason: "UnsupportedField", message: o.unsupported.join("; ") });
  return out;
}

/**
 * The new status: conditions with their transition times carried over from `old` when unchanged in
 * status; resources and invalid Applications from the outcome (resources kept from `old` when the reconcile
 * touched nothing because of an error).
 */
export function nextStatus(old: ApplicationSetStatus | undefined, o: Outcome, generation: number | undefined, now: string): ApplicationSetStatus {
  const before = new Map((old?.conditions ?? []).map((c) => [c.type, c]));
  const conditions = conditionsOf(o).map((c) => {
    const prev = before.get(c.type);
    return { ...c, lastTransitionTime: prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : now };
  });
  const resources = o.resources ?? old?.resources;
  const invalid = o.error ? old?.invalidApplications : o.invalid.slice(0, MAX_LISTED_INVALID);
  return {
    conditions,
    ...(resources && resources.length ? { resources } : {}),
    ...(invalid && invalid.length ? { invalidApplications: invalid } : {}),
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
}

/** Whether two statuses say the same (a write would change nothing). */
export function sameStatus(a: ApplicationSetStatus | undefined, b: ApplicationSetStatus): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a ?? {})), JSON.parse(JSON.stringify(b)));
}
