/**
 * Field ownership: parsing `metadata.managedFields[].fieldsV1` and letting the fields that trusted
 * managers own in the live object win over the prediction (Argo CD's `managedFieldsManagers`).
 *
 * fieldsV1 is a JSON tree whose keys are path elements
 * (https://kubernetes.io/docs/reference/using-api/server-side-apply/#field-management):
 *   `f:<name>`            a field of a map or struct
 *   `k:<json object>`     the item of an associative list whose key fields have these values
 *   `v:<json value>`      the item of a set (a list of scalars) with this value
 *   `i:<n>`               the item at an index (atomic lists)
 *   `.`                   the node itself: the manager owns its existence, not only its children
 * and whose leaves are `{}`. For example `{"f:spec":{"f:replicas":{}}}` is the set {spec.replicas}.
 *
 * Applying: for every manager listed, each field it owns in the live object is copied from live into the
 * predicted object before comparing, so whatever that manager did is not drift. Walking a field set down
 * both objects at once: a leaf is copied (or deleted from predicted when live no longer has it); a node
 * that predicted lacks is inserted whole when the manager owns the node itself (`.`, e.g. a sidecar an
 * injector added), else created empty and filled with just the owned children. List items are found by
 * key or value, not position, and a new item goes after the predicted copy of its live predecessor so the
 * lists keep live's order.
 *
 * Pure: imports nothing that does I/O.
 */
import { PlumbError } from "../core/errors.js";
import type { KubeObject } from "../core/object.js";
import { child, deepEqual, isObject, type JsonObject } from "./paths.js";

/** One element of a managed-fields path (see the module comment). */
export type FieldPathElement =
  | { kind: "field"; name: string }
  | { kind: "key"; fields: JsonObject }
  | { kind: "value"; value: unknown }
  | { kind: "index"; index: number };

/** A node of a parsed field set: whether the node itself is owned, and its owned children. */
export interface FieldSet {
  self: boolean;
  children: Array<{ element: FieldPathElement; set: FieldSet }>;
}

/** Parses one fieldsV1 key ("f:spec", `k:{"name":"app"}`, "v:80", "i:0"); throws on anything else. */
export function parseFieldPathElement(key: string): FieldPathElement {
  const body = key.slice(2);
  const json = (): unknown => {
    try {
      return JSON.parse(body);
    } catch {
      throw new PlumbError(`malformed managedFields key "${key}": not JSON after "${key.slice(0, 2)}"`);
    }
  };
  switch (key.slice(0, 2)) {
    case "f:":
      return { kind: "field", name: body };
    case "k:": {
      const fields = json();
      if (!isObject(fields)) throw new PlumbError(`malformed managedFields key "${key}": not a JSON object`);
      return { kind: "key", fields };
    }
    case "v:":
      return { kind: "value", value: json() };
    case "i:": {
      const index = Number(body);
      if (!Number.isInteger(index) || index < 0) throw new PlumbError(`malformed managedFields key "${key}"`);
      return { kind: "index", index };
    }
    default:
      throw new PlumbError(`malformed managedFields key "${key}": expected f:, k:, v:, i: or "."`);
  }
}

/** Parses a fieldsV1 tree into a FieldSet; throws PlumbError on a malformed tree. */
export function parseFieldsV1(fields: unknown): FieldSet {
  if (!isObject(fields)) throw new PlumbError("malformed managedFields: fieldsV1 is not an object");
  const set: FieldSet = { self: false, children: [] };
  for (const [key, sub] of Object.entries(fields)) {
    if (key === ".") set.self = true;
    else set.children.push({ element: parseFieldPathElement(key), set: parseFieldsV1(sub) });
  }
  return set;
}

/** A readable form of a path element, as kubectl would print it: `.spec`, `[name=app]`, `[=80]`, `[0]`. */
export function formatFieldPathElement(el: FieldPathElement): string {
  switch (el.kind) {
    case "field":
      return `.${el.name}`;
    case "key":
      return `[${Object.entries(el.fields).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}]`;
    case "value":
      return `[=${JSON.stringify(el.value)}]`;
    case "index":
      return `[${el.index}]`;
  }
}

/** Every owned path of a set, formatted (".spec.replicas", ".spec.template.spec.containers[name=\"app\"]"). */
export function listFieldPaths(set: FieldSet, prefix = ""): string[] {
  const out: string[] = [];
  if (set.self && prefix) out.push(prefix);
  for (const c of set.children) {
    const p = prefix + formatFieldPathElement(c.element);
    if (c.set.children.length === 0 && !c.set.self) out.push(p);
    else out.push(...listFieldPaths(c.set, p));
  }
  return out;
}

/** Where an element points inside a container: the value and how to replace it, or undefined. */
function locate(container: unknown, el: FieldPathElement): number | string | undefined {
  if (el.kind === "field") return isObject(container) && Object.hasOwn(container, el.name) ? el.name : undefined;
  if (!Array.isArray(container)) return undefined;
  const i = container.findIndex((item: unknown, idx) => matchesItem(el, item, idx));
  return i < 0 ? undefined : i;
}

