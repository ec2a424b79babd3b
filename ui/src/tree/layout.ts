/**
 * The tree's layout, pure: a layered left-to-right tidy tree. Column = depth (the app, its managed
 * resources, their children, …); rows are handed out to leaves top to bottom in sibling order, and each
 * owner sits at the middle of its first and last child — so subtrees occupy disjoint bands of rows and no
 * two nodes of a column overlap. One pass over the forest: O(n) after the forest's sort (O(n log n)).
 *
 * Grouping: more than `threshold` siblings of one kind under one owner (the app included) are one group
 * node ("37 Pods", with counts per health) unless the group's key is in `expanded`, or it holds the
 * `reveal`ed resource (a link to a Pod shows that Pod).
 */
import type { Forest, TreeItem } from "./model";

export const NODE_W = 240;
export const NODE_H = 52;
export const COL_W = 300;
export const ROW_H = 64;
export const PAD = 16;
/** More siblings of one kind than this are grouped. */
export const GROUP_THRESHOLD = 10;
/** The key of the app's own node. */
export const ROOT_KEY = "@app";

interface Base {
  key: string;
  depth: number;
  x: number;
  y: number;
  /** The key of the node it hangs from (undefined for the app). */
  parentKey?: string;
}
export type Placed =
  | (Base & { type: "app" })
  | (Base & { type: "resource"; item: TreeItem })
  | (Base & { type: "group"; kind: string; members: TreeItem[]; health: Map<string, number>; outOfSync: number });

export interface Edge {
  from: string;
  to: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface Layout {
  /** In depth-first order (a node after its subtree). */
  nodes: Placed[];
  edges: Edge[];
  byKey: Map<string, Placed>;
  width: number;
  height: number;
}

export interface LayoutOptions {
  /** Group keys shown as their members. */
  expanded?: ReadonlySet<string>;
  threshold?: number;
  /** Only these resources (the filter's answer); all when undefined. */
  visible?: ReadonlySet<string>;
  /** A resource that must be shown even inside a group. */
  reveal?: string;
}

/** The key of the group of `kind` under the node keyed `parentKey`. */
export function groupKey(parentKey: string, kind: string): string {
  return `group:${parentKey}:${kind}`;
}

type Entry = { type: "resource"; item: TreeItem } | { type: "group"; kind: string; members: TreeItem[] };

/** Lays the forest out under the app's node. */
export function layoutTree(forest: Forest, opts: LayoutOptions = {}): Layout {
  const threshold = opts.threshold ?? GROUP_THRESHOLD;
  const expanded = new Set(opts.expanded ?? []);
  const { visible } = opts;
  // The groups on the way to the revealed resource are open.
  for (let i = opts.reveal ? forest.byKey.get(opts.reveal) : undefined; i; i = i.parent) expanded.add(groupKey(i.parent?.key ?? ROOT_KEY, i.node.kind));

  const nodes: Placed[] = [];
  const edges: Edge[] = [];
  const byKey = new Map<string, Placed>();
  let rows = 0;
  let maxDepth = 0;

  /** The entries under an owner: its visible children, runs of one kind past the threshold as groups. */
  const entriesOf = (parentKey: string, children: readonly TreeItem[]): Entry[] => {
    const shown = visible ? children.filter((c) => visible.has(c.key)) : children;
    const out: Entry[] = [];
    for (let i = 0; i < shown.length; ) {
      const kind = shown[i]!.node.kind;
      let j = i + 1;
      while (j < shown.length && shown[j]!.node.kind === kind) j++;
      if (j - i > threshold && !expanded.has(groupKey(parentKey, kind))) out.push({ type: "group", kind, members: shown.slice(i, j) });
      else for (let k = i; k < j; k++) out.push({ type: "resource", item: shown[k]! });
      i = j;
    }
    return out;
  };

  const add = (p: Placed, row: number) => {
    p.x = PAD + p.depth * COL_W;
    p.y = PAD + row * ROW_H;
    nodes.push(p);
    byKey.set(p.key, p);
    if (p.depth > maxDepth) maxDepth = p.depth;
  };

  /** Places `entries` at `depth` under `parentKey`; answers the rows of the first and last. */
  const place = (entries: Entry[], depth: number, parentKey: string): [number, number] => {
    let first = -1;
    let last = -1;
    for (const e of entries) {
      let row: number;
      if (e.type === "group") {
        row = rows++;
        const health = new Map<string, number>();
        let outOfSync = 0;
        for (const m of e.members) {
          const h = m.node.health?.status ?? "";
          health.set(h, (health.get(h) ?? 0) + 1);
          if (m.node.status === "OutOfSync") outOfSync++;
        }
        add({ type: "group", key: groupKey(parentKey, e.kind), depth, x: 0, y: 0, parentKey, kind: e.kind, members: e.members, health, outOfSync }, row);
      } else {
        const kids = entriesOf(e.item.key, e.item.children);
        if (kids.length === 0) row = rows++;
        else {
          const [a, b] = place(kids, depth + 1, e.item.key);
          row = (a + b) / 2;
        }
        add({ type: "resource", key: e.item.key, depth, x: 0, y: 0, parentKey, item: e.item }, row);
      }
      if (first < 0) first = row;
      last = row;
    }
    return [first, last];
  };

  const top = entriesOf(ROOT_KEY, forest.roots);
  let rootRow = 0;
  if (top.length) {
    const [a, b] = place(top, 1, ROOT_KEY);
    rootRow = (a + b) / 2;
  } else rows = 1;
  add({ type: "app", key: ROOT_KEY, depth: 0, x: 0, y: 0 }, rootRow);

  for (const n of nodes) {
    if (n.parentKey === undefined) continue;
    const p = byKey.get(n.parentKey)!;
    edges.push({ from: p.key, to: n.key, x1: p.x + NODE_W, y1: p.y + NODE_H / 2, x2: n.x, y2: n.y + NODE_H / 2 });
  }
  return { nodes, edges, byKey, width: PAD * 2 + maxDepth * COL_W + NODE_W, height: PAD * 2 + (rows - 1) * ROW_H + NODE_H };
}
