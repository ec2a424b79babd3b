/**
 * ajv's errors → findings: one finding per real problem, in plain words, at the field path as Kubernetes
 * writes it (`spec.template.spec.containers[0].image`, `metadata.labels[app]`).
 *
 * - Cascades are cut. For a failed `oneOf`/`anyOf` the branch closest to the value is reported: when every
 *   branch failed on the value's type alone, one type error naming every type allowed; otherwise the errors
 *   of the branch with the fewest (recursively, in case it holds junctors itself). The junctor's own
 *   "must match a schema in oneOf" is never shown next to them.
 * - Paths: ajv's instancePath (a JSON pointer) is walked against the schema, so that a map key becomes
 *   `[key]` and a list index `[0]`, as in apimachinery's field.Path.
 * - Values are quoted in messages (shortened), except a Secret's, which are never printed.
 *
 * Pure: imports nothing that does I/O.
 */
import type { ErrorObject } from "ajv";
import { suggest } from "../apps/parse.js";
import type { Finding, ObjectRef } from "./findings.js";
import type { AjvSchema } from "./kube-rules.js";

export interface ErrorContext {
  object: ObjectRef;
  /** The root schema the object was validated with. */
  root: AjvSchema;
  /** Resolves a `$ref` to its (converted) schema. */
  resolve: (ref: string) => AjvSchema | undefined;
  /** A custom resource (unknown fields are pruned, not refused). */
  custom: boolean;
  /** Values must not appear in messages (a Secret). */
  secret: boolean;
}

type Err = ErrorObject;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function deref(node: AjvSchema | undefined, ctx: ErrorContext): AjvSchema | undefined {
  for (let i = 0; node && typeof node.$ref === "string" && i < 20; i++) node = ctx.resolve(node.$ref);
  return node;
}

