import { useParams } from "react-router";
import { describeError } from "../api/client";
import { useApp } from "../api/hooks";
import { StatusBadge } from "../components/StatusBadge";
import { healthLook, syncLook } from "../status";
import { ResourceView } from "../tree";

/** One application. (Foundation: its name and status; the summary, tree, diff and actions follow.) */
export function AppPage() {
  const { namespace = "", name = "" } = useParams();
  const app = useApp(namespace, name);
  if (app.error) return <p role="alert" className="error">{describeError(app.error)}</p>;
  if (!app.data) return <p className="muted">Loading…</p>;
  return (
    <section>
      <h1>{name}</h1>
      <StatusBadge look={syncLook(app.data.status?.sync?.status)} /> <StatusBadge look={healthLook(app.data.status?.health?.status)} />
      <ResourceView app={app.data} />
    </section>
  );
}
