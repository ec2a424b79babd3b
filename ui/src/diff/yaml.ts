/**
 * Kubernetes objects as YAML for people to read: the API hands states over as JSON strings; here they
 * become YAML, without the fields nobody reads (metadata.managedFields, as Argo CD hides them). For a
 * diff both sides go through the same `toYaml`, keys in one stable order (apiVersion, kind, metadata
 * first, every other key sorted), so the diff shows real changes only and never a reordering.
 *
 * The emitter is our own, for JSON values only (maps, lists, strings, numbers, booleans, null): the `yaml`
 * package's stringify took 70–200 ms for each side of a 5,000-line object, most of the diff's 500 ms
 * budget. It writes plain scalars where YAML reads them back as the same string, double-quoted (JSON
 * escapes, valid YAML) otherwise, and multi-line strings as literal blocks; yaml.test.ts proves with the
 * `yaml` package's parser that what it writes reads back as the value it was given.
 */

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
  const out: string[] = [];
  const v = headFirst(withoutNoise(value), opts.sortKeys ?? false);
  if (isRecord(v) && Object.keys(v).length > 0) mapping(v, "", opts.sortKeys ?? false, out, undefined, true);
  else if (Array.isArray(v) && v.length > 0) sequence(v, "", opts.sortKeys ?? false, out);
  else out.push(scalar(v, "  "));
  return `${out.join("\n")}\n`;
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

const HEAD = ["apiVersion", "kind", "metadata"];

/** An object's apiVersion, kind and metadata first (as people read manifests), then its other keys. */
function headFirst(v: unknown, sort: boolean): unknown {
  if (!isRecord(v) || !HEAD.some((k) => k in v)) return v;
  const rest = Object.keys(v).filter((k) => !HEAD.includes(k));
  if (sort) rest.sort();
  const out: Record<string, unknown> = {};
  for (const k of [...HEAD.filter((k) => k in v), ...rest]) out[k] = v[k];
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const isCollection = (v: unknown): boolean => (isRecord(v) ? Object.keys(v).length > 0 : Array.isArray(v) && v.length > 0);

function mapping(map: Record<string, unknown>, pad: string, sort: boolean, out: string[], firstPrefix?: string, ordered = false): void {
  const keys = Object.keys(map);
  if (sort && !ordered) keys.sort();
  keys.forEach((k, i) => {
    const lead = i === 0 && firstPrefix !== undefined ? firstPrefix : pad;
    const value = map[k];
    if (value === undefined) return;
    const key = `${lead}${str(k)}:`;
    if (isRecord(value) && isCollection(value)) {
      out.push(key);
      mapping(value, `${pad}  `, sort, out);
    } else if (Array.isArray(value) && value.length > 0) {
      out.push(key);
      sequence(value, `${pad}  `, sort, out);
    } else out.push(`${key} ${scalar(value, `${pad}  `)}`);
  });
}

function sequence(list: unknown[], pad: string, sort: boolean, out: string[]): void {
  for (const item of list) {
    if (isRecord(item) && isCollection(item)) mapping(item, `${pad}  `, sort, out, `${pad}- `);
    else if (Array.isArray(item) && item.length > 0) {
      out.push(`${pad}-`);
      sequence(item, `${pad}  `, sort, out);
    } else out.push(`${pad}- ${scalar(item ?? null, `${pad}  `)}`);
  }
}

/** A scalar (or an empty collection) on one line, or a literal block whose lines are indented by `pad`. */
function scalar(v: unknown, pad: string): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "boolean") return String(v);
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : JSON.stringify(String(v));
  if (typeof v === "string") return v.includes("\n") && blockSafe(v) ? block(v, pad) : str(v);
  if (Array.isArray(v)) return "[]";
  if (isRecord(v)) return "{}";
  return JSON.stringify(String(v));
}

// Strings YAML would read as something else (YAML 1.2 core and 1.1's booleans), or that start like a number.
const AMBIGUOUS = /^(?:true|false|null|~|yes|no|on|off|y|n|<<|[-+]?\.(?:inf|nan))$/i;
const NUMBERISH = /^[-+.]?\d/;
// A plain scalar: no indicator first, no control characters or tabs, no ": " or " #", no edge spaces.
const PLAIN = /^[^\s\-?:,[\]{}#&*!|>'"%@`][^\x00-\x1f\x7f\u0085\u2028\u2029\ufeff]*$/;

/** A string as a plain scalar when YAML reads it back as the same string, else double-quoted. */
function str(s: string): string {
  const plain = s !== "" && PLAIN.test(s) && !AMBIGUOUS.test(s) && !NUMBERISH.test(s) && !s.includes(": ") && !s.includes(" #") && !s.endsWith(":") && !s.endsWith(" ");
  return plain ? s : JSON.stringify(s);
}

function blockSafe(s: string): boolean {
  // The first line sets the block's indentation: it must not start with a space (nor be empty).
  return /^\S/.test(s) && !/[\x00-\x08\x0b-\x1f\x7f\u0085\u2028\u2029\ufeff]/.test(s);
}

/** A literal block: `|-` without a final newline, `|` with one, `|+` with more. */
function block(s: string, pad: string): string {
  const lines = s.split("\n");
  let chomp = "-";
  if (s.endsWith("\n")) {
    lines.pop();
    chomp = s.endsWith("\n\n") ? "+" : "";
  }
  return `|${chomp}\n${lines.map((l) => (l === "" ? "" : `${pad}${l}`)).join("\n")}`;
}
