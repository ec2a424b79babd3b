/**
 * The small pieces a tile and a row share: the name link, the sync-running and conditions marks, the
 * revision and the last sync time (relative, exact in the title), and the clock that keeps "3 min ago" true.
 */
import { memo, useEffect, useState } from "react";
import { Link } from "react-router";
import { StatusBadge } from "../components/StatusBadge";
import { conditionsLook, healthLook, phaseLook, syncLook } from "../status";
import type { Derived } from "./derive";
import { ago, exact } from "../components/time";
import { shortRevision } from "../components/revision";

/** The app page's address. */
export function appHref(d: Pick<Derived, "namespace" | "name">): string {
  return `/applications/${encodeURIComponent(d.namespace)}/${encodeURIComponent(d.name)}`;
}

/** Now, in ms, advancing every `everyMs` (relative times re-render with it). */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

/** The app's name as a link to its page (not a tab stop of its own: the row or tile is). */
export function AppName({ d }: { d: Derived }) {
  return (
    <Link to={appHref(d)} tabIndex={-1} className="app-name" title={`${d.namespace}/${d.name}`}>
      {d.name}
    </Link>
  );
}

/** Sync and health badges. */
export const Statuses = memo(function Statuses({ d }: { d: Derived }) {
  return (
    <>
      <StatusBadge look={syncLook(d.sync)} />
      <StatusBadge look={healthLook(d.health)} />
    </>
  );
});

/** "Sync running" while an operation runs, and the count of conditions (the first one's message in the title). */
export function Marks({ d }: { d: Derived }) {
  const run = phaseLook("Running");
  const cond = conditionsLook();
  return (
    <span className="marks">
      {d.running && (
        <span className="mark" style={{ color: run.colour }} title="An operation is running">
          <span aria-hidden="true" className="spin">
            {run.icon}
          </span>{" "}
          Syncing
        </span>
      )}
      {d.conditions > 0 && (
        <span className="mark" role="img" style={{ color: cond.colour }} title={d.firstCondition} aria-label={`${d.conditions} condition${d.conditions === 1 ? "" : "s"}: ${d.firstCondition}`}>
          <span aria-hidden="true">{cond.icon}</span> {d.conditions}
        </span>
      )}
    </span>
  );
}

/** The revision compared with, 7 characters (the whole in the title). */
export function Revision({ d }: { d: Derived }) {
  if (!d.revision) return <span className="muted">—</span>;
  return (
    <code className="rev" title={d.revision}>
      {shortRevision(d.revision)}
    </code>
  );
}

/** When the last operation finished, relative (the exact time in the title). */
export function LastSync({ d, now }: { d: Derived; now: number }) {
  if (d.finishedAt === undefined) return <span className="muted">{d.running ? "running" : "never"}</span>;
  return (
    <time dateTime={new Date(d.finishedAt).toISOString()} title={exact(d.finishedAt)}>
      {ago(d.finishedAt, now)}
    </time>
  );
}
