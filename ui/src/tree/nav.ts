/**
 * Moving between the tree's nodes by keyboard, pure: Up/Down to the node above or below in the same
 * column, Left to the owner, Right to the first child; Home/End to the first/last of the column. And which
 * nodes and edges fall in a viewport (the canvas renders only those, so 2,000 nodes cost what a screenful
 * does).
 */
import { NODE_H, NODE_W, type Edge, type Layout, type Placed } from "./layout";

export type Move = "up" | "down" | "left" | "right" | "home" | "end";

/** Columns of a layout, each sorted top to bottom, and each node's first child. */
export interface NavIndex {
  columns: Map<number, Placed[]>;
  firstChild: Map<string, string>;
}

/** The index `move` uses (build once per layout). */
export function navIndex(layout: Layout): NavIndex {
  const columns = new Map<number, Placed[]>();
  const firstChild = new Map<string, string>();
  for (const n of layout.nodes) {
    let col = columns.get(n.depth);
    if (!col) columns.set(n.depth, (col = []));
    col.push(n);
  }
  for (const col of columns.values()) col.sort((a, b) => a.y - b.y);
  for (const e of layout.edges) {
    const cur = firstChild.get(e.from);
    if (cur === undefined || layout.byKey.get(cur)!.y > e.y2 - NODE_H / 2) firstChild.set(e.from, e.to);
  }
  return { columns, firstChild };
}

/** The key of the node `move` leads to from `key` (itself when there is none that way). */
export function move(layout: Layout, index: NavIndex, key: string, m: Move): string {
  const here = layout.byKey.get(key);
  if (!here) return key;
  if (m === "left") return here.parentKey ?? key;
  if (m === "right") return index.firstChild.get(key) ?? key;
  const col = index.columns.get(here.depth) ?? [];
  if (m === "home") return col[0]?.key ?? key;
  if (m === "end") return col[col.length - 1]?.key ?? key;
  // Binary search for here's place in its column.
  let lo = 0;
  let hi = col.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (col[mid]!.y < here.y) lo = mid + 1;
    else hi = mid;
  }
  const next = col[m === "up" ? lo - 1 : lo + 1];
  return next?.key ?? key;
}

export interface Viewport {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The nodes and edges that touch the viewport grown by `margin` on every side. O(n). */
export function inView(layout: Layout, vp: Viewport, margin = 400): { nodes: Placed[]; edges: Edge[] } {
  const x0 = vp.left - margin;
  const x1 = vp.left + vp.width + margin;
  const y0 = vp.top - margin;
  const y1 = vp.top + vp.height + margin;
  const nodes = layout.nodes.filter((n) => n.x + NODE_W >= x0 && n.x <= x1 && n.y + NODE_H >= y0 && n.y <= y1);
  const edges = layout.edges.filter((e) => e.x2 >= x0 && e.x1 <= x1 && Math.max(e.y1, e.y2) >= y0 && Math.min(e.y1, e.y2) <= y1);
  return { nodes, edges };
}
