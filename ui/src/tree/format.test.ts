import { describe, expect, it } from "vitest";
import { age, infoText } from "./format";

describe("infoText", () => {
  it("joins the values, leaving out the Pod's node", () => {
    expect(infoText({ info: [{ name: "Status Reason", value: "Running" }, { name: "Node", value: "kwok-0" }, { name: "Containers", value: "1/1" }] })).toBe("Running · 1/1");
    expect(infoText({})).toBe("");
  });
});

describe("age", () => {
  const now = Date.parse("2026-01-02T00:00:00Z");
  it("says seconds, minutes, hours, days as kubectl does", () => {
    expect(age("2026-01-01T23:59:15Z", now)).toBe("45s");
    expect(age("2026-01-01T23:48:00Z", now)).toBe("12m");
    expect(age("2026-01-01T19:00:00Z", now)).toBe("5h");
    expect(age("2025-12-30T00:00:00Z", now)).toBe("3d");
    expect(age(undefined, now)).toBe("");
    expect(age("not a time", now)).toBe("");
  });
});
