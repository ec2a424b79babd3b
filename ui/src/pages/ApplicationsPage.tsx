import { useMemo } from "react";
import { Link } from "react-router";
import { appKey, describeError } from "../api/client";
import { useApps } from "../api/hooks";
import type { Application } from "../api/types";
import { StatusBadge } from "../components/StatusBadge";
import { healthLook, syncLook } from "../status";
import { NewAppButton } from "../app/NewApp";

/** The applications, live from the stream. (Foundation: the table; tiles, filters and virtualisation follow.) */
export function ApplicationsPage() {
  const { apps, conn, error, loading } = useApps();
  const rows = useMemo(() => [...apps.values()].sort((a, b) => appKey(a).localeCompare(appKey(b))), [apps]);
  if (error) return <p role="alert" className="error">Could not load the applications: {describeError(error)}. Reload the page to try again.</p>;
  return (
    <section aria-labelledby="apps-title">
      <h1 id="apps-title">
        Applications <span className="muted">({rows.length})</span> <span className={`conn conn-${conn}`}>{conn}</span>
      </h1>
      <NewAppButton />
      {!loading && rows.length === 0 ? (
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

function AppRow({ app }: { app: Application }) {
  return (
    <tr data-app={app.metadata.name}>
      <td>
        <Link to={`/applications/${app.metadata.namespace ?? ""}/${app.metadata.name}`}>{app.metadata.name}</Link>
      </td>
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
