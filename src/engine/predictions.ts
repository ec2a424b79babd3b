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
 * One more inference spares the dry runs that other controllers' bookkeeping would cost (kube-controller-
 * manager annotating a Deployment's revision, an autoscaler setting replicas plumb does not set): when a
 * server-side apply of `desired` was known to change nothing, and plumb still owns exactly the same fields
 * holding exactly the same values, applying it again changes nothing either, whatever others changed in
 * fields plumb does not own. An apply only sets plumb's fields (to the values they hold) and removes fields
 * plumb owned and no longer desires (none, as before). So the prediction is the live object itself. The
 * values count, not only the field set: plumb's own apply of another manifest (a rollback, say) changes
 * values and keeps the set. This holds for server-side apply only: Replace=true writes the whole object and
 * would undo others' changes.
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
  /** Remembered answers by key; no `json` when the answer was the live object itself (an apply changing nothing). */
  private readonly entries = new Map<string, { json?: string; at: number }>();
  /** Server-side applies known to change nothing, by the key of desired + plumb's fields and their values. */
  private readonly noops = new Map<string, number>();
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly maxEntries = 20_000,
    private readonly maxAgeMs = 30 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The key of a dry run of `desired` against the existing `live` object. */
  static key(mode: WriteMode, desired: KubeObject, live: KubeObject): string {
    return Predictions.keyOf(mode, facts(desired, live));
  }

  private static keyOf(mode: WriteMode, f: Facts): string {
    return createHash("sha256").update(`${mode.replace ? "replace" : "apply"}/${mode.validation}\n`).update(f.desired).update("\n").update(f.content).update("\n").update(f.owned).digest("base64url");
  }

  /**
   * The key of "applying `desired` (validated at `validation`) changes nothing while plumb's fields of
   * `live` stay as they are"; undefined when plumb's field set cannot be read (see `project`).
   */
  private static noopKeyOf(validation: WriteMode["validation"], f: Facts, live: KubeObject): string | undefined {
    const values = f.ownedEntries.map(([, , , fields]) => project(live, fields));
    if (values.includes(undefined)) return undefined;
    return createHash("sha256").update(`${validation}\n`).update(f.desired).update("\n").update(f.owned).update("\n").update(JSON.stringify(values)).digest("base64url");
  }

  /**
   * The remembered prediction of `desired` against `live`, or undefined. When the prediction is the live
   * object unchanged, `live` itself is returned (the same reference: compare it, do not change it).
   */
  get(mode: WriteMode, desired: KubeObject, live: KubeObject): KubeObject | undefined {
    const f = facts(desired, live);
    return this.lookup(Predictions.keyOf(mode, f), mode, f, live);
  }

  /** Records the dry-run answer `predicted` for `desired` against `live`. */
  set(mode: WriteMode, desired: KubeObject, live: KubeObject, predicted: KubeObject): void {
    const f = facts(desired, live);
    this.store(Predictions.keyOf(mode, f), mode, f, live, predicted);
  }

  /**
   * The prediction of `desired` against `live`: remembered (as `get`), or `dryRun`'s answer (remembered
   * when it gives one). The key is computed once.
   */
  async predict(mode: WriteMode, desired: KubeObject, live: KubeObject, dryRun: () => Promise<KubeObject | undefined>): Promise<KubeObject | undefined> {
    const f = facts(desired, live);
    const key = Predictions.keyOf(mode, f);
    const known = this.lookup(key, mode, f, live);
    if (known) return known;
    const predicted = await dryRun();
    if (predicted) this.store(key, mode, f, live, predicted);
    return predicted;
  }

  private lookup(key: string, mode: WriteMode, f: Facts, live: KubeObject): KubeObject | undefined {
    const hit = this.fresh(this.entries, key, (e) => e.at);
    if (hit) {
      this.hits++;
      return hit.json === undefined ? live : (JSON.parse(hit.json) as KubeObject);
    }
    const noop = mode.replace ? undefined : Predictions.noopKeyOf(mode.validation, f, live);
    if (noop && this.fresh(this.noops, noop, (at) => at) !== undefined) {
      this.hits++;
      return live;
    }
    this.misses++;
    return undefined;
  }

  /** The entry of `key` if it is young enough, made the most recently used (last); an old one is dropped. */
  private fresh<V>(map: Map<string, V>, key: string, at: (v: V) => number): V | undefined {
    const hit = map.get(key);
    if (hit === undefined) return undefined;
    map.delete(key);
    if (this.now() - at(hit) > this.maxAgeMs) return undefined;
    map.set(key, hit);
    return hit;
  }

  private store(key: string, mode: WriteMode, f: Facts, live: KubeObject, predicted: KubeObject): void {
    const unchanged = predicted === live || (JSON.stringify(content(predicted)) === f.content && JSON.stringify(owned(predicted)) === f.owned);
    this.entries.delete(key);
    this.entries.set(key, unchanged ? { at: this.now() } : { json: JSON.stringify(predicted), at: this.now() });
    bound(this.entries, this.maxEntries);
    const noop = unchanged && !mode.replace ? Predictions.noopKeyOf(mode.validation, f, live) : undefined;
    if (noop) {
      this.noops.delete(noop);
      this.noops.set(noop, this.now());
      bound(this.noops, this.maxEntries);
    }
  }

  /** A real write of `desired` answered `result`: that is also the prediction of `desired` against it. */
  remember(mode: WriteMode, desired: KubeObject, result: KubeObject): void {
    this.set(mode, desired, result, result);
  }

  stats(): PredictionStats {
    return { hits: this.hits, misses: this.misses, entries: this.entries.size };
  }
}

