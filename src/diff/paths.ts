/**
 * Small tools over plain JSON documents that the rest of the diff module shares: paths (a list of object
 * keys and array indices, the form both RFC 6901 pointers and jq's `path(...)` reduce to), getting,
 * setting and deleting at a path, deep equality, deep copy and key sorting.
 *
 * A path element that is a number, or a string of digits, addresses an array item when the container is
 * an array; against an object it is an ordinary key. That is how RFC 6901 treats "/containers/0"
 * (https://www.rfc-editor.org/rfc/rfc6901#section-4), and it lets jq paths (numbers) and pointer paths
 * (strings) share one resolver.
 *
 * Pure: imports nothing that does I/O.
 */
import { UsageError } from "../core/errors.js";

/** One step of a path: an object key or an array index. */
export type PathElement = string | number;
/** A path into a JSON document, outermost step first; `[]` is the document itself. */
export type JsonPath = readonly PathElement[];

/** A plain JSON object (not an array, not null). */
export type JsonObject = Record<string, unknown>;

/** True for a plain JSON object (not an array, not null). */
export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Parses an RFC 6901 JSON pointer into a path: "/spec/template/metadata/annotations/a~1b" →
 * ["spec", "template", "metadata", "annotations", "a/b"]. `~1` is "/" and `~0` is "~", decoded in that
 * order as the RFC requires. The empty pointer (the whole document) is rejected: ignoring everything is
 * never what a rule means.
 */
export function parseJsonPointer(pointer: string): string[] {
  if (!pointer.startsWith("/")) {
    throw new UsageError(`not a JSON pointer: "${pointer}"`, 'JSON pointers start with "/", e.g. /spec/replicas');
  }
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** Formats a path as an RFC 6901 pointer (for messages). */
export function formatJsonPointer(path: JsonPath): string {
  return path.map((p) => "/" + String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("");
}

/** The array index an element names, or undefined when it names none. */
function arrayIndex(arr: readonly unknown[], el: PathElement): number | undefined {
  const i = typeof el === "number" ? el : /^(0|[1-9][0-9]*)$/.test(el) ? Number(el) : NaN;
  return Number.isInteger(i) && i >= 0 && i < arr.length ? i : undefined;
}

/** One step down: the child of `container` at `el`, or undefined. */
export function child(container: unknown, el: PathElement): unknown {
  if (Array.isArray(container)) {
    const i = arrayIndex(container, el);
    return i === undefined ? undefined : container[i];
  }
  if (isObject(container) && Object.hasOwn(container, String(el))) return container[String(el)];
  return undefined;
}

/** The value at `path`, or undefined when any step is missing. */
export function getPath(doc: unknown, path: JsonPath): unknown {
  let cur = doc;
  for (const el of path) {
    cur = child(cur, el);
    if (cur === undefined) return undefined;
  }
  return cur;
}

/**
 * Deletes the value at `path` from `doc` in place; array items are spliced out. Returns whether something
 * was deleted. Deleting several paths from one array must go from the highest index down: see
 * `deletePaths`.
 */
export function deletePath(doc: unknown, path: JsonPath): boolean {
  if (path.length === 0) return false;
  const parent = getPath(doc, path.slice(0, -1));
  const last = path[path.length - 1] as PathElement;
  if (Array.isArray(parent)) {
    const i = arrayIndex(parent, last);
    if (i === undefined) return false;
    parent.splice(i, 1);
    return true;
  }
  if (isObject(parent) && Object.hasOwn(parent, String(last))) {
    delete parent[String(last)];
    return true;
  }
  return false;
}

/** Orders paths so that deleting them in turn never shifts an index a later path relies on. */
function compareForDeletion(a: JsonPath, b: JsonPath): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as PathElement;
    const y = b[i] as PathElement;
    if (x === y) continue;
    const nx = Number(x);
    const ny = Number(y);
    if (Number.isInteger(nx) && Number.isInteger(ny) && nx !== ny) return ny - nx; // higher index first
    return String(x) < String(y) ? 1 : -1;
  }
  return b.length - a.length; // deeper first, then its parent
}

/** Deletes every path from `doc` in place, highest array index first; returns the paths that existed. */
export function deletePaths(doc: unknown, paths: readonly JsonPath[]): JsonPath[] {
  const deleted: JsonPath[] = [];
  for (const p of [...paths].sort(compareForDeletion)) if (deletePath(doc, p)) deleted.push(p);
  return deleted;
}

/** Structural equality of two JSON values (key order does not matter, array order does). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * A deep copy of a JSON value with every object's keys in sorted order, so that YAML and JSON output of
 * equal objects is byte-equal. `undefined` members are dropped, as JSON would.
 */
export function sortedCopy<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => sortedCopy(v)) as T;
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const k of Object.keys(value).sort()) {
      const v = value[k];
      if (v !== undefined) out[k] = sortedCopy(v);
    }
    return out as T;
  }
  return value;
}
