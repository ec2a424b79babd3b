import { describe, expect, it } from "vitest";
import { apply, listView } from "./live";
import type { Application } from "./types";

const app = (name: string, extra: Record<string, unknown> = {}): Application =>
  ({ apiVersion: "plumb.dev/v1alpha1", kind: "Application", metadata: { name, namespace: "plumb" }, spec: { destination: {}, project: "default" }, ...extra }) as Application;

describe("apply", () => {
  it("adds, replaces and deletes by namespace/name, copying the map once", () => {
    const start = new Map([["plumb/a", app("a")]]);
    const next = apply(start, [
      { type: "ADDED", application: app("b") },
      { type: "MODIFIED", application: app("a", { status: { sync: { status: "OutOfSync" } } }) },
      { type: "DELETED", application: app("b") },
    ]);
    expect(next).not.toBe(start);
    expect([...next.keys()]).toEqual(["plumb/a"]);
    expect(next.get("plumb/a")?.status?.sync?.status).toBe("OutOfSync");
    expect(start.get("plumb/a")?.status).toBeUndefined();
  });
  it("answers the same map when nothing changed", () => {
    const start = new Map([["plumb/a", app("a")]]);
    expect(apply(start, [{ type: "DELETED", application: app("zzz") }])).toBe(start);
  });
});

describe("listView", () => {
  it("keeps the list's fields and drops the rest", () => {
    const v = listView(app("a", { status: { sync: { status: "Synced" }, resources: [{ kind: "ConfigMap" }], operationState: { phase: "Succeeded", syncResult: { resources: [] } } } }));
    expect(v.status?.sync?.status).toBe("Synced");
    expect(v.status?.operationState?.phase).toBe("Succeeded");
    expect(v.status?.resources).toBeUndefined();
    expect(v.status?.operationState?.syncResult).toBeUndefined();
    expect(v.metadata.name).toBe("a");
  });
});
