import { describe, expect, it } from "vitest";
import { destinationText, withoutScheme } from "./format";

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
