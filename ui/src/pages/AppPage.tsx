import { useParams, useSearchParams } from "react-router";
import { describeError } from "../api/client";
import { useApp, useTree } from "../api/hooks";
import { AppDiff } from "../app/AppDiff";
import { ResourcePanel } from "../app/ResourcePanel";
import { StatusBadge } from "../components/StatusBadge";
import { healthLook, syncLook } from "../status";

/** One application. (Foundation: its name and status; the summary, tree, diff and actions follow.) */
export function AppPage() {
  const { namespace = "", name = "" } = useParams();
  const app = useApp(namespace, name);
  // Temporary until the page is composed: the app's diff, and ?node=<group>/<kind>/<namespace>/<name> opens a resource's panel.
  const tree = useTree(namespace, name);
  const [params, setParams] = useSearchParams();
  const selected = params.get("node");
  const node = selected ? tree.data?.nodes.find((n) => `${n.group}/${n.kind}/${n.namespace}/${n.name}` === selected) : undefined;
  if (app.error) return <p role="alert" className="error">{describeError(app.error)}</p>;
  if (!app.data) return <p className="muted">Loading…</p>;
  return (
    <section>
      <h1>{name}</h1>
      <StatusBadge look={syncLook(app.data.status?.sync?.status)} /> <StatusBadge look={healthLook(app.data.status?.health?.status)} />
      <AppDiff app={app.data} />
      {node && (
        <ResourcePanel
          app={app.data}
          node={node}
          onClose={() =>
            setParams((p) => {
              const next = new URLSearchParams(p);
              next.delete("node");
              next.delete("tab");
              return next;
            })
          }
        />
      )}
    </section>
  );
}
