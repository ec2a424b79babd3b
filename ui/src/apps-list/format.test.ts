import { describe, expect, it } from "vitest";
import { destinationText, relativeTime, shortRevision, withoutScheme } from "./format";

describe("relativeTime", () => {
  const now = Date.UTC(2026, 5, 1, 12);
  it("says how long ago, in the largest fitting unit", () => {
    expect(relativeTime(now - 10_000, now)).toBe("just now");
    expect(relativeTime(now + 10_000, now)).toBe("just now");
    expect(relativeTime(now - 3 * 60_000, now)).toBe("3 min ago");
    expect(relativeTime(now - 2 * 3600_000, now)).toBe("2 h ago");
    expect(relativeTime(now - 24 * 3600_000, now)).toBe("1 day ago");
    expect(relativeTime(now - 5 * 24 * 3600_000, now)).toBe("5 days ago");
    expect(relativeTime(now - 90 * 24 * 3600_000, now)).toBe("3 months ago");
    expect(relativeTime(now - 800 * 24 * 3600_000, now)).toBe("2 years ago");
  });
});

describe("shortRevision", () => {
  it("cuts a SHA to 7 characters and leaves tags alone", () => {
    expect(shortRevision("0123456789abcdef0123456789abcdef01234567")).toBe("0123456");
    expect(shortRevision("v1.2.3")).toBe("v1.2.3");
    expect(shortRevision("")).toBe("");
  });
});

describe("destinationText", () => {
  it("joins cluster and namespace", () => {
    expect(destinationText("in-cluster", "web")).toBe("in-cluster / web");
    expect(destinationText("", "web")).toBe("web");
    expect(destinationText("c", "")).toBe("c");
    expect(destinationText("https://kubernetes.default.svc", "web")).toBe("kubernetes.default.svc / web");
  });
  it("drops a URL's scheme for display", () => {
    expect(withoutScheme("https://git.example/a.git")).toBe("git.example/a.git");
    expect(withoutScheme("git@github.com:a/b.git")).toBe("git@github.com:a/b.git");
  });
});
