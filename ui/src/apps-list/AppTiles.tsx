/**
 * The applications as tiles: virtualised rows of N tiles, N from the container's width (ResizeObserver),
 * every tile of one fixed height so that a live update never moves the page.
 */
import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, useLayoutEffect, useRef, useState } from "react";
import { useNavigate } from "react-router";
import { AppName, appHref, LastSync, Marks, Revision, Statuses } from "./AppBits";
import type { Derived } from "./derive";
import { destinationText, withoutScheme } from "./format";
import { onListKey, tabStop } from "./keys";
import { TILE_GAP, TILE_H, TILE_PAD as PAD, tilesPerRow } from "./layout";

/** The tiles of the apps shown. */
export function AppTiles({ shown, total, now }: { shown: readonly Derived[]; total: number; now: number }) {
  const scroller = useRef<HTMLDivElement>(null);
  const navigate = useNavigate();
  const [width, setWidth] = useState(1000);
  const [active, setActive] = useState(0);
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    setWidth(el.clientWidth);
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const perRow = tilesPerRow(width);
  const rows = Math.ceil(shown.length / perRow);
  const v = useVirtualizer({
    count: rows,
    getScrollElement: () => scroller.current,
    estimateSize: () => TILE_H + TILE_GAP,
    overscan: 3,
    paddingStart: PAD,
    initialRect: { width: 1000, height: 800 },
  });
  const items = v.getVirtualItems();
  const tilesOf = (rows: typeof items) => rows.flatMap((r) => Array.from({ length: Math.max(0, Math.min(perRow, shown.length - r.index * perRow)) }, (_, i) => r.index * perRow + i));
  const stop = tabStop(
    active,
    tilesOf(items),
    tilesOf(items.filter((r) => r.end > (v.scrollOffset ?? 0))),
  );
  return (
    <div
      ref={scroller}
      className="apps-scroll"
      data-testid="app-list"
      role="list"
      aria-label="Applications"
      data-total={total}
      onFocus={(e) => setActive(Number((e.target as HTMLElement).dataset.pos ?? active))}
      onKeyDown={(e) => onListKey(e, { count: shown.length, perRow, reveal: (r) => v.scrollToIndex(r, { align: "auto" }), open: (h) => void navigate(h) })}
    >
      <div className="apps-tile-rows" style={{ height: v.getTotalSize() + PAD }}>
        {items.map((item) => (
          <div key={item.key} className="apps-tile-row" style={{ transform: `translateY(${item.start}px)`, gridTemplateColumns: `repeat(${perRow}, minmax(0, 1fr))` }}>
            {shown.slice(item.index * perRow, item.index * perRow + perRow).map((d, i) => (
              <AppTile key={`${d.namespace}/${d.name}`} d={d} index={item.index * perRow + i} now={now} tabStop={item.index * perRow + i === stop} />
            ))}
          </div>
        ))}
      </div>
    </div>
  );
}

const AppTile = memo(function AppTile({ d, index, now, tabStop }: { d: Derived; index: number; now: number; tabStop: boolean }) {
  const navigate = useNavigate();
  const dest = destinationText(d.cluster, d.destNamespace);
  return (
    <article
      className="apps-tile"
      role="listitem"
      tabIndex={tabStop ? 0 : -1}
      data-app={d.name}
      data-app-namespace={d.namespace}
      data-pos={index}
      data-href={appHref(d)}
      onClick={(e) => {
        if ((e.target as HTMLElement).closest("a") || window.getSelection()?.toString()) return;
        void navigate(appHref(d));
      }}
    >
      <div className="tile-head">
        <AppName d={d} />
        <Marks d={d} />
      </div>
      <div className="tile-status">
        <Statuses d={d} />
      </div>
      <dl className="tile-facts">
        <dt>Project</dt>
        <dd title={d.project}>{d.project}</dd>
        <dt>Repository</dt>
        <dd title={d.repo}>{withoutScheme(d.repo) || "—"}</dd>
        <dt>Path</dt>
        <dd title={d.path}>
          {d.path || "—"}
          {d.revision && <span className="muted"> at </span>}
          {d.revision && <Revision d={d} />}
        </dd>
        <dt>Destination</dt>
        <dd title={[d.cluster, d.destNamespace].filter(Boolean).join(" / ")}>{dest || "—"}</dd>
        <dt>Last sync</dt>
        <dd>
          <LastSync d={d} now={now} />
        </dd>
      </dl>
    </article>
  );
});
