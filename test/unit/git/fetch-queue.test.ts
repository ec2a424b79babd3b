/**
 * When fetches run: one running and one waiting per repository, and two pools of slots so that stuck
 * fetches of failing repositories never take the slots of healthy ones. Jobs here are promises the test
 * ends by hand — the queue only schedules, it does no I/O.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { FetchQueue, type PoolName } from "../../../src/git/fetch-queue.js";

/** A promise with its resolve/reject, and whether its job has been started. */
function gate<T = string>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise((r) => setImmediate(r));

describe("FetchQueue", () => {
  it("coalesces: askers join the waiting job; one asked while a job runs gets the next, which waits for it", async () => {
    const q = new FetchQueue<string>(4, () => "healthy");
    const first = gate();
    const started: string[] = [];
    const a = q.next("repo", () => (started.push("a"), first.promise));
    assert.equal(q.next("repo", () => Promise.resolve("never")), a, "a second asker joins the job that has not begun");
    await settle();
    assert.deepEqual(started, ["a"]);
    assert.equal(q.running("repo"), a);
    assert.equal(q.waiting("repo"), undefined);

    const b = q.next("repo", () => (started.push("b"), Promise.resolve("b")));
    assert.notEqual(b, a, "a job that began may have missed a push: the asker gets the next one");
    assert.equal(q.next("repo", () => Promise.resolve("never")), b);
    await settle();
    assert.deepEqual(started, ["a"], "the next job waits for the running one of its repository");
    first.resolve("a");
    assert.equal(await a.promise, "a");
    assert.equal(await b.promise, "b");
    assert.deepEqual(started, ["a", "b"]);
    assert.equal(q.running("repo"), undefined);
  });

  it("jobs stuck in the probation pool never hold the slots a healthy repository needs", async () => {
    const pools = new Map<string, PoolName>([["healthy", "healthy"]]);
    const q = new FetchQueue<string>(2, (key) => pools.get(key) ?? "probation");
    const stuck = Array.from({ length: 5 }, () => gate());
    const startedStuck: number[] = [];
    const hanging = stuck.map((g, i) => q.next(`hanging-${i}`, () => (startedStuck.push(i), g.promise)));
    await settle();
    assert.deepEqual(startedStuck, [0, 1], "two probation slots, taken by the first two");
    assert.deepEqual(q.inUse(), { healthy: 0, probation: 2 });

    const healthy = q.next("healthy", () => Promise.resolve("fetched"));
    assert.equal(await healthy.promise, "fetched", "the healthy repository's job ran while all probation slots are stuck");
    assert.deepEqual(startedStuck, [0, 1]);

    stuck[0]!.reject(new Error("cut by the low-speed limit"));
    await assert.rejects(hanging[0]!.promise, /low-speed/);
    await settle();
    assert.deepEqual(startedStuck, [0, 1, 2], "a freed probation slot goes to the next probation job");
    for (const g of stuck) g.resolve("late");
    await Promise.all(hanging.slice(1).map((h) => h.promise));
    assert.deepEqual(q.inUse(), { healthy: 0, probation: 0 });
  });

  it("a job's pool is chosen when it is about to wait for a slot, after its repository's previous job ended", async () => {
    const pools = new Map<string, PoolName>([["repo", "healthy"]]);
    const q = new FetchQueue<string>(1, (key) => pools.get(key) ?? "probation");
    const first = gate();
    const a = q.next("repo", () => first.promise);
    await settle();
    const seen: Array<Record<PoolName, number>> = [];
    const b = q.next("repo", () => (seen.push(q.inUse()), Promise.resolve("b")));
    pools.set("repo", "probation"); // what the first job's failure does in mirror.ts
    first.reject(new Error("failed"));
    await assert.rejects(a.promise);
    assert.equal(await b.promise, "b");
    assert.deepEqual(seen, [{ healthy: 0, probation: 1 }]);
  });
});
