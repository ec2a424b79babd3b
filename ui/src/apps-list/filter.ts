/**
 * The list's pure logic: which apps a view shows, in which order, and how many apps each filter value
 * would show (the facet counts). One pass over the apps does the matching and the counting; the per-app
 * work is cached (derive.ts), so 10,000 apps take a few milliseconds.
 *
 * Facet counts say what ticking a value would show. The ORed facets (project, health, sync, cluster,
 * namespace, repo) count the usual faceted-search way: a value's count is how many apps would match if
 * that value were the facet's only choice, with every other facet and the search as chosen — so the
 * counts of one facet do not collapse to the values already ticked in it. Label selectors are ANDed
 * (every one must hold, as a Kubernetes label selector), so ticking a label value narrows the shown apps:
 * a label value's count is how many of the shown apps (all other filters AND the selectors already
 * ticked) carry it — after ticking team=a, team=b counts 0, as ticking it would show.
 */
import type { Application } from "../api/types";
import { derive, HEALTH_ORDER, SYNC_ORDER, type Derived } from "./derive";
import { FACETS, type Facet, type ListQuery, type SortKey } from "./query";

/** One `labels` selector: `k=v` (or `k==v`), `k!=v`, `k` (has the label), `!k` (has not). */
export type LabelSelector = { key: string; op: "eq" | "neq"; value: string } | { key: string; op: "exists" | "absent" };

/** A selector parsed, or undefined when it names no key. */
export function parseSelector(text: string): LabelSelector | undefined {
  const s = text.trim();
  const neq = s.indexOf("!=");
  if (neq > 0) return { key: s.slice(0, neq).trim(), op: "neq", value: s.slice(neq + 2).trim() };
  const eq = s.indexOf("=");
  if (eq > 0) return { key: s.slice(0, eq).trim(), op: "eq", value: s.slice(eq + 1).replace(/^=/, "").trim() };
  if (eq === 0) return undefined;
  if (s.startsWith("!")) return s.length > 1 ? { key: s.slice(1).trim(), op: "absent" } : undefined;
  return s ? { key: s, op: "exists" } : undefined;
}

/** Whether a selector is a plain `k=v` pair (a value of the labels facet, as the apps' labels are written). */
export function isPair(text: string): boolean {
  return /^[^=!\s][^=!]*=[^=]/.test(text) && !text.includes("!=");
}

/** Whether labels satisfy a selector. */
export function selects(sel: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, sel.key);
  switch (sel.op) {
    case "exists":
      return has;
    case "absent":
      return !has;
    case "eq":
      return has && labels[sel.key] === sel.value;
    case "neq":
      return !has || labels[sel.key] !== sel.value;
  }
}

/** Per facet, each value and how many apps it would show. */
export type FacetCounts = Record<Facet, Map<string, number>>;

export interface ListResult {
  /** The apps shown, in order. */
  shown: Derived[];
  total: number;
  facets: FacetCounts;
}

interface Compiled {
  search: string;
  sets: Record<Facet, ReadonlySet<string> | undefined>;
  labels: LabelSelector[];
}

function compile(q: ListQuery): Compiled {
  const sets = {} as Record<Facet, ReadonlySet<string> | undefined>;
  for (const f of FACETS) sets[f] = f !== "labels" && q.filters[f].length > 0 ? new Set(q.filters[f]) : undefined;
  return {
    search: q.search.trim().toLowerCase(),
    sets,
    labels: q.filters.labels.map(parseSelector).filter((s): s is LabelSelector => !!s),
  };
}

function facetHolds(c: Compiled, d: Derived, f: Facet): boolean {
  if (f === "labels") return c.labels.every((s) => selects(s, d.labels));
  const set = c.sets[f];
  if (!set) return true;
  for (const v of d.values[f]) if (set.has(v)) return true;
  return false;
}

