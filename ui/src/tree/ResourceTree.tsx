/**
 * The resource tree as a graph: the app at the left, its resources and their children in columns to the
 * right (layout.ts), edges in one SVG layer. Only the nodes and edges near the visible part of the canvas
 * are rendered (nav.ts inView), so a 2,000-node tree costs what a screenful does; pan by scrolling.
 *
 * One focusable canvas (role tree) holds the keyboard: arrows move between nodes (the active one is
 * aria-activedescendant and scrolled into view), Enter or Space selects it (or opens a group), Escape
 * clears the selection. A click does the same as Enter. Groups of many siblings open into their members;
 * "Collapse groups" closes them again.
 */
import { useCallback, useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import type { Application, ResourceNode } from "../api/types";
import { nodeKey } from "./keys";
import { layoutTree, NODE_H, NODE_W, ROOT_KEY, type Layout } from "./layout";
import type { Forest } from "./model";
import { inView, move, navIndex, type Move, type Viewport } from "./nav";
import { AppNodeCard, GroupNodeCard, ResourceNodeCard } from "./TreeNode";
import "./tree.css";

export interface ResourceTreeProps {
  app: Application;
  forest: Forest;
  /** The filter's answer: only these resources (all when undefined). */
  visible?: ReadonlySet<string>;
  selectedKey?: string;
  /** A resource chosen (undefined: the selection cleared). */
  onSelect: (node: ResourceNode | undefined) => void;
}

const KEYS: Record<string, Move> = { ArrowUp: "up", ArrowDown: "down", ArrowLeft: "left", ArrowRight: "right", Home: "home", End: "end" };

/** The app's resources as a left-to-right tree. */
export function ResourceTree({ app, forest, visible, selectedKey, onSelect }: ResourceTreeProps) {
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set());
  const layout = useMemo(() => layoutTree(forest, { expanded, visible, ...(selectedKey ? { reveal: selectedKey } : {}) }), [forest, expanded, visible, selectedKey]);
  const index = useMemo(() => navIndex(layout), [layout]);
  const [active, setActive] = useState<string>(selectedKey && layout.byKey.has(selectedKey) ? selectedKey : ROOT_KEY);
  const activeKey = layout.byKey.has(active) ? active : ROOT_KEY;
  const scroller = useRef<HTMLDivElement>(null);
  const vp = useViewport(scroller);
  const shown = useMemo(() => inView(layout, vp), [layout, vp]);
  const idBase = useId();
  const idOf = (key: string) => `${idBase}${key}`;
  const appKey = nodeKey({ group: "plumb.dev", kind: "Application", namespace: app.metadata.namespace ?? "", name: app.metadata.name });

  // The selected node (or active one) is always rendered, even off screen: aria-activedescendant needs it.
  const nodes = useMemo(() => {
    const extra = [activeKey, selectedKey].filter((k): k is string => !!k && layout.byKey.has(k) && !shown.nodes.some((n) => n.key === k));
    return extra.length ? [...shown.nodes, ...extra.map((k) => layout.byKey.get(k)!)] : shown.nodes;
  }, [shown, activeKey, selectedKey, layout]);

  const reveal = useCallback((key: string) => scrollIntoView(scroller.current, layout, key), [layout]);
  // A link that opens on a node: show it once it is laid out.
  const revealed = useRef(false);
  useLayoutEffect(() => {
    if (revealed.current || !selectedKey || !layout.byKey.has(selectedKey)) return;
    revealed.current = true;
    setActive(selectedKey);
    reveal(selectedKey);
  }, [selectedKey, layout, reveal]);

  // After a group opens, its first member is the active node, scrolled to once it is laid out.
  const pending = useRef<string | undefined>(undefined);
  useLayoutEffect(() => {
    if (pending.current && layout.byKey.has(pending.current)) {
      reveal(pending.current);
      pending.current = undefined;
    }
  }, [layout, reveal]);

  const choose = (key: string) => {
    const p = layout.byKey.get(key);
    if (!p) return;
    setActive(key);
    if (p.type === "group") {
      const first = p.members[0]?.key;
      if (first) {
        setActive(first);
        pending.current = first;
      }
      setExpanded((s) => new Set(s).add(key));
    }
    else if (p.type === "app") onSelect(undefined);
    else onSelect(p.item.node);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const m = KEYS[e.key];
    if (m) {
      e.preventDefault();
      const next = move(layout, index, activeKey, m);
      setActive(next);
      reveal(next);
    } else if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      choose(activeKey);
    } else if (e.key === "Escape" && selectedKey) {
      e.preventDefault();
      onSelect(undefined);
    }
  };

  return (
    <div className="rt">
      {expanded.size > 0 && (
        <div className="rt-tools">
          <button type="button" onClick={() => setExpanded(new Set())}>
            Collapse groups
          </button>
        </div>
      )}
      <div
        ref={scroller}
        className="rt-canvas"
        data-testid="resource-tree"
        role="tree"
        aria-label={`Resources of ${app.metadata.name}`}
        aria-activedescendant={idOf(activeKey)}
        tabIndex={0}
        onKeyDown={onKeyDown}
      >
        <div className="rt-plane" style={{ width: layout.width, height: layout.height }}>
          <svg className="rt-edges" width={layout.width} height={layout.height} aria-hidden="true">
            {shown.edges.map((e) => {
              const mx = (e.x1 + e.x2) / 2;
              return <path key={`${e.from}>${e.to}`} d={`M${e.x1} ${e.y1}C${mx} ${e.y1} ${mx} ${e.y2} ${e.x2} ${e.y2}`} />;
            })}
          </svg>
          {nodes.map((p) => {
            const onClick = () => {
              scroller.current?.focus({ preventScroll: true }); // the keyboard goes on from the clicked node
              choose(p.key);
            };
            const common = { id: idOf(p.key), placed: p, active: p.key === activeKey, selected: p.key === selectedKey, onClick };
            if (p.type === "app") return <AppNodeCard key={p.key} {...common} app={app} appKey={appKey} />;
            if (p.type === "group") return <GroupNodeCard key={p.key} {...common} />;
            return <ResourceNodeCard key={p.key} {...common} node={p.item.node} appKey={appKey} />;
          })}
        </div>
      </div>
    </div>
  );
}

