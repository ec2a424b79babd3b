/**
 * The list view: the same resources as the tree, one row each, owners before their children (indented by
 * depth), in a virtualised grid — only the rows in view are in the page, however many there are. Columns:
 * kind, name, namespace, sync, health, info, age. The keyboard as in the tree: Up/Down (Home/End, Page
 * keys) move, Enter selects, Escape clears; a click selects.
 */
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from "react";
import type { ResourceNode } from "../api/types";
import { StatusBadge } from "../components/StatusBadge";
import { healthLook, syncLook } from "../status";
import { flatten, type Forest } from "./model";
import { age } from "../components/time";
import { infoText } from "./format";
import "./tree.css";

export interface ResourceListProps {
  forest: Forest;
  visible?: ReadonlySet<string>;
  selectedKey?: string;
  onSelect: (node: ResourceNode | undefined) => void;
  /** Now, for the age column (tests pin it). */
  now?: number;
}

const ROW = 34;

/** The app's resources as a table. */
export function ResourceList({ forest, visible, selectedKey, onSelect, now }: ResourceListProps) {
  const rows = useMemo(() => flatten(forest, visible), [forest, visible]);
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW, overscan: 15 });
  // The active row is held by key, so a live update that adds or removes rows above it does not move it.
  const position = useMemo(() => new Map(rows.map((r, i) => [r.key, i])), [rows]);
  const [activeKey, setActiveKey] = useState(selectedKey);
  const at = (activeKey !== undefined ? position.get(activeKey) : undefined) ?? 0;
  const setActive = (i: number) => setActiveKey(rows[i]?.key);
  const idBase = useId();
  const [clock, setClock] = useState(() => now ?? Date.now());
  useEffect(() => {
    if (now !== undefined) return;
    const t = setInterval(() => setClock(Date.now()), 30_000);
    return () => clearInterval(t);
  }, [now]);

  // A link that opens on a node: scroll to it once.
  const revealed = useRef(false);
  useEffect(() => {
    if (revealed.current || !selectedKey) return;
    const i = position.get(selectedKey);
    if (i === undefined) return;
    revealed.current = true;
    setActiveKey(selectedKey);
    virtual.scrollToIndex(i, { align: "auto" });
  }, [position, selectedKey, virtual]);

  const go = (i: number) => {
    const n = Math.max(0, Math.min(rows.length - 1, i));
    setActive(n);
    virtual.scrollToIndex(n, { align: "auto" });
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? 400) / ROW) - 1);
    const moves: Record<string, number> = { ArrowUp: at - 1, ArrowDown: at + 1, Home: 0, End: rows.length - 1, PageUp: at - page, PageDown: at + page };
    const to = moves[e.key];
    if (to !== undefined) {
      e.preventDefault();
      go(to);
    } else if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      const r = rows[at];
      if (r) onSelect(r.node);
    } else if (e.key === "Escape" && selectedKey) {
      e.preventDefault();
      onSelect(undefined);
    }
  };

  return (
    <div
      ref={scroller}
      className="rl"
      data-testid="resource-list"
      role="grid"
      aria-label="Resources"
      aria-rowcount={rows.length + 1}
      aria-activedescendant={rows[at] ? `${idBase}${at}` : undefined}
      tabIndex={0}
      onKeyDown={onKeyDown}
    >
      <div role="row" className="rl-row rl-head" aria-rowindex={1}>
        {["Kind", "Name", "Namespace", "Sync", "Health", "Info", "Age"].map((h) => (
          <span role="columnheader" key={h}>
            {h}
          </span>
        ))}
      </div>
      <div role="rowgroup" className="rl-body" style={{ height: virtual.getTotalSize() }}>
        {virtual.getVirtualItems().map((v) => {
          const item = rows[v.index]!;
          const n = item.node;
          return (
            <div
              key={item.key}
              id={`${idBase}${v.index}`}
              role="row"
              aria-rowindex={v.index + 2}
              aria-selected={item.key === selectedKey}
              className={`rl-row${v.index === at ? " rt-active" : ""}${item.key === selectedKey ? " rt-selected" : ""}`}
              style={{ transform: `translateY(${v.start}px)`, height: ROW }}
              data-node-key={item.key}
              data-kind={n.kind}
              data-health={n.health?.status ?? ""}
              onClick={() => {
                scroller.current?.focus({ preventScroll: true });
                setActive(v.index);
                onSelect(n);
              }}
            >
              <span role="gridcell">{n.kind}</span>
              <span role="gridcell" className="rl-name" style={{ paddingLeft: `${(item.depth - 1) * 1.1}rem` }} title={n.name}>
                {item.depth > 1 && <span aria-hidden="true" className="muted">└ </span>}
                {n.name}
              </span>
              <span role="gridcell">{n.namespace}</span>
              <span role="gridcell">{n.status && <StatusBadge look={syncLook(n.status)} />}</span>
              <span role="gridcell">{n.health && <StatusBadge look={healthLook(n.health.status)} />}</span>
              <span role="gridcell" className="rl-info" title={infoText(n)}>
                {infoText(n)}
                {n.hook && <span className="rt-mark">hook</span>}
                {n.requiresPruning && <span className="rt-mark rt-prune">prune</span>}
              </span>
              <span role="gridcell">{age(n.createdAt, now ?? clock)}</span>
            </div>
          );
        })}
      </div>
    </div>
  );
}
