/**
 * Above the list: the search box (typing replaces the URL's entry rather than pushing one per key), the
 * sort, the tiles/table switch, "Clear filters", and how many apps are shown of how many.
 */
import { clearFilters, isFiltered, SORTS, type ListQuery, type SortKey } from "./query";
import type { SetQuery } from "./useListQuery";

const SORT_TITLES: Record<SortKey, string> = { name: "Name", lastSync: "Last sync", sync: "Sync status", health: "Health (worst first)" };

/** The controls over the list. */
export function Toolbar({ q, setQ, shown, total }: { q: ListQuery; setQ: SetQuery; shown: number; total: number }) {
  return (
    <div className="apps-toolbar">
      <SearchBox q={q} setQ={setQ} />
      <label className="sort">
        Sort{" "}
        <select name="sort" value={q.sort} onChange={(e) => setQ({ ...q, sort: e.target.value as SortKey })}>
          {SORTS.map((s) => (
            <option key={s} value={s}>
              {SORT_TITLES[s]}
            </option>
          ))}
        </select>
      </label>
      <div className="view-toggle" role="group" aria-label="Layout">
        {(["tiles", "table"] as const).map((v) => (
          <button key={v} type="button" aria-pressed={q.view === v} onClick={() => setQ({ ...q, view: v })}>
            {v === "tiles" ? "Tiles" : "Table"}
          </button>
        ))}
      </div>
      <button type="button" onClick={() => setQ(clearFilters(q))} disabled={!isFiltered(q)}>
        Clear filters
      </button>
      <span className="app-count muted" data-testid="app-count" aria-live="polite">
        {shown} of {total} application{total === 1 ? "" : "s"}
      </span>
    </div>
  );
}

/** The search box; typing replaces the URL's entry rather than pushing one per key. */
function SearchBox({ q, setQ }: { q: ListQuery; setQ: SetQuery }) {
  return (
    <label className="search">
      <span className="visually-hidden">Search applications</span>
      <input
        type="search"
        name="search"
        placeholder="Search name, repository, path, namespace"
        autoComplete="off"
        value={q.search}
        onChange={(e) => setQ({ ...q, search: e.target.value }, { replace: true })}
      />
    </label>
  );
}
