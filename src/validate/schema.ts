/**
 * Schema validation of rendered objects: every object against Kubernetes' own OpenAPI for one version
 * (shipped with plumb: schemas/kubernetes-<version>.json.gz, made from the local control plane's
 * /openapi/v3 by gen-schemas.ts; ADR 0010), or against the openAPIV3Schema of a CRD given to addCRDs
 * (found in the repository, or read from the live cluster by liveCRDs).
 *
 * The schemas are Kubernetes' with its semantics applied (kube-rules.ts: closed objects, int-or-string,
 * nullable, list types, formats), checked by ajv. Compiling is lazy and cached: the first object of an
 * apiVersion/kind compiles its validator (and the shared schemas it refers to, once), every later object
 * of that kind reuses it. ajv's errors become findings in schema-errors.ts.
 *
 * Check ids: schema-unknown-field, schema-type, schema-required, schema-enum, schema-format,
 * schema-value (patterns, bounds), schema-duplicate (list sets and maps of CRDs), schema-unknown-kind (no
 * schema for the apiVersion/kind), schema-crd (a CRD whose schema cannot be used). All are errors.
 *
 * Reads the shipped file (loadSchemas) and, for liveCRDs, the cluster; imports no CLI or controller code.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { Ajv, type SchemaValidateFunction, type ValidateFunction } from "ajv";
import type { Resources } from "../cluster/resources.js";
import { UsageError } from "../core/errors.js";
import type { KubeObject } from "../core/object.js";
import { packageRoot } from "../tools/versions.js";
import type { Finding, ObjectRef } from "./findings.js";
import { assertShippedSchemas, kindKey, type ShippedSchemas } from "./kube-openapi.js";
import { convertNode, FORMATS, OBJECT_META, QUANTITY, stripNulls, type AjvSchema } from "./kube-rules.js";
import { findingsFromErrors } from "./schema-errors.js";

/** The Kubernetes versions whose schemas plumb ships; [0] is the default (the pinned KUBERNETES_VERSION). */
export const SHIPPED_KUBE_VERSIONS: readonly string[] = ["v1.36.3"];

export interface SchemaValidator {
  /** Adds CRDs (apiextensions.k8s.io/v1 CustomResourceDefinition objects); returns findings for CRDs whose schema cannot be used. */
  addCRDs(crds: readonly KubeObject[]): Finding[];
  /** Findings for one rendered object (check ids start with "schema-"); app/file are filled in by the caller. */
  validate(obj: KubeObject): Finding[];
}

/** The shipped schema file of a version. */
export function schemaFile(version: string): string {
  return join(packageRoot, "schemas", `kubernetes-${version}.json.gz`);
}

/** The shipped version `v` names: "1.36", "v1.36", "1.36.3" and "v1.36.3" all name v1.36.3. Throws UsageError otherwise. */
export function resolveKubeVersion(v: string | undefined): string {
  if (v === undefined || v === "") return SHIPPED_KUBE_VERSIONS[0]!;
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?$/.exec(v.trim());
  const match = m && SHIPPED_KUBE_VERSIONS.find((s) => {
    const [maj, min, patch] = s.slice(1).split(".");
    return maj === m[1] && min === m[2] && (m[3] === undefined || patch === m[3]);
  });
  if (!match) {
    throw new UsageError(
      `--kube-version ${v}: plumb has no schemas for it (it ships ${SHIPPED_KUBE_VERSIONS.join(", ")})`,
      `use one of those (e.g. --kube-version ${SHIPPED_KUBE_VERSIONS[0]!.replace(/\.\d+$/, "")}), or leave the flag out for the default`,
    );
  }
  return match;
}

/** Throws UsageError (src/core/errors.ts) for a version that is not shipped, naming those that are. */
export async function loadSchemas(opts: { kubeVersion?: string } = {}): Promise<SchemaValidator> {
  const version = resolveKubeVersion(opts.kubeVersion);
  const file = schemaFile(version);
  const shipped: unknown = JSON.parse((await promisify(gunzip)(await readFile(file))).toString("utf8"));
  assertShippedSchemas(shipped, file);
  return new KubeSchemaValidator(shipped);
}

