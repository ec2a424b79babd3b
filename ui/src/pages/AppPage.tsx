/**
 * One application's page: its name, status and actions; the summary (source, revision with its commit,
 * destination, policy, conditions); the current operation; then one section at a time — the resources
 * (tree or list), the diff, the history, the events — chosen in the URL (?section=), and the selected
 * resource's panel (?node=, its tab ?tab=) beside it. Everything live: the app and its tree come from
 * their streams.
 */
import { useCallback, useRef, type KeyboardEvent } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { describeError } from "../api/client";
import { useApp, useAppDeleted, useEvents, useTree } from "../api/hooks";
import type { Application } from "../api/types";
import { AppActions } from "../app/actions/AppActions";
import { AppDiff } from "../app/AppDiff";
import { AppSummary } from "../app/AppSummary";
import { History } from "../app/History";
import { OperationProgress } from "../app/OperationProgress";
import { ResourcePanel } from "../app/ResourcePanel";
import { StatusBadge } from "../components/StatusBadge";
import { EventsTable } from "../diff/EventsTable";
import { healthLook, syncLook } from "../status";
import { nodeKey, ResourceView } from "../tree";
import "../app/app.css";

const SECTIONS = [
  { id: "resources", label: "Resources" },
  { id: "diff", label: "Diff" },
  { id: "history", label: "History" },
  { id: "events", label: "Events" },
] as const;
type Section = (typeof SECTIONS)[number]["id"];

export function AppPage() {
  const { namespace = "", name = "" } = useParams();
  const app = useApp(namespace, name);
  if (app.error)
    return (
      <section>
        <p role="alert" className="error">
          Could not show application {namespace}/{name}: {describeError(app.error)}
        </p>
        <p>
          Back to the <Link to="/applications">applications</Link>.
        </p>
      </section>
    );
  if (!app.data) return <p className="muted">Loading…</p>;
  return <AppView app={app.data} />;
}

function AppView({ app }: { app: Application }) {
  const namespace = app.metadata.namespace ?? "";
  const name = app.metadata.name;
  const [params, setParams] = useSearchParams();
  const asked = params.get("section");
  const section: Section = SECTIONS.some((s) => s.id === asked) ? (asked as Section) : "resources";
  const tree = useTree(namespace, name);
  const selected = params.get("node");
  const node = selected ? tree.data?.nodes.find((n) => nodeKey(n) === selected) : undefined;
  const tabs = useRef<Array<HTMLButtonElement | null>>([]);
  const deleted = useAppDeleted(namespace, name);

  const choose = useCallback(
    (id: Section) =>
      setParams(
        (p) => {
          const next = new URLSearchParams(p);
          if (id === "resources") next.delete("section");
          else next.set("section", id);
          return next;
        },
        { replace: true },
      ),
    [setParams],
  );
  const sectionRef = useRef<HTMLDivElement>(null);
  // Closing the panel returns the focus to the tree or list, whose active node is the one it showed.
  const closePanel = useCallback(() => {
    setParams((p) => {
      const next = new URLSearchParams(p);
      next.delete("node");
      next.delete("tab");
      return next;
    });
    sectionRef.current?.querySelector<HTMLElement>("[data-testid=resource-tree], [data-testid=resource-list]")?.focus({ preventScroll: true });
  }, [setParams]);
  // Arrow keys move between the section tabs (the WAI-ARIA tabs pattern); Home and End to the ends.
  const onTabKey = (e: KeyboardEvent, i: number) => {
    const to = e.key === "ArrowRight" ? (i + 1) % SECTIONS.length : e.key === "ArrowLeft" ? (i - 1 + SECTIONS.length) % SECTIONS.length : e.key === "Home" ? 0 : e.key === "End" ? SECTIONS.length - 1 : -1;
    if (to < 0) return;
    e.preventDefault();
    choose(SECTIONS[to]!.id);
    tabs.current[to]?.focus();
  };

  return (
    <section aria-labelledby="app-title" className="app-page">
      <nav aria-label="Breadcrumb" className="muted">
        <Link to="/applications">Applications</Link> / {namespace} /
      </nav>
      <div className="app-head">
        <h1 id="app-title">{name}</h1>
        <StatusBadge look={syncLook(app.status?.sync?.status)} />
        <StatusBadge look={healthLook(app.status?.health?.status)} />
        <AppActions app={app} />
      </div>
      {deleted && (
        <p role="status" className="error">
          This application has been deleted. What is shown is its last state; go back to the <Link to="/applications">applications</Link>.
        </p>
      )}
      <AppSummary app={app} />
      <OperationProgress app={app} />
      <div role="tablist" aria-label="Sections" className="app-sections">
        {SECTIONS.map((s, i) => (
          <button
            key={s.id}
            ref={(el) => {
              tabs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`section-${s.id}`}
            aria-selected={section === s.id}
            aria-controls={section === s.id ? `panel-${s.id}` : undefined}
            tabIndex={section === s.id ? 0 : -1}
            onClick={() => choose(s.id)}
            onKeyDown={(e) => onTabKey(e, i)}
          >
            {s.label}
          </button>
        ))}
      </div>
      <div className={node ? "app-body with-panel" : "app-body"}>
        <div ref={sectionRef} role="tabpanel" id={`panel-${section}`} aria-labelledby={`section-${section}`} className="app-section">
          {section === "resources" && <ResourceView app={app} />}
          {section === "diff" && <AppDiff app={app} />}
          {section === "history" && <History app={app} />}
          {section === "events" && <AppEvents app={app} />}
        </div>
        {node && <ResourcePanel app={app} node={node} onClose={closePanel} />}
      </div>
    </section>
  );
}

function AppEvents({ app }: { app: Application }) {
  const events = useEvents(app.metadata.namespace ?? "", app.metadata.name);
  if (events.error) return <p role="alert" className="error">Could not load the events: {describeError(events.error)}</p>;
  if (!events.data) return <p className="muted">Loading…</p>;
  if (events.data.items.length === 0) return <p className="muted">No events for this application yet: syncs, refreshes and failures are recorded here.</p>;
  return <EventsTable events={events.data.items} />;
}
