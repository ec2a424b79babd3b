/**
 * The watch layer against a real API server: an informer sees labelled ConfigMaps change within a second
 * and nothing else; it survives a cut connection, a 410 Gone and a silent stream without its cache ever
 * going wrong; the factory shares one informer per type among its consumers.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { KubeClient } from "../../src/cluster/client.js";
import type { ResourceInfo } from "../../src/cluster/discovery.js";
import { Informer, InformerFactory, type InformerOptions } from "../../src/cluster/informer.js";
import { Resources } from "../../src/cluster/resources.js";
import { resourceListerWatcher, type ListerWatcher } from "../../src/cluster/watch.js";
import type { KubeObject } from "../../src/core/object.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { resourcesFor } from "../helpers/cluster.js";
import { waitFor } from "../helpers/wait.js";

const LABEL = "plumb.dev/app";

function configMap(name: string, app: string | undefined, value = "1"): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default", ...(app ? { labels: { [LABEL]: app } } : {}) }, data: { value } };
}

/** An event as seen by a consumer, with the time it arrived. */
interface Seen {
  what: string;
  at: number;
}

describe("informer on the local control plane", { timeout: 300_000 }, () => {
  let cluster: LocalCluster;
  let resources: Resources;
  let info: ResourceInfo;
  const open: Array<{ informer: Informer; client: KubeClient }> = [];

  before(async () => {
    cluster = await startLocalCluster({ name: "e2e-informer", nodes: 1 });
    resources = await resourcesFor(cluster);
    info = await resources.discovery.resourceFor("v1", "ConfigMap");
  });
  after(async () => {
    for (const { informer, client } of open) {
      await informer.stop();
      client.close();
    }
    resources?.client.close();
    await cluster?.stop();
  });

  /** A started informer on ConfigMaps labelled plumb.dev/app=`app`, on a client of its own (so its sockets can be cut). */
  async function informerFor(app: string, opts: InformerOptions = {}, lw?: ListerWatcher): Promise<{ informer: Informer; client: KubeClient; seen: Seen[] }> {
    const client = await KubeClient.fromKubeConfig(cluster.kubeConfig);
    const options: InformerOptions = { labelSelector: `${LABEL}=${app}`, backoff: { initialMs: 50, maxMs: 1000, jitter: 0.2 }, ...opts };
    const informer = new Informer(lw ?? resourceListerWatcher(new Resources(client, resources.discovery), info, options), options);
    const seen: Seen[] = [];
    informer.on("add", (o) => seen.push({ what: `add ${o.metadata.name}`, at: Date.now() }));
    informer.on("update", (_, o) => seen.push({ what: `update ${o.metadata.name} ${(o.data as { value: string }).value}`, at: Date.now() }));
    informer.on("delete", (o) => seen.push({ what: `delete ${o.metadata.name}`, at: Date.now() }));
    open.push({ informer, client });
    informer.start();
    await informer.synced;
    return { informer, client, seen };
  }

  /** Waits for the event and returns how long after `since` it arrived. */
  async function latency(seen: Seen[], what: string, since: number): Promise<number> {
    const ev = await waitFor(`"${what}"`, async () => seen.find((s) => s.what === what), 5000, 20);
    return ev.at - since;
  }

  /** The names the API server lists for the label value, for comparison with the cache. */
  async function serverNames(app: string): Promise<string[]> {
    return (await resources.listResource(info, { labelSelector: `${LABEL}=${app}` })).items.map((o) => o.metadata.name).sort();
  }
  const cacheNames = (i: Informer): string[] => i.list().map((o) => o.metadata.name).sort();

  /** A beforeWatch hook that holds the next reconnect while armed. */
  function gate(): { hook: () => Promise<void>; arm(): void; held(): boolean; release(): void } {
    let armed = false;
    let holding = false;
    let release: () => void = () => {};
    return {
      hook: async () => {
        if (!armed) return;
        armed = false;
        holding = true;
        await new Promise<void>((r) => (release = r));
        holding = false;
      },
      arm: () => (armed = true),
      held: () => holding,
      release: () => release(),
    };
  }

  /**
   * Wraps a ListerWatcher so that, once armed, its next watch answers as the API server does for a compacted
   * resourceVersion: an ERROR event carrying a Status with code 410. (A fresh local cluster serves even
   * resourceVersion 1 from its watch cache, so a real 410 cannot be provoked in a test of seconds.)
   */
  function injectGone(lw: ListerWatcher): { lw: ListerWatcher; arm(): void } {
    let armed = false;
    return {
      arm: () => (armed = true),
      lw: {
        list: () => lw.list(),
        async *watch(rv, timeout, signal) {
          if (armed) {
            armed = false;
            const status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: `too old resource version: ${rv}`, reason: "Expired", code: 410 };
            yield { type: "ERROR", object: status as unknown as KubeObject };
            return;
          }
          yield* lw.watch(rv, timeout, signal);
        },
      },
    };
  }

  it("sees creates, updates and deletes of labelled ConfigMaps within a second, and ignores unlabelled ones", async () => {
    await resources.apply(configMap("pre-existing", "story"));
    const { informer, seen } = await informerFor("story");
    assert.deepEqual(seen.map((s) => s.what), ["add pre-existing"], "the first list is reported as adds");

    let t = Date.now();
    await resources.apply(configMap("web", "story"));
    assert.ok((await latency(seen, "add web", t)) < 1000);
    t = Date.now();
    await resources.apply(configMap("web", "story", "2"));
    assert.ok((await latency(seen, "update web 2", t)) < 1000);
    await resources.apply(configMap("unlabelled", undefined));
    await resources.apply(configMap("other-app", "someone-else"));
    t = Date.now();
    await resources.delete({ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "web" });
    assert.ok((await latency(seen, "delete web", t)) < 1000);

    assert.equal(seen.some((s) => /unlabelled|other-app/.test(s.what)), false, "objects outside the selector are not seen");
    assert.deepEqual(cacheNames(informer), ["pre-existing"]);
    assert.ok(informer.get("/ConfigMap/default/pre-existing"));
    assert.equal(informer.get("/ConfigMap/default/unlabelled"), undefined);
  });

  it("resumes after its connection is cut, without missing a delete made meanwhile and without relisting", async () => {
    const g = gate();
    await resources.apply(configMap("cut-a", "cut"));
    await resources.apply(configMap("cut-b", "cut"));
    const { informer, client, seen } = await informerFor("cut", { beforeWatch: g.hook });
    await waitFor("the watch to open", async () => informer.stats.watches >= 1 || undefined, 5000, 20);
    g.arm();
    client.close(); // destroys the agent's sockets, the watch's included
    await waitFor("the informer to try to reconnect", async () => g.held() || undefined, 10_000, 20);
    await resources.delete({ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "cut-a" });
    await resources.apply(configMap("cut-b", "cut", "2"));
    g.release();
    await latency(seen, "delete cut-a", Date.now());
    await latency(seen, "update cut-b 2", Date.now());
    assert.ok(informer.stats.watches >= 2, "a new watch was opened");
    assert.equal(informer.stats.lists, 1, "resumed from its resourceVersion: no relist");
    assert.deepEqual(cacheNames(informer), await serverNames("cut"));
    // Still live after the reconnect.
    const t = Date.now();
    await resources.apply(configMap("cut-c", "cut"));
    assert.ok((await latency(seen, "add cut-c", t)) < 1000);
  });

  it("relists on 410 Gone and reports what changed while the watch was gone, deletes included", async () => {
    const g = gate();
    for (const n of ["gone-keep", "gone-change", "gone-delete"]) await resources.apply(configMap(n, "gone"));
    const gone = injectGone(resourceListerWatcher(resources, info, { labelSelector: `${LABEL}=gone` }));
    const { informer, seen } = await informerFor("gone", { beforeWatch: g.hook }, gone.lw);
    await waitFor("the watch to open", async () => informer.stats.watches >= 1 || undefined, 5000, 20);
    g.arm();
    gone.arm();
    informer.disconnect();
    await waitFor("the informer to try to reconnect", async () => g.held() || undefined, 5000, 20);
    await resources.delete({ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "gone-delete" });
    await resources.apply(configMap("gone-change", "gone", "2"));
    await resources.apply(configMap("gone-new", "gone"));
    seen.length = 0;
    g.release();
    await waitFor("the relist", async () => informer.stats.relists === 1 || undefined, 10_000, 20);
    assert.equal(informer.stats.gones, 1);
    assert.equal(informer.stats.lists, 2);
    assert.deepEqual(seen.map((s) => s.what).sort(), ["add gone-new", "delete gone-delete", "update gone-change 2"]);
    assert.deepEqual(cacheNames(informer), await serverNames("gone"));
    assert.deepEqual(cacheNames(informer), ["gone-change", "gone-keep", "gone-new"]);
    const t = Date.now();
    await resources.delete({ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "gone-keep" });
    assert.ok((await latency(seen, "delete gone-keep", t)) < 1000, "watching again after the relist");
  });

  it("the watchdog restarts a stream that received nothing for its stall period", async () => {
    const { informer, seen } = await informerFor("quiet", { stallMs: 1500 });
    await waitFor("a stall", async () => informer.stats.stalls >= 1 || undefined, 10_000, 50);
    assert.ok(informer.stats.watches >= 2, "the stream was reopened");
    assert.equal(informer.stats.lists, 1, "a stall re-watches from the last resourceVersion");
    const t = Date.now();
    await resources.apply(configMap("quiet-1", "quiet"));
    assert.ok((await latency(seen, "add quiet-1", t)) < 1000);
  });

  it("the factory shares one informer per type and selector, and its handlers see every type", async () => {
    const factory = new InformerFactory(resources, { labelSelector: LABEL });
    try {
      const adds: string[] = [];
      factory.on("add", (o) => adds.push(`${o.kind} ${o.metadata.name}`));
      const [a, b] = await Promise.all([factory.ensure("v1", "ConfigMap"), factory.ensure("v1", "ConfigMap")]);
      assert.equal(a, b, "one informer for two consumers");
      assert.equal(await factory.ensure("v1", "ConfigMap"), a);
      const secrets = await factory.ensure("v1", "Secret");
      assert.notEqual(secrets, a);
      assert.notEqual(await factory.ensure("v1", "ConfigMap", { labelSelector: `${LABEL}=x` }), a, "another selector, another informer");
      assert.equal(factory.list().length, 3);
      await factory.waitForSync();
      assert.ok(adds.includes("ConfigMap pre-existing"), "the tracked objects already there");
      assert.equal(adds.some((s) => s.endsWith("unlabelled")), false);
      await resources.apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "tracked", namespace: "default", labels: { [LABEL]: "f" } }, stringData: { k: "v" } });
      await waitFor("the Secret's add", async () => adds.includes("Secret tracked") || undefined, 5000, 20);
      await assert.rejects(factory.ensure("example.com/v1", "Nothing"), /does not serve/);
    } finally {
      await factory.stop();
    }
  });
});
