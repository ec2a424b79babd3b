import { describe, expect, it } from "vitest";
import { destinationText, shortRevision, withoutScheme } from "./format";

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
