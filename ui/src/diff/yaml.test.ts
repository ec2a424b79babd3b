import { describe, expect, it } from "vitest";
import { jsonTextToYaml, toYaml } from "./yaml";

const obj = { kind: "ConfigMap", apiVersion: "v1", metadata: { name: "x", managedFields: [{ manager: "kubectl" }], labels: { b: "2", a: "1" } }, data: { k: "v" } };

describe("toYaml", () => {
  it("drops metadata.managedFields and keeps the rest, in the object's order", () => {
    const y = toYaml(obj);
    expect(y).not.toContain("managedFields");
    expect(y).toBe("kind: ConfigMap\napiVersion: v1\nmetadata:\n  name: x\n  labels:\n    b: \"2\"\n    a: \"1\"\ndata:\n  k: v\n");
    expect(obj.metadata.managedFields).toHaveLength(1);
  });

  it("sorted, two objects differing only in key order give the same text", () => {
    const other = { apiVersion: "v1", data: { k: "v" }, metadata: { labels: { a: "1", b: "2" }, name: "x" }, kind: "ConfigMap" };
    expect(toYaml(obj, { sortKeys: true })).toBe(toYaml(other, { sortKeys: true }));
    expect(toYaml(obj)).not.toBe(toYaml(other));
  });

  it("does not wrap long lines (a diff line is a line)", () => {
    const long = "x".repeat(300);
    expect(toYaml({ a: `${long} ${long}` }).split("\n").filter(Boolean)).toHaveLength(1);
  });
});

describe("jsonTextToYaml", () => {
  it("reads the API's JSON text; empty and null are empty", () => {
    expect(jsonTextToYaml(JSON.stringify(obj), { sortKeys: true })).toMatch(/^apiVersion: v1\ndata:/);
    expect(jsonTextToYaml("")).toBe("");
    expect(jsonTextToYaml("null")).toBe("");
    expect(jsonTextToYaml(undefined)).toBe("");
  });
});