function matchesItem(el: FieldPathElement, item: unknown, idx: number): boolean {
  switch (el.kind) {
    case "key":
      return isObject(item) && Object.entries(el.fields).every(([k, v]) => deepEqual(item[k], v));
    case "value":
      return deepEqual(item, el.value);
    case "index":
      return idx === el.index;
    case "field":
      return false;
  }
}

/** The element that names a live list item the way `el` names its sibling (same key fields), for ordering. */
function elementFor(el: FieldPathElement, item: unknown, idx: number): FieldPathElement {
  if (el.kind === "key" && isObject(item)) {
    return { kind: "key", fields: Object.fromEntries(Object.keys(el.fields).map((k) => [k, item[k]])) };
  }
  if (el.kind === "value") return { kind: "value", value: item };
  return { kind: "index", index: idx };
}

function emptyLike(v: unknown): unknown {
  return Array.isArray(v) ? [] : isObject(v) ? {} : structuredClone(v);
}

/** Puts `value` into predicted's container at the place `el` names, inserting list items in live's order. */
function put(pred: unknown, live: unknown[] | JsonObject, el: FieldPathElement, value: unknown): unknown {
  if (el.kind === "field") {
    (pred as JsonObject)[el.name] = value;
    return value;
  }
  const predList = pred as unknown[];
  const at = locate(predList, el);
  if (typeof at === "number") {
    predList[at] = value;
    return value;
  }
  const liveList = live as unknown[];
  let insertAt = 0;
  for (let i = (locate(liveList, el) as number) - 1; i >= 0; i--) {
    const prev = locate(predList, elementFor(el, liveList[i], i));
    if (typeof prev === "number") {
      insertAt = prev + 1;
      break;
    }
  }
  predList.splice(insertAt, 0, value);
  return value;
}

/** Copies the fields of `set` from the live container into the predicted one, in place (see module comment). */
function copyOwned(set: FieldSet, live: unknown, pred: unknown): void {
  if (!(isObject(live) || Array.isArray(live)) || !(isObject(pred) || Array.isArray(pred))) return;
  if (Array.isArray(live) !== Array.isArray(pred)) return;
  for (const { element, set: sub } of set.children) {
    const liveAt = locate(live, element);
    const predAt = locate(pred, element);
    const leaf = sub.children.length === 0 && !sub.self; // `{}`: a scalar or atomic value, owned whole
    if (liveAt === undefined) {
      // Owned but not in live (or removed by normalization): live wins, so predicted loses it too.
      if (predAt !== undefined && leaf) {
        if (typeof predAt === "number") (pred as unknown[]).splice(predAt, 1);
        else delete (pred as JsonObject)[predAt];
      }
      continue;
    }
    const liveValue = child(live, liveAt);
    const predValue = predAt === undefined ? undefined : child(pred, predAt);
    if (leaf || (predAt === undefined && sub.self)) {
      put(pred, live, element, structuredClone(liveValue));
    } else if (predAt === undefined || !sameContainerType(predValue, liveValue)) {
      const fresh = element.kind === "key" ? { ...element.fields } : emptyLike(liveValue);
      copyOwned(sub, liveValue, put(pred, live, element, fresh));
    } else {
      copyOwned(sub, liveValue, predValue);
    }
  }
}

function sameContainerType(a: unknown, b: unknown): boolean {
  return (Array.isArray(a) && Array.isArray(b)) || (isObject(a) && isObject(b));
}

/**
 * The field sets the given managers own in `live`, one per managedFields entry of theirs (every
 * operation and subresource). Malformed entries are skipped and reported in `warnings`.
 */
export function ownedFieldSets(live: KubeObject, managers: readonly string[], warnings: string[] = []): FieldSet[] {
  const entries = Array.isArray(live.metadata?.managedFields) ? live.metadata.managedFields : [];
  const sets: FieldSet[] = [];
  for (const entry of entries) {
    if (!isObject(entry) || typeof entry.manager !== "string" || !managers.includes(entry.manager)) continue;
    if (entry.fieldsType !== undefined && entry.fieldsType !== "FieldsV1") continue;
    try {
      sets.push(parseFieldsV1(entry.fieldsV1 ?? {}));
    } catch (e) {
      warnings.push(`managedFields of ${entry.manager}: ${(e as Error).message}`);
    }
  }
  return sets;
}

/**
 * Copies into `predicted` (in place) every field that one of `managers` owns according to
 * `rawLive.metadata.managedFields`, taking the values from `live` (the normalized live object), so those
 * fields compare equal. `rawLive` is the live object before normalization, which removes managedFields.
 */
export function applyTrustedManagers(
  predicted: KubeObject,
  live: KubeObject,
  rawLive: KubeObject,
  managers: readonly string[],
  warnings: string[] = [],
): void {
  if (managers.length === 0) return;
  for (const set of ownedFieldSets(rawLive, managers, warnings)) copyOwned(set, live, predicted);
}
