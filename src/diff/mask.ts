/**
 * Secret masking: what plumb shows of a Secret never contains its values, yet a changed value still shows
 * as changed.
 *
 * Several versions of one Secret (live, predicted, desired) are masked together. For each key, the
 * distinct values met across the versions get masks in order of first appearance: the first value gets
 * eight `+`, the next a longer run, and so on. The same value on two sides therefore gets the same mask
 * and a changed value a different one, and the mask's length says nothing about the value's. Argo CD
 * shows Secrets the same way (runs of `+`), Flux with `*`. Masks are per key, so two keys that share a
 * value do not reveal it.
 *
 * `stringData` values are compared by their base64 form, so `stringData.password: s3cret` and
 * `data.password: czNjcmV0` get the same mask. kubectl's last-applied-configuration annotation, which
 * holds the plaintext, is masked as a whole too (normalize already removes it; masking is the last line).
 *
 * Pure: imports nothing that does I/O.
 */
import type { KubeObject } from "../core/object.js";
import { isSecret, LAST_APPLIED_ANNOTATION } from "./normalize.js";
import { isObject, type JsonObject } from "./paths.js";

/** The character masks are made of. */
export const MASK_CHAR = "+";
const MASK_BASE_LENGTH = 8;
const MASK_STEP = 4;

/** The mask of the n-th distinct value of a key (0-based). */
export function maskOf(n: number): string {
  return MASK_CHAR.repeat(MASK_BASE_LENGTH + MASK_STEP * n);
}

/** The value a key stands for, as the API server would store it in `data` (base64). */
function storedForm(field: "data" | "stringData", value: unknown): string {
  const s = typeof value === "string" ? value : JSON.stringify(value);
  return field === "stringData" ? Buffer.from(s, "utf8").toString("base64") : s;
}

/**
 * Returns copies of several versions of one object with Secret values masked consistently across them
 * (see the module comment). Versions that are undefined stay undefined; objects that are not core Secrets
 * are returned unchanged. The inputs are not changed.
 */
export function maskSecretVersions<T extends KubeObject | undefined>(versions: readonly T[]): T[] {
  const masks = new Map<string, Map<string, string>>(); // key → stored value → mask
  const maskFor = (key: string, stored: string): string => {
    let perKey = masks.get(key);
    if (!perKey) masks.set(key, (perKey = new Map()));
    let m = perKey.get(stored);
    if (m === undefined) perKey.set(stored, (m = maskOf(perKey.size)));
    return m;
  };
  const lastApplied = new Map<string, string>();
  return versions.map((v) => {
    if (v === undefined || !isSecret(v)) return v;
    const out = JSON.parse(JSON.stringify(v)) as JsonObject;
    for (const field of ["data", "stringData"] as const) {
      const values = out[field];
      if (!isObject(values)) continue;
      for (const [k, value] of Object.entries(values)) {
        if (value !== null && value !== undefined) values[k] = maskFor(k, storedForm(field, value));
      }
    }
    const annotations = isObject(out.metadata) ? (out.metadata as JsonObject).annotations : undefined;
    if (isObject(annotations) && typeof annotations[LAST_APPLIED_ANNOTATION] === "string") {
      const text = annotations[LAST_APPLIED_ANNOTATION];
      let m = lastApplied.get(text);
      if (m === undefined) lastApplied.set(text, (m = maskOf(lastApplied.size)));
      annotations[LAST_APPLIED_ANNOTATION] = m;
    }
    return out as T;
  });
}

/** One object with its Secret values masked (see maskSecretVersions); other objects are returned as they are. */
export function maskSecret<T extends KubeObject | undefined>(obj: T): T {
  return maskSecretVersions([obj])[0] as T;
}
