/**
 * The work queue keeps client-go's promises: a key waits once however often it is added, is never held by
 * two workers, is re-queued when it changed while processed, backs off per key, and shuts down cleanly.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sleep } from "../../../src/core/concurrency.js";
import { WorkQueue, DURATION_BUCKETS } from "../../../src/controller/queue.js";

describe("WorkQueue", () => {
  it("de-duplicates a key that is already waiting, keeping arrival order", async () => {
    const q = new WorkQueue();
    q.add("a");
    q.add("b");
    q.add("a");
    q.add("b");
    assert.equal(q.length, 2);
    assert.equal(q.metrics().adds, 2);
    assert.equal(await q.get(), "a");
    assert.equal(await q.get(), "b");
    assert.equal(q.metrics().depth, 0);
    assert.equal(q.metrics().processing, 2);
  });

  it("never hands a key being processed to a second worker, and re-queues it on done when added meanwhile", async () => {
    const q = new WorkQueue();
    q.add("a");
    assert.equal(await q.get(), "a");
    q.add("a");
    q.add("a");
    assert.equal(q.length, 0, "a dirty key under processing waits outside the queue");
    let second: string | undefined;
    const waiting = q.get().then((k) => (second = k));
    await sleep(30);
    assert.equal(second, undefined, "no second worker gets it while it is processed");
    q.done("a");
    assert.equal(await waiting, "a", "re-queued on done and handed to the waiting worker");
    q.done("a");
    assert.equal(q.length, 0, "not re-queued when nobody added it meanwhile");
    assert.equal(q.metrics().adds, 2, "the two adds during processing count once");
  });

  it("a waiting worker is handed a key as soon as it is added", async () => {
    const q = new WorkQueue();
    const got = q.get();
    q.add("x");
    assert.equal(await got, "x");
  });

  it("addAfter queues the key after the delay, the earliest deadline winning", async () => {
    const q = new WorkQueue();
    const t0 = Date.now();
    q.addAfter("a", 800);
    q.addAfter("a", 40);
    q.addAfter("a", 1000);
    assert.equal(q.metrics().delayed, 1);
    assert.equal(q.length, 0);
    assert.equal(await q.get(), "a");
    const waited = Date.now() - t0;
    assert.ok(waited >= 35 && waited < 700, `waited ${waited} ms: the 40 ms deadline, not 800`);
    q.done("a");
    await sleep(1100);
    assert.equal(q.length, 0, "the later deadlines were dropped");
    await q.shutDown();
  });

  it("backs off per key exponentially up to the cap, and forget resets it", async () => {
    // Delays big enough that a loaded machine's timer lateness (tens of ms) cannot blur the steps:
    // 100, 200, 400, then capped at 400 where doubling would give 800 and 1600.
    const q = new WorkQueue({ baseDelayMs: 100, maxDelayMs: 400 });
    const delayOf = async (key: string): Promise<number> => {
      const t0 = Date.now();
      q.addRateLimited(key);
      const got = await q.get();
      q.done(got!);
      return Date.now() - t0;
    };
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) delays.push(await delayOf("k"));
    assert.equal(q.numRequeues("k"), 5);
    assert.ok(delays[0]! >= 95, `first ${delays[0]}`);
    assert.ok(delays[1]! >= 195, `second ${delays[1]}`);
    assert.ok(delays[2]! >= 395, `third ${delays[2]}`);
    assert.ok(delays[4]! >= 395 && delays[4]! < 1000, `capped at 400, not 1600: ${delays[4]}`);
    assert.equal(q.numRequeues("other"), 0, "per key");
    q.forget("k");
    assert.equal(q.numRequeues("k"), 0);
    const again = await delayOf("k");
    assert.ok(again < 350, `after forget back to 100, not 400: ${again}`);
    assert.equal(q.metrics().retries, 6);
    await q.shutDown();
  });

  it("run: a failing handler is retried rate-limited, a success forgets the failures", async () => {
    const errors: string[] = [];
    const q = new WorkQueue({ baseDelayMs: 5, onError: (key, err) => errors.push(`${key}: ${(err as Error).message}`) });
    let calls = 0;
    const running = q.run(1, async (key) => {
      calls++;
      if (calls < 3) throw new Error(`boom ${calls}`);
      assert.equal(q.numRequeues(key), 2, "two failures counted before the success");
    });
    q.add("a");
    while (calls < 3) await sleep(5);
    await sleep(5);
    assert.equal(q.numRequeues("a"), 0, "forgotten after success");
    assert.deepEqual(errors, ["a: boom 1", "a: boom 2"]);
    await q.shutDown();
    await running;
    const m = q.metrics();
    assert.equal(m.processed, 3);
    assert.equal(m.failures, 2);
    assert.equal(m.retries, 2);
  });

  it("run: N workers process different keys in parallel, never one key twice at once", async () => {
    const q = new WorkQueue();
    let inFlight = 0;
    let peak = 0;
    const active = new Set<string>();
    const seen: string[] = [];
    const running = q.run(3, async (key) => {
      assert.equal(active.has(key), false, `${key} is processed twice at once`);
      active.add(key);
      inFlight++;
      peak = Math.max(peak, inFlight);
      seen.push(key);
      await sleep(40);
      if (key === "a" && seen.filter((k) => k === "a").length === 1) q.add("a");
      inFlight--;
      active.delete(key);
    });
    for (const k of ["a", "b", "c", "d", "e", "f"]) q.add(k);
    q.add("a");
    while (q.metrics().processed < 7) await sleep(5);
    assert.equal(peak, 3, "three workers busy at once");
    assert.equal(seen.filter((k) => k === "a").length, 2, "a re-run once, after it was added during processing");
    await q.shutDown();
    await running;
  });

  it("shutDown stops handing out keys, drops delayed ones and waits for running handlers", async () => {
    const q = new WorkQueue();
    let finished = 0;
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    let started = 0;
    const running = q.run(2, async () => {
      started++;
      await gate;
      finished++;
    });
    q.add("a");
    q.add("b");
    q.add("c");
    q.addAfter("d", 20);
    while (started < 2) await sleep(1);
    let stopped = false;
    const stopping = q.shutDown().then(() => (stopped = true));
    await sleep(50);
    assert.equal(stopped, false, "shutDown waits while handlers run");
    open();
    await stopping;
    assert.equal(finished, 2, "a and b finished; c was never handed out");
    await running;
    assert.equal(await q.get(), undefined);
    q.add("e");
    assert.equal(q.length, 0, "queued keys were dropped and adds after shutdown are ignored");
    assert.equal(q.metrics().delayed, 0);
    assert.equal(q.shuttingDown, true);
  });

  it("records work durations and queue latency as histograms", async () => {
    const q = new WorkQueue();
    q.add("a");
    await sleep(20);
    const key = await q.get();
    await sleep(30);
    q.done(key!);
    const m = q.metrics();
    assert.equal(m.workDuration.count, 1);
    assert.ok(m.workDuration.sumSeconds >= 0.025, `work ${m.workDuration.sumSeconds}`);
    assert.equal(m.workDuration.buckets.length, DURATION_BUCKETS.length);
    assert.equal(m.workDuration.buckets[DURATION_BUCKETS.indexOf(0.01)], 0, "not ≤ 10 ms");
    assert.equal(m.workDuration.buckets[DURATION_BUCKETS.indexOf(0.1)], 1, "≤ 100 ms");
    assert.ok(m.queueLatency.sumSeconds >= 0.015, `latency ${m.queueLatency.sumSeconds}`);
  });
});