/** What the keys are made of, each serialized once. */
interface Facts {
  desired: string;
  content: string;
  ownedEntries: ReturnType<typeof owned>;
  owned: string;
}

function facts(desired: KubeObject, live: KubeObject): Facts {
  const ownedEntries = owned(live);
  return { desired: JSON.stringify(desired), content: JSON.stringify(content(live)), ownedEntries, owned: JSON.stringify(ownedEntries) };
}

/** Drops the least recently used entries (first in the map) beyond `max`. */
function bound(map: Map<string, unknown>, max: number): void {
  while (map.size > max) map.delete(map.keys().next().value as string);
}

/** plumb's own managedFields entries: the fields it owns, without the time. */
function owned(live: KubeObject): Array<[string | undefined, string, string | undefined, unknown]> {
  return ((live.metadata.managedFields ?? []) as ManagedFieldsEntry[]).filter((m) => m.manager === FIELD_MANAGER).map((m) => [m.operation, m.subresource ?? "", m.apiVersion, m.fieldsV1]);
}

/**
 * The values of `value` at the fields of a managedFields field set (FieldsV1: `f:<name>` a field,
 * `k:<json>` a list item by its keys, `v:<json>` a set item, `i:<n>` an item by index, `.` the node
 * itself), as a tree of the same shape; a leaf takes the whole value found there. A list item found by key
 * or value comes with its position, so a reordered list reads differently. Undefined when the field set
 * cannot be read (a malformed key) or names an item ambiguously (two items with one key): then nothing is
 * inferred, and the object gets a real dry run.
 */
export function project(value: unknown, fields: unknown): unknown {
  if (!isRecord(fields) || Object.keys(fields).length === 0) return value ?? null;
  const out: Record<string, unknown> = {};
  for (const [k, sub] of Object.entries(fields)) {
    if (k === ".") continue;
    const kind = k.slice(0, 2);
    const arg = k.slice(2);
    let found: unknown;
    if (kind === "f:") found = isRecord(value) ? value[arg] : undefined;
    else if (kind === "i:") found = Array.isArray(value) ? value[Number(arg)] : undefined;
    else if (kind === "k:" || kind === "v:") {
      let want: unknown;
      try {
        want = JSON.parse(arg);
      } catch {
        return undefined;
      }
      const items = Array.isArray(value) ? value : [];
      const wanted = JSON.stringify(want);
      const at = items.flatMap((it, i) => ((kind === "v:" ? JSON.stringify(it) === wanted : isRecord(it) && isRecord(want) && Object.entries(want).every(([f, v]) => JSON.stringify(it[f]) === JSON.stringify(v))) ? [i] : []));
      if (at.length > 1) return undefined;
      if (kind === "v:") {
        out[k] = at[0] ?? -1;
        continue;
      }
      const inner = project(at.length ? items[at[0]!] : undefined, sub);
      if (inner === undefined) return undefined;
      out[k] = [at[0] ?? -1, inner];
      continue;
    } else return undefined;
    const inner = project(found, sub);
    if (inner === undefined) return undefined;
    out[k] = inner;
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
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
