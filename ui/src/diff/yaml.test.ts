import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { jsonTextToYaml, toYaml } from "./yaml";

const obj = { kind: "ConfigMap", apiVersion: "v1", metadata: { name: "x", managedFields: [{ manager: "kubectl" }], labels: { b: "2", a: "1" } }, data: { k: "v" } };

describe("toYaml", () => {
  it("drops metadata.managedFields and keeps the rest, apiVersion, kind and metadata first, else in the object's order", () => {
    const y = toYaml({ ...obj, extra: 1 });
    expect(y).not.toContain("managedFields");
    expect(y).toBe("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels:\n    b: '2'\n    a: '1'\ndata:\n  k: v\nextra: 1\n");
    expect(obj.metadata.managedFields).toHaveLength(1);
  });

  it("sorted, two objects differing only in key order give the same text", () => {
    const other = { apiVersion: "v1", data: { k: "v" }, metadata: { labels: { a: "1", b: "2" }, name: "x" }, kind: "ConfigMap" };
    expect(toYaml(obj, { sortKeys: true })).toBe(toYaml(other, { sortKeys: true }));
    expect(toYaml(obj)).not.toBe(toYaml(other));
    expect(toYaml({ ...obj, zeta: 1, beta: 2 }, { sortKeys: true })).toMatch(/^apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels:\n    a: '1'\n    b: '2'\n  name: x\nbeta: 2\ndata:\n  k: v\nzeta: 1\n$/);
  });

  it("does not wrap long lines (a diff line is a line)", () => {
    const long = "x".repeat(300);
    expect(toYaml({ a: `${long} ${long}` }).split("\n").filter(Boolean)).toHaveLength(1);
  });
});

describe("jsonTextToYaml", () => {
  it("reads the API's JSON text; empty and null are empty", () => {
    expect(jsonTextToYaml(JSON.stringify(obj), { sortKeys: true })).toMatch(/^apiVersion: v1\nkind: ConfigMap\nmetadata:/);
    expect(jsonTextToYaml("")).toBe("");
    expect(jsonTextToYaml("null")).toBe("");
    expect(jsonTextToYaml(undefined)).toBe("");
  });
});

describe("what toYaml writes reads back as the value (the yaml package's parser)", () => {
  const strings = [
    "plain", "with space", "true", "False", "null", "~", "yes", "NO", "on", "y", "<<", "1", "-1", "+1", "1.5", ".5", "1e3", "0x1F", "0o17", ".inf", "-.NaN",
    "2024-01-01", "12:30", "", " lead", "trail ", "a: b", "a:b", "ends:", "x #y", "x#y", "#x", "- x", "-x", "?x", "[x]", "{x}", "&a", "*a", "!tag", "|x", ">x",
    "'q'", '"q"', "%x", "@x", "`x", "tab\there", "ctrl\u0001", "ünïcødé ✓", "line1\nline2", "line1\nline2\n", "line1\n\n", "\nstarts", " sp\nx", "a\n  indented\nb",
    "trailing \nspaces ", "x\r\ny", "a\n#not comment\n- not item\nk: v\n", "---\n...\n", "http://example.com/a?b=c#d", "key=value, other",
  ];
  const value = {
    apiVersion: "v1",
    data: Object.fromEntries(strings.map((s, i) => [`k${i}`, s])),
    keys: Object.fromEntries(strings.filter(Boolean).map((s, i) => [s, i])),
    list: [1, 2.5, -3, 0, true, false, null, "s", [], {}, [1, [2, [3]]], [{ a: 1, b: [{ c: "d" }] }], { x: { y: { z: "w" } } }, "multi\nline\n"],
    nested: { emptyMap: {}, emptyList: [], deep: [[["x"]]], num: 1e21, neg: -0.001 },
  };

  it("round-trips every kind of scalar, key and nesting, sorted or not", () => {
    for (const sortKeys of [false, true]) expect(parse(toYaml(value, { sortKeys }))).toEqual(value);
  });

  it("round-trips top-level scalars and lists", () => {
    for (const v of ["a\nb", "true", 3, [1, "2", { a: [] }]]) expect(parse(toYaml(v))).toEqual(v);
  });

  it("writes multi-line strings as literal blocks", () => {
    expect(toYaml({ file: "a: 1\nb: 2\n" })).toBe("file: |\n  a: 1\n  b: 2\n");
    expect(toYaml({ l: ["x\ny"] })).toBe("l:\n  - |-\n    x\n    y\n");
  });

  it("a 5,000-key object, every key on its line (the time printed: benchmarks judge it, not this test)", () => {
    const big = { data: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`key-${i}`, `value-${i}`])) };
    let y = toYaml(big, { sortKeys: true });
    let ms = Infinity;
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      y = toYaml(big, { sortKeys: true });
      ms = Math.min(ms, performance.now() - start);
    }
    console.log(`toYaml of 5,000 keys: ${ms.toFixed(1)} ms`);
    expect(y.split("\n").length).toBe(5002);
  });
});
