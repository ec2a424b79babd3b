import { describe, expect, it } from "vitest";
import { nodeKey, parseNodeKey } from "./keys";
import { COL_W, groupKey, layoutTree, NODE_H, NODE_W, PAD, ROOT_KEY, ROW_H, type Layout } from "./layout";
import { buildForest, filterForest, flatten } from "./model";
import { big, configMaps, res, shop } from "./fixtures";
import type { ResourceNode } from "../api/types";

const lay = (nodes: ResourceNode[], opts = {}) => layoutTree(buildForest(nodes), opts);
const at = (l: Layout, key: string) => {
  const p = l.byKey.get(key);
  if (!p) throw new Error(`no node ${key}`);
  return p;
};
/** Every node's column and row, by key. */
const grid = (l: Layout) => Object.fromEntries(l.nodes.map((n) => [n.key, [(n.x - PAD) / COL_W, (n.y - PAD) / ROW_H]]));
/** Fails if two nodes' boxes overlap (same column, rows closer than a node's height). */
function assertNoOverlap(l: Layout) {
  const cols = new Map<number, number[]>();
  for (const n of l.nodes) cols.set(n.x, [...(cols.get(n.x) ?? []), n.y]);
  for (const ys of cols.values()) {
    ys.sort((a, b) => a - b);
    for (let i = 1; i < ys.length; i++) expect(ys[i]! - ys[i - 1]!).toBeGreaterThanOrEqual(NODE_H);
  }
}

describe("nodeKey", () => {
  it("is group/kind/namespace/name and parses back", () => {
    expect(nodeKey({ group: "apps", kind: "Deployment", namespace: "shop", name: "web" })).toBe("apps/Deployment/shop/web");
    expect(nodeKey({ kind: "Namespace", name: "shop" })).toBe("/Namespace//shop");
    expect(parseNodeKey("/Namespace//shop")).toEqual({ group: "", kind: "Namespace", namespace: "", name: "shop" });
    expect(parseNodeKey("nonsense")).toBeUndefined();
  });
});

describe("buildForest", () => {
  it("hangs children from their owners by uid, else by group/kind/namespace/name", () => {
    const deploy = res("Deployment", "web", { uid: null, health: "Missing" });
    const rs = res("ReplicaSet", "web-1", { owner: deploy });
    // A ref whose uid is someone else's than the name says: the uid decides.
    const other = res("Deployment", "api");
    const pod = res("Pod", "p", { owner: rs });
    pod.parentRefs = [{ ...pod.parentRefs![0]!, name: "wrong-name" }];
    const orphan = res("Pod", "lost", { owner: res("ReplicaSet", "gone") });
    const f = buildForest([pod, rs, deploy, other, orphan]);
    expect(f.roots.map((r) => r.key)).toEqual(["apps/Deployment/shop/api", "apps/Deployment/shop/web", "/Pod/shop/lost"]);
    expect(f.byKey.get("apps/ReplicaSet/shop/web-1")?.parent?.key).toBe("apps/Deployment/shop/web");
    expect(f.byKey.get("/Pod/shop/p")?.parent?.key).toBe("apps/ReplicaSet/shop/web-1");
    expect(f.byKey.get("/Pod/shop/p")?.depth).toBe(3);
  });

  it("breaks a cycle of ownership instead of losing its resources", () => {
    const a = res("ConfigMap", "a");
    const b = res("ConfigMap", "b", { owner: a });
    a.parentRefs = [{ group: "", version: "v1", kind: "ConfigMap", namespace: "shop", name: "b", uid: b.uid! }];
    const f = buildForest([a, b]);
    expect(flatten(f).map((i) => i.node.name).sort()).toEqual(["a", "b"]);
    expect(f.roots).toHaveLength(1);
  });
});

