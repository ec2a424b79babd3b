/**
 * Delivery state: Argo CD's keys and annotation format, flip semantics without oncePer, one notification
 * per oncePer value, truncation to the newest 100.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { alreadyNotified, deliveryKey, forgetFalse, markNotified, parseState, serializeState, stateAnnotation } from "../../../src/notifications/state.js";

const dest = { service: "hook", recipient: "" };

describe("notification state", () => {
  it("keys as Argo CD writes them", () => {
    assert.equal(deliveryKey("on-sync-succeeded", { key: "[0].abc", oncePer: "sha1" }, dest), "sha1:on-sync-succeeded:[0].abc:hook:");
    assert.equal(deliveryKey("t", { key: "[1].x" }, { service: "email", recipient: "a@b" }), "t:[1].x:email:a@b");
  });
  it("the annotation: Argo CD's key for argoproj.io apps, plumb's for plumb.dev apps", () => {
    assert.equal(stateAnnotation("argoproj.io"), "notified.notifications.argoproj.io");
    assert.equal(stateAnnotation("plumb.dev"), "plumb.dev/notified");
  });
  it("reads and writes the JSON map; unreadable values are an empty state", () => {
    const s = parseState('{"a":1,"b":2,"c":"x"}');
    assert.deepEqual(s, { a: 1, b: 2 });
    assert.deepEqual(parseState("not json"), {});
    assert.equal(serializeState({}), null);
    assert.deepEqual(JSON.parse(serializeState(s)!), { a: 1, b: 2 });
  });
  it("keeps the newest 100", () => {
    const s: Record<string, number> = {};
    for (let i = 0; i < 150; i++) s[`k${i}`] = 1000 + i;
    const kept = JSON.parse(serializeState(s)!) as Record<string, number>;
    assert.equal(Object.keys(kept).length, 100);
    assert.ok(!("k49" in kept) && "k50" in kept && "k149" in kept);
  });
  it("without oncePer a false condition forgets the key (notify again on the next flip)", () => {
    const s = {};
    const k = deliveryKey("t", { key: "[0].x" }, dest);
    markNotified(s, k, 1);
    assert.ok(alreadyNotified(s, k));
    assert.equal(forgetFalse(s, "t", { key: "[0].x" }, dest), true);
    assert.ok(!alreadyNotified(s, k));
  });
  it("with oncePer a false condition keeps the key: one notification per value", () => {
    const s = {};
    const k = deliveryKey("t", { key: "[0].x", oncePer: "rev1" }, dest);
    markNotified(s, k, 1);
    assert.equal(forgetFalse(s, "t", { key: "[0].x" }, dest), false);
    assert.ok(alreadyNotified(s, k));
    assert.ok(!alreadyNotified(s, deliveryKey("t", { key: "[0].x", oncePer: "rev2" }, dest)));
  });
});