function pointerSegments(pointer: string): string[] {
  if (!pointer) return [];
  return pointer.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** The Kubernetes field path of a JSON pointer into `data`, walking `ctx.root` beside it. */
export function fieldPath(pointer: string, data: unknown, ctx: ErrorContext): string {
  let node: AjvSchema | undefined = ctx.root;
  let value: unknown = data;
  let out = "";
  for (const seg of pointerSegments(pointer)) {
    node = deref(node, ctx);
    if (Array.isArray(value)) {
      out += `[${seg}]`;
      node = isObject(node?.items) ? (node.items as AjvSchema) : undefined;
      value = value[Number(seg)];
      continue;
    }
    const props = node && isObject(node.properties) ? (node.properties as Record<string, AjvSchema>) : undefined;
    if (props && Object.hasOwn(props, seg)) {
      out += out ? `.${seg}` : seg;
      node = props[seg];
    } else if (node && isObject(node.additionalProperties)) {
      out += `[${seg}]`;
      node = node.additionalProperties as AjvSchema;
    } else {
      out += out ? `.${seg}` : seg;
      node = undefined;
    }
    value = isObject(value) ? value[seg] : undefined;
  }
  return out;
}

function valueAt(data: unknown, pointer: string): unknown {
  let v = data;
  for (const seg of pointerSegments(pointer)) v = Array.isArray(v) ? v[Number(seg)] : isObject(v) ? v[seg] : undefined;
  return v;
}

function quote(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

/** `string "3"`, `number 3.5`, `boolean true`, `null`, `a list`, `an object` (values left out for Secrets). */
function describe(v: unknown, secret: boolean): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  return secret ? typeof v : `${typeof v} ${quote(v)}`;
}

function typeWords(t: unknown): string {
  const list = (Array.isArray(t) ? t : String(t).split(",")).map((x) => (x === "array" ? "list" : x === "object" ? "object" : String(x)));
  return [...new Set(list)].join(" or ");
}

const join = (parent: string, field: string): string => (parent ? `${parent}.${field}` : field);

/** Picks the errors worth reporting: junctor cascades replaced by the closest branch's errors. */
export function selectErrors(errors: readonly Err[]): Err[] {
  const junctors = errors.filter((e) => e.keyword === "oneOf" || e.keyword === "anyOf").sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  const handled = new Set<Err>();
  const out: Err[] = [];
  for (const j of junctors) {
    if (handled.has(j)) continue;
    const prefix = `${j.schemaPath}/`;
    const inside = errors.filter((e) => e !== j && e.schemaPath.startsWith(prefix) && e.instancePath.startsWith(j.instancePath));
    handled.add(j);
    for (const e of inside) handled.add(e);
    const passing = (j.params as { passingSchemas?: number[] | null }).passingSchemas;
    if (j.keyword === "oneOf" && passing && passing.length > 1) {
      out.push(j);
      continue;
    }
    const branches = new Map<string, Err[]>();
    for (const e of inside) {
      const b = e.schemaPath.slice(prefix.length).split("/")[0]!;
      branches.set(b, [...(branches.get(b) ?? []), e]);
    }
    const typeOnly = (list: Err[]): boolean => list.every((e) => e.keyword === "type" && e.instancePath === j.instancePath);
    const all = [...branches.values()];
    if (all.length === 0 || all.every(typeOnly)) {
      const types = all.flatMap((l) => l.flatMap((e) => (Array.isArray(e.params.type) ? e.params.type : String(e.params.type).split(","))));
      out.push({ ...j, keyword: "type", params: { type: types } });
      continue;
    }
    // Every branch asks for a different field (oneOf: [{required: [git]}, {required: [oci]}]): say which.
    const requiredOnly = (list: Err[]): boolean => list.length > 0 && list.every((e) => e.keyword === "required" && e.instancePath === j.instancePath);
    if (all.every(requiredOnly)) {
      const fields = [...new Set(all.flatMap((l) => l.map((e) => String(e.params.missingProperty))))];
      out.push({ ...j, keyword: "x-plumb-one-of-required", params: { fields, exactly: j.keyword === "oneOf" } });
      continue;
    }
    const candidates = all.filter((l) => !typeOnly(l));
    candidates.sort((a, b) => a.length - b.length);
    out.push(...selectErrors(candidates[0]!));
  }
  for (const e of errors) if (!handled.has(e) && e.keyword !== "oneOf" && e.keyword !== "anyOf") out.push(e);
  return out;
}

/** Findings for ajv's errors on one object. */
export function findingsFromErrors(errors: readonly Err[], data: unknown, ctx: ErrorContext): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const add = (check: string, path: string, message: string): void => {
    const key = `${check}\0${path}\0${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    findings.push({ check, severity: "error", message, object: ctx.object, ...(path ? { path } : {}) });
  };
  for (const e of selectErrors(errors)) {
    const at = fieldPath(e.instancePath, data, ctx);
    const here = at || "(the object)";
    const value = valueAt(data, e.instancePath);
    const p = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case "additionalProperties": {
        const field = String(p.additionalProperty);
        const parent = deref(e.parentSchema as AjvSchema | undefined, ctx);
        const known = parent && isObject(parent.properties) ? Object.keys(parent.properties) : [];
        const hint = suggest(field, known);
        const pruned = ctx.custom ? "; the API server would drop it silently (fields its CRD's schema does not name are pruned)" : "";
        add("schema-unknown-field", join(at, field), `unknown field "${field}"${hint ? ` (did you mean "${hint}"?)` : ""}${pruned}`);
        break;
      }
      case "required": {
        const field = String(p.missingProperty);
        add("schema-required", join(at, field), `${join(at, field)}: required field is missing`);
        break;
      }
      case "type":
        add("schema-type", at, `${here}: expected ${typeWords(p.type)}, got ${describe(value, ctx.secret)}`);
        break;
      case "enum": {
        const allowed = Array.isArray(p.allowedValues) ? p.allowedValues : [];
        const hint = typeof value === "string" ? suggest(value, allowed.filter((a): a is string => typeof a === "string")) : undefined;
        const shown = ctx.secret ? "the value" : quote(value);
        add("schema-enum", at, `${here}: ${shown} is not one of ${allowed.map(quote).join(", ")}${hint ? ` (did you mean ${quote(hint)}?)` : ""}`);
        break;
      }
      case "format":
        add("schema-format", at, `${here}: ${ctx.secret ? "the value" : quote(value)} is not a valid ${String(p.format)}`);
        break;
      case "x-plumb-one-of-required": {
        const fields = (p.fields as string[]).map((f) => `"${f}"`).join(", ");
        add("schema-required", at, `${here}: ${p.exactly ? "exactly one" : "at least one"} of ${fields} is required`);
        break;
      }
      case "uniqueItems": {
        const [a, b] = [Number(p.i), Number(p.j)].sort((x, y) => x - y);
        add("schema-duplicate", at, `${here}: items ${a} and ${b} are identical, and the list is a set`);
        break;
      }
      case "x-plumb-unique-keys":
        add("schema-duplicate", at, `${here}: ${e.message ?? "two items have the same key"}`);
        break;
      case "oneOf":
        add("schema-value", at, `${here}: matches more than one of the forms allowed (oneOf), exactly one is required`);
        break;
      case "not":
        add("schema-value", at, `${here}: the value is one the schema excludes ("not")`);
        break;
      case "pattern":
        add("schema-value", at, `${here}: ${ctx.secret ? "the value" : quote(value)} does not match ${String(p.pattern)}`);
        break;
      default:
        add("schema-value", at, `${here}: ${e.message ?? e.keyword}${ctx.secret || isObject(value) || Array.isArray(value) ? "" : ` (got ${quote(value)})`}`);
    }
  }
  return findings;
}
