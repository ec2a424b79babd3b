/**
 * From a zod schema to a Kubernetes structural OpenAPI v3 schema
 * (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema),
 * so the CRDs are generated from the same schemas the code validates with and cannot drift from them.
 *
 * zod's JSON Schema (input side: fields with defaults are optional) is rewritten node by node:
 * - kept: type, properties, required, items, enum, additionalProperties (a map's value schema), minimum ≥ 0;
 * - `const` → a one-value enum; `["string", "null"]` → `nullable: true`; `anyOf` of an integer and a
 *   string → `x-kubernetes-int-or-string`; any other `anyOf` and `{}` (z.unknown) → free-form
 *   (`x-kubernetes-preserve-unknown-fields: true`);
 * - dropped: defaults (plumb applies them in code; the API server must not write them into stored objects),
 *   patterns and formats (Go's regular expressions differ from JavaScript's), `additionalProperties: false`.
 * With `keepUnknownFields`, every object also gets `x-kubernetes-preserve-unknown-fields: true`: the API
 * server then keeps a field it does not know, and the controller reports it as a condition instead of the
 * field vanishing on the way in.
 *
 * Pure: imports nothing that does I/O.
 */
import { z } from "zod";

/** A node of a CRD's openAPIV3Schema. */
export interface JSONSchemaProps {
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  description?: string;
  properties?: Record<string, JSONSchemaProps>;
  required?: string[];
  items?: JSONSchemaProps;
  additionalProperties?: JSONSchemaProps;
  enum?: unknown[];
  nullable?: boolean;
  minimum?: number;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
}

type Json = Record<string, unknown>;

export interface StructuralOptions {
  /** Mark every object with x-kubernetes-preserve-unknown-fields (for user-written parts such as spec). */
  keepUnknownFields?: boolean;
}

function isIntOrString(variants: Json[]): boolean {
  const types = variants.map((v) => v.type).sort();
  return types.length === 2 && (types[0] === "integer" || types[0] === "number") && types[1] === "string";
}

function convert(node: Json, opts: StructuralOptions): JSONSchemaProps {
  const out: JSONSchemaProps = {};
  if (typeof node.description === "string") out.description = node.description;
  const variants = (node.anyOf ?? node.oneOf) as Json[] | undefined;
  if (variants) {
    const nonNull = variants.filter((v) => v.type !== "null");
    if (nonNull.length === 1) return { ...convert(nonNull[0]!, opts), nullable: true, ...out };
    if (isIntOrString(nonNull)) return { ...out, "x-kubernetes-int-or-string": true };
    return { ...out, "x-kubernetes-preserve-unknown-fields": true };
  }
  let type = node.type;
  if (Array.isArray(type)) {
    const nonNull = type.filter((t) => t !== "null");
    if (nonNull.length !== 1) return { ...out, "x-kubernetes-preserve-unknown-fields": true };
    out.nullable = nonNull.length < type.length ? true : undefined;
    type = nonNull[0];
  }
  if (out.nullable === undefined) delete out.nullable;
  switch (type) {
    case "object": {
      out.type = "object";
      const props = node.properties as Record<string, Json> | undefined;
      if (props) {
        out.properties = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, convert(v, opts)]));
        if (Array.isArray(node.required) && node.required.length) out.required = [...(node.required as string[])];
        if (opts.keepUnknownFields) out["x-kubernetes-preserve-unknown-fields"] = true;
      } else if (node.additionalProperties && typeof node.additionalProperties === "object") {
        const values = convert(node.additionalProperties as Json, opts);
        // A map of anything is simply a free-form object (as Argo CD's CRD has helm.valuesObject).
        if (values["x-kubernetes-preserve-unknown-fields"] && !values.type) out["x-kubernetes-preserve-unknown-fields"] = true;
        else out.additionalProperties = values;
      } else {
        out["x-kubernetes-preserve-unknown-fields"] = true;
      }
      return out;
    }
    case "array":
      out.type = "array";
      out.items = node.items && typeof node.items === "object" ? convert(node.items as Json, opts) : { "x-kubernetes-preserve-unknown-fields": true };
      return out;
    case "string":
    case "boolean":
    case "integer":
    case "number":
      out.type = type;
      if (node.const !== undefined) out.enum = [node.const];
      else if (Array.isArray(node.enum)) out.enum = [...(node.enum as unknown[])];
      if ((type === "integer" || type === "number") && typeof node.minimum === "number" && node.minimum >= 0) out.minimum = node.minimum;
      if (typeof node.exclusiveMinimum === "number" && node.exclusiveMinimum >= 0) out.minimum = node.exclusiveMinimum + 1;
      return out;
    default:
      // {} (z.unknown) and anything zod cannot express: free-form.
      return { ...out, "x-kubernetes-preserve-unknown-fields": true };
  }
}

/** The structural schema of a zod schema (the shape of the input, before defaults). */
export function structuralSchema(schema: z.ZodType, opts: StructuralOptions = {}): JSONSchemaProps {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any", reused: "inline", cycles: "throw" }) as Json;
  return convert(json, opts);
}

/**
 * Checks the rules of a structural schema that generated code could break: every node has a type unless it
 * is free-form or int-or-string, and arrays have items. Returns the paths that break them (empty: fine).
 */
export function structuralViolations(node: JSONSchemaProps, path = ""): string[] {
  const out: string[] = [];
  const free = node["x-kubernetes-preserve-unknown-fields"] || node["x-kubernetes-int-or-string"];
  if (!node.type && !free) out.push(`${path || "."}: no type`);
  if (node.type === "array" && !node.items) out.push(`${path}: array without items`);
  if (node.properties && node.additionalProperties) out.push(`${path}: both properties and additionalProperties`);
  for (const [k, v] of Object.entries(node.properties ?? {})) out.push(...structuralViolations(v, `${path}.${k}`));
  if (node.items) out.push(...structuralViolations(node.items, `${path}[]`));
  if (node.additionalProperties) out.push(...structuralViolations(node.additionalProperties, `${path}{}`));
  return out;
}
