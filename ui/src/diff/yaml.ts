/**
 * Kubernetes objects as YAML for people to read: the API hands states over as JSON strings; here they
 * become YAML, without the fields nobody reads (metadata.managedFields, as Argo CD hides them). For a
 * diff both sides go through the same `toYaml`, keys in one stable (sorted) order, so the diff shows real
 * changes only and never a reordering.
 */
import { stringify } from "yaml";

export interface YamlOptions {
  /** Sort every mapping's keys (for a diff: both sides in the same order). Default false: the object's own order. */
  sortKeys?: boolean;
}

/** The value without metadata.managedFields (a copy when it had them; the input is never changed). */
export function withoutNoise(value: unknown): unknown {
  if (!isRecord(value) || !isRecord(value.metadata) || !("managedFields" in value.metadata)) return value;
  const { managedFields: _dropped, ...metadata } = value.metadata;
  return { ...value, metadata };
}

/** A value as YAML, noisy fields dropped; "" for undefined or null. */
export function toYaml(value: unknown, opts: YamlOptions = {}): string {
  if (value === undefined || value === null) return "";
  return stringify(withoutNoise(value), { sortMapEntries: opts.sortKeys ?? false, lineWidth: 0, aliasDuplicateObjects: false });
}

/** A JSON text (as the API gives states) as YAML; "" for an empty text or "null"; the text itself if it is not JSON. */
export function jsonTextToYaml(text: string | undefined | null, opts: YamlOptions = {}): string {
  if (!text || text === "null") return "";
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text;
  }
  return toYaml(value, opts);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
