import { describe, expect, it } from "vitest";
import { derive } from "./derive";
import { fixture, many } from "./fixtures";
import { isPair, listApps, matches, orderedValues, parseSelector, selects } from "./filter";
import { parseQuery, type ListQuery } from "./query";

const q = (s: string): ListQuery => parseQuery(new URLSearchParams(s));
const names = (r: ReturnType<typeof listApps>) => r.shown.map((d) => d.name);

const apps = [
  fixture({ name: "payments", project: "shop", health: "Degraded", sync: "OutOfSync", labels: { team: "pay", tier: "web" }, repo: "https://git/a.git", path: "apps/payments", destNamespace: "pay" }),
  fixture({ name: "Cart", project: "shop", health: "Healthy", labels: { team: "shop" }, repo: "https://git/a.git", path: "apps/cart", destNamespace: "shop", finishedAt: "2026-01-01T10:00:00Z" }),
  fixture({ name: "monitoring", project: "ops", health: "Progressing", sync: "Unknown", labels: { team: "ops", canary: "true" }, repo: "https://git/b.git", chart: "prometheus", cluster: "edge", destNamespace: "mon", finishedAt: "2026-01-01T12:00:00Z" }),
  fixture({ name: "ledger", project: "ops", health: "Missing", repo: "https://git/b.git", destNamespace: "pay", finishedAt: "2026-01-01T11:00:00Z" }),
  fixture({ name: "multi", project: "ops", health: "Suspended", sources: [{ repoURL: "https://git/c.git", path: "base" }, { repoURL: "https://git/a.git", path: "overlay" }], destNamespace: "multi" }),
];

describe("derive", () => {
  it("reads what the list shows of an app, and caches it by object", () => {
    const d = derive(apps[2]!);
    expect(d.cluster).toBe("edge");
    expect(d.path).toBe("prometheus");
    expect(d.repo).toBe("https://git/b.git");
    expect(d.values.labels).toEqual(["team=ops", "canary=true"]);
    expect(derive(apps[2]!)).toBe(d);
    const m = derive(apps[4]!);
    expect(m.repo).toBe("https://git/c.git");
    expect(m.path).toBe("base");
    expect(m.values.repo).toEqual(["https://git/c.git", "https://git/a.git"]);
  });
  it("reads running operations and conditions", () => {
    const d = derive(fixture({ name: "x", phase: "Running", conditions: [{ type: "ComparisonError", message: "boom" }, { type: "SyncError", message: "b" }] }));
    expect(d.running).toBe(true);
    expect(d.conditions).toBe(2);
    expect(d.firstCondition).toBe("ComparisonError: boom");
  });
});

describe("label selectors", () => {
  it("parses k=v, k==v, k!=v, k and !k", () => {
    expect(parseSelector("team=pay")).toEqual({ key: "team", op: "eq", value: "pay" });
    expect(parseSelector("team==pay")).toEqual({ key: "team", op: "eq", value: "pay" });
    expect(parseSelector(" team != pay ")).toEqual({ key: "team", op: "neq", value: "pay" });
    expect(parseSelector("canary")).toEqual({ key: "canary", op: "exists" });
    expect(parseSelector("!canary")).toEqual({ key: "canary", op: "absent" });
    expect(parseSelector("=x")).toBeUndefined();
    expect(parseSelector("")).toBeUndefined();
  });
  it("selects by them", () => {
    const l = { team: "pay" };
    expect(selects({ key: "team", op: "eq", value: "pay" }, l)).toBe(true);
    expect(selects({ key: "team", op: "neq", value: "pay" }, l)).toBe(false);
    expect(selects({ key: "tier", op: "neq", value: "x" }, l)).toBe(true);
    expect(selects({ key: "team", op: "exists" }, l)).toBe(true);
    expect(selects({ key: "team", op: "absent" }, l)).toBe(false);
  });
});

