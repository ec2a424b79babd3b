/** `fields` of the application list (Argo CD's): only the named dotted paths are kept. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { pick } from "../../../src/server/routes/applications.js";

const app = { metadata: { name: "a", namespace: "plumb", labels: { x: "1" } }, spec: { project: "p" }, status: { sync: { status: "Synced", revision: "abc" }, health: { status: "Healthy" } } };

describe("server/routes/applications: pick", () => {
  it("keeps the named leaves and their parents, nothing else", () => {
    assert.deepEqual(JSON.parse(JSON.stringify(pick(app, [["metadata", "name"], ["status", "sync", "status"]]))), { metadata: { name: "a" }, status: { sync: { status: "Synced" } } });
  });
  it("keeps a whole subtree when a path names an object", () => {
    assert.deepEqual(JSON.parse(JSON.stringify(pick(app, [["status", "health"]]))), { status: { health: { status: "Healthy" } } });
  });
  it("never reaches a prototype: __proto__, constructor and prototype paths are left out and nothing is polluted", () => {
    const evil = JSON.parse('{"spec":{"source":{"__proto__":{"polluted":true}}}}') as unknown;
    const out = pick(evil, [["spec", "source", "__proto__", "polluted"], ["__proto__", "polluted"], ["constructor", "prototype", "polluted"]]);
    assert.deepEqual(JSON.parse(JSON.stringify(out)), {});
    assert.equal(({} as { polluted?: boolean }).polluted, undefined, "Object.prototype untouched");
  });
  it("reads own properties only (an inherited one is not a field)", () => {
    assert.deepEqual(JSON.parse(JSON.stringify(pick({ a: {} }, [["a", "toString"]]))), {});
  });
  it("leaves out paths the object does not have", () => {
    assert.deepEqual(JSON.parse(JSON.stringify(pick(app, [["status", "operationState", "phase"], ["metadata", "name"]]))), { metadata: { name: "a" } });
  });
});
