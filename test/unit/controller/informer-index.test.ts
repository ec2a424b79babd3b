/**
 * Informer indexes: byIndex answers what a scan of the cache would, through adds, relabels, deletes and
 * relists, and an index added late is built from what is cached already.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Informer } from "../../../src/cluster/informer.js";
import type { ListerWatcher } from "../../../src/cluster/watch.js";
import type { KubeObject } from "../../../src/core/object.js";

const never: ListerWatcher = {
  list: () => new Promise(() => {}),
  // eslint-disable-next-line require-yield
  async *watch() {
    await new Promise(() => {});
  },
};

function obj(name: string, rv: number, app?: string): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "ns", resourceVersion: String(rv), ...(app ? { labels: { "plumb.dev/app": app } } : {}) } };
}

const byApp = (o: KubeObject): string[] => (o.metadata.labels?.["plumb.dev/app"] ? [o.metadata.labels["plumb.dev/app"]] : []);
const names = (objs: KubeObject[]): string[] => objs.map((o) => o.metadata.name).sort();

describe("informer indexes", () => {
  it("follow adds, relabels and deletes", () => {
    const inf = new Informer(never);
    inf.addIndex("app", byApp);
    inf.replace([obj("a", 1, "one"), obj("b", 1, "one"), obj("c", 1, "two"), obj("d", 1)]);
    assert.deepEqual(names(inf.byIndex("app", "one")), ["a", "b"]);
    assert.deepEqual(names(inf.byIndex("app", "two")), ["c"]);
    inf.apply("MODIFIED", obj("b", 2, "two"));
    assert.deepEqual(names(inf.byIndex("app", "one")), ["a"]);
    assert.deepEqual(names(inf.byIndex("app", "two")), ["b", "c"]);
    inf.apply("DELETED", obj("c", 3, "two"));
    assert.deepEqual(names(inf.byIndex("app", "two")), ["b"]);
    inf.apply("ADDED", obj("d", 4, "one"));
    assert.deepEqual(names(inf.byIndex("app", "one")), ["a", "d"]);
    assert.deepEqual(inf.byIndex("app", "none"), []);
  });

  it("follow a relist's deletes and updates", () => {
    const inf = new Informer(never);
    inf.addIndex("app", byApp);
    inf.replace([obj("a", 1, "one"), obj("b", 1, "one")]);
    inf.replace([obj("b", 2, "two"), obj("e", 2, "one")]);
    assert.deepEqual(names(inf.byIndex("app", "one")), ["e"]);
    assert.deepEqual(names(inf.byIndex("app", "two")), ["b"]);
  });

  it("an index added late is built from the cache; a second add of a name is a no-op", () => {
    const inf = new Informer(never);
    inf.replace([obj("a", 1, "one"), obj("b", 1, "two")]);
    inf.addIndex("app", byApp);
    inf.addIndex("app", () => ["other"]);
    assert.deepEqual(names(inf.byIndex("app", "one")), ["a"]);
    assert.throws(() => inf.byIndex("missing", "x"), /no index "missing"/);
  });

  it("agree with a scan of the cache after random changes", () => {
    const inf = new Informer(never);
    inf.addIndex("app", byApp);
    let rv = 1;
    let seed = 42;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let i = 0; i < 2000; i++) {
      const name = `o${rand(50)}`;
      const app = rand(4) === 0 ? undefined : `app${rand(5)}`;
      if (rand(5) === 0) inf.apply("DELETED", obj(name, ++rv, app));
      else inf.apply("MODIFIED", obj(name, ++rv, app));
    }
    for (let a = 0; a < 5; a++) {
      const scan = inf.list().filter((o) => o.metadata.labels?.["plumb.dev/app"] === `app${a}`);
      assert.deepEqual(names(inf.byIndex("app", `app${a}`)), names(scan));
    }
  });
});
