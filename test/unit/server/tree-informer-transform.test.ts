/**
 * The informer's `transform` option (added for the resource tree's caches): every listed and watched object
 * is transformed before it is cached and before handlers see it, and a relist of unchanged objects is still
 * recognised as unchanged (the transform keeps resourceVersion).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Informer } from "../../../src/cluster/informer.js";
import type { ListerWatcher, WatchEvent } from "../../../src/cluster/watch.js";
import type { KubeObject } from "../../../src/core/object.js";
import { waitFor } from "../../helpers/wait.js";

function pod(name: string, rv: number): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "ns", resourceVersion: String(rv), managedFields: [{ manager: "kubelet" }] }, spec: { containers: [{ name: "a", env: [{ name: "X", value: "1" }] }] } };
}

/** Lists `items`; the watch yields what `push` sends until `end`. */
function fakeLW(items: KubeObject[]): ListerWatcher & { push(ev: WatchEvent): void; lists: number } {
  const queue: WatchEvent[] = [];
  let wake: (() => void) | undefined;
  const lw = {
    lists: 0,
    push(ev: WatchEvent) {
      queue.push(ev);
      wake?.();
    },
    async list() {
      lw.lists++;
      return { items, resourceVersion: "10" };
    },
    async *watch(_rv: string, _t: number, signal: AbortSignal): AsyncGenerator<WatchEvent> {
      while (!signal.aborted) {
        if (queue.length > 0) {
          yield queue.shift()!;
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          signal.addEventListener("abort", () => resolve(), { once: true });
        });
      }
    },
  };
  return lw;
}

const strip = (o: KubeObject): KubeObject => ({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, namespace: o.metadata.namespace, resourceVersion: o.metadata.resourceVersion } });

describe("informer transform", () => {
  it("caches and hands out transformed objects, from the list and from the watch", async () => {
    const lw = fakeLW([pod("a", 5)]);
    const informer = new Informer(lw, { transform: strip });
    const seen: KubeObject[] = [];
    informer.on("add", (o) => seen.push(o));
    informer.on("update", (_old, o) => seen.push(o));
    informer.start();
    try {
      await informer.synced;
      assert.deepEqual(informer.get("/Pod/ns/a"), { apiVersion: "v1", kind: "Pod", metadata: { name: "a", namespace: "ns", resourceVersion: "5" } });
      lw.push({ type: "ADDED", object: pod("b", 11) });
      lw.push({ type: "MODIFIED", object: pod("a", 12) });
      await waitFor("two more events", async () => seen.length === 3, 2000, 5);
      for (const o of [...seen, ...informer.list()]) {
        assert.equal(o.metadata.managedFields, undefined, `${o.metadata.name}: no managedFields`);
        assert.equal(o.spec, undefined, `${o.metadata.name}: no spec`);
      }
      assert.equal(informer.get("/Pod/ns/a")?.metadata.resourceVersion, "12");
      lw.push({ type: "DELETED", object: pod("b", 13) });
      await waitFor("the delete", async () => informer.size === 1, 2000, 5);
    } finally {
      await informer.stop();
    }
  });

  it("a relist of unchanged objects reports no update though the cached copies differ from the listed ones", () => {
    const informer = new Informer(fakeLW([]), { transform: strip });
    const updates: string[] = [];
    informer.on("update", (_old, o) => updates.push(o.metadata.name));
    informer.replace([pod("a", 5), pod("b", 6)]);
    informer.replace([pod("a", 5), pod("b", 7)]);
    assert.deepEqual(updates, ["b"]);
    assert.equal(informer.get("/Pod/ns/b")?.spec, undefined);
  });

  it("without a transform, objects are cached as sent", () => {
    const informer = new Informer(fakeLW([]));
    informer.replace([pod("a", 5)]);
    assert.ok(informer.get("/Pod/ns/a")?.metadata.managedFields);
  });
});
