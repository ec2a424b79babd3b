/**
 * The checks every rendered set passes before anyone may apply it, whatever produced it:
 *   1. each object has apiVersion, kind and metadata.name (hooks may use metadata.generateName instead,
 *      as Argo CD and Helm allow), and string label/annotation values;
 *   2. scope: a namespaced object without a namespace gets the destination namespace; a cluster-scoped
 *      object loses any namespace it names (as Argo CD does), so its key matches the live object;
 *   3. no two objects share group/kind/namespace/name;
 * then objects are sorted by resource key. Every problem found is reported in one RenderError.
 *
 * Pure: imports nothing that does I/O.
 */
import { ARGOCD, PLUMB, Annotation } from "../core/annotations.js";
import { keyDisplay, keyOf, keyString, type KubeObject, type ObjectMeta } from "../core/object.js";
import { RenderError, type RenderProblem } from "./errors.js";
import { scopeLookup } from "./scope.js";
import type { SourcedObject } from "./yaml.js";

/** What the checks need to know about the destination. */
export interface FinalizeOptions {
  destinationNamespace: string;
  isNamespaced?: (group: string, kind: string) => boolean | undefined;
}

const HOOK_ANNOTATIONS = [`${PLUMB}/${Annotation.hook}`, `${ARGOCD}/${Annotation.hook}`, "helm.sh/hook"];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function nonEmptyString(v: unknown): v is string {
  return typeof v === "string" && v.length > 0;
}

/** Checks the shape of one object; returns its problems (none if it is a well-formed KubeObject). */
function shapeProblems(item: SourcedObject): RenderProblem[] {
  const o = item.object;
  const meta = o.metadata;
  const name = isRecord(meta) && nonEmptyString(meta.name) ? meta.name : undefined;
  const where = { file: item.file, line: item.line, object: `${nonEmptyString(o.kind) ? o.kind : "object"}${name ? ` ${name}` : ""}` };
  const problems: RenderProblem[] = [];
  const need = (ok: boolean, message: string) => ok || problems.push({ ...where, message });
  need(nonEmptyString(o.apiVersion), "has no apiVersion; every Kubernetes object needs apiVersion, kind and metadata.name");
  need(nonEmptyString(o.kind), "has no kind; every Kubernetes object needs apiVersion, kind and metadata.name");
  if (!isRecord(meta)) {
    need(false, "has no metadata; add metadata.name");
    return problems;
  }
  const annotations = isRecord(meta.annotations) ? meta.annotations : {};
  const isHook = HOOK_ANNOTATIONS.some((a) => a in annotations);
  if (meta.name !== undefined && meta.name !== null && typeof meta.name !== "string") {
    need(false, `metadata.name must be a string (got ${typeof meta.name}); quote it`);
  } else if (!name) {
    if (isHook) need(nonEmptyString(meta.generateName), "hook has neither metadata.name nor metadata.generateName");
    else need(false, "has no metadata.name (generateName is only allowed on hooks)");
  }
  need(meta.namespace === undefined || meta.namespace === null || typeof meta.namespace === "string", "metadata.namespace must be a string");
  for (const field of ["labels", "annotations"] as const) {
    const map = meta[field];
    if (map === undefined || map === null) continue;
    if (!isRecord(map)) {
      need(false, `metadata.${field} must be a mapping of strings`);
      continue;
    }
    for (const [k, v] of Object.entries(map)) {
      need(typeof v === "string", `metadata.${field}.${k} must be a string (got ${v === null ? "null" : typeof v}); quote the value`);
    }
  }
  return problems;
}

/** metadata with `namespace` set, placed after name/generateName as people write it. */
function withNamespace(meta: ObjectMeta, namespace: string): ObjectMeta {
  const { name, generateName, namespace: _old, ...rest } = meta;
  return { ...(name !== undefined ? { name } : {}), ...(generateName !== undefined ? { generateName } : {}), namespace, ...rest } as ObjectMeta;
}

function location(item: SourcedObject): string {
  return item.line !== undefined ? `${item.file}:${item.line}` : item.file;
}

/**
 * Checks a rendered set and makes it ready to compare and apply (namespaces set, sorted). `earlier` are
 * problems already found while reading (syntax errors); they are reported together with these checks'.
 * Throws RenderError with every problem found.
 */
export function finalize(items: readonly SourcedObject[], opts: FinalizeOptions, earlier: readonly RenderProblem[] = []): KubeObject[] {
  const problems = [...earlier];
  const valid: SourcedObject[] = [];
  for (const item of items) {
    const found = shapeProblems(item);
    if (found.length) problems.push(...found);
    else valid.push(item);
  }
  const namespaced = scopeLookup(
    valid.map((i) => i.object),
    opts.isNamespaced,
  );
  const seen = new Map<string, SourcedObject>();
  const out: Array<{ obj: KubeObject; key: string }> = [];
  for (const item of valid) {
    const obj = item.object as KubeObject;
    const key = keyOf(obj);
    if (namespaced(key.group, key.kind)) {
      if (!obj.metadata.namespace) obj.metadata = withNamespace(obj.metadata, opts.destinationNamespace);
    } else if ("namespace" in obj.metadata) {
      delete obj.metadata.namespace;
    }
    const k = keyOf(obj);
    const ks = keyString(k);
    if (obj.metadata.name) {
      const first = seen.get(ks);
      if (first) {
        problems.push({
          file: item.file,
          line: item.line,
          object: keyDisplay(k),
          message: `is defined twice (also at ${location(first)}); each object may appear once — remove or rename one`,
        });
        continue;
      }
      seen.set(ks, item);
    }
    out.push({ obj, key: `${ks}/${String(obj.metadata.generateName ?? "")}` });
  }
  if (problems.length) throw new RenderError(problems);
  out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return out.map((o) => o.obj);
}
