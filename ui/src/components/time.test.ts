import { describe, expect, it } from "vitest";
import { age, ago, exact } from "./time";

describe("ago", () => {
  const now = Date.parse("2026-12-02T12:00:00Z");
  it("is coarse and relative, in the largest fitting unit", () => {
    expect(ago("2026-12-02T12:00:00Z", now)).toBe("just now");
    expect(ago("2026-12-02T11:59:18Z", now)).toBe("42 s ago");
    expect(ago("2026-12-02T11:57:00Z", now)).toBe("3 min ago");
    expect(ago("2026-12-02T07:00:00Z", now)).toBe("5 h ago");
    expect(ago("2026-11-30T12:00:00Z", now)).toBe("2 d ago");
    expect(ago(now - 90 * 86_400_000, now)).toBe("3 mo ago");
    expect(ago(now - 800 * 86_400_000, now)).toBe("2 y ago");
  });
  it("takes epoch milliseconds too, and says a future time is now", () => {
    expect(ago(now - 3 * 60_000, now)).toBe("3 min ago");
    expect(ago(now + 10_000, now)).toBe("just now");
  });
  it("is empty for no time or a bad one", () => {
    expect(ago(undefined, now)).toBe("");
    expect(ago("yesterday", now)).toBe("");
  });
});

describe("exact", () => {
  it("is the local time of the instant, whichever way it is given", () => {
    const iso = "2026-12-02T12:00:00Z";
    expect(exact(iso)).toBe(new Date(iso).toLocaleString());
    expect(exact(Date.parse(iso))).toBe(exact(iso));
  });
  it("is empty for no time and the text itself for an unreadable one", () => {
    expect(exact(undefined)).toBe("");
    expect(exact("soon")).toBe("soon");
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