describe("listApps", () => {
  it("shows everything by name, case-insensitively, with no filter", () => {
    const r = listApps(apps, q(""));
    expect(names(r)).toEqual(["Cart", "ledger", "monitoring", "multi", "payments"]);
    expect(r.total).toBe(5);
  });
  it("filters by each facet: OR within one, AND across", () => {
    expect(names(listApps(apps, q("health=Degraded&health=Missing")))).toEqual(["ledger", "payments"]);
    expect(names(listApps(apps, q("health=Degraded&health=Missing&project=ops")))).toEqual(["ledger"]);
    expect(names(listApps(apps, q("sync=Unknown")))).toEqual(["monitoring"]);
    expect(names(listApps(apps, q("namespace=pay")))).toEqual(["ledger", "payments"]);
    expect(names(listApps(apps, q("cluster=edge")))).toEqual(["monitoring"]);
    expect(names(listApps(apps, q("cluster=https%3A%2F%2Fkubernetes.default.svc")))).toEqual(["Cart", "ledger", "multi", "payments"]);
    expect(names(listApps(apps, q("repo=https%3A%2F%2Fgit%2Fa.git")))).toEqual(["Cart", "multi", "payments"]);
  });
  it("requires every label selector", () => {
    expect(names(listApps(apps, q("labels=team")))).toEqual(["Cart", "monitoring", "payments"]);
    expect(names(listApps(apps, q("labels=team&labels=tier%3Dweb")))).toEqual(["payments"]);
    expect(names(listApps(apps, q("labels=team&labels=%21canary")))).toEqual(["Cart", "payments"]);
  });
  it("searches names, repositories, paths and namespaces, ignoring case", () => {
    expect(names(listApps(apps, q("search=CART")))).toEqual(["Cart"]);
    expect(names(listApps(apps, q("search=git%2Fb")))).toEqual(["ledger", "monitoring"]);
    expect(names(listApps(apps, q("search=overlay")))).toEqual(["multi"]);
    expect(names(listApps(apps, q("search=prometheus")))).toEqual(["monitoring"]);
    expect(names(listApps(apps, q("search=+mon+")))).toEqual(["monitoring"]);
    expect(matches(apps[0]!, q("search=pay&health=Degraded"))).toBe(true);
    expect(matches(apps[0]!, q("search=pay&health=Healthy"))).toBe(false);
  });
  it("sorts by health worst first, by sync worst first, and by last sync latest first", () => {
    expect(names(listApps(apps, q("sort=health")))).toEqual(["payments", "ledger", "monitoring", "multi", "Cart"]);
    expect(names(listApps(apps, q("sort=sync")))).toEqual(["payments", "monitoring", "Cart", "ledger", "multi"]);
    expect(names(listApps(apps, q("sort=lastSync")))).toEqual(["monitoring", "ledger", "Cart", "multi", "payments"]);
  });
  it("counts each facet's values under the other facets' choices", () => {
    const r = listApps(apps, q("project=ops"));
    // project's own counts ignore the project choice
    expect(Object.fromEntries(r.facets.project)).toEqual({ shop: 2, ops: 3 });
    // the others count the ops apps only
    expect(Object.fromEntries(r.facets.health)).toEqual({ Progressing: 1, Missing: 1, Suspended: 1 });
    expect(Object.fromEntries(r.facets.repo)).toEqual({ "https://git/b.git": 2, "https://git/c.git": 1, "https://git/a.git": 1 });
    expect(r.facets.labels.get("team=ops")).toBe(1);
    expect(r.facets.labels.get("team=pay")).toBeUndefined();
  });
  it("counts a label value as what ticking it would show (selectors are ANDed)", () => {
    const r = listApps(apps, q("labels=team%3Dpay"));
    expect(names(r)).toEqual(["payments"]);
    expect(r.facets.labels.get("team=pay")).toBe(1);
    // team=shop is on Cart, but ticking it besides team=pay shows nothing: it counts 0 (or is not listed)
    expect(r.facets.labels.get("team=shop") ?? 0).toBe(0);
    expect(names(listApps(apps, q("labels=team%3Dpay&labels=team%3Dshop")))).toEqual([]);
    // tier=web is on payments: ticking it too still shows payments
    expect(r.facets.labels.get("tier=web")).toBe(1);
    expect(names(listApps(apps, q("labels=team%3Dpay&labels=tier%3Dweb")))).toEqual(["payments"]);
    // every label value's count equals the number of apps ticking it would show
    const all = listApps(apps, q("project=shop&labels=team"));
    for (const [v, n] of all.facets.labels) expect(listApps(apps, q(`project=shop&labels=team&labels=${encodeURIComponent(v)}`)).shown.length).toBe(n);
  });
  it("keeps a chosen value listed with 0 so that it can be unticked", () => {
    const r = listApps(apps, q("health=Degraded&project=ops"));
    expect(r.shown).toEqual([]);
    expect(r.facets.health.get("Degraded")).toBe(0);
    expect(r.facets.project.get("shop")).toBe(1);
  });
  it("orders facet values: health worst first, others by count then name", () => {
    const r = listApps(apps, q(""));
    expect(orderedValues("health", r.facets.health).map(([v]) => v)).toEqual(["Degraded", "Missing", "Progressing", "Suspended", "Healthy"]);
    expect(orderedValues("project", r.facets.project)).toEqual([["ops", 3], ["shop", 2]]);
  });
});

