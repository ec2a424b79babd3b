/**
 * The informer against a fake API server: relists are diffed into adds, updates and deletes; a cut stream
 * resumes from the last resourceVersion; 410 Gone (as a status or an ERROR event) relists; the watchdog
 * reopens a silent stream; failures back off and the loop recovers when the server is back.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiError } from "../../../src/cluster/client.js";
import { diffRelist, Informer, objectKey } from "../../../src/cluster/informer.js";
import type { ListerWatcher, WatchEvent } from "../../../src/cluster/watch.js";
import { sleep } from "../../../src/core/concurrency.js";
import type { KubeObject } from "../../../src/core/object.js";
import { waitFor } from "../../helpers/wait.js";

function cm(name: string, rv: number | string, data = "x"): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default", resourceVersion: String(rv) }, data: { v: data } };
}

type Stream = { push(ev: WatchEvent): void; fail(err: Error): void; end(): void };

/** An in-memory API server for one kind: a change log with resourceVersions, compaction, and outages. */
class FakeApi implements ListerWatcher {
  rv = 100;
  objects = new Map<string, KubeObject>();
  log: Array<{ rv: number; ev: WatchEvent }> = [];
  compactedBefore = 0;
  /** How a too-old watch is refused: an HTTP 410, or an ERROR event in a 200 stream. */
  goneAs: "status" | "event" = "status";
  down = false;
  lists = 0;
  watchesFrom: string[] = [];
  private streams = new Set<Stream>();

  set(name: string, data = "x"): void {
    const type = this.objects.has(name) ? "MODIFIED" : "ADDED";
    const obj = cm(name, ++this.rv, data);
    this.objects.set(name, obj);
    this.record({ type, object: obj });
  }
  del(name: string): void {
    const obj = { ...this.objects.get(name)!, metadata: { ...this.objects.get(name)!.metadata, resourceVersion: String(++this.rv) } };
    this.objects.delete(name);
    this.record({ type: "DELETED", object: obj });
  }
  bookmark(): void {
    for (const s of this.streams) s.push({ type: "BOOKMARK", object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "", resourceVersion: String(++this.rv) } } });
  }
  compact(): void {
    this.compactedBefore = this.rv;
  }
  /** Ends every open stream: normally (server timeout) or with an error (connection reset). */
  cut(err?: Error): void {
    for (const s of this.streams) {
      if (err) s.fail(err);
      else s.end();
    }
  }
  private record(ev: WatchEvent): void {
    this.log.push({ rv: this.rv, ev });
    for (const s of this.streams) s.push(ev);
  }
  private check(): void {
    if (this.down) throw new ApiError(0, "ConnectionError", "connect ECONNREFUSED");
  }

  async list(): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    this.check();
    this.lists++;
    return { items: [...this.objects.values()], resourceVersion: String(this.rv) };
  }

  async *watch(resourceVersion: string, _timeout: number, signal: AbortSignal, opened?: () => void): AsyncGenerator<WatchEvent> {
    this.check();
    this.watchesFrom.push(resourceVersion);
    opened?.();
    const from = Number(resourceVersion);
    if (from < this.compactedBefore) {
      if (this.goneAs === "status") throw new ApiError(410, "Expired", "too old resource version");
      yield { type: "ERROR", object: { apiVersion: "v1", kind: "Status", metadata: { name: "" }, code: 410, reason: "Expired", message: "too old resource version" } };
      return;
    }
    const pending: WatchEvent[] = this.log.filter((e) => e.rv > from).map((e) => e.ev);
    let wake: () => void = () => {};
    let ended = false;
    let failure: Error | undefined;
    const stream: Stream = {
      push: (ev) => (pending.push(ev), wake()),
      fail: (err) => ((failure = err), wake()),
      end: () => ((ended = true), wake()),
    };
    this.streams.add(stream);
    const onAbort = (): void => wake();
    signal.addEventListener("abort", onAbort);
    try {
      for (;;) {
        if (signal.aborted) throw new Error("The operation was aborted");
        if (failure) throw failure;
        const ev = pending.shift();
        if (ev) yield ev;
        else if (ended) return;
        else await new Promise<void>((r) => (wake = r));
      }
    } finally {
      this.streams.delete(stream);
      signal.removeEventListener("abort", onAbort);
    }
  }
}