describe("layoutTree", () => {
  it("lays out Deployment → ReplicaSet → Pods left to right, each owner centred on its children", () => {
    const l = lay(shop(2));
    const g = grid(l);
    expect(g["apps/Deployment/shop/web"]).toEqual([1, 0.5]);
    expect(g["apps/ReplicaSet/shop/web-1"]).toEqual([2, 0.5]);
    expect(g["/Pod/shop/web-1-p0000"]).toEqual([3, 0]);
    expect(g["/Pod/shop/web-1-p0001"]).toEqual([3, 1]);
    expect(g["/Service/shop/web"]).toEqual([1, 2]);
    expect(g["discovery.k8s.io/EndpointSlice/shop/web-abc"]).toEqual([2, 2]);
    expect(g["/ConfigMap/shop/settings"]).toEqual([1, 3]);
    expect(g[ROOT_KEY]).toEqual([0, 1.75]); // between the first (0.5) and last (3) managed resource
    const edges = l.edges.map((e) => `${e.from} → ${e.to}`).sort();
    expect(edges).toEqual(
      [
        `${ROOT_KEY} → apps/Deployment/shop/web`,
        `${ROOT_KEY} → /Service/shop/web`,
        `${ROOT_KEY} → /ConfigMap/shop/settings`,
        "apps/Deployment/shop/web → apps/ReplicaSet/shop/web-1",
        "apps/ReplicaSet/shop/web-1 → /Pod/shop/web-1-p0000",
        "apps/ReplicaSet/shop/web-1 → /Pod/shop/web-1-p0001",
        "/Service/shop/web → discovery.k8s.io/EndpointSlice/shop/web-abc",
      ].sort(),
    );
    const e = l.edges.find((x) => x.to === "apps/ReplicaSet/shop/web-1")!;
    expect([e.x1, e.y1, e.x2, e.y2]).toEqual([PAD + COL_W + NODE_W, PAD + 0.5 * ROW_H + NODE_H / 2, PAD + 2 * COL_W, PAD + 0.5 * ROW_H + NODE_H / 2]);
    expect(l.width).toBe(PAD * 2 + 3 * COL_W + NODE_W);
    expect(l.height).toBe(PAD * 2 + 3 * ROW_H + NODE_H);
    assertNoOverlap(l);
  });

  it("places the same resources the same way whatever order the server lists them in", () => {
    const nodes = shop(6);
    const shuffled = [...nodes].reverse();
    shuffled.push(shuffled.shift()!);
    expect(grid(lay(shuffled))).toEqual(grid(lay(nodes)));
  });

  it("a Pod replaced in a rollout moves only the rows below it", () => {
    const before = grid(lay(shop(3)));
    const nodes = shop(3).filter((n) => n.name !== "web-1-p0002");
    const rs = nodes.find((n) => n.kind === "ReplicaSet")!;
    nodes.push(res("Pod", "web-1-p0003", { owner: rs, health: "Progressing" }));
    const after = grid(lay(nodes));
    for (const k of ["/Pod/shop/web-1-p0000", "/Pod/shop/web-1-p0001", "apps/ReplicaSet/shop/web-1", "apps/Deployment/shop/web", "/Service/shop/web"]) expect(after[k]).toEqual(before[k]);
    expect(after["/Pod/shop/web-1-p0003"]).toEqual(before["/Pod/shop/web-1-p0002"]);
  });

  it("groups more than the threshold of one kind under one owner, with counts per health", () => {
    expect(lay(shop(10)).nodes.filter((n) => n.type === "group")).toHaveLength(0);
    const l = lay(shop(11));
    const groups = l.nodes.filter((n) => n.type === "group");
    expect(groups.map((g) => g.key)).toEqual([groupKey("apps/ReplicaSet/shop/web-1", "Pod")]);
    const g = groups[0]!;
    if (g.type !== "group") throw new Error("not a group");
    expect(g.members).toHaveLength(11);
    expect(Object.fromEntries(g.health)).toEqual({ Healthy: 8, Progressing: 3 });
    expect(l.nodes.some((n) => n.key.startsWith("/Pod/"))).toBe(false);
    expect(grid(l)[g.key]).toEqual([3, grid(l)["apps/ReplicaSet/shop/web-1"]![1]]);
    expect(l.edges.some((e) => e.from === "apps/ReplicaSet/shop/web-1" && e.to === g.key)).toBe(true);
  });

  it("shows an expanded group's members, and opens the group of a revealed resource", () => {
    const key = groupKey("apps/ReplicaSet/shop/web-1", "Pod");
    const open = lay(shop(37), { expanded: new Set([key]) });
    expect(open.byKey.has(key)).toBe(false);
    expect(open.nodes.filter((n) => n.type === "resource" && n.item.node.kind === "Pod")).toHaveLength(37);
    assertNoOverlap(open);
    const revealed = lay(shop(37), { reveal: "/Pod/shop/web-1-p0020" });
    expect(revealed.byKey.has("/Pod/shop/web-1-p0020")).toBe(true);
    expect(revealed.byKey.has(key)).toBe(false);
  });

  it("groups 2,000 ConfigMaps under the app, and lays them out fast when expanded", () => {
    const nodes = [...shop(2), ...configMaps(2000)];
    const closed = lay(nodes);
    const g = closed.byKey.get(groupKey(ROOT_KEY, "ConfigMap"));
    expect(g?.type === "group" && g.members.length).toBe(2001);
    expect(closed.nodes).toHaveLength(8); // app, Deployment, ReplicaSet, 2 Pods, Service, EndpointSlice, the group
    const t0 = performance.now();
    const open = lay(nodes, { expanded: new Set([groupKey(ROOT_KEY, "ConfigMap")]) });
    const ms = performance.now() - t0;
    console.log(`2,007 nodes (2,001 ConfigMaps expanded) laid out in ${ms.toFixed(1)} ms`);
    expect(open.nodes).toHaveLength(2008);
    assertNoOverlap(open);
  });

  it("lays out a 2,000-node tree without overlaps (its time printed)", () => {
    const nodes = big(2000);
    const t0 = performance.now();
    const l = lay(nodes, { threshold: Infinity });
    const ms = performance.now() - t0;
    console.log(`2,000 nodes laid out in ${ms.toFixed(1)} ms`);
    expect(l.nodes).toHaveLength(2001);
    expect(l.edges).toHaveLength(2000);
    assertNoOverlap(l);
  });
});

describe("filterForest", () => {
  it("keeps the matches and their owners; the list shows them depth-first", () => {
    const f = buildForest(shop(3));
    const shown = filterForest(f, "p0001")!;
    expect([...shown].sort()).toEqual(["/Pod/shop/web-1-p0001", "apps/Deployment/shop/web", "apps/ReplicaSet/shop/web-1"]);
    expect(flatten(f, shown).map((i) => i.node.name)).toEqual(["web", "web-1", "web-1-p0001"]);
    expect(filterForest(f, "  ")).toBeUndefined();
    expect(flatten(f, filterForest(f, "configmap")).map((i) => i.key)).toEqual(["/ConfigMap/shop/settings"]);
    const l = layoutTree(f, { visible: shown });
    expect(l.nodes.map((n) => n.key).sort()).toEqual([ROOT_KEY, ...shown].sort());
  });

  it("the list's order is owner before children, siblings by kind then name", () => {
    expect(flatten(buildForest(shop(2))).map((i) => `${i.depth}:${i.node.kind}/${i.node.name}`)).toEqual([
      "1:Deployment/web",
      "2:ReplicaSet/web-1",
      "3:Pod/web-1-p0000",
      "3:Pod/web-1-p0001",
      "1:Service/web",
      "2:EndpointSlice/web-abc",
      "1:ConfigMap/settings",
    ]);
  });
});
