/**
 * Predictions: remembered answers of the server-side dry run, so an unchanged object is not dry-run again.
 *
 * The comparison asks the API server what each desired object would become if applied (compare.ts). For an
 * object that exists, the answer depends on three things only: the desired object, the live object's
 * content, and which of its fields plumb's field manager owns (an apply removes owned fields no longer
 * desired, and leaves others' fields alone). So the key is a hash of
 *
 *   - how it is written (server-side apply or Replace, and the validation level),
 *   - the desired object, exactly as it is sent,
 *   - the live object without what the comparison ignores anyway (status, resourceVersion, managedFields and
 *     the other server bookkeeping of normalize.ts) — a status update or another controller's bookkeeping
 *     does not change the answer. Below the top level and metadata, keys are taken in the order the API
 *     server wrote them (one order per type); an object in another order would only miss, never hit wrongly,
 *   - plumb's own managedFields entries (the fields it owns).
 *
 * Any change to what counts — someone edits a field, the manifest changes in Git, ownership moves — is a
 * different key, hence a real dry run. After a real apply, the server's answer is itself the prediction
 * for the new live object (applying the same manifest again changes nothing), which `remember` records: the
 * comparison after a sync costs no dry run. An object that does not exist is never looked up here (its
 * dry run is a create, which depends on more than the object: its namespace, quotas).
 *
 * Entries are kept least-recently-used first out, up to `maxEntries`, and for at most `maxAgeMs`, so that
 * what the key cannot see (a CRD's schema defaults changing, an admission webhook installed) is picked up
 * within that time. Values are stored as JSON text, smaller than the parsed objects.
 */
import { createHash } from "node:crypto";
import { FIELD_MANAGER } from "../core/annotations.js";
import type { KubeObject } from "../core/object.js";
import { SERVER_METADATA_FIELDS } from "../diff/normalize.js";

/** How the object is written; part of the key. */
export interface WriteMode {
  replace: boolean;
  validation: "Strict" | "Ignore";
}

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  apiVersion?: string;
  fieldsV1?: unknown;
}

export interface PredictionStats {
  hits: number;
  misses: number;
  entries: number;
}

export class Predictions {
  private readonly entries = new Map<string, { json: string; at: number }>();
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly maxEntries = 20_000,
    private readonly maxAgeMs = 30 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The key of a dry run of `desired` against the existing `live` object. */
  static key(mode: WriteMode, desired: KubeObject, live: KubeObject): string {
    const owned = ((live.metadata.managedFields ?? []) as ManagedFieldsEntry[])
      .filter((m) => m.manager === FIELD_MANAGER)
      .map((m) => [m.operation, m.subresource ?? "", m.apiVersion, m.fieldsV1]);
    return createHash("sha256")
      .update(`${mode.replace ? "replace" : "apply"}/${mode.validation}\n`)
      .update(JSON.stringify(desired))
      .update("\n")
      .update(JSON.stringify(content(live)))
      .update("\n")
      .update(JSON.stringify(owned))
      .digest("base64url");
  }

  /** The remembered prediction of `desired` against `live`, or undefined. */
  get(mode: WriteMode, desired: KubeObject, live: KubeObject): KubeObject | undefined {
    return this.byKey(Predictions.key(mode, desired, live));
  }

  /** Records the dry-run answer `predicted` for `desired` against `live`. */
  set(mode: WriteMode, desired: KubeObject, live: KubeObject, predicted: KubeObject): void {
    this.store(Predictions.key(mode, desired, live), predicted);
  }

  /**
   * The prediction of `desired` against `live`: remembered, or `dryRun`'s answer (remembered when it
   * gives one). The key is computed once.
   */
  async predict(mode: WriteMode, desired: KubeObject, live: KubeObject, dryRun: () => Promise<KubeObject | undefined>): Promise<KubeObject | undefined> {
    const key = Predictions.key(mode, desired, live);
    const known = this.byKey(key);
    if (known) return known;
    const predicted = await dryRun();
    if (predicted) this.store(key, predicted);
    return predicted;
  }

  private byKey(key: string): KubeObject | undefined {
    const hit = this.entries.get(key);
    if (!hit || this.now() - hit.at > this.maxAgeMs) {
      if (hit) this.entries.delete(key);
      this.misses++;
      return undefined;
    }
    // Most recently used goes last.
    this.entries.delete(key);
    this.entries.set(key, hit);
    this.hits++;
    return JSON.parse(hit.json) as KubeObject;
  }

  private store(key: string, predicted: KubeObject): void {
    this.entries.delete(key);
    this.entries.set(key, { json: JSON.stringify(predicted), at: this.now() });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  /** A real write of `desired` answered `result`: that is also the prediction of `desired` against it. */
  remember(mode: WriteMode, desired: KubeObject, result: KubeObject): void {
    this.set(mode, desired, result, result);
  }

  stats(): PredictionStats {
    return { hits: this.hits, misses: this.misses, entries: this.entries.size };
  }
}

/**
 * The live object without status and the server's bookkeeping metadata, for hashing: a shallow copy with
 * its top-level and metadata keys sorted (a list's items get apiVersion and kind added by the client, in
 * another place than a single object's). Deeper levels keep the server's order.
 */
function content(live: KubeObject): unknown {
  const metadata: Record<string, unknown> = {};
  for (const k of Object.keys(live.metadata).sort()) if (!SERVER_METADATA_FIELDS.includes(k)) metadata[k] = (live.metadata as Record<string, unknown>)[k];
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(live).sort()) if (k !== "status") out[k] = k === "metadata" ? metadata : (live as Record<string, unknown>)[k];
  return out;
}
