import { describe, expect, it } from "vitest";
import { plainCondition, plainConditions } from "./conditions";

describe("plainConditions", () => {
  it("says a known condition in words and keeps the controller's message", () => {
    const c = plainCondition({ type: "ComparisonError", message: "rendering a1: yaml: line 3: mapping values are not allowed" });
    expect(c.severity).toBe("error");
    expect(c.title).toMatch(/could not compare/);
    expect(c.message).toMatch(/line 3/);
  });
  it("reads an unknown type from its name, and puts errors first", () => {
    const cs = plainConditions([
      { type: "OrphanedResourceWarning", message: "2 orphaned" },
      { type: "SomethingNewError", message: "boom" },
    ]);
    expect(cs.map((c) => c.type)).toEqual(["SomethingNewError", "OrphanedResourceWarning"]);
    expect(cs[0]?.severity).toBe("error");
    expect(cs[1]?.title).toBe("Orphaned resource warning");
  });
});
