/**
 * Reading a Secret's values as the API server stores them. Pure: no I/O.
 */
import type { KubeObject } from "./object.js";

/** The Secret's data as strings: `data` (base64) overlaid by `stringData` (plain), as the API server does. */
export function secretData(secret: KubeObject): Record<string, string> {
  const out: Record<string, string> = {};
  const data = secret.data as Record<string, unknown> | undefined;
  if (data && typeof data === "object") {
    for (const [k, v] of Object.entries(data)) if (typeof v === "string") out[k] = Buffer.from(v, "base64").toString("utf8");
  }
  const stringData = secret.stringData as Record<string, unknown> | undefined;
  if (stringData && typeof stringData === "object") {
    for (const [k, v] of Object.entries(stringData)) if (typeof v === "string") out[k] = v;
  }
  return out;
}

/** "true", "yes" or "1" in any case: how Argo CD's Secrets spell a boolean. */
export const truthy = (v: string | undefined): boolean => v !== undefined && /^(true|yes|1)$/i.test(v.trim());

/** What a parser of one kind of labelled Secret gives: the record, if usable, and what is wrong in it. */
export interface ParsedRecord<R> {
  record?: R;
  problems: string[];
}

/**
 * The records of every Secret `parse` recognises (it answers undefined for Secrets of another kind), each
 * Secret's problems reported through `onProblem` as namespace/name and the problem — never thrown, so one
 * bad Secret does not hide the others.
 */
export function recordsFromSecrets<R>(secrets: readonly KubeObject[], parse: (s: KubeObject) => ParsedRecord<R> | undefined, onProblem?: (secret: string, problem: string) => void): R[] {
  const records: R[] = [];
  for (const s of secrets) {
    if (s.kind !== undefined && s.kind !== "Secret") continue;
    const parsed = parse(s);
    if (!parsed) continue;
    const name = `${s.metadata?.namespace ?? ""}/${s.metadata?.name ?? ""}`;
    for (const p of parsed.problems) onProblem?.(name, p);
    if (parsed.record !== undefined) records.push(parsed.record);
  }
  return records;
}
