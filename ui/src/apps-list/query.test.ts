import { describe, expect, it } from "vitest";
import { clearFilters, filterKey, isFiltered, noFilters, parseQuery, toggleValue, writeQuery } from "./query";

describe("parseQuery", () => {
  it("reads the defaults from an empty query string", () => {
    expect(parseQuery(new URLSearchParams(""))).toEqual({ view: "tiles", search: "", sort: "name", filters: noFilters() });
  });
  it("reads view, search, sort and repeated facet values, dropping blanks and duplicates", () => {
    const q = parseQuery(new URLSearchParams("view=table&search=Pay&sort=health&health=Degraded&health=Missing&health=Degraded&labels=team%3Dpay&labels=tier&repo=&project=a"));
    expect(q.view).toBe("table");
    expect(q.search).toBe("Pay");
    expect(q.sort).toBe("health");
    expect(q.filters.health).toEqual(["Degraded", "Missing"]);
    expect(q.filters.labels).toEqual(["team=pay", "tier"]);
    expect(q.filters.repo).toEqual([]);
    expect(q.filters.project).toEqual(["a"]);
  });
  it("falls back to the defaults for values it does not know", () => {
    const q = parseQuery(new URLSearchParams("view=grid&sort=size"));
    expect(q.view).toBe("tiles");
    expect(q.sort).toBe("name");
  });
});

describe("writeQuery", () => {
  it("leaves the defaults out", () => {
    expect(writeQuery(parseQuery(new URLSearchParams(""))).toString()).toBe("");
  });
  it("round-trips through parseQuery", () => {
    const text = "view=table&search=a+b&sort=lastSync&sync=OutOfSync&namespace=ns1&cluster=https%3A%2F%2Fk&labels=team%3Dpay&labels=%21canary&repo=https%3A%2F%2Fgit%2Fa.git";
    const q = parseQuery(new URLSearchParams(text));
    expect(writeQuery(q).toString()).toBe(text);
    expect(parseQuery(writeQuery(q))).toEqual(q);
  });
  it("keeps parameters the list does not own and replaces those it does", () => {
    const base = new URLSearchParams("other=1&health=Healthy");
    const q = toggleValue(parseQuery(base), "health", "Degraded");
    expect(writeQuery(q, base).toString()).toBe("other=1&health=Healthy&health=Degraded");
  });
});

describe("toggleValue, clearFilters, isFiltered, filterKey", () => {
  it("switches a value on and off and tells whether anything filters", () => {
    const q0 = parseQuery(new URLSearchParams("view=table&sort=health"));
    expect(isFiltered(q0)).toBe(false);
    const q1 = toggleValue(q0, "project", "a");
    expect(q1.filters.project).toEqual(["a"]);
    expect(isFiltered(q1)).toBe(true);
    expect(filterKey(q1)).not.toBe(filterKey(q0));
    expect(toggleValue(q1, "project", "a").filters.project).toEqual([]);
    const cleared = clearFilters({ ...q1, search: "x" });
    expect(isFiltered(cleared)).toBe(false);
    expect(cleared.view).toBe("table");
    expect(cleared.sort).toBe("health");
  });
  it("counts a search of blanks as no search", () => {
    expect(isFiltered({ ...parseQuery(new URLSearchParams("")), search: "  " })).toBe(false);
  });
});