/** A beforeWatch hook that holds reconnects while closed. */
function gate(): { hook: () => Promise<void>; close(): void; open(): void; waiting(): boolean } {
  let closed = false;
  let release: () => void = () => {};
  let held = false;
  return {
    hook: async () => {
      if (!closed) return;
      held = true;
      await new Promise<void>((r) => (release = r));
      held = false;
    },
    close: () => (closed = true),
    open: () => ((closed = false), release()),
    waiting: () => held,
  };
}

/** An informer on a fake API with a log of its events. */
function harness(api: FakeApi, opts: ConstructorParameters<typeof Informer>[1] = {}): { informer: Informer; events: string[] } {
  const informer = new Informer(api, { backoff: { initialMs: 10, maxMs: 80, jitter: 0 }, ...opts });
  const events: string[] = [];
  informer.on("add", (o) => events.push(`add ${o.metadata.name}`));
  informer.on("update", (old, o) => events.push(`update ${o.metadata.name} ${String(old.data && (old.data as { v: string }).v)}→${(o.data as { v: string }).v}`));
  informer.on("delete", (o) => events.push(`delete ${o.metadata.name}`));
  return { informer, events };
}

const names = (i: Informer): string[] => i.list().map((o) => o.metadata.name).sort();

describe("diffRelist", () => {
  it("reports list-only objects as added, changed versions as updated, cache-only objects as deleted", () => {
    const cache = new Map([cm("same", 1), cm("changed", 2, "old"), cm("gone", 3)].map((o) => [objectKey(o), o]));
    const diff = diffRelist(cache, [cm("same", 1), cm("changed", 5, "new"), cm("new", 6)]);
    assert.deepEqual(diff.added.map((o) => o.metadata.name), ["new"]);
    assert.deepEqual(diff.updated.map((u) => [u.old.metadata.resourceVersion, u.obj.metadata.resourceVersion]), [["2", "5"]]);
    assert.deepEqual(diff.deleted.map((o) => o.metadata.name), ["gone"]);
  });

  it("an empty list deletes everything; an empty cache adds everything", () => {
    const cache = new Map([cm("a", 1), cm("b", 2)].map((o) => [objectKey(o), o]));
    assert.deepEqual(diffRelist(cache, []).deleted.map((o) => o.metadata.name), ["a", "b"]);
    assert.deepEqual(diffRelist(new Map(), [cm("a", 1)]).added.map((o) => o.metadata.name), ["a"]);
  });

  it("keys objects by namespace too", () => {
    const a = cm("a", 1);
    const other = { ...cm("a", 1), metadata: { ...cm("a", 1).metadata, namespace: "other" } };
    const diff = diffRelist(new Map([[objectKey(a), a]]), [other]);
    assert.equal(diff.added.length, 1);
    assert.equal(diff.deleted.length, 1);
  });
});

