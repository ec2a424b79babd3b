import { describe, expect, it } from "vitest";
import { ago } from "./time";

describe("ago", () => {
  const now = Date.parse("2026-12-02T12:00:00Z");
  it("is coarse and relative", () => {
    expect(ago("2026-12-02T12:00:00Z", now)).toBe("just now");
    expect(ago("2026-12-02T11:59:18Z", now)).toBe("42 s ago");
    expect(ago("2026-12-02T11:57:00Z", now)).toBe("3 min ago");
    expect(ago("2026-12-02T07:00:00Z", now)).toBe("5 h ago");
    expect(ago("2026-11-30T12:00:00Z", now)).toBe("2 d ago");
  });
  it("is empty for no time or a bad one", () => {
    expect(ago(undefined, now)).toBe("");
    expect(ago("yesterday", now)).toBe("");
  });
});
