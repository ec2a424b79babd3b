/**
 * Reading the loosely typed parts of an object (spec, status, conditions) without trusting their shape.
 *
 * Health functions see objects decoded from YAML or JSON. Objects from the API server are well formed, but
 * `plumb health FILE` also reads hand-written files, so a number may be missing, a list may be a string, and
 * `status: True` unquoted in YAML decodes to a boolean. These helpers turn such input into "absent" instead
 * of an exception.
 *
 * Pure: imports nothing that does I/O.
 */
import type { KubeObject } from "../core/object.js";

/** A plain object, or an empty one for anything else. */
export function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** An array, or an empty one for anything else. */
export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A finite number, or undefined. */
export function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/**
 * A generation (metadata.generation, status.observedGeneration, a condition's observedGeneration): a
 * number, or a string holding a base-10 integer ("3") as some controllers and hand-written files give it,
 * read the way Kubernetes' decoders read an integer (strconv.ParseInt); anything else is undefined.
 */
export function generationValue(value: unknown): number | undefined {
  if (typeof value === "string" && /^[+-]?\d{1,15}$/.test(value.trim())) return Number(value.trim());
  return num(value);
}

/** A string, or undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** The object's `spec` as a record. */
export function specOf(obj: KubeObject): Record<string, unknown> {
  return record(obj.spec);
}

/** The object's `status` as a record. */
export function statusOf(obj: KubeObject): Record<string, unknown> {
  return record(obj.status);
}

/** One entry of a `status.conditions` list, normalized. */
export interface Condition {
  type: string;
  /** "True", "False" or "Unknown" (booleans from unquoted YAML are mapped to the first two). */
  status: string;
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime?: string;
}

/** Normalizes one raw condition; entries without a type are dropped by the callers. */
export function toCondition(raw: unknown): Condition {
  const c = record(raw);
  const status = typeof c.status === "boolean" ? (c.status ? "True" : "False") : (str(c.status) ?? "Unknown");
  const out: Condition = { type: str(c.type) ?? "", status, reason: str(c.reason) ?? "", message: str(c.message) ?? "" };
  const observed = generationValue(c.observedGeneration);
  if (observed !== undefined) out.observedGeneration = observed;
  const since = str(c.lastTransitionTime);
  if (since !== undefined) out.lastTransitionTime = since;
  return out;
}

/** Normalizes a list of raw conditions, dropping entries without a type. */
export function toConditions(raw: unknown): Condition[] {
  return list(raw).map(toCondition).filter((c) => c.type !== "");
}

/** The object's `status.conditions`, normalized; [] if it has none. */
export function conditionsOf(obj: KubeObject): Condition[] {
  return toConditions(statusOf(obj).conditions);
}

/** The condition of the given type, if present. */
export function findCondition(conditions: Condition[], type: string): Condition | undefined {
  return conditions.find((c) => c.type === type);
}

/** "reason: message", or whichever of the two is present. */
export function describeCondition(c: Condition): string {
  if (c.reason && c.message) return `${c.reason}: ${c.message}`;
  return c.reason || c.message;
}

/** metadata.generation, or 0 when absent (objects not yet stored have none). */
export function generationOf(obj: KubeObject): number {
  return generationValue(obj.metadata?.generation) ?? 0;
}

/**
 * A "not yet observed" message when `status.observedGeneration` (a number, or a numeric string as some
 * controllers write it), or the observedGeneration of a condition, is behind `metadata.generation`;
 * undefined when they are current or absent.
 */
export function generationBehind(obj: KubeObject): string | undefined {
  const observed = generationValue(statusOf(obj).observedGeneration);
  const generation = generationOf(obj);
  if (observed !== undefined && observed < generation) {
    return `Waiting for the controller to observe generation ${generation} (observed ${observed})`;
  }
  const stale = conditionsOf(obj).find((c) => c.observedGeneration !== undefined && c.observedGeneration < generation);
  if (stale) return `Waiting for the controller to observe generation ${generation} (condition ${stale.type} is at ${stale.observedGeneration})`;
  return undefined;
}
