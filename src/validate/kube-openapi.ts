/**
 * The shipped form of Kubernetes' OpenAPI: the API server's /openapi/v3 group-version documents reduced to
 * what validation needs, in one file (schemas/kubernetes-<version>.json.gz, made by gen-schemas.ts).
 *
 * From every document it keeps the component schemas, each stripped to its validation keywords (types,
 * properties, items, maps, required, enums, formats, bounds, patterns, nullable, the x-kubernetes-*
 * markers the rules of kube-rules.ts read) with descriptions, defaults and patch hints dropped, and
 * `allOf: [{$ref}]` wrappers (OpenAPI 3.0's way to put a description beside a reference) collapsed to the
 * reference, written as the bare schema name. The kinds index maps `group/version/Kind` to its schema
 * name, for every kind an operation of the document serves (its `x-kubernetes-group-version-kind`), so
 * list kinds, options and meta types are not objects one can apply.
 *
 * A schema name appearing in several documents (ObjectMeta, in all of them) must compact to the same
 * schema; a difference is an error, not a silent pick. Keys are sorted so the output is stable.
 *
 * Pure: imports nothing that does I/O.
 */

/** One JSON schema node, as Kubernetes' OpenAPI writes it. */
export type SchemaNode = { [keyword: string]: unknown };

export interface ShippedSchemas {
  /** The Kubernetes version the documents came from, e.g. "v1.36.3". */
  kubernetesVersion: string;
  /** By schema name ("io.k8s.api.apps.v1.Deployment"). */
  definitions: Record<string, SchemaNode>;
  /** `group/version/Kind` (group empty for the core group: "/v1/Pod") → schema name. */
  kinds: Record<string, string>;
}

/** The keywords kept; everything else (description, default, example, x-kubernetes-patch-*, …) is dropped. */
const KEPT = new Set([
  "type",
  "format",
  "properties",
  "additionalProperties",
  "items",
  "required",
  "enum",
  "allOf",
  "anyOf",
  "oneOf",
  "not",
  "$ref",
  "nullable",
  "pattern",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "uniqueItems",
  "minProperties",
  "maxProperties",
  "x-kubernetes-preserve-unknown-fields",
  "x-kubernetes-int-or-string",
  "x-kubernetes-embedded-resource",
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
]);

const REF_PREFIX = "#/components/schemas/";

/** The key of a kind in the index: "apps/v1/Deployment", "/v1/Pod". */
export function kindKey(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? `/${apiVersion}/${kind}` : `${apiVersion}/${kind}`;
}

function isObject(v: unknown): v is SchemaNode {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** One schema node stripped to its validation keywords, references as bare names, keys sorted. */
export function compactNode(node: unknown): SchemaNode {
  if (!isObject(node)) return {};
  // allOf with a single reference and nothing else that validates: the reference itself.
  if (Array.isArray(node.allOf) && node.allOf.length === 1 && isObject(node.allOf[0]) && typeof node.allOf[0].$ref === "string") {
    const rest = Object.keys(node).filter((k) => k !== "allOf" && KEPT.has(k));
    if (rest.length === 0) return compactNode(node.allOf[0]);
  }
  const out: SchemaNode = {};
  for (const key of Object.keys(node).sort()) {
    if (!KEPT.has(key)) continue;
    const v = node[key];
    switch (key) {
      case "$ref":
        out.$ref = typeof v === "string" && v.startsWith(REF_PREFIX) ? v.slice(REF_PREFIX.length) : v;
        break;
      case "properties": {
        const props: Record<string, SchemaNode> = {};
        if (isObject(v)) for (const p of Object.keys(v).sort()) props[p] = compactNode(v[p]);
        out.properties = props;
        break;
      }
      case "items":
      case "not":
        out[key] = compactNode(v);
        break;
      case "additionalProperties":
        out[key] = typeof v === "boolean" ? v : compactNode(v);
        break;
      case "allOf":
      case "anyOf":
      case "oneOf":
        out[key] = Array.isArray(v) ? v.map(compactNode) : [];
        break;
      default:
        out[key] = v;
    }
  }
  return out;
}

interface Gvk {
  group: string;
  version: string;
  kind: string;
}

function gvks(v: unknown): Gvk[] {
  if (!Array.isArray(v)) return [];
  return v.filter((g): g is Gvk => isObject(g) && typeof g.kind === "string" && typeof g.version === "string" && typeof g.group === "string");
}

const gvkKey = (g: Gvk): string => `${g.group}/${g.version}/${g.kind}`;

/**
 * Compacts the group-version documents of /openapi/v3 (keyed by their path there, "apis/apps/v1") into the
 * shipped form. Throws when one schema name compacts differently in two documents.
 */
export function compactDocuments(kubernetesVersion: string, docs: Record<string, unknown>): ShippedSchemas {
  const definitions: Record<string, SchemaNode> = {};
  const origin: Record<string, string> = {};
  const kinds: Record<string, string> = {};
  for (const docPath of Object.keys(docs).sort()) {
    const doc = docs[docPath];
    if (!isObject(doc)) continue;
    const schemas = isObject(doc.components) && isObject(doc.components.schemas) ? doc.components.schemas : {};
    const byGvk = new Map<string, string>();
    for (const name of Object.keys(schemas).sort()) {
      const compact = compactNode(schemas[name]);
      const seen = definitions[name];
      if (seen && JSON.stringify(seen) !== JSON.stringify(compact)) {
        throw new Error(`schema ${name} differs between ${origin[name]} and ${docPath}`);
      }
      definitions[name] ??= compact;
      origin[name] ??= docPath;
      for (const g of gvks((schemas[name] as SchemaNode)["x-kubernetes-group-version-kind"])) byGvk.set(gvkKey(g), name);
    }
    // The kinds the document's operations serve (create, read, replace, list, watch, …).
    const paths = isObject(doc.paths) ? doc.paths : {};
    for (const item of Object.values(paths)) {
      if (!isObject(item)) continue;
      for (const op of Object.values(item)) {
        if (!isObject(op)) continue;
        const g = op["x-kubernetes-group-version-kind"];
        if (!isObject(g)) continue;
        for (const one of gvks([g])) {
          const name = byGvk.get(gvkKey(one));
          if (name) kinds[gvkKey(one)] = name;
        }
      }
    }
  }
  const sortedKinds: Record<string, string> = {};
  for (const k of Object.keys(kinds).sort()) sortedKinds[k] = kinds[k]!;
  const sortedDefs: Record<string, SchemaNode> = {};
  for (const k of Object.keys(definitions).sort()) sortedDefs[k] = definitions[k]!;
  return { kubernetesVersion, definitions: sortedDefs, kinds: sortedKinds };
}

/** Checks the shape of a parsed shipped file; throws with what is wrong. */
export function assertShippedSchemas(v: unknown, what: string): asserts v is ShippedSchemas {
  if (!isObject(v) || typeof v.kubernetesVersion !== "string" || !isObject(v.definitions) || !isObject(v.kinds)) {
    throw new Error(`${what} is not a plumb schema file (expected kubernetesVersion, definitions and kinds)`);
  }
}