describe("Informer over list+watch", () => {
  it("lists, syncs, then applies watch events; bookmarks move the resourceVersion on", async () => {
    const api = new FakeApi();
    api.set("a");
    const { informer, events } = harness(api);
    informer.start();
    await informer.synced;
    assert.equal(informer.hasSynced, true);
    api.set("b");
    api.set("a", "y");
    api.del("b");
    await waitFor("three events", async () => events.length === 4 || undefined, 1000, 5);
    assert.deepEqual(events, ["add a", "add b", "update a x→y", "delete b"]);
    assert.deepEqual(names(informer), ["a"]);
    assert.equal(informer.get("/ConfigMap/default/a")?.metadata.resourceVersion, String(api.objects.get("a")!.metadata.resourceVersion));
    assert.ok(informer.get({ group: "", kind: "ConfigMap", namespace: "default", name: "a" }));
    api.bookmark();
    await waitFor("the bookmark", async () => informer.stats.bookmarks === 1 || undefined, 1000, 5);
    assert.equal(informer.stats.resourceVersion, String(api.rv));
    await informer.stop();
  });

  it("re-watches from the last resourceVersion after the stream ends, missing no delete and not relisting", async () => {
    const api = new FakeApi();
    api.set("a");
    api.set("b");
    const g = gate();
    const { informer, events } = harness(api, { beforeWatch: g.hook });
    informer.start();
    await informer.synced;
    await waitFor("the watch", async () => api.watchesFrom.length === 1 || undefined, 1000, 5);
    g.close();
    api.cut(new Error("read ECONNRESET"));
    await waitFor("the reconnect to be held", async () => g.waiting() || undefined, 1000, 5);
    api.del("a");
    api.set("c");
    g.open();
    await waitFor("the missed events", async () => events.length === 4 || undefined, 1000, 5);
    assert.deepEqual(events.slice(2), ["delete a", "add c"]);
    assert.equal(api.lists, 1, "no relist");
    assert.equal(api.watchesFrom[1], api.watchesFrom[0], "resumed from the last version seen");
    informer.disconnect();
    await waitFor("a third watch", async () => api.watchesFrom.length === 3 || undefined, 1000, 5);
    api.cut();
    await waitFor("a fourth watch after a server-side close", async () => api.watchesFrom.length === 4 || undefined, 1000, 5);
    assert.equal(api.lists, 1);
    await informer.stop();
  });

  for (const goneAs of ["status", "event"] as const) {
    it(`relists on 410 Gone (as ${goneAs === "status" ? "the HTTP status" : "an ERROR event"}) and reports the differences`, async () => {
      const api = new FakeApi();
      api.goneAs = goneAs;
      api.set("keep");
      api.set("change");
      api.set("delete");
      const g = gate();
      const { informer, events } = harness(api, { beforeWatch: g.hook });
      informer.start();
      await informer.synced;
      await waitFor("the watch", async () => api.watchesFrom.length === 1 || undefined, 1000, 5);
      g.close();
      api.bookmark();
      await waitFor("the bookmark", async () => informer.stats.bookmarks === 1 || undefined, 1000, 5);
      api.cut();
      await waitFor("the reconnect to be held", async () => g.waiting() || undefined, 1000, 5);
      api.del("delete");
      api.set("change", "y");
      api.set("new");
      api.compact();
      events.length = 0;
      g.open();
      await waitFor("the relist", async () => informer.stats.relists === 1 || undefined, 1000, 5);
      assert.deepEqual(events.sort(), ["add new", "delete delete", "update change x→y"]);
      assert.deepEqual(names(informer), ["change", "keep", "new"]);
      assert.equal(informer.stats.gones, 1);
      assert.equal(informer.stats.errors, 0, "one 410 is not an error");
      assert.equal(api.lists, 2);
      await informer.stop();
    });
  }

  it("the watchdog reopens a stream that is silent for stallMs, and changes are seen after", async () => {
    const api = new FakeApi();
    const { informer, events } = harness(api, { stallMs: 60 });
    informer.start();
    await informer.synced;
    await waitFor("two stalls", async () => informer.stats.stalls >= 2 || undefined, 2000, 10);
    assert.ok(api.watchesFrom.length >= 3);
    assert.equal(api.lists, 1, "a stall re-watches, it does not relist");
    api.set("late");
    await waitFor("the late add", async () => events.includes("add late") || undefined, 1000, 5);
    await informer.stop();
  });

  it("bookmarks keep a quiet stream from being taken for stalled", async () => {
    const api = new FakeApi();
    const { informer } = harness(api, { stallMs: 80 });
    informer.start();
    await informer.synced;
    for (let i = 0; i < 8; i++) {
      await sleep(25);
      api.bookmark();
    }
    assert.equal(informer.stats.stalls, 0);
    await informer.stop();
  });

  it("backs off while the API server is down and recovers when it is back", async () => {
    const api = new FakeApi();
    api.set("a");
    api.down = true;
    const errors: unknown[] = [];
    const { informer, events } = harness(api, { onError: (e) => errors.push(e) });
    informer.start();
    await sleep(120);
    assert.equal(informer.hasSynced, false);
    // Backoff 10, 20, 40, 80 ms: about four tries in 120 ms, not a busy loop.
    assert.ok(errors.length >= 3 && errors.length <= 5, `${errors.length} tries`);
    api.down = false;
    await informer.synced;
    assert.deepEqual(events, ["add a"]);
    // Down again during the watch: the stream breaks, reconnects fail, then resume from the last version.
    await waitFor("the watch", async () => api.watchesFrom.length >= 1 || undefined, 1000, 5);
    const before = informer.stats.errors;
    api.down = true;
    api.cut(new Error("socket hang up"));
    api.set("b");
    await sleep(60);
    assert.ok(informer.stats.errors >= before + 2, "the broken stream and at least one refused reconnect");
    api.down = false;
    await waitFor("the add made during the outage", async () => events.includes("add b") || undefined, 1000, 5);
    assert.equal(api.lists, 1, "resumed by watch, no relist");
    await informer.stop();
  });

  it("resets the backoff once the server accepts a watch, even if nothing happens on it; tells the recovery", async (t) => {
    const api = new FakeApi();
    api.set("a");
    const failures: number[] = [];
    const recoveries: number[] = [];
    const { informer } = harness(api, { backoff: { initialMs: 10, maxMs: 1000, jitter: 0 }, onError: (_e, n) => failures.push(n), onRecover: (n) => recoveries.push(n) });
    t.after(() => informer.stop());
    informer.start();
    await informer.synced;
    await waitFor("the watch", async () => api.watchesFrom.length >= 1 || undefined, 1000, 5);
    // An outage long enough to grow the delay: 10, 20, 40, 80, 160 ms …
    api.down = true;
    api.cut(new Error("socket hang up"));
    await waitFor("the delay to grow past 80 ms", async () => informer.stats.backoffMs >= 160 || undefined, 3000, 5);
    assert.deepEqual(failures.slice(0, 3), [1, 2, 3], "failures are counted in a row");
    const watches = api.watchesFrom.length;
    api.down = false;
    // The server is back and accepts the watch; the cluster is quiet (no event, no bookmark).
    await waitFor("the watch to be accepted again", async () => api.watchesFrom.length > watches || undefined, 3000, 5);
    assert.equal(informer.stats.backoffMs, 10, "an accepted watch resets the backoff to its first delay");
    assert.equal(recoveries.length, 1, "the recovery is told once");
    assert.ok(recoveries[0]! >= 4, `with the failures it ended (${recoveries[0]})`);
    // A second outage starts again from the first delay, not where the first one left off.
    const before = informer.stats.errors;
    api.down = true;
    api.cut(new Error("socket hang up"));
    await waitFor("the second outage", async () => informer.stats.errors > before || undefined, 1000, 2);
    assert.equal(failures.at(-1), 1, "the second outage's first failure is number 1 again");
    assert.ok(informer.stats.backoffMs <= 20, `its next delay is the second one (${informer.stats.backoffMs} ms)`);
    await informer.stop();
  });

  it("a throwing handler does not keep the others from the event", async () => {
    const api = new FakeApi();
    const seen: string[] = [];
    const informer = new Informer(api, { onHandlerError: (err, ev, obj) => seen.push(`error ${ev} ${obj.metadata.name}: ${(err as Error).message}`) });
    informer.on("add", () => {
      throw new Error("bad consumer");
    });
    const off = informer.on("add", (o) => seen.push(`add ${o.metadata.name}`));
    informer.start();
    await informer.synced;
    api.set("a");
    await waitFor("the add", async () => seen.length === 2 || undefined, 1000, 5);
    assert.deepEqual(seen, ["error add a: bad consumer", "add a"]);
    off();
    api.set("b");
    await waitFor("the next add", async () => informer.size === 2 || undefined, 1000, 5);
    assert.equal(seen.length, 3, "the removed handler is not called");
    await informer.stop();
  });
});