/** The live cluster's CRDs, for --kubeconfig. */
export async function liveCRDs(resources: Resources): Promise<KubeObject[]> {
  const list = await resources.list("apiextensions.k8s.io/v1", "CustomResourceDefinition");
  return list.items.map((crd) => {
    const { managedFields: _m, ...metadata } = crd.metadata;
    return { apiVersion: crd.apiVersion, kind: crd.kind, metadata, spec: crd.spec };
  });
}

const UNIQUE_KEYS = "x-plumb-unique-keys";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** An object's identity as findings name it. */
export function objectRef(obj: KubeObject): ObjectRef {
  const meta = isObject(obj.metadata) ? obj.metadata : undefined;
  const name = typeof meta?.name === "string" ? meta.name : typeof meta?.generateName === "string" ? meta.generateName : "";
  return {
    apiVersion: String(obj.apiVersion ?? ""),
    kind: String(obj.kind ?? ""),
    ...(typeof meta?.namespace === "string" ? { namespace: meta.namespace } : {}),
    name,
  };
}

interface CustomKind {
  /** The CRD's name and version, for messages. */
  crd: string;
  version: string;
  root: AjvSchema;
  validate?: ValidateFunction;
  /** Why it could not be compiled. */
  broken?: string;
}

class KubeSchemaValidator implements SchemaValidator {
  private readonly ajv: Ajv;
  /** Converted built-in schemas, by name; each registered with ajv on first use (ensure()). */
  private readonly defs = new Map<string, AjvSchema>();
  private readonly builtins = new Map<string, { root: AjvSchema; validate: ValidateFunction }>();
  private readonly custom = new Map<string, CustomKind>();
  /** "group/Kind" → the apiVersions Kubernetes serves it at, for the unknown-kind message. */
  private readonly versionsOf = new Map<string, string[]>();
  private readonly registered = new Set<string>();
  private readonly resolve = (ref: string): AjvSchema | undefined => this.def(ref);

  constructor(private readonly shipped: ShippedSchemas) {
    // Every schema a reference names is compiled once, as its own function (inlineRefs: false), and the
    // generated code is not optimised: both halve compile time (PodSpec alone is ~250 schemas), while
    // validating 1,000 compiled objects stays under 0.1 s. Schemas are registered unchecked (validateSchema:
    // false): the shipped ones come from the API server, CRDs' are checked in addCRDs.
    this.ajv = new Ajv({ allErrors: true, strict: false, verbose: true, validateSchema: false, addUsedSchema: false, inlineRefs: false, code: { optimize: false } });
    for (const [name, f] of Object.entries(FORMATS)) this.ajv.addFormat(name, f as { type: "string"; validate: (s: string) => boolean });
    this.ajv.addKeyword({ keyword: UNIQUE_KEYS, type: "array", schemaType: "array", errors: true, validate: uniqueKeys });
    for (const key of Object.keys(shipped.kinds)) {
      const [group, version, kind] = key.split("/") as [string, string, string];
      const gk = `${group}/${kind}`;
      this.versionsOf.set(gk, [...(this.versionsOf.get(gk) ?? []), group ? `${group}/${version}` : version]);
    }
  }

  /** The converted built-in schema of a name (converted once, on first use). */
  private def(name: string): AjvSchema | undefined {
    let d = this.defs.get(name);
    if (!d) {
      const raw = this.shipped.definitions[name];
      if (!raw) return undefined;
      d = convertNode(raw, { origin: "builtin", problems: [] });
      if (name === QUANTITY) d.format = "quantity";
      this.defs.set(name, d);
    }
    return d;
  }

