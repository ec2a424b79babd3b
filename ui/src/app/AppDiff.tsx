/**
 * The app's DIFF tab: every managed resource that differs from Git (or all of them, by the toggle), each
 * under a header naming it and its status, with its diff of live against desired folded open or shut.
 * The comparison is read again whenever the app's status.sync (status or revision) changes.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useMemo, useRef, useState } from "react";
import { describeError } from "../api/client";
import { keys, useManaged } from "../api/hooks";
import type { Application, ManagedResource } from "../api/types";
import { StatusBadge } from "../components/StatusBadge";
import { DiffView } from "../diff/DiffView";
import { diffTexts, isOutOfSync } from "../diff/states";
import { syncLook } from "../status";
import { nodeKey } from "../tree/keys";
import "./AppDiff.css";

/** Diffs opened at first (more would be a long page; each is one click away). */
const OPEN_AT_FIRST = 5;

/** The whole app's diff. */
export function AppDiff({ app }: { app: Application }) {
  const ns = app.metadata.namespace ?? "";
  const name = app.metadata.name;
  const qc = useQueryClient();
  const q = useManaged(ns, name);
  const [all, setAll] = useState(false);
  const sync = app.status?.sync;
  const stamp = `${sync?.status ?? ""}@${sync?.revision ?? ""}`;
  const seen = useRef(stamp);
  useEffect(() => {
    if (stamp === seen.current) return;
    seen.current = stamp;
    void qc.invalidateQueries({ queryKey: keys.managed(ns, name) });
  }, [stamp, qc, ns, name]);

  const items = useMemo(() => (q.data?.items ?? []).filter((m) => !m.hook), [q.data]);
  const shown = all ? items : items.filter(isOutOfSync);

  if (q.error) return <p role="alert" className="error">Could not compare the app with Git: {describeError(q.error)}</p>;
  if (!q.data) return <p className="muted">Comparing the app with Git…</p>;
  return (
    <section className="app-diff" aria-label="Diff with Git" data-testid="app-diff">
      <div className="app-diff-bar" role="group" aria-label="Which resources">
        <button type="button" aria-pressed={!all} onClick={() => setAll(false)}>
          Only out of sync
        </button>
        <button type="button" aria-pressed={all} onClick={() => setAll(true)}>
          All
        </button>
        <span className="muted">
          {items.filter(isOutOfSync).length} of {items.length} resources differ from Git
        </span>
      </div>
      {shown.length === 0 ? (
        <p role="status" className="app-diff-empty">
          {items.length === 0 ? "The app manages no resources yet: its source renders nothing." : "Everything is in sync: the live state matches Git."}
        </p>
      ) : (
        shown.map((m, i) => <ResourceDiffItem key={nodeKey(m)} item={m} initiallyOpen={i < OPEN_AT_FIRST} />)
      )}
    </section>
  );
}

function ResourceDiffItem({ item, initiallyOpen }: { item: ManagedResource; initiallyOpen: boolean }) {
  const [open, setOpen] = useState(initiallyOpen);
  const id = useId();
  const texts = useMemo(() => (open ? diffTexts(item) : undefined), [open, item]);
  const where = item.namespace ? `${item.namespace}/${item.name}` : item.name;
  return (
    <article className="app-diff-item" data-testid="app-diff-item" data-resource={nodeKey(item)}>
      <h3>
        <button type="button" aria-expanded={open} aria-controls={id} onClick={() => setOpen(!open)}>
          <span aria-hidden="true">{open ? "▾" : "▸"}</span> <span className="muted">{item.kind}</span> {where}
        </button>{" "}
        <StatusBadge look={syncLook(item.status)} />
      </h3>
      <div id={id} hidden={!open}>
        {texts && <DiffView left={texts.live} right={texts.desired} leftTitle="Live" rightTitle="Desired (Git)" />}
      </div>
    </article>
  );
}
