/**
 * The resource details panel: what a person sees after selecting a node of the app — a side panel naming
 * the resource, with tabs Summary, Live manifest (Secrets arrive masked from the server and stay so),
 * Diff (managed resources only: live against desired) and Events. The open tab is in the URL (?tab=).
 * A complementary region beside the resources, not a dialog: it does not take the focus when it opens
 * (the keyboard stays in the tree or list, whose arrows go on choosing nodes); Tab reaches it. Escape
 * or Close closes it, and the page returns the focus to the tree or list, on the node it showed.
 */
import { useId, useRef, type KeyboardEvent } from "react";
import { useSearchParams } from "react-router";
import { describeError } from "../api/client";
import { useEvents, useLiveResource, useManaged, type ResourceRef } from "../api/hooks";
import type { Application, ResourceNode } from "../api/types";
import { StatusBadge } from "../components/StatusBadge";
import { Time } from "../components/Time";
import { DiffView } from "../diff/DiffView";
import { EventsTable } from "../diff/EventsTable";
import { diffTexts, isOutOfSync } from "../diff/states";
import { jsonTextToYaml } from "../diff/yaml";
import { YamlView } from "../diff/YamlView";
import { healthLook, syncLook } from "../status";
import { nodeKey, type KeyRef } from "../tree/keys";
import "./ResourcePanel.css";

type Tab = "summary" | "manifest" | "diff" | "events";
const TITLES: Record<Tab, string> = { summary: "Summary", manifest: "Live manifest", diff: "Diff", events: "Events" };

const refOf = (node: ResourceNode): ResourceRef => ({ group: node.group, version: node.version, kind: node.kind, namespace: node.namespace || undefined, name: node.name, ...(node.uid ? { uid: node.uid } : {}) });
const sameResource = (a: KeyRef, b: KeyRef) => nodeKey(a) === nodeKey(b);