  /** Registers with ajv every built-in schema `schema` refers to, transitively, that is not registered yet. */
  private ensure(schema: unknown, done = new Set<string>()): void {
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(visit);
      if (!isObject(node)) return;
      if (typeof node.$ref === "string" && !done.has(node.$ref)) {
        const name = node.$ref;
        done.add(name);
        if (this.registered.has(name)) return;
        const d = this.def(name);
        if (!d) throw new Error(`schema ${name} is referred to but not in the shipped file`);
        this.registered.add(name);
        this.ajv.addSchema(d, name);
        visit(d);
        return;
      }
      for (const v of Object.values(node)) visit(v);
    };
    visit(schema);
  }

  private compile(root: AjvSchema): ValidateFunction {
    this.ensure(root);
    return this.ajv.compile(root);
  }

  addCRDs(crds: readonly KubeObject[]): Finding[] {
    const findings: Finding[] = [];
    for (const crd of crds) {
      if (crd.kind !== "CustomResourceDefinition" || !String(crd.apiVersion).startsWith("apiextensions.k8s.io/")) continue;
      const ref = objectRef(crd);
      const bad = (path: string | undefined, message: string): void => {
        findings.push({ check: "schema-crd", severity: "error", message, object: ref, ...(path ? { path } : {}) });
      };
      if (crd.apiVersion !== "apiextensions.k8s.io/v1") {
        bad("apiVersion", `${crd.apiVersion} CRDs are no longer served (Kubernetes 1.22 removed them): convert it to apiextensions.k8s.io/v1, its custom resources go unchecked until then`);
        continue;
      }
      const spec = isObject(crd.spec) ? crd.spec : {};
      const group = typeof spec.group === "string" ? spec.group : "";
      const kind = isObject(spec.names) && typeof spec.names.kind === "string" ? spec.names.kind : "";
      const versions = Array.isArray(spec.versions) ? spec.versions : [];
      if (!group || !kind) {
        bad("spec", "the CRD names no spec.group or spec.names.kind, so no custom resource can be checked against it");
        continue;
      }
      versions.forEach((v: unknown, i: number) => {
        if (!isObject(v) || typeof v.name !== "string" || v.served === false) return;
        const at = `spec.versions[${i}].schema.openAPIV3Schema`;
        const schema = isObject(v.schema) ? v.schema.openAPIV3Schema : undefined;
        if (!isObject(schema)) {
          bad(at, `version ${v.name} has no schema.openAPIV3Schema, which apiextensions.k8s.io/v1 requires; add one`);
          return;
        }
        const problems: string[] = [];
        const root = crdRoot(schema, problems);
        if (problems.length === 0 && !this.ajv.validateSchema(root)) problems.push(this.ajv.errorsText(this.ajv.errors, { dataVar: "schema" }));
        if (problems.length > 0) {
          for (const p of problems) {
            const [where, ...what] = p.split(": ");
            bad(where === "openAPIV3Schema" ? at : `${at}.${where}`, `version ${v.name}'s schema cannot be used: ${what.join(": ") || p}; its custom resources go unchecked`);
          }
          return;
        }
        this.custom.set(kindKey(`${group}/${v.name}`, kind), { crd: ref.name, version: v.name, root });
      });
    }
    return findings;
  }

  validate(obj: KubeObject): Finding[] {
    const ref = objectRef(obj);
    if (!ref.apiVersion || !ref.kind) {
      return [{ check: "schema-required", severity: "error", message: "the object has no apiVersion or kind; every Kubernetes object needs both", object: ref, path: ref.apiVersion ? "kind" : "apiVersion" }];
    }
    const key = kindKey(ref.apiVersion, ref.kind);
    const name = this.shipped.kinds[key];
    if (name) return this.validateBuiltin(obj, ref, key, name);
    const custom = this.custom.get(key);
    if (custom) return this.validateCustom(obj, ref, custom);
    return [this.unknownKind(ref)];
  }

  private validateBuiltin(obj: KubeObject, ref: ObjectRef, key: string, name: string): Finding[] {
    let entry = this.builtins.get(key);
    if (!entry) {
      const root = this.def(name)!;
      entry = { root, validate: this.compile(root) };
      this.builtins.set(key, entry);
    }
    const data = stripNulls(obj);
    if (entry.validate(data)) return [];
    const secret = ref.kind === "Secret" && ref.apiVersion === "v1";
    return findingsFromErrors(entry.validate.errors ?? [], data, { object: ref, root: entry.root, resolve: this.resolve, custom: false, secret });
  }

  private validateCustom(obj: KubeObject, ref: ObjectRef, kind: CustomKind): Finding[] {
    if (!kind.validate && !kind.broken) {
      try {
        kind.validate = this.compile(kind.root);
      } catch (err) {
        kind.broken = err instanceof Error ? err.message : String(err);
      }
    }
    if (!kind.validate) {
      return [{ check: "schema-crd", severity: "error", message: `the schema of CRD ${kind.crd} (version ${kind.version}) cannot be compiled: ${kind.broken}; this object goes unchecked`, object: ref }];
    }
    // The API server reads metadata as ObjectMeta (null = unset); the rest keeps its nulls (nullable decides).
    const data = isObject(obj.metadata) ? { ...obj, metadata: stripNulls(obj.metadata) } : obj;
    if (kind.validate(data)) return [];
    return findingsFromErrors(kind.validate.errors ?? [], data, { object: ref, root: kind.root, resolve: this.resolve, custom: true, secret: false });
  }

  private unknownKind(ref: ObjectRef): Finding {
    const group = ref.apiVersion.includes("/") ? ref.apiVersion.slice(0, ref.apiVersion.indexOf("/")) : "";
    const served = this.versionsOf.get(`${group}/${ref.kind}`) ?? [...this.custom.keys()].filter((k) => k.startsWith(`${group}/`) && k.endsWith(`/${ref.kind}`)).map((k) => k.slice(0, k.lastIndexOf("/")));
    const k8s = this.shipped.kubernetesVersion;
    const message = served.length > 0
      ? `${ref.kind} is not served at ${ref.apiVersion} (Kubernetes ${k8s} serves it at ${served.join(", ")}); change apiVersion`
      : `no schema for ${ref.apiVersion} ${ref.kind}: Kubernetes ${k8s} has no such kind and no CRD given defines it; add its CRD to the repository (or pass --kubeconfig to use the cluster's CRDs)`;
    return { check: "schema-unknown-kind", severity: "error", message, object: ref, path: "apiVersion" };
  }
}

