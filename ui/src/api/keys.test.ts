import { describe, expect, it } from "vitest";
import { resourceKey } from "./keys";

describe("resourceKey", () => {
  it("joins group, kind, namespace and name; the core group and a cluster scope are empty parts", () => {
    expect(resourceKey({ group: "apps", kind: "Deployment", namespace: "web", name: "front" })).toBe("apps/Deployment/web/front");
    expect(resourceKey({ group: "", kind: "ConfigMap", namespace: "web", name: "cfg" })).toBe("/ConfigMap/web/cfg");
    expect(resourceKey({ kind: "Namespace", name: "web" })).toBe("/Namespace//web");
  });
});
