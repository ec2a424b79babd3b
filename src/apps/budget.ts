/**
 * Keeping an Application's status small enough to write. The API server refuses a request body over its
 * limit (3 MiB) and etcd an object over 1.5 MiB, so the status of an app of 10,000 objects — one entry per
 * object in `status.resources` and again in the last sync's `syncResult.resources` — would never be
 * written, and the Application would keep a stale status with no word of why.
 *
 * `fitStatus` measures the status as JSON bytes. A status within its budget is returned as it is (the same
 * object). Otherwise only the two long lists are shortened:
 *   1. a skeleton — the status with both lists empty and each with the largest summary it could need — is
 *      measured; what is left of the budget is the room for list entries;
 *   2. the room is shared between the two lists: a list that needs less than half gets what it needs and
 *      the other the rest, else each gets half;
 *   3. each list keeps its most telling entries first — objects not Synced or not Healthy (or to prune),
 *      failed results — then the others, each tier in list order, as long as they fit; the kept entries
 *      stay in their original order;
 *   4. the entries left out are counted per group, kind and status (and health, for status.resources) in
 *      `status.resourcesSummary` and `syncResult.resourcesSummary`, with the total and the number listed.
 * A status summarised before is summarised again consistently: the counts of its summary are kept and the
 * total stays the number of objects. `message` says what was left out, for the controller's condition.
 *
 * Pure: imports nothing that does I/O.
 */
import type {
  ApplicationStatus,
  ResourceResult,
  ResourceResultsSummary,
  ResourcesSummary,
  ResourceStatus,
} from "./status.js";

/** The default budget of a status: 512 KiB, a third of etcd's object limit, leaving room for the spec. */
export const DEFAULT_STATUS_BUDGET_BYTES = 512 * 1024;

/** The outcome of fitStatus. */
export interface FittedStatus {
  /** The status to write: the input itself when it fits. */
  status: ApplicationStatus;
  /** Whether a resource list was shortened (and a summary written). */
  summarized: boolean;
  /** What was left out, or why the status is still over its budget; absent when it fits as it is. */
  message?: string;
}

/** The size of a value as the API server receives it: UTF-8 bytes of its JSON. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");
}

const fmt = (n: number): string => n.toLocaleString("en-US");

/** An object's entry: first (0) when it says something is wrong — not Synced, not Healthy, or to prune. */
function tellingResource(r: ResourceStatus): number {
  return (r.status !== undefined && r.status !== "Synced") || (r.health !== undefined && r.health.status !== "Healthy") || r.requiresPruning === true ? 0 : 1;
}

/**
 * A sync result's rank: failures (a failed apply or hook) and hooks still running first — a controller
 * taking a running sync over must see those — then, while the sync runs, the objects of the recorded step
 * (what it waits for), then the rest.
 */
function tellingResult(op: ApplicationStatus["operationState"]): (r: ResourceResult) => number {
  const step = op?.phase === "Running" ? op.progress?.step : undefined;
  return (r) => {
    if (r.status === "SyncFailed" || r.hookPhase === "Failed" || r.hookPhase === "Error" || r.hookPhase === "Running") return 0;
    if (step !== undefined && r.syncPhase === step.phase && (r.syncWave ?? 0) === step.wave) return 1;
    return 2;
  };
}

interface Counted {
  group: string;
  kind: string;
  status?: string;
  health?: string;
  count: number;
}

/** Counts `entries` per key, added to the counts of an earlier summary; sorted by group, kind, status, health. */
function countBy<T>(entries: readonly T[], key: (e: T) => Omit<Counted, "count">, earlier: readonly Counted[]): Counted[] {
  const byKey = new Map<string, Counted>();
  const add = (k: Omit<Counted, "count">, n: number): void => {
    const id = [k.group, k.kind, k.status ?? "", k.health ?? ""].join("\0");
    const c = byKey.get(id);
    if (c) c.count += n;
    else byKey.set(id, { ...k, count: n });
  };
  for (const c of earlier) add(c, c.count);
  for (const e of entries) add(key(e), 1);
  const order = (c: Counted): string[] => [c.group, c.kind, c.status ?? "", c.health ?? ""];
  return [...byKey.values()].sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
    return 0;
  });
}

function resourceKey(r: ResourceStatus): Omit<Counted, "count"> {
  return { group: r.group, kind: r.kind, ...(r.status ? { status: r.status } : {}), ...(r.health ? { health: r.health.status } : {}) };
}

function resultKey(r: ResourceResult): Omit<Counted, "count"> {
  return { group: r.group, kind: r.kind, ...(r.status ? { status: r.status } : {}) };
}

/** A summary of a list of which `dropped` are left out; `earlier` is the summary the list already had. */
function summaryOf<T>(list: readonly T[], dropped: readonly T[], key: (e: T) => Omit<Counted, "count">, earlier?: { total: number; listed: number; counts: readonly Counted[] }) {
  const before = earlier ? earlier.total - earlier.listed : 0;
  return { total: before + list.length, listed: list.length - dropped.length, counts: countBy(dropped, key, earlier?.counts ?? []) };
}

/**
 * The indices of `entries` to keep within `room` bytes: by rank (0 first), each rank in list order, each
 * entry costing its JSON size plus a comma. Returned in list order.
 */
