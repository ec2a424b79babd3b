/**
 * Parameter sets — what generators produce and templates consume — and the small rules Argo CD applies to
 * them: in fasttemplate mode a set is flat (`metadata.labels.env`, every value a string); with goTemplate
 * it keeps its nesting (`.metadata.labels.env`, numbers stay numbers). Names are normalised the way Argo
 * CD's `nameNormalized` is (lower case, only `a-z0-9-.`). Label selectors are core/labels.ts'.
 *
 * Pure: imports nothing that does I/O.
 */
/** One parameter set: flat strings in fasttemplate mode, nested JSON values with goTemplate. */
export type Params = Record<string, unknown>;

/** A generator failed: no Application may be touched; the message says what to fix. */
export class GeneratorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GeneratorError";
  }
}

/**
 * What a generator reads is not there yet — a repository not fetched, the cluster-Secret cache not synced —
 * so an answer now would be wrong, not empty: the reconcile touches nothing and runs again when it arrives.
 */
export class PendingError extends Error {
  constructor(readonly waitingFor: string) {
    super(`waiting for ${waitingFor}`);
    this.name = "PendingError";
  }
}

/** Argo CD's name normalisation: lower case, every character other than a-z, 0-9, `-`, `.` becomes `-`. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9.-]/g, "-");
}

/** The string form of a parameter value in fasttemplate mode (Go's %v for scalars, JSON otherwise). */
export function paramString(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  return JSON.stringify(v);
}

/**
 * Flattens nested values into dotted keys with string values, as Argo CD flattens a git file's or a list
 * element's parameters for fasttemplate (`a.b.c`, array items `a.0`).
 */
export function flatten(value: Record<string, unknown>, prefix = "", out: Record<string, string> = {}): Record<string, string> {
  for (const [k, v] of Object.entries(value)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === "object") {
      const entries = Array.isArray(v) ? Object.fromEntries(v.map((x, i) => [String(i), x])) : (v as Record<string, unknown>);
      if (Object.keys(entries).length === 0) out[key] = Array.isArray(v) ? "[]" : "{}";
      else flatten(entries, key, out);
    } else {
      out[key] = paramString(v);
    }
  }
  return out;
}

/** The parameters as fasttemplate reads them: every value a string (nested values flattened). */
export function flatParams(p: Params): Record<string, string> {
  return flatten(p);
}

/** Reads a dotted key from a set: the flat key itself, or a path through nested objects. */
export function paramAt(p: Params, key: string): unknown {
  if (key in p) return p[key];
  let v: unknown = p;
  for (const part of key.split(".")) {
    if (v === null || typeof v !== "object" || !(part in (v as object))) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Deep merge: objects merged key by key, anything else (arrays included) replaced by `over`'s value. */
export function deepMerge(base: Params, over: Params): Params {
  const out: Params = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isRecord(out[k]) && isRecord(v) ? deepMerge(out[k] as Params, v) : v;
  return out;
}
