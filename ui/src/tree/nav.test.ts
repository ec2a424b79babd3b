import { describe, expect, it } from "vitest";
import { big, shop } from "./fixtures";
import { layoutTree, ROOT_KEY } from "./layout";
import { buildForest } from "./model";
import { inView, move, navIndex } from "./nav";

describe("keyboard moves", () => {
  const l = layoutTree(buildForest(shop(3)));
  const ix = navIndex(l);
  it("Up/Down stay in the column, Left goes to the owner, Right to the first child", () => {
    expect(move(l, ix, ROOT_KEY, "right")).toBe("apps/Deployment/shop/web");
    expect(move(l, ix, "apps/Deployment/shop/web", "down")).toBe("/Service/shop/web");
    expect(move(l, ix, "/Service/shop/web", "up")).toBe("apps/Deployment/shop/web");
    expect(move(l, ix, "apps/Deployment/shop/web", "up")).toBe("apps/Deployment/shop/web");
    expect(move(l, ix, "apps/ReplicaSet/shop/web-1", "right")).toBe("/Pod/shop/web-1-p0000");
    expect(move(l, ix, "/Pod/shop/web-1-p0001", "left")).toBe("apps/ReplicaSet/shop/web-1");
    expect(move(l, ix, "/Pod/shop/web-1-p0000", "end")).toBe("/Pod/shop/web-1-p0002");
    expect(move(l, ix, ROOT_KEY, "left")).toBe(ROOT_KEY);
  });
});

describe("inView", () => {
  it("keeps only what touches the viewport and its margin", () => {
    const l = layoutTree(buildForest(big(2000)), { threshold: Infinity });
    const { nodes, edges } = inView(l, { left: 0, top: 0, width: 1280, height: 800 }, 200);
    expect(nodes.length).toBeGreaterThan(10);
    expect(nodes.length).toBeLessThan(150);
    expect(nodes.every((n) => n.y <= 1000)).toBe(true);
    expect(edges.length).toBeGreaterThan(0);
    const far = inView(l, { left: 0, top: l.height / 2, width: 1280, height: 800 }, 200);
    expect(far.nodes.some((n) => nodes.includes(n))).toBe(false);
  });
});