describe("10,000 apps", () => {
  it("filters, sorts and counts them all in one pass", () => {
    const all = many(10_000);
    const cold = performance.now();
    listApps(all, q(""));
    const coldMs = performance.now() - cold;
    const t0 = performance.now();
    const r = listApps(all, q("search=app-0&health=Degraded&health=Missing&labels=tier%3Dweb&sort=lastSync"));
    const ms = performance.now() - t0;
    const t1 = performance.now();
    const byHealth = listApps(all, q("sort=health"));
    const sortMs = performance.now() - t1;
    console.log(`10,000 apps: first pass (deriving) ${coldMs.toFixed(1)} ms; filter+sort+facets ${ms.toFixed(1)} ms; sort by health ${sortMs.toFixed(1)} ms`);
    // app-0xxxx are 0..9999 — all of them; Degraded is i%6==2, Missing i%6==4 — all even, so never tier=web (odd)
    expect(r.shown).toEqual([]);
    expect(r.facets.health.get("Degraded")).toBe(0);
    // health counts ignore the health choice: tier=web apps are odd, whose health is Healthy, Progressing... (i%6 in 1,3,5)
    expect(Object.fromEntries(r.facets.health)).toEqual({ Progressing: 1667, Suspended: 1667, Unknown: 1666, Degraded: 0, Missing: 0 });
    expect(byHealth.shown).toHaveLength(10_000);
    expect(byHealth.shown[0]?.health).toBe("Degraded");
    expect(byHealth.shown.at(-1)?.health).toBe("Healthy");
    const narrow = listApps(all, q("project=proj-3&sort=lastSync"));
    expect(narrow.shown).toHaveLength(500);
    expect(narrow.shown[0]?.name).toBe("app-09983");
  });
});

describe("isPair", () => {
  it("tells k=v pairs from other selectors", () => {
    expect(isPair("team=pay")).toBe(true);
    expect(isPair("team")).toBe(false);
    expect(isPair("team==pay")).toBe(false);
    expect(isPair("team!=pay")).toBe(false);
    expect(isPair("!team")).toBe(false);
  });
  it("zero-fills chosen pairs only", () => {
    const r = listApps(apps, q("labels=team%3Dnobody&labels=nolabel"));
    expect(r.facets.labels.get("team=nobody")).toBe(0);
    expect(r.facets.labels.has("nolabel")).toBe(false);
  });
});

describe("orderedValues with a limit", () => {
  it("answers the same first values as the full order", () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 500; i++) counts.set(`ns-${i}`, (i * 37) % 11);
    const full = orderedValues("namespace", counts);
    expect(orderedValues("namespace", counts, 6)).toEqual(full.slice(0, 6));
    expect(orderedValues("namespace", counts, 1000)).toEqual(full);
    expect(orderedValues("health", new Map([["Healthy", 9], ["Degraded", 1], ["Missing", 2]]), 2)).toEqual([["Degraded", 1], ["Missing", 2]]);
  });
});
