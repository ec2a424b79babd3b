import { useEffect, useMemo, useRef, useState } from "react";
import { ApiError, appKey, listApps, type App } from "./api";
import { apply, watchApps, type AppMap, type WatchEvent } from "./live";
import { healthLook, syncLook } from "./status";
import { StatusBadge } from "./StatusBadge";

type Conn = "loading" | "live" | "reconnecting";

/** The applications table (name, project, sync, health), live from the stream; `onUnauthenticated` on a 401. */
export function Applications({ onUnauthenticated }: { onUnauthenticated: () => void }) {
  const [apps, setApps] = useState<AppMap>(new Map());
  const [conn, setConn] = useState<Conn>("loading");
  const [error, setError] = useState<string>();
  const pending = useRef<WatchEvent[]>([]);

  useEffect(() => {
    let close: (() => void) | undefined;
    let flush: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    // Events are applied in batches, at most ~10 times a second: one copy of the map per batch.
    const queue = (e: WatchEvent) => {
      pending.current.push(e);
      flush ??= setTimeout(() => {
        flush = undefined;
        const batch = pending.current;
        pending.current = [];
        setApps((prev) => apply(prev, batch));
      }, 100);
    };
    listApps()
      .then((list) => {
        if (stopped) return;
        setApps(new Map((list.items ?? []).map((a): [string, App] => [appKey(a), a])));
        setConn("live");
        close = watchApps(list.metadata?.resourceVersion, {
          onEvent: (e) => {
            setConn("live");
            queue(e);
          },
          onRelist: () => {
            pending.current = [];
            setApps(new Map());
          },
          onError: () => setConn("reconnecting"),
        });
      })
      .catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 401) onUnauthenticated();
        else setError(err instanceof Error ? err.message : String(err));
      });
    return () => {
      stopped = true;
      close?.();
      if (flush) clearTimeout(flush);
    };
  }, [onUnauthenticated]);

  const rows = useMemo(() => [...apps.values()].sort((a, b) => appKey(a).localeCompare(appKey(b))), [apps]);

  if (error) return <p role="alert" className="error">Could not load the applications: {error}. Reload the page to try again.</p>;
  return (
    <section aria-labelledby="apps-title">
      <h2 id="apps-title">
        Applications <span className="muted">({rows.length})</span> <span className={`conn conn-${conn}`}>{conn}</span>
      </h2>
      {conn !== "loading" && rows.length === 0 ? (
        <p className="muted">No applications yet. Create one with `plumb app create` or `kubectl apply` an Application.</p>
      ) : (
        <table className="apps">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Namespace</th>
              <th scope="col">Project</th>
              <th scope="col">Sync</th>
              <th scope="col">Health</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((a) => (
              <AppRow key={appKey(a)} app={a} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function AppRow({ app }: { app: App }) {
  return (
    <tr data-app={app.metadata.name}>
      <td>{app.metadata.name}</td>
      <td>{app.metadata.namespace}</td>
      <td>{app.spec?.project ?? "default"}</td>
      <td>
        <StatusBadge look={syncLook(app.status?.sync?.status)} />
      </td>
      <td>
        <StatusBadge look={healthLook(app.status?.health?.status)} />
      </td>
    </tr>
  );
}