function pick<T>(entries: readonly T[], room: number, rank: (e: T) => number): Set<number> {
  const kept = new Set<number>();
  let used = 0;
  const tiers = [...new Set(entries.map(rank))].sort((a, b) => a - b);
  for (const tier of tiers) {
    entries.forEach((e, i) => {
      if (rank(e) !== tier) return;
      const cost = jsonBytes(e) + 1;
      if (used + cost > room) return;
      used += cost;
      kept.add(i);
    });
  }
  return kept;
}

/** The room of each list: one needing less than half gets what it needs, the other the rest; else halves. */
function share(room: number, needA: number, needB: number): [number, number] {
  const half = room / 2;
  if (needA <= half) return [needA, room - needA];
  if (needB <= half) return [room - needB, needB];
  return [half, half];
}

function withLists(
  status: ApplicationStatus,
  resources: ResourceStatus[] | undefined,
  resSummary: ResourcesSummary | undefined,
  results: ResourceResult[] | undefined,
  resultsSummary: ResourceResultsSummary | undefined,
): ApplicationStatus {
  const out: ApplicationStatus = { ...status };
  if (resources) out.resources = resources;
  if (resSummary) out.resourcesSummary = resSummary;
  const op = status.operationState;
  if (op?.syncResult && results) {
    const syncResult = { ...op.syncResult, resources: results };
    if (resultsSummary) syncResult.resourcesSummary = resultsSummary;
    out.operationState = { ...op, syncResult };
  }
  return out;
}

/**
 * The status within `budgetBytes` of JSON: itself when it fits; else with `status.resources` and
 * `operationState.syncResult.resources` shortened to their most telling entries and the rest counted in
 * `resourcesSummary` (see the module comment). Only those two lists are shortened: a status too large even
 * without them keeps none of their entries, and its message says it is still over its budget.
 */
export function fitStatus(status: ApplicationStatus, budgetBytes: number = DEFAULT_STATUS_BUDGET_BYTES): FittedStatus {
  const size = jsonBytes(status);
  if (size <= budgetBytes) return { status, summarized: false };
  const resources = status.resources ?? [];
  const results = status.operationState?.syncResult?.resources ?? [];
  const earlierRes = status.resourcesSummary;
  const earlierResults = status.operationState?.syncResult?.resourcesSummary;
  const hasResults = status.operationState?.syncResult !== undefined;
  if (resources.length === 0 && results.length === 0) {
    return { status, summarized: false, message: `status is ${fmt(size)} bytes, over its budget of ${fmt(budgetBytes)}, and lists no resources to shorten` };
  }

  // 1. The room left for entries once everything else, and the largest summaries, are counted.
  const widest = <S extends { total: number; listed: number }>(s: S): S => ({ ...s, listed: s.total });
  const hasResources = status.resources !== undefined;
  const skeleton = withLists(
    status,
    hasResources ? [] : undefined,
    hasResources ? widest(summaryOf(resources, resources, resourceKey, earlierRes) as ResourcesSummary) : undefined,
    hasResults ? [] : undefined,
    hasResults ? widest(summaryOf(results, results, resultKey, earlierResults) as ResourceResultsSummary) : undefined,
  );
  const room = Math.max(0, budgetBytes - jsonBytes(skeleton));

  // 2–3. Share the room, keep the most telling entries of each list.
  const need = (list: readonly unknown[]): number => list.reduce<number>((n, e) => n + jsonBytes(e) + 1, 0);
  const [roomRes, roomResults] = share(room, need(resources), need(results));
  const keptRes = pick(resources, roomRes, tellingResource);
  const keptResults = pick(results, roomResults, tellingResult(status.operationState));

  // 4. Count what is left out.
  const droppedRes = resources.filter((_, i) => !keptRes.has(i));
  const droppedResults = results.filter((_, i) => !keptResults.has(i));
  const resSummary = droppedRes.length || earlierRes ? (summaryOf(resources, droppedRes, resourceKey, earlierRes) as ResourcesSummary) : undefined;
  const resultsSummary = droppedResults.length || earlierResults ? (summaryOf(results, droppedResults, resultKey, earlierResults) as ResourceResultsSummary) : undefined;
  const fitted = withLists(
    status,
    hasResources && droppedRes.length ? resources.filter((_, i) => keptRes.has(i)) : undefined,
    resSummary,
    hasResults && droppedResults.length ? results.filter((_, i) => keptResults.has(i)) : undefined,
    resultsSummary,
  );

  const said: string[] = [];
  if (droppedRes.length && resSummary) {
    said.push(`status lists ${fmt(resSummary.listed)} of ${fmt(resSummary.total)} resources; the rest are counted per kind and status in status.resourcesSummary`);
  }
  if (droppedResults.length && resultsSummary) {
    said.push(`the last sync's result lists ${fmt(resultsSummary.listed)} of ${fmt(resultsSummary.total)} resources; the rest are counted per kind and result in status.operationState.syncResult.resourcesSummary`);
  }
  const after = jsonBytes(fitted);
  if (after > budgetBytes) said.push(`the status is still ${fmt(after)} bytes, over its budget of ${fmt(budgetBytes)}`);
  return { status: fitted, summarized: droppedRes.length + droppedResults.length > 0, message: said.join(". ") || undefined };
}
