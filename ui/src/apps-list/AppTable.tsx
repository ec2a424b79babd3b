/**
 * The applications as a table: a header that stays on top and rows of one fixed height, virtualised
 * (@tanstack/react-virtual) so that only the rows in view (and a few either side) are in the page —
 * 10,000 apps scroll as smoothly as 10. ARIA table roles, since the rows are positioned divs.
 */
import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, useRef, useState } from "react";
import { useNavigate } from "react-router";
import { StatusBadge } from "../components/StatusBadge";
import { healthLook, syncLook } from "../status";
import { AppName, appHref, LastSync, Marks, Revision } from "./AppBits";
import type { Derived } from "./derive";
import { destinationText, withoutScheme } from "./format";
import { onListKey, tabStop } from "./keys";

/** Row and header heights in px (list.css holds the same). */
export const ROW_H = 40;
export const HEAD_H = 36;

const COLUMNS = ["Name", "Project", "Sync", "Health", "Revision", "Repository", "Path", "Destination", "Last sync"];

/** The table of the apps shown. */
export function AppTable({ shown, total, now }: { shown: readonly Derived[]; total: number; now: number }) {
  const scroller = useRef<HTMLDivElement>(null);
  const navigate = useNavigate();
  const [active, setActive] = useState(0);
  const v = useVirtualizer({
    count: shown.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_H,
    overscan: 10,
    scrollMargin: HEAD_H,
    initialRect: { width: 1000, height: 800 },
    getItemKey: (i) => {
      const d = shown[i];
      return d ? `${d.namespace}/${d.name}` : i;
    },
  });
  const items = v.getVirtualItems();
  const top = (v.scrollOffset ?? 0) + HEAD_H;
  const stop = tabStop(
    active,
    items.map((i) => i.index),
    items.filter((i) => i.end > top).map((i) => i.index),
  );
  return (
    <div
      ref={scroller}
      className="apps-scroll"
      data-testid="app-list"
      role="table"
      aria-label="Applications"
      aria-rowcount={shown.length + 1}
      data-total={total}
      onFocus={(e) => setActive(Number((e.target as HTMLElement).dataset.pos ?? active))}
      onKeyDown={(e) => onListKey(e, { count: shown.length, perRow: 1, reveal: (r) => v.scrollToIndex(r, { align: "auto" }), open: (h) => void navigate(h) })}
    >
      <div className="apps-table-head" role="row" aria-rowindex={1}>
        {COLUMNS.map((c) => (
          <span key={c} role="columnheader">
            {c}
          </span>
        ))}
      </div>
      <div className="apps-rows" style={{ height: v.getTotalSize() }}>
        {items.map((item) => {
          const d = shown[item.index];
          return d ? <AppRow key={item.key} d={d} index={item.index} top={item.start - HEAD_H} now={now} tabStop={item.index === stop} /> : null;
        })}
      </div>
    </div>
  );
}

const AppRow = memo(function AppRow({ d, index, top, now, tabStop }: { d: Derived; index: number; top: number; now: number; tabStop: boolean }) {
  const navigate = useNavigate();
  return (
    <div
      className="apps-row"
      role="row"
      aria-rowindex={index + 2}
      tabIndex={tabStop ? 0 : -1}
      data-app={d.name}
      data-app-namespace={d.namespace}
      data-pos={index}
      data-href={appHref(d)}
      style={{ transform: `translateY(${top}px)` }}
      onClick={(e) => {
        if ((e.target as HTMLElement).closest("a") || window.getSelection()?.toString()) return;
        void navigate(appHref(d));
      }}
    >
      <span role="cell" className="cell-name">
        <AppName d={d} />
        <Marks d={d} />
      </span>
      <span role="cell" title={d.project}>
        {d.project}
      </span>
      <span role="cell">
        <StatusBadge look={syncLook(d.sync)} />
      </span>
      <span role="cell">
        <StatusBadge look={healthLook(d.health)} />
      </span>
      <span role="cell">
        <Revision d={d} />
      </span>
      <span role="cell" title={d.repo}>
        {withoutScheme(d.repo)}
      </span>
      <span role="cell" title={d.path}>
        {d.path}
      </span>
      <span role="cell" title={[d.cluster, d.destNamespace].filter(Boolean).join(" / ")}>
        {destinationText(d.cluster, d.destNamespace)}
      </span>
      <span role="cell">
        <LastSync d={d} now={now} />
      </span>
    </div>
  );
});
