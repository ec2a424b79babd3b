/** The watch loops' backoff (pure) and what their failures log (watch-log.ts). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Backoff } from "../../../src/cluster/backoff.js";
import { REPEAT_EVERY, watchFailureLevel, watchLogHooks } from "../../../src/cluster/watch-log.js";

describe("Backoff", () => {
  it("doubles from the first delay up to the cap", () => {
    const b = new Backoff({ initialMs: 250, maxMs: 5000, jitter: 0 });
    const waits = Array.from({ length: 8 }, () => b.next());
    assert.deepEqual(waits, [250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
    assert.equal(b.failures, 8);
  });

  it("reset goes back to the first delay and returns the failures it ended", () => {
    const b = new Backoff({ initialMs: 250, maxMs: 5000, jitter: 0 });
    for (let i = 0; i < 6; i++) b.next();
    assert.equal(b.reset(), 6);
    assert.equal(b.currentMs, 250);
    assert.equal(b.next(), 250);
    assert.equal(b.reset(), 1);
    assert.equal(b.reset(), 0, "nothing to reset: 0");
  });

  it("spreads each wait by ±jitter", () => {
    const low = new Backoff({ initialMs: 1000, maxMs: 5000, jitter: 0.2 }, () => 0);
    const high = new Backoff({ initialMs: 1000, maxMs: 5000, jitter: 0.2 }, () => 1);
    assert.equal(low.next(), 800);
    assert.equal(high.next(), 1200);
    assert.equal(low.currentMs, 2000, "the jitter does not compound into the delay");
  });
});

describe("watch log", () => {
  it("warns on the first failure of an outage and every REPEAT_EVERY-th, else debug", () => {
    assert.equal(watchFailureLevel(1), "warn");
    assert.equal(watchFailureLevel(2), "debug");
    assert.equal(watchFailureLevel(REPEAT_EVERY - 1), "debug");
    assert.equal(watchFailureLevel(REPEAT_EVERY), "warn");
  });

  it("names the watch and the error, and logs the recovery", () => {
    const lines: Array<{ level: string; obj: Record<string, unknown>; msg: string }> = [];
    const log = {
      warn: (obj: object, msg: string) => lines.push({ level: "warn", obj: obj as Record<string, unknown>, msg }),
      info: (obj: object, msg: string) => lines.push({ level: "info", obj: obj as Record<string, unknown>, msg }),
      debug: (obj: object, msg: string) => lines.push({ level: "debug", obj: obj as Record<string, unknown>, msg }),
    };
    const hooks = watchLogHooks(log, { resource: "apps/deployments" });
    hooks.onError!(new Error("connect ECONNREFUSED 127.0.0.1:6443"), 1);
    hooks.onError!(new Error("connect ECONNREFUSED 127.0.0.1:6443"), 2);
    hooks.onRecover!(2);
    assert.deepEqual(lines.map((l) => `${l.level} ${l.msg}`), ["warn watch failed; retrying", "debug watch failed; retrying", "info watch resumed"]);
    assert.deepEqual(lines[0]!.obj, { resource: "apps/deployments", failures: 1, error: "connect ECONNREFUSED 127.0.0.1:6443" });
    assert.deepEqual(lines[2]!.obj, { resource: "apps/deployments", failures: 2 });
  });
});
