/**
 * The applications list's view as a URL query string, both ways: which filters, search, sort and layout a
 * person chose. The URL is the only place this lives, so a copied link opens the same view and a reload
 * keeps it.
 *
 * Shape: `?view=table&search=pay&sort=health&health=Degraded&health=Missing&labels=team%3Dpay&repo=…` —
 * one parameter per facet, repeated for several values (OR within a facet, AND across facets; every
 * `labels` selector must hold). Defaults (tiles, sort by name, nothing chosen) are left out.
 */

/** The facets a person can filter by, in the order the filter panel shows them. */
export const FACETS = ["sync", "health", "project", "namespace", "cluster", "labels", "repo"] as const;
export type Facet = (typeof FACETS)[number];

export const SORTS = ["name", "lastSync", "sync", "health"] as const;
export type SortKey = (typeof SORTS)[number];

export const VIEWS = ["tiles", "table"] as const;
export type View = (typeof VIEWS)[number];

export type Filters = Record<Facet, readonly string[]>;

export interface ListQuery {
  view: View;
  search: string;
  sort: SortKey;
  filters: Filters;
}

/** No filter at all. */
export function noFilters(): Filters {
  return { sync: [], health: [], project: [], namespace: [], cluster: [], labels: [], repo: [] };
}

function oneOf<T extends string>(all: readonly T[], value: string | null, fallback: T): T {
  return value !== null && (all as readonly string[]).includes(value) ? (value as T) : fallback;
}

/** The view a query string describes; unknown values fall back to the defaults. */
export function parseQuery(params: URLSearchParams): ListQuery {
  const filters = noFilters();
  for (const f of FACETS) {
    const seen = new Set<string>();
    for (const raw of params.getAll(f)) {
      const v = raw.trim();
      if (v) seen.add(v);
    }
    filters[f] = [...seen];
  }
  return {
    view: oneOf(VIEWS, params.get("view"), "tiles"),
    search: params.get("search") ?? "",
    sort: oneOf(SORTS, params.get("sort"), "name"),
    filters,
  };
}

/**
 * The query string of a view. Parameters the list does not own (anything else in `base`) are kept, so
 * another part of the page may add its own.
 */
export function writeQuery(q: ListQuery, base: URLSearchParams = new URLSearchParams()): URLSearchParams {
  const out = new URLSearchParams(base);
  for (const k of ["view", "search", "sort", ...FACETS]) out.delete(k);
  if (q.view !== "tiles") out.set("view", q.view);
  if (q.search !== "") out.set("search", q.search);
  if (q.sort !== "name") out.set("sort", q.sort);
  for (const f of FACETS) for (const v of q.filters[f]) out.append(f, v);
  return out;
}

/** Whether any filter or the search narrows the list. */
export function isFiltered(q: ListQuery): boolean {
  return q.search.trim() !== "" || FACETS.some((f) => q.filters[f].length > 0);
}

/** The same view with one facet's value switched on or off. */
export function toggleValue(q: ListQuery, facet: Facet, value: string): ListQuery {
  const cur = q.filters[facet];
  const next = cur.includes(value) ? cur.filter((v) => v !== value) : [...cur, value];
  return { ...q, filters: { ...q.filters, [facet]: next } };
}

/** The same view with no filter and no search (layout and sort kept). */
export function clearFilters(q: ListQuery): ListQuery {
  return { ...q, search: "", filters: noFilters() };
}

/** A key that changes exactly when what is shown (filters, search, sort) changes. */
export function filterKey(q: ListQuery): string {
  return JSON.stringify([q.search, q.sort, FACETS.map((f) => q.filters[f])]);
}
