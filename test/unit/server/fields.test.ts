/** `fields` of the application list (Argo CD's): only the named dotted paths are kept. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { pick } from "../../../src/server/routes/applications.js";

const app = { metadata: { name: "a", namespace: "plumb", labels: { x: "1" } }, spec: { project: "p" }, status: { sync: { status: "Synced", revision: "abc" }, health: { status: "Healthy" } } };

describe("server/routes/applications: pick", () => {
  it("keeps the named leaves and their parents, nothing else", () => {
    assert.deepEqual(pick(app, [["metadata", "name"], ["status", "sync", "status"]]), { metadata: { name: "a" }, status: { sync: { status: "Synced" } } });
  });
  it("keeps a whole subtree when a path names an object", () => {
    assert.deepEqual(pick(app, [["status", "health"]]), { status: { health: { status: "Healthy" } } });
  });
  it("leaves out paths the object does not have", () => {
    assert.deepEqual(pick(app, [["status", "operationState", "phase"], ["metadata", "name"]]), { metadata: { name: "a" } });
  });
});
