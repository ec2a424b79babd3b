/**
 * Lenient parsing of user objects with strict schemas: the value is validated once; keys the schema does not
 * know are recorded (with a "did you mean" from the keys it does know), removed from a copy, and the copy is
 * parsed again, so one typo does not hide the rest of the spec. Other issues (a wrong type, a missing field)
 * are recorded too and leave no parsed value. Nothing here throws for bad input.
 *
 * Pure: imports nothing that does I/O.
 */
import type { z } from "zod";

/** One thing wrong at one field. */
export interface FieldIssue {
  /** `unknown`: a key the schema does not declare. `invalid`: any other issue. */
  kind: "unknown" | "invalid";
  /** The field's path, e.g. `spec.sources[1].helm.valueFile`. */
  field: string;
  /** What is wrong, naming the field. */
  message: string;
}

type Path = readonly PropertyKey[];

/** `spec` + ["sources", 1, "helm"] → `spec.sources[1].helm`. */
export function fieldPath(prefix: string, path: Path): string {
  let out = prefix;
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  in?: z.ZodType;
}

const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Removes optional/default/nullable/pipe wrappers. */
function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let i = 0; i < 20; i++) {
    const d = defOf(s);
    if (d.innerType) s = d.innerType;
    else if (d.type === "pipe" && d.in) s = d.in;
    else break;
  }
  return s;
}

/** The keys the schema declares for the object at `path`, or [] when it cannot tell. */
export function knownKeys(schema: z.ZodType, path: Path): string[] {
  let s = unwrap(schema);
  for (const p of path) {
    const d = defOf(s);
    if (typeof p === "number" && d.type === "array" && d.element) s = unwrap(d.element);
    else if (typeof p === "string" && d.type === "object" && d.shape?.[p]) s = unwrap(d.shape[p]);
    else return [];
  }
  const d = defOf(s);
  return d.type === "object" && d.shape ? Object.keys(d.shape) : [];
}

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate to a misspelt name, if one is close enough to be a likely typo. */
export function suggest(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const d = c.toLowerCase() === lower ? 0 : distance(lower, c.toLowerCase());
    if (!best || d < best.d) best = { c, d };
  }
  return best && best.d <= Math.max(1, Math.floor(name.length / 4)) ? best.c : undefined;
}

function messageOf(issue: z.core.$ZodIssue, field: string): string {
  if (issue.code === "invalid_type" && /received undefined$/.test(issue.message)) return `${field} is required`;
  return `${field}: ${issue.message.replace(/^Invalid input: /, "")}`;
}

function removeKeys(root: unknown, path: Path, keys: readonly string[]): void {
  let node: unknown = root;
  for (const p of path) {
    if (node === null || typeof node !== "object") return;
    node = (node as Record<PropertyKey, unknown>)[p];
  }
  if (node !== null && typeof node === "object") for (const k of keys) delete (node as Record<string, unknown>)[k];
}

/**
 * Parses `input` with `schema`, reporting unknown keys and invalid values as issues whose fields start with
 * `prefix`. `data` is set when the value is valid once unknown keys are left out.
 */
export function parseLenient<S extends z.ZodType>(schema: S, input: unknown, prefix: string): { data?: z.output<S>; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const value: unknown = input === undefined ? undefined : structuredClone(input);
  for (let round = 0; round < 10; round++) {
    const r = schema.safeParse(value);
    if (r.success) return { data: r.data, issues };
    let removed = false;
    const invalid: FieldIssue[] = [];
    for (const issue of r.error.issues) {
      if (issue.code === "unrecognized_keys") {
        const known = knownKeys(schema, issue.path);
        for (const key of issue.keys) {
          const field = fieldPath(prefix, [...issue.path, key]);
          const hint = suggest(key, known);
          issues.push({ kind: "unknown", field, message: `${field} is not a known field${hint ? ` (did you mean ${hint}?)` : ""}` });
        }
        removeKeys(value, issue.path, issue.keys);
        removed = true;
      } else {
        const field = fieldPath(prefix, issue.path);
        invalid.push({ kind: "invalid", field, message: messageOf(issue, field) });
      }
    }
    if (invalid.length > 0 || !removed) {
      issues.push(...invalid);
      return { issues };
    }
  }
  return { issues };
}
