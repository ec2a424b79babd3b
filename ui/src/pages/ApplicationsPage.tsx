/**
 * The applications list (issue 11): every app the caller may see, live from the stream, as tiles or a
 * table, filtered, searched and sorted — all of it in the URL (apps-list/query.ts) so a copied link opens
 * the same view. The logic is pure (apps-list/filter.ts); the list is virtualised (AppTiles, AppTable).
 *
 * Performance marks for the benchmarks: `plumb:list-ready` once, when the list first rendered with data;
 * `plumb:list-filtered` after each change of filters, search or sort has been rendered.
 */
import { useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { describeError } from "../api/client";
import { useApps, type Connection } from "../api/hooks";
import { useNow } from "../apps-list/AppBits";
import { AppTable } from "../apps-list/AppTable";
import { AppTiles } from "../apps-list/AppTiles";
import { FilterPanel } from "../apps-list/FilterPanel";
import { listApps } from "../apps-list/filter";
import { clearFilters, filterKey } from "../apps-list/query";
import { Toolbar } from "../apps-list/Toolbar";
import { useListQuery } from "../apps-list/useListQuery";
import "../apps-list/list.css";

/** The page; `actions` go in its header (the "New application" button). */
export function ApplicationsPage({ actions }: { actions?: ReactNode }) {
  // "Try again" after a failed load mounts the list anew, so the apps feed starts over (it fetches the list,
  // then opens the stream). Invalidating keys.apps would not: that query is the feed's, fetched by it only.
  const [attempt, setAttempt] = useState(0);
  return <AppsList key={attempt} actions={actions} retry={() => setAttempt((n) => n + 1)} />;
}

function AppsList({ actions, retry }: { actions?: ReactNode; retry: () => void }) {
  const { apps, conn, error, loading } = useApps();
  const [q, setQ] = useListQuery();
  const now = useNow();
  const result = useMemo(() => listApps(apps.values(), q), [apps, q]);
  const key = filterKey(q);

  const ready = useRef(false);
  useEffect(() => {
    if (ready.current || loading || error) return;
    ready.current = true;
    performance.mark("plumb:list-ready");
  }, [loading, error]);
  const lastKey = useRef(key);
  useEffect(() => {
    if (lastKey.current === key) return;
    lastKey.current = key;
    performance.mark("plumb:list-filtered");
  }, [key]);

  return (
    <section className="apps-page" aria-labelledby="apps-title">
      <header className="apps-head">
        <h1 id="apps-title">Applications</h1>
        <ConnectionState conn={conn} />
        <div className="apps-actions">{actions}</div>
      </header>
      {error ? (
        <div role="alert" className="apps-empty error">
          <p>Could not load the applications: {describeError(error)}</p>
          <p>
            <button type="button" onClick={retry}>
              Try again
            </button>
          </p>
          <p className="muted">If it keeps failing, check that plumb server is running and reachable, and that you are still logged in.</p>
        </div>
      ) : (
        <div className="apps-body">
          <FilterPanel q={q} setQ={setQ} facets={result.facets} />
          <div className="apps-main">
            <Toolbar q={q} setQ={setQ} shown={result.shown.length} total={result.total} />
            {loading ? (
              <p className="apps-empty muted" role="status">
                Loading applications…
              </p>
            ) : result.total === 0 ? (
              <div className="apps-empty">
                <p>
                  No applications yet — create one with <code>plumb app create</code> or <code>kubectl apply -f</code> an Application, or the New application button.
                </p>
              </div>
            ) : result.shown.length === 0 ? (
              <div className="apps-empty">
                <p>
                  No application matches —{" "}
                  <button type="button" className="link-button" onClick={() => setQ(clearFilters(q))}>
                    clear the filters
                  </button>
                </p>
              </div>
            ) : q.view === "table" ? (
              <AppTable shown={result.shown} total={result.total} now={now} />
            ) : (
              <AppTiles shown={result.shown} total={result.total} now={now} />
            )}
          </div>
        </div>
      )}
    </section>
  );
}

function ConnectionState({ conn }: { conn: Connection }) {
  const text = conn === "live" ? "live" : conn === "reconnecting" ? "reconnecting…" : "connecting…";
  return (
    <span className={`conn conn-${conn}`} role="status" title={conn === "live" ? "Updates arrive as they happen" : "The update stream is not connected; it retries by itself"}>
      <span aria-hidden="true">{conn === "live" ? "●" : "◌"}</span> {text}
    </span>
  );
}