/**
 * The root schema of a custom resource: the CRD's openAPIV3Schema with Kubernetes' rules, apiVersion and
 * kind always allowed, and metadata checked as ObjectMeta (the API server validates it itself, whatever
 * the CRD says). status is checked like the rest: server-side apply types the whole object.
 */
export function crdRoot(schema: Record<string, unknown>, problems: string[]): AjvSchema {
  const conv = convertNode(schema, { origin: "crd", problems });
  if (schema.type !== "object") problems.push(`openAPIV3Schema: the root must be type: object`);
  const props = isObject(conv.properties) ? conv.properties : {};
  return { ...conv, properties: { ...props, apiVersion: { type: "string" }, kind: { type: "string" }, metadata: { $ref: OBJECT_META } } };
}

/** ajv keyword: no two items of a list have the same values of `keys` (x-kubernetes-list-type: map). */
const uniqueKeys: SchemaValidateFunction = (keys: string[], data: unknown[]): boolean => {
  const seen = new Map<string, number>();
  for (let i = 0; i < data.length; i++) {
    const item = data[i];
    if (!isObject(item)) continue;
    const k = JSON.stringify(keys.map((key) => item[key] ?? null));
    const j = seen.get(k);
    if (j !== undefined) {
      const what = keys.map((key) => `${key}=${JSON.stringify(item[key])}`).join(", ");
      uniqueKeys.errors = [{ keyword: UNIQUE_KEYS, message: `items ${j} and ${i} have the same ${what}, and the list is a map keyed by ${keys.join(", ")}`, params: { i, j } }];
      return false;
    }
    seen.set(k, i);
  }
  return true;
};
