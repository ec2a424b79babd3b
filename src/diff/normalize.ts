/**
 * Normalization: the copy of an object that the comparison looks at.
 *
 * Both sides of a comparison come from the API server (the server-side-apply dry run predicts the live
 * object after applying; the informer holds the live object), so defaults are already on both sides. What
 * is left to remove is bookkeeping the server writes that is not configuration, and that a dry run changes
 * by itself or a diff must not show. Each rule below says why it is there.
 *
 * The result is a deep copy with every map's keys sorted, so YAML of equal objects is byte-equal.
 *
 * Pure: imports nothing that does I/O.
 */
import { parseApiVersion, type KubeObject } from "../core/object.js";
import { isObject, sortedCopy, type JsonObject } from "./paths.js";

/** kubectl's client-side-apply record; for a Secret it holds the plaintext of every value. */
export const LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";

/**
 * metadata fields the server owns, each with the reason it never counts as drift:
 * - managedFields: field ownership, rewritten by every apply (the dry run included) with a new timestamp;
 *   managedFieldsManagers rules read it from the raw live object before normalization.
 * - resourceVersion: the storage revision; a dry run of a change predicts a new one.
 * - uid, creationTimestamp: assigned on create, so a dry-run create invents values the real one won't have.
 * - generation: bumped by the server whenever the spec changes, so the prediction of any change has a
 *   different one; the spec difference itself is what the diff shows.
 * - selfLink: a derived URL, deprecated and no longer set since Kubernetes 1.20.
 * - deletionTimestamp, deletionGracePeriodSeconds: the object is being deleted; that is lifecycle, not
 *   configuration (health reports it).
 */
export const SERVER_METADATA_FIELDS: readonly string[] = [
  "managedFields",
  "resourceVersion",
  "uid",
  "creationTimestamp",
  "generation",
  "selfLink",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
];

/**
 * Annotations written by clients or controllers as records of an operation, not as configuration:
 * - kubectl's last-applied-configuration: a copy of a past `kubectl apply`; leaks Secret plaintext.
 */
export const SERVER_ANNOTATIONS: readonly string[] = [LAST_APPLIED_ANNOTATION];

/** True for a core-group Secret, whose `data` and `stringData` values are masked in every output. */
export function isSecret(obj: { apiVersion?: unknown; kind?: unknown } | undefined): boolean {
  return obj?.kind === "Secret" && typeof obj.apiVersion === "string" && parseApiVersion(obj.apiVersion).group === "";
}

/**
 * Folds a Secret's `stringData` into `data`, as the API server does on write
 * (https://kubernetes.io/docs/concepts/configuration/secret/#restriction-names-data): each value is
 * base64-encoded as UTF-8 and wins over a `data` entry of the same key; `stringData` is then removed.
 * Done in place on a copy. A dry-run result already has no `stringData`; this makes a rendered manifest
 * compare correctly too.
 */
export function foldStringData(secret: JsonObject): void {
  const stringData = secret.stringData;
  if (!isObject(stringData)) {
    delete secret.stringData;
    return;
  }
  const data: JsonObject = isObject(secret.data) ? secret.data : {};
  for (const [k, v] of Object.entries(stringData)) {
    if (typeof v === "string") data[k] = Buffer.from(v, "utf8").toString("base64");
  }
  secret.data = data;
  delete secret.stringData;
}

/**
 * Returns a deep copy of `obj` without server-owned noise, ready to compare and to show:
 * - the metadata fields in SERVER_METADATA_FIELDS;
 * - `status`, whole: written by controllers through the status subresource, never by an apply of the
 *   object itself, and reported by health rather than by diff (Argo CD and Flux ignore it too);
 * - the annotations in SERVER_ANNOTATIONS;
 * - `metadata.annotations` and `metadata.labels` when empty: the server omits empty maps, so `{}` on one
 *   side and nothing on the other is no difference;
 * - for a Secret, `stringData` folded into `data` (see foldStringData).
 * Keys are sorted at every level. The input is not changed.
 */
export function normalize(obj: KubeObject): KubeObject {
  const out = JSON.parse(JSON.stringify(obj)) as KubeObject;
  delete out.status;
  const meta = isObject(out.metadata) ? (out.metadata as JsonObject) : undefined;
  if (meta) {
    for (const f of SERVER_METADATA_FIELDS) delete meta[f];
    const annotations = meta.annotations;
    if (isObject(annotations)) for (const a of SERVER_ANNOTATIONS) delete annotations[a];
    for (const m of ["annotations", "labels"]) {
      const v = meta[m];
      if (v === null || (isObject(v) && Object.keys(v).length === 0)) delete meta[m];
    }
  }
  if (isSecret(out)) foldStringData(out);
  return sortedCopy(out);
}

/**
 * The part of `live` that has the shape of `desired`: object members only where desired has them, array
 * items position by position when both arrays have the same length (a whole live array otherwise, which
 * then shows as a difference). Used only when no dry-run result is available: comparing desired with
 * this projection hides fields the server added, at the cost of missing defaults inside list items of
 * different lengths. The dry run is the exact method; this is the fallback.
 */
export function projectOnto(live: unknown, desired: unknown): unknown {
  if (isObject(desired) && isObject(live)) {
    const out: JsonObject = {};
    for (const k of Object.keys(desired)) if (Object.hasOwn(live, k)) out[k] = projectOnto(live[k], desired[k]);
    return out;
  }
  if (Array.isArray(desired) && Array.isArray(live) && desired.length === live.length) {
    return live.map((v: unknown, i) => projectOnto(v, desired[i]));
  }
  return live;
}
