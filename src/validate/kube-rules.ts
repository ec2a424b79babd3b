/**
 * Kubernetes' schema semantics, written as plain JSON Schema for ajv. Kubernetes' OpenAPI is not meant to
 * be read by a JSON Schema validator as it is: objects do not say `additionalProperties: false`, yet the
 * API server refuses unknown fields (strict field validation) or drops them (CRD pruning); int-or-string
 * and Quantity are `oneOf` pairs whose failures would cascade; `x-kubernetes-*` markers change the rules.
 * convertNode rewrites one node, recursively:
 *
 * - Closed objects. An object node is closed (`additionalProperties: false`) unless it says
 *   `x-kubernetes-preserve-unknown-fields: true`, gives `additionalProperties` (a map), or is an embedded
 *   resource (`x-kubernetes-embedded-resource`). Built-in types are closed when they list `properties`
 *   (kubeconform -strict and the API server's strict decoding agree); a CRD node is closed whenever it is
 *   an object, as the API server prunes every field its structural schema does not name
 *   (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#field-pruning).
 *   Branches of allOf/anyOf/oneOf/not only constrain values, never declare fields, so they stay open.
 * - int-or-string (`x-kubernetes-int-or-string`, `format: int-or-string`) and any `oneOf`/`anyOf` of bare
 *   types (IntOrString, Quantity) become one `type: [...]`, so a wrong value is one error, not three.
 *   Quantity also gets the `quantity` format (resource.Quantity's syntax).
 * - `nullable` is kept for CRDs (null is an error otherwise, as there); built-in objects have their nulls
 *   removed before validation instead (stripNulls), because Go's decoder reads null as "unset".
 * - `x-kubernetes-list-type: set` → uniqueItems; `map` with `x-kubernetes-list-map-keys` → the
 *   `x-plumb-unique-keys` keyword: server-side apply (how plumb syncs) refuses duplicates in both, for
 *   built-in types (two env entries with one name) as for CRDs.
 * - Formats: only those ajv is taught (FORMATS) stay; others validate nothing, as in the API server.
 * - Patterns must compile as JavaScript regular expressions (Kubernetes writes RE2); one that does not is
 *   a problem of a CRD, and dropped from a built-in schema.
 *
 * Problems that make a CRD schema unusable (a node that is not an object, an unknown type, properties that
 * are not a map, a bad pattern) are collected, with the place in the schema, in `problems`.
 *
 * Pure: imports nothing that does I/O.
 */
import type { SchemaNode } from "./kube-openapi.js";

export type AjvSchema = Record<string, unknown>;

export interface ConvertOptions {
  origin: "builtin" | "crd";
  /** Where CRD schema problems are collected: "properties.spec.properties.size.type: unknown type "strin"". */
  problems: string[];
}

/** The name of resource.Quantity's schema in Kubernetes' OpenAPI. */
export const QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";
/** ObjectMeta's schema name: the metadata of every object, custom resources' too. */
export const OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

/** The formats ajv is taught (schema.ts registers them); any other format is dropped. */
export const FORMATS: Record<string, { type: "string" | "number"; validate: (v: never) => boolean }> = {
  int32: { type: "number", validate: (n: number) => !Number.isInteger(n) || (n >= -2147483648 && n <= 2147483647) },
  byte: { type: "string", validate: (s: string) => /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s.replace(/[\r\n]/g, "")) },
  "date-time": { type: "string", validate: (s: string) => isDateTime(s) },
  datetime: { type: "string", validate: (s: string) => isDateTime(s) },
  date: { type: "string", validate: (s: string) => /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/.test(s) },
  // resource.Quantity: a signed decimal with an optional binary or decimal suffix or exponent.
  quantity: { type: "string", validate: (s: string) => /^[+-]?(\d+(\.\d*)?|\.\d+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?(\d+(\.\d*)?|\.\d+))?$/.test(s) },
  uuid: { type: "string", validate: (s: string) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(s) },
  ipv4: { type: "string", validate: (s: string) => isIPv4(s) },
  cidr: { type: "string", validate: (s: string) => isCIDR(s) },
  hostname: { type: "string", validate: (s: string) => s.length <= 253 && /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/i.test(s) },
  mac: { type: "string", validate: (s: string) => /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i.test(s) },
};
for (const v of ["uuid3", "uuid4", "uuid5"]) FORMATS[v] = FORMATS.uuid!;

function isDateTime(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(s);
  if (!m) return false;
  const [mo, d, h, mi, se] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && se <= 60;
}

