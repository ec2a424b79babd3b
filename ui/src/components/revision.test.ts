import { describe, expect, it } from "vitest";
import { shortRevision } from "./revision";

describe("shortRevision", () => {
  it("cuts a SHA to 7 characters and leaves tags alone", () => {
    expect(shortRevision("0123456789abcdef0123456789abcdef01234567")).toBe("0123456");
    expect(shortRevision("a".repeat(64))).toBe("aaaaaaa");
    expect(shortRevision("v1.2.3")).toBe("v1.2.3");
    expect(shortRevision("")).toBe("");
  });
});