/** The panel of one resource of `app`. */
export function ResourcePanel({ app, node, onClose }: { app: Application; node: ResourceNode; onClose: () => void }) {
  const [params, setParams] = useSearchParams();
  const managed = app.status?.resources?.find((r) => sameResource(r, node));
  const tabs: Tab[] = managed ? ["summary", "manifest", "diff", "events"] : ["summary", "manifest", "events"];
  const asked = params.get("tab") as Tab | null;
  const tab: Tab = asked && tabs.includes(asked) ? asked : "summary";
  const id = useId();
  const tabRefs = useRef(new Map<Tab, HTMLButtonElement>());

  const select = (t: Tab, focus = false) => {
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        next.set("tab", t);
        return next;
      },
      { replace: true },
    );
    if (focus) tabRefs.current.get(t)?.focus();
  };
  const onTabKey = (e: KeyboardEvent) => {
    const at = tabs.indexOf(tab);
    const to = e.key === "ArrowRight" ? (at + 1) % tabs.length : e.key === "ArrowLeft" ? (at - 1 + tabs.length) % tabs.length : e.key === "Home" ? 0 : e.key === "End" ? tabs.length - 1 : -1;
    if (to < 0) return;
    e.preventDefault();
    select(tabs[to]!, true);
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      e.stopPropagation();
      onClose();
    }
  };

  return (
    <aside className="resource-panel" role="complementary" aria-labelledby={`${id}-title`} onKeyDown={onKey} data-testid="resource-panel">
      <header className="resource-panel-head">
        <h2 id={`${id}-title`}>
          <span className="muted">{node.kind}</span> {node.name}
        </h2>
        <button type="button" onClick={onClose} aria-label={`Close the details of ${node.kind} ${node.name}`}>
          Close
        </button>
      </header>
      <div role="tablist" aria-label="Resource details" className="resource-tabs" onKeyDown={onTabKey}>
        {tabs.map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            id={`${id}-tab-${t}`}
            aria-selected={t === tab}
            aria-controls={`${id}-panel`}
            tabIndex={t === tab ? 0 : -1}
            ref={(el) => {
              if (el) tabRefs.current.set(t, el);
              else tabRefs.current.delete(t);
            }}
            onClick={() => select(t)}
          >
            {TITLES[t]}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${id}-panel`} aria-labelledby={`${id}-tab-${tab}`} className="resource-tabpanel" tabIndex={0}>
        {tab === "summary" && <Summary node={node} sync={managed?.status ?? node.status} />}
        {tab === "manifest" && <LiveManifest app={app} node={node} />}
        {tab === "diff" && <ResourceDiff app={app} node={node} />}
        {tab === "events" && <ResourceEvents app={app} node={node} />}
      </div>
    </aside>
  );
}

function Summary({ node, sync }: { node: ResourceNode; sync: string | undefined }) {
  return (
    <dl className="resource-summary">
      <dt>Kind</dt>
      <dd>{node.group ? `${node.kind} (${node.group}/${node.version})` : `${node.kind} (${node.version})`}</dd>
      <dt>Name</dt>
      <dd>{node.name}</dd>
      <dt>Namespace</dt>
      <dd>{node.namespace || <span className="muted">— (cluster-scoped)</span>}</dd>
      {node.health && (
        <>
          <dt>Health</dt>
          <dd>
            <StatusBadge look={healthLook(node.health.status)} />
            {node.health.message && <span className="resource-message"> {node.health.message}</span>}
          </dd>
        </>
      )}
      {sync && (
        <>
          <dt>Sync status</dt>
          <dd>
            <StatusBadge look={syncLook(sync)} />
            {node.requiresPruning && <span className="muted"> (not in Git: pruned by a sync with prune)</span>}
          </dd>
        </>
      )}
      {(node.info ?? []).map((i) => (
        <InfoItem key={i.name} name={i.name} value={i.value} />
      ))}
      {node.images && node.images.length > 0 && (
        <>
          <dt>Images</dt>
          <dd>
            <ul className="resource-images">
              {node.images.map((img) => (
                <li key={img}>
                  <code>{img}</code>
                </li>
              ))}
            </ul>
          </dd>
        </>
      )}
      {node.createdAt && (
        <>
          <dt>Created</dt>
          <dd>
            <Time iso={node.createdAt} />
          </dd>
        </>
      )}
    </dl>
  );
}

function InfoItem({ name, value }: { name: string; value: string }) {
  return (
    <>
      <dt>{name}</dt>
      <dd>{value}</dd>
    </>
  );
}

const appNs = (app: Application) => app.metadata.namespace ?? "";

function LiveManifest({ app, node }: { app: Application; node: ResourceNode }) {
  const q = useLiveResource(appNs(app), app.metadata.name, refOf(node));
  if (q.error) return <p role="alert" className="error">Could not read the live object: {describeError(q.error)}</p>;
  if (!q.data) return <p className="muted">Loading the live manifest…</p>;
  const text = jsonTextToYaml(q.data.manifest);
  if (!text) return <p className="muted">This resource does not exist in the cluster (yet): sync the app to create it.</p>;
  return <YamlView text={text} label={`Live manifest of ${node.kind} ${node.name}`} />;
}

function ResourceDiff({ app, node }: { app: Application; node: ResourceNode }) {
  const q = useManaged(appNs(app), app.metadata.name);
  if (q.error) return <p role="alert" className="error">Could not compare with Git: {describeError(q.error)}</p>;
  if (!q.data) return <p className="muted">Comparing with Git…</p>;
  const item = q.data.items.find((i) => sameResource(i, node));
  if (!item) return <p className="muted">Git does not hold this resource: there is nothing to compare it with.</p>;
  if (!isOutOfSync(item)) return <p role="status">No differences: the live state matches Git.</p>;
  const { live, desired } = diffTexts(item);
  return <DiffView left={live} right={desired} leftTitle="Live" rightTitle="Desired (Git)" />;
}

function ResourceEvents({ app, node }: { app: Application; node: ResourceNode }) {
  const q = useEvents(appNs(app), app.metadata.name, refOf(node));
  if (q.error) return <p role="alert" className="error">Could not read the events: {describeError(q.error)}</p>;
  if (!q.data) return <p className="muted">Loading the events…</p>;
  return <EventsTable events={q.data.items} />;
}