function count(facets: FacetCounts, f: Facet, d: Derived): void {
  const m = facets[f];
  for (const v of d.values[f]) m.set(v, (m.get(v) ?? 0) + 1);
}

/** Whether one app matches the view (search and every facet). */
export function matches(app: Application, q: ListQuery): boolean {
  const c = compile(q);
  const d = derive(app);
  return (c.search === "" || d.text.includes(c.search)) && FACETS.every((f) => facetHolds(c, d, f));
}

/** The apps a view shows, sorted, with the facet counts. */
export function listApps(apps: Iterable<Application>, q: ListQuery): ListResult {
  const c = compile(q);
  const facets = {} as FacetCounts;
  for (const f of FACETS) facets[f] = new Map();
  const shown: Derived[] = [];
  let total = 0;
  for (const app of apps) {
    total++;
    const d = derive(app);
    if (c.search !== "" && !d.text.includes(c.search)) continue;
    // Which facets this app fails: none → it is shown and counts everywhere; one → it counts for that
    // facet only (it would show were that facet's choice different) — unless that is labels, whose
    // selectors are ANDed (another tick only narrows); more → it counts nowhere.
    let failed: Facet | undefined;
    let fails = 0;
    for (const f of FACETS) {
      if (facetHolds(c, d, f)) continue;
      failed = f;
      if (++fails > 1) break;
    }
    if (fails === 0) {
      shown.push(d);
      for (const f of FACETS) count(facets, f, d);
    } else if (fails === 1 && failed && failed !== "labels") count(facets, failed, d);
  }
  // A chosen value stays listed (with 0) so that it can be unticked; label selectors other than k=v pairs
  // are no facet value (the panel shows them apart).
  for (const f of FACETS) for (const v of q.filters[f]) if (!facets[f].has(v) && (f !== "labels" || isPair(v))) facets[f].set(v, 0);
  shown.sort(comparator(q.sort));
  return { shown, total, facets };
}

function byName(a: Derived, b: Derived): number {
  if (a.sortName !== b.sortName) return a.sortName < b.sortName ? -1 : 1;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0;
}

/** The order of a sort: by name; last sync (latest first, never synced last); sync or health, worst first. */
export function comparator(sort: SortKey): (a: Derived, b: Derived) => number {
  switch (sort) {
    case "name":
      return byName;
    case "lastSync":
      return (a, b) => (b.finishedAt ?? -Infinity) - (a.finishedAt ?? -Infinity) || byName(a, b);
    case "sync":
      return (a, b) => a.syncRank - b.syncRank || byName(a, b);
    case "health":
      return (a, b) => a.healthRank - b.healthRank || byName(a, b);
  }
}

/**
 * A facet's values in the order the panel lists them: health and sync worst first, the rest by count
 * (most first), then alphabetically. With `limit`, only the first `limit` of that order — picked in one
 * pass, not by sorting them all (a namespace facet over 10,000 apps may hold 10,000 values).
 */
export function orderedValues(facet: Facet, counts: ReadonlyMap<string, number>, limit = Infinity): Array<[string, number]> {
  const order: readonly string[] | undefined = facet === "health" ? HEALTH_ORDER : facet === "sync" ? SYNC_ORDER : undefined;
  if (order) {
    const r = (v: string) => (order.includes(v) ? order.indexOf(v) : order.length);
    return [...counts].sort((a, b) => r(a[0]) - r(b[0]) || (a[0] < b[0] ? -1 : 1)).slice(0, limit);
  }
  const before = (a: [string, number], b: [string, number]) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  if (limit >= counts.size) return [...counts].sort(before);
  const top: Array<[string, number]> = [];
  for (const e of counts) {
    if (top.length === limit && before(e, top[limit - 1]!) >= 0) continue;
    let i = top.length;
    while (i > 0 && before(e, top[i - 1]!) < 0) i--;
    top.splice(i, 0, e);
    if (top.length > limit) top.pop();
  }
  return top;
}
