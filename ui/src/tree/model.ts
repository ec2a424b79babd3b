/**
 * The app's resources as a forest: each resource under the owner its parentRefs name (matched by uid when
 * the ref has one, else by group/kind/namespace/name), the managed resources (no parentRefs, or owners the
 * tree does not hold) at the top. Siblings are in a fixed order — kind order, then name — so a live update
 * moves only what changed. Also: the filter (kind or name substring, keeping the ancestors of a match) and
 * the depth-first order the list view shows.
 *
 * A resource with several owners is placed under the first one the tree holds; a cycle of ownership (which
 * Kubernetes does not make) is broken by placing the first resource of it at the top.
 */
import type { ResourceNode } from "../api/types";
import { kindRank } from "./kinds";
import { nodeKey } from "./keys";

/** One resource in the forest. */
export interface TreeItem {
  key: string;
  node: ResourceNode;
  /** The owner it is shown under; undefined for a top-level (managed) resource. */
  parent?: TreeItem;
  children: TreeItem[];
  /** 1 for a top-level resource (the app is 0), 2 for its children, … */
  depth: number;
}

export interface Forest {
  roots: TreeItem[];
  byKey: Map<string, TreeItem>;
}

/** Sibling order: kind order (kinds.ts), then kind, name and namespace alphabetically. */
export function compareItems(a: TreeItem, b: TreeItem): number {
  const x = a.node;
  const y = b.node;
  return kindRank(x.kind) - kindRank(y.kind) || cmp(x.kind, y.kind) || cmp(x.name, y.name) || cmp(x.namespace ?? "", y.namespace ?? "") || cmp(x.group ?? "", y.group ?? "");
}
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The forest of a tree's nodes (a resource listed twice is kept once). O(n log n). */
export function buildForest(nodes: readonly ResourceNode[]): Forest {
  const byKey = new Map<string, TreeItem>();
  const byUid = new Map<string, TreeItem>();
  for (const node of nodes) {
    const key = nodeKey(node);
    if (byKey.has(key)) continue;
    const item: TreeItem = { key, node, children: [], depth: 0 };
    byKey.set(key, item);
    if (node.uid) byUid.set(node.uid, item);
  }
  const roots: TreeItem[] = [];
  for (const item of byKey.values()) {
    let parent: TreeItem | undefined;
    for (const ref of item.node.parentRefs ?? []) {
      const p = (ref.uid ? byUid.get(ref.uid) : undefined) ?? byKey.get(nodeKey(ref));
      if (p && p !== item) {
        parent = p;
        break;
      }
    }
    if (parent) {
      item.parent = parent;
      parent.children.push(item);
    } else roots.push(item);
  }
  // Depths from the top; whatever is not reached hangs in a cycle: its first resource goes to the top.
  let reached = setDepths(roots, 1);
  if (reached < byKey.size) {
    for (const item of byKey.values()) {
      if (item.depth !== 0 || !item.parent) continue;
      const p = item.parent;
      p.children.splice(p.children.indexOf(item), 1);
      delete item.parent;
      roots.push(item);
      reached += setDepths([item], 1);
      if (reached >= byKey.size) break;
    }
  }
  roots.sort(compareItems);
  for (const item of byKey.values()) if (item.children.length > 1) item.children.sort(compareItems);
  return { roots, byKey };
}

/** Sets the depth of `items` and everything under them; answers how many it set. */
function setDepths(items: TreeItem[], depth: number): number {
  let n = 0;
  const stack: TreeItem[] = [...items];
  for (const i of items) i.depth = depth;
  while (stack.length) {
    const item = stack.pop()!;
    n++;
    for (const c of item.children) {
      if (c.depth !== 0) continue;
      c.depth = item.depth + 1;
      stack.push(c);
    }
  }
  return n;
}

/**
 * The keys to show for a filter text: every resource whose kind or name holds it (case-insensitive), and
 * the owners above each, so a match is shown where it is. Undefined when the text is empty (show all).
 */
export function filterForest(forest: Forest, text: string): Set<string> | undefined {
  const q = text.trim().toLowerCase();
  if (!q) return undefined;
  const shown = new Set<string>();
  for (const item of forest.byKey.values()) {
    const n = item.node;
    if (!n.name.toLowerCase().includes(q) && !n.kind.toLowerCase().includes(q)) continue;
    for (let i: TreeItem | undefined = item; i && !shown.has(i.key); i = i.parent) shown.add(i.key);
  }
  return shown;
}

/** The resources depth-first, each after its owner, siblings in order (the list view's rows). */
export function flatten(forest: Forest, visible?: ReadonlySet<string>): TreeItem[] {
  const out: TreeItem[] = [];
  const stack: TreeItem[] = [...forest.roots].reverse();
  while (stack.length) {
    const item = stack.pop()!;
    if (visible && !visible.has(item.key)) continue;
    out.push(item);
    for (let i = item.children.length - 1; i >= 0; i--) stack.push(item.children[i]!);
  }
  return out;
}

/** How many resources have each health status ("" for those without one). */
export function healthCounts(items: Iterable<TreeItem>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const i of items) {
    const h = i.node.health?.status ?? "";
    counts.set(h, (counts.get(h) ?? 0) + 1);
  }
  return counts;
}