function isIPv4(s: string): boolean {
  const parts = s.split(".");
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

function isCIDR(s: string): boolean {
  const [ip, bits, extra] = s.split("/");
  if (extra !== undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
  if (isIPv4(ip!)) return Number(bits) <= 32;
  return /^[0-9a-f:.]+$/i.test(ip!) && ip!.includes(":") && Number(bits) <= 128;
}

const TYPES = new Set(["object", "array", "string", "integer", "number", "boolean", "null"]);
/** Keywords copied as they are (bounds, enums); the structural ones are rewritten below. */
const COPIED = ["enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties", "uniqueItems"];

function isObject(v: unknown): v is SchemaNode {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `[{type: "integer"}, {type: "string"}]` → ["integer", "string"]; undefined unless every branch is a bare type. */
function bareTypes(branches: unknown): string[] | undefined {
  if (!Array.isArray(branches) || branches.length === 0) return undefined;
  const types: string[] = [];
  for (const b of branches) {
    if (!isObject(b) || typeof b.type !== "string" || Object.keys(b).some((k) => k !== "type")) return undefined;
    types.push(b.type);
  }
  return types;
}

/**
 * Converts one node of Kubernetes' OpenAPI (shipped form, or a CRD's openAPIV3Schema) to ajv's JSON Schema.
 * `at` is the node's place (for problems); `branch` is true inside allOf/anyOf/oneOf/not.
 */
export function convertNode(node: unknown, opts: ConvertOptions, at = "", branch = false): AjvSchema {
  const problem = (what: string): AjvSchema => {
    if (opts.origin === "crd") opts.problems.push(`${at || "openAPIV3Schema"}: ${what}`);
    return {};
  };
  if (typeof node === "boolean") return node ? {} : { not: {} };
  if (!isObject(node)) return problem("a schema must be an object");
  const child = (k: string): string => (at ? `${at}.${k}` : k);
  const out: AjvSchema = {};

  if (typeof node.$ref === "string") {
    if (opts.origin === "crd") return problem(`$ref is not allowed in a CRD schema`);
    return { $ref: node.$ref };
  }

  const intOrString = node["x-kubernetes-int-or-string"] === true || node.format === "int-or-string";
  const preserve = node["x-kubernetes-preserve-unknown-fields"] === true;
  const embedded = node["x-kubernetes-embedded-resource"] === true;
  let oneOf: unknown = node.oneOf;
  let anyOf: unknown = node.anyOf;
  if (intOrString) {
    out.type = ["integer", "string"];
    if (bareTypes(oneOf)) oneOf = undefined;
    if (bareTypes(anyOf)) anyOf = undefined;
  } else if (node.type === undefined && (bareTypes(oneOf) || bareTypes(anyOf))) {
    out.type = bareTypes(oneOf) ?? bareTypes(anyOf);
    oneOf = anyOf = undefined;
  } else if (node.type !== undefined) {
    if (typeof node.type !== "string" || !TYPES.has(node.type)) return problem(`unknown type ${JSON.stringify(node.type)}`);
    out.type = node.type;
  }
  if (node.nullable === true && out.type !== undefined) {
    if (opts.origin === "crd") out.nullable = true;
  }

  if (typeof node.format === "string" && FORMATS[node.format]) out.format = node.format;
  if (node.pattern !== undefined) {
    if (typeof node.pattern !== "string") return problem("pattern must be a string");
    try {
      new RegExp(node.pattern, "u");
      out.pattern = node.pattern;
    } catch {
      if (opts.origin === "crd") problem(`pattern ${JSON.stringify(node.pattern)} is not a regular expression plumb can evaluate`);
    }
  }
  for (const k of COPIED) if (node[k] !== undefined) out[k] = node[k];
  if (node.required !== undefined) {
    if (!Array.isArray(node.required) || node.required.some((r) => typeof r !== "string")) return problem("required must be a list of field names");
    if (node.required.length > 0) out.required = node.required;
  }

  let isMap = false;
  if (node.properties !== undefined) {
    if (!isObject(node.properties)) return problem("properties must map field names to schemas");
    const props: Record<string, AjvSchema> = {};
    for (const [k, v] of Object.entries(node.properties)) props[k] = convertNode(v, opts, child(`properties.${k}`), false);
    out.properties = props;
  }
  if (node.additionalProperties !== undefined) {
    isMap = node.additionalProperties !== false;
    if (typeof node.additionalProperties === "boolean") out.additionalProperties = node.additionalProperties;
    else out.additionalProperties = convertNode(node.additionalProperties, opts, child("additionalProperties"), false);
  }
  if (node.items !== undefined) {
    if (!isObject(node.items)) return problem("items must be one schema");
    out.items = convertNode(node.items, opts, child("items"), false);
  }
  for (const [k, v] of [["allOf", node.allOf], ["anyOf", anyOf], ["oneOf", oneOf]] as const) {
    if (v === undefined) continue;
    if (!Array.isArray(v)) return problem(`${k} must be a list of schemas`);
    out[k] = v.map((b, i) => convertNode(b, opts, child(`${k}[${i}]`), true));
  }
  if (node.not !== undefined) out.not = convertNode(node.not, opts, child("not"), true);

  // Server-side apply refuses duplicates in both, for built-in types and CRDs alike ("duplicate entries for key").
  if (node["x-kubernetes-list-type"] === "set") out.uniqueItems = true;
  const keys = node["x-kubernetes-list-map-keys"];
  if (node["x-kubernetes-list-type"] === "map" && Array.isArray(keys) && keys.length > 0) out["x-plumb-unique-keys"] = keys;

  const objectNode = opts.origin === "crd" ? node.type === "object" || node.properties !== undefined : node.properties !== undefined;
  if (objectNode && !branch && !preserve && !embedded && !isMap && node.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

/**
 * A copy of `value` without null-valued object fields (arrays keep their elements; nested objects are
 * cleaned too): Kubernetes decodes `field: null` of a built-in type as the field unset. Returns `value`
 * itself when it holds no null field.
 */
export function stripNulls<T>(value: T): T {
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v) => {
      const s = stripNulls(v);
      if (s !== v) changed = true;
      return s;
    });
    return (changed ? out : value) as T;
  }
  if (!isObject(value)) return value;
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(value)) {
    const s = v === null ? undefined : stripNulls(v);
    if (s !== v) {
      out ??= { ...value };
      if (s === undefined) delete out[k];
      else out[k] = s;
    }
  }
  return (out ?? value) as T;
}