/** The scrolled part of an element, updated at most once a frame. */
function useViewport(ref: React.RefObject<HTMLDivElement | null>): Viewport {
  const [vp, setVp] = useState<Viewport>({ left: 0, top: 0, width: 1600, height: 1000 });
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    let frame = 0;
    const read = () => {
      frame = 0;
      setVp((v) => (v.left === el.scrollLeft && v.top === el.scrollTop && v.width === el.clientWidth && v.height === el.clientHeight ? v : { left: el.scrollLeft, top: el.scrollTop, width: el.clientWidth, height: el.clientHeight }));
    };
    const soon = () => {
      frame ||= requestAnimationFrame(read);
    };
    read();
    el.addEventListener("scroll", soon, { passive: true });
    const ro = new ResizeObserver(soon);
    ro.observe(el);
    return () => {
      el.removeEventListener("scroll", soon);
      ro.disconnect();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [ref]);
  return vp;
}

/** Scrolls the canvas the least that shows the node (with a little room around it). */
function scrollIntoView(el: HTMLDivElement | null, layout: Layout, key: string): void {
  const p = layout.byKey.get(key);
  if (!el || !p) return;
  const room = 24;
  let { scrollLeft: left, scrollTop: top } = el;
  if (p.x - room < left) left = p.x - room;
  else if (p.x + NODE_W + room > left + el.clientWidth) left = p.x + NODE_W + room - el.clientWidth;
  if (p.y - room < top) top = p.y - room;
  else if (p.y + NODE_H + room > top + el.clientHeight) top = p.y + NODE_H + room - el.clientHeight;
  if (left !== el.scrollLeft || top !== el.scrollTop) el.scrollTo({ left: Math.max(0, left), top: Math.max(0, top) });
}
