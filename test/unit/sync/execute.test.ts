/**
 * The executor's decisions, over an in-memory object store standing in for the cluster's verbs: wave
 * order, waiting for health, failures stopping later waves and running SyncFail hooks, hook delete
 * policies, unchanged detection. (Cluster behaviour itself is covered by test/e2e/engine-*.)
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { keyOf, keyString, type KubeObject } from "../../../src/core/object.js";
import { advance, executePlan, refusedInPlace, type ClusterOps } from "../../../src/sync/execute.js";
import { planSync, type CompareStatus, type DesiredResource } from "../../../src/sync/index.js";

/** An object store with a clock: `settle` decides what an object looks like after `ticks` reads. */
class Store implements ClusterOps {
  objects = new Map<string, { obj: KubeObject; reads: number }>();
  log: string[] = [];
  rv = 1;
  constructor(private readonly settle: (obj: KubeObject, reads: number) => KubeObject = (o) => o) {}
  private id(o: KubeObject): string {
    return keyString(keyOf(o));
  }
  async apply(obj: KubeObject, o: { dryRun: boolean }): Promise<KubeObject> {
    this.log.push(`apply ${obj.kind}/${obj.metadata.name}`);
    const prev = this.objects.get(this.id(obj));
    const same = prev && JSON.stringify(prev.obj.spec ?? prev.obj.data) === JSON.stringify(obj.spec ?? obj.data);
    const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: same ? prev.obj.metadata.resourceVersion : String(this.rv++) } };
    if (!o.dryRun) this.objects.set(this.id(obj), { obj: stored, reads: 0 });
    return stored;
  }
  async create(obj: KubeObject, o: { dryRun: boolean }): Promise<KubeObject> {
    return this.apply(obj, o);
  }
  async replace(obj: KubeObject, _live: KubeObject | undefined, o: { dryRun: boolean }): Promise<KubeObject> {
    return this.apply(obj, o);
  }
  async delete(obj: KubeObject): Promise<boolean> {
    this.log.push(`delete ${obj.kind}/${obj.metadata.name}`);
    return this.objects.delete(this.id(obj));
  }
  async get(obj: KubeObject): Promise<KubeObject | undefined> {
    const e = this.objects.get(this.id(obj));
    if (!e) return undefined;
    e.reads++;
    return this.settle(e.obj, e.reads);
  }
}

const cm = (name: string, wave = 0, extra: Record<string, string> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "ns", annotations: { "argocd.argoproj.io/sync-wave": String(wave), ...extra } },
  data: { v: name },
});
const deploy = (name: string, wave: number): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: "ns", generation: 1, annotations: { "argocd.argoproj.io/sync-wave": String(wave) } },
  spec: { replicas: 1 },
});
const job = (name: string, hook: string, policy?: string): KubeObject => ({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name, namespace: "ns", annotations: { "argocd.argoproj.io/hook": hook, ...(policy ? { "argocd.argoproj.io/hook-delete-policy": policy } : {}) } },
  spec: {},
});

/** Deployments become available after 3 reads; Jobs complete (or fail, by name) after 2. */
function settle(obj: KubeObject, reads: number): KubeObject {
  if (obj.kind === "Deployment") {
    const ready = reads >= 3;
    return { ...obj, status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: ready ? 1 : 0, availableReplicas: ready ? 1 : 0 } };
  }
  if (obj.kind === "Job" && reads >= 2) {
    const failed = obj.metadata.name.includes("fail");
    return { ...obj, status: { conditions: [{ type: failed ? "Failed" : "Complete", status: "True", reason: failed ? "BackoffLimitExceeded" : "" }] } };
  }
  return obj;
}

function plan(desired: KubeObject[], status: CompareStatus = "Missing", live?: Map<string, KubeObject>) {
  const resources: DesiredResource[] = desired.map((object) => {
    const l = live?.get(keyString(keyOf(object)));
    return { object, ...(l ? { live: l } : {}), status };
  });
  return planSync({ desired: resources, toPrune: [], namespace: "ns", namespaceExists: true, options: { prune: true, dryRun: false, allowEmpty: false, syncOptions: [] } });
}

describe("executePlan", () => {
  it("runs waves in order and waits for each to be healthy before the next", async () => {
    const store = new Store(settle);
    const readsAtApply = new Map<string, number | undefined>();
    const apply = store.apply.bind(store);
    store.apply = async (obj, o) => {
      readsAtApply.set(obj.metadata.name, store.objects.get(obj.metadata.name === "api" ? "apps/Deployment/ns/db" : "apps/Deployment/ns/api")?.reads);
      return apply(obj, o);
    };
    const cs = await executePlan(plan([deploy("db", 0), deploy("api", 1), cm("web", 2)]), store, { concurrency: 4 });
    assert.equal(cs.phase, "Succeeded", cs.message);
    assert.ok((readsAtApply.get("api") ?? 0) >= 3, "db had been read Available before api was applied");
    assert.ok((readsAtApply.get("web") ?? 0) >= 3, "api had been read Available before web was applied");
    // api is applied only after db was read healthy (3 reads), web only after api.
    const applyApi = store.log.indexOf("apply Deployment/api");
    const applyWeb = store.log.indexOf("apply ConfigMap/web");
    assert.ok(applyApi > store.log.indexOf("apply Deployment/db") && applyWeb > applyApi);
    assert.deepEqual(cs.entries.map((e) => `${e.action} ${e.key.name}`), ["created db", "created api", "created web"]);
  });

  it("runs PreSync hooks first, PostSync last, and deletes per HookSucceeded", async () => {
    const store = new Store(settle);
    const cs = await executePlan(plan([cm("app"), job("migrate", "PreSync"), job("smoke", "PostSync", "HookSucceeded")]), store);
    assert.equal(cs.phase, "Succeeded", cs.message);
    assert.deepEqual(store.log, ["apply Job/migrate", "apply ConfigMap/app", "apply Job/smoke", "delete Job/smoke"]);
    assert.ok(store.objects.has("batch/Job/ns/migrate"), "BeforeHookCreation keeps the hook until the next sync");
  });

  it("applies HookSucceeded to a hook whose kind has no health (a ConfigMap hook is complete once written)", async () => {
    const store = new Store(settle);
    const hook = cm("marker", 0, { "argocd.argoproj.io/hook": "PostSync", "argocd.argoproj.io/hook-delete-policy": "HookSucceeded" });
    const cs = await executePlan(plan([cm("app"), hook]), store);
    assert.equal(cs.phase, "Succeeded", cs.message);
    assert.deepEqual(store.log, ["apply ConfigMap/app", "apply ConfigMap/marker", "delete ConfigMap/marker"]);
  });

  it("deletes a previous hook before creating it again (BeforeHookCreation)", async () => {
    const store = new Store(settle);
    const p = plan([cm("app"), job("migrate", "PreSync")]);
    await executePlan(p, store);
    store.log = [];
    await executePlan(p, store);
    assert.deepEqual(store.log.slice(0, 2), ["delete Job/migrate", "apply Job/migrate"]);
  });

  it("stops at a failed hook: no later wave starts, SyncFail hooks run, HookFailed deletes", async () => {
    const store = new Store(settle);
    const cs = await executePlan(plan([job("migrate-fail", "PreSync", "HookFailed"), cm("app"), job("notify", "SyncFail")]), store);
    assert.equal(cs.phase, "Failed");
    assert.match(cs.message, /migrate-fail failed/);
    assert.equal(store.objects.has("/ConfigMap/ns/app"), false, "the Sync phase never started");
    assert.ok(store.log.includes("delete Job/migrate-fail"), "HookFailed deleted the failed hook");
    assert.ok(store.log.includes("apply Job/notify"), "the SyncFail hook ran");
  });

  it("reports a failed write and does not start the next wave", async () => {
    const store = new Store(settle);
    store.apply = async (obj, o) => {
      if (obj.metadata.name === "bad") throw new Error('admission webhook "x" denied the request');
      return Store.prototype.apply.call(store, obj, o);
    };
    const cs = await executePlan(plan([cm("bad", 0), cm("good", 0), cm("later", 1)]), store);
    assert.equal(cs.phase, "Failed");
    const byName = new Map(cs.entries.map((e) => [e.key.name, e]));
    assert.equal(byName.get("bad")?.action, "failed");
    assert.match(byName.get("bad")?.message ?? "", /denied the request/);
    assert.equal(byName.get("good")?.action, "created", "the rest of the wave is still applied");
    assert.equal(byName.has("later"), false);
  });

  it("reports unchanged when the apply changes nothing, and skips objects known to be in sync", async () => {
    const store = new Store(settle);
    const objs = [cm("a"), cm("b")];
    await executePlan(plan(objs), store);
    const live = new Map([...store.objects.entries()].map(([k, v]) => [k, v.obj]));
    store.log = [];
    const cs = await executePlan(plan(objs, "OutOfSync", live), store);
    assert.deepEqual(cs.entries.map((e) => e.action), ["unchanged", "unchanged"]);
    store.log = [];
    const synced = new Map(objs.map((o) => [keyString(keyOf(o)), "Synced" as const]));
    const cs2 = await executePlan(plan(objs, "Synced", live), store, { compareStatus: synced });
    assert.deepEqual(cs2.entries.map((e) => e.action), ["unchanged", "unchanged"]);
    assert.deepEqual(store.log, [], "no request for objects the comparison found in sync");
  });

  it("times out a wave that never becomes healthy, naming what it waited for", async () => {
    const store = new Store((o) => (o.kind === "Deployment" ? { ...o, status: { observedGeneration: 1, replicas: 1, updatedReplicas: 0 } } : o));
    const cs = await executePlan(plan([deploy("stuck", 0), cm("after", 1)]), store, { timeoutMs: 300 });
    assert.equal(cs.phase, "Failed");
    assert.match(cs.message, /timed out after 300 ms waiting for Deployment ns\/stuck \(Progressing/);
    assert.equal(store.objects.has("/ConfigMap/ns/after"), false);
  });

  it("with waitLast off, ends at the last step's writes; earlier steps, and a last step with a hook, are waited on", async () => {
    const reads = (store: Store) => [...store.objects.values()].reduce((n, e) => n + e.reads, 0);
    const single = new Store(settle);
    const quick = await executePlan(plan([deploy("db", 0), cm("web", 0)]), single, { waitLast: false });
    assert.equal(quick.phase, "Succeeded", quick.message);
    assert.equal(reads(single), 0, "nothing read back: the sync ends when the writes succeed, as Argo CD's does");
    const waited = new Store(settle);
    await executePlan(plan([deploy("db", 0)]), waited, { waitLast: true });
    assert.ok(reads(waited) >= 3, "plumb apply (waitLast, the default) waits for the last step too");

    const waves = new Store(settle);
    const two = await executePlan(plan([deploy("db", 0), deploy("api", 1)]), waves, { waitLast: false });
    assert.equal(two.phase, "Succeeded", two.message);
    assert.ok((waves.objects.get("apps/Deployment/ns/db")?.reads ?? 0) >= 3, "the first of two waves is waited for");
    assert.equal(waves.objects.get("apps/Deployment/ns/api")?.reads ?? 0, 0, "the last of two waves is not");
    const hooked = new Store(settle);
    const h = await executePlan(plan([deploy("db", 0), job("smoke", "Sync")]), hooked, { waitLast: false });
    assert.equal(h.phase, "Succeeded", h.message);
    assert.ok((hooked.objects.get("batch/Job/ns/smoke")?.reads ?? 0) >= 2, "a last step with a hook waits for the hook");
    assert.ok((hooked.objects.get("apps/Deployment/ns/db")?.reads ?? 0) >= 3, "… and for the resources beside it");
  });

  it("changes nothing in a dry run and waits for nothing", async () => {
    const store = new Store(settle);
    const cs = await executePlan({ ...plan([deploy("db", 0), job("migrate", "PreSync")]), dryRun: true }, store);
    assert.equal(cs.phase, "Succeeded");
    assert.equal(cs.dryRun, true);
    assert.equal(store.objects.size, 0);
  });

  it("waits for health on what a watch cache shows, without a GET, and reports the latest state seen", async () => {
    const store = new Store();
    let gets = 0;
    const get = store.get.bind(store);
    store.get = async (o) => (gets++, get(o));
    // A cache that catches up after two looks, then shows the Deployment progressing once, then available.
    let looks = 0;
    const observe = (written: KubeObject) => {
      looks++;
      const stored = store.objects.get(keyString(keyOf(written)))!.obj;
      if (looks <= 2) return { watched: true as const };
      return { watched: true as const, live: settle(stored, looks === 3 ? 1 : 3) };
    };
    const observed = new Map<string, KubeObject>();
    const cs = await executePlan(plan([deploy("web", 0), cm("after", 1)]), { ...bind(store), observe }, { observed });
    assert.equal(cs.phase, "Succeeded", cs.message);
    assert.equal(gets, 0, "no GET: the cache answered");
    assert.equal(looks, 4);
    assert.deepEqual(store.log, ["apply Deployment/web", "apply ConfigMap/after"]);
    const web = observed.get("apps/Deployment/ns/web");
    assert.equal((web?.status as { availableReplicas?: number } | undefined)?.availableReplicas, 1, "the latest state seen, not the apply's answer");
    assert.ok(observed.has("/ConfigMap/ns/after"));
  });

  it("asks the API server when the kind is not watched, or when the cache has not seen the object in time", async () => {
    for (const observe of [() => ({ watched: false as const }), () => ({ watched: true as const })]) {
      const store = new Store(settle);
      let gets = 0;
      const get = store.get.bind(store);
      store.get = async (o) => (gets++, get(o));
      const started = Date.now();
      const cs = await executePlan(plan([deploy("web", 0)]), { ...bind(store), observe }, {});
      assert.equal(cs.phase, "Succeeded", cs.message);
      assert.equal(gets, 3, "GETs until available (3 reads)");
      if (observe().watched) assert.ok(Date.now() - started >= 2000, "a lagging cache is given time before a GET");
    }
  });
});

/** The store's verbs as a plain ClusterOps object (methods bound), so a test can add `observe`. */
function bind(store: Store): ClusterOps {
  return {
    apply: (o, x) => store.apply(o, x),
    create: (o, x) => store.create(o, x),
    replace: (o, l, x) => store.replace(o, l, x),
    delete: (o) => store.delete(o),
    get: (o) => store.get(o),
  };
}

describe("advance: one round at a time", () => {
  it("goes on from a recorded step: earlier waves are not applied again", async () => {
    const store = new Store(settle);
    const p = plan([cm("a", 0), cm("b", 1), cm("c", 2)]);
    const first = await advance(p, { entries: [] }, store, { waitLast: false });
    assert.equal(first.state, "done");
    // A record that says wave 1 was applied: a new round applies wave 2 only.
    store.log = [];
    const recorded = { step: { phase: "Sync" as const, stage: "apply" as const, wave: 1, appliedAt: "2026-01-01T00:00:00Z" }, entries: [] };
    const again = await advance(p, recorded, store, { waitLast: false });
    assert.equal(again.state, "done");
    assert.deepEqual(store.log, ["apply ConfigMap/c"]);
  });

  it("stops before the next step when asked (a terminate request), having applied nothing more", async () => {
    const store = new Store(settle);
    let steps = 0;
    const r = await advance(plan([cm("a", 0), cm("b", 1)]), { entries: [] }, store, { waitLast: false, onStep: () => steps++, stop: () => steps >= 1 });
    assert.equal(r.state, "interrupted");
    assert.deepEqual(store.log, ["apply ConfigMap/a"]);
  });

  it("with deferDeletions, hands a completed hook back instead of deleting it, its entry already saying so", async () => {
    const store = new Store(settle);
    const p = plan([cm("app"), job("smoke", "PostSync", "HookSucceeded")]);
    let progress = { entries: [] } as Parameters<typeof advance>[1];
    let r: Awaited<ReturnType<typeof advance>>;
    let deletions: string[] = [];
    for (let i = 0; ; i++) {
      r = await advance(p, progress, store, { waitLast: false, deferDeletions: true });
      progress = r.progress;
      deletions = [...deletions, ...r.deletions.map((e) => e.key.name)];
      if (r.state !== "waiting" || i > 20) break;
    }
    assert.equal(r.state, "done");
    assert.deepEqual(deletions, ["smoke"]);
    assert.ok(store.objects.has("batch/Job/ns/smoke"), "not deleted by the round");
    assert.match(progress.entries.find((e) => e.key.name === "smoke")!.message, /deleted \(HookSucceeded\)/);
  });

  it("keeps waiting for a SyncFail hook still running when another one failed, and notes the failure", async () => {
    const store = new Store((o, reads) => (o.kind === "Job" && o.metadata.name === "slow" ? o : settle(o, reads)));
    const p = plan([job("migrate-fail", "PreSync"), job("notify-fail", "SyncFail"), job("slow", "SyncFail")]);
    let progress = { entries: [] } as Parameters<typeof advance>[1];
    let r: Awaited<ReturnType<typeof advance>> | undefined;
    for (let i = 0; i < 10; i++) {
      r = await advance(p, progress, store, { waitLast: false });
      progress = r.progress;
      if (r.state !== "waiting") break;
    }
    assert.equal(r!.state, "waiting", "the slow SyncFail hook is still waited for");
    assert.match(progress.failure ?? "", /migrate-fail failed.*notify-fail failed/);
  });
});

describe("Force=true recreates only what cannot be changed in place", () => {
  it("an immutable field or a forbidden update is; an invalid manifest or another error is not", () => {
    assert.equal(refusedInPlace({ status: 422, message: 'ConfigMap "c" is invalid: data: Forbidden: field is immutable when `immutable` is set' }), true);
    assert.equal(refusedInPlace({ status: 422, message: 'Job.batch "j" is invalid: spec.template: Invalid value: ...: field is immutable' }), true);
    assert.equal(refusedInPlace({ status: 422, message: 'Deployment.apps "d" is invalid: spec.strategy.type: Unsupported value: "Fast"' }), false);
    assert.equal(refusedInPlace({ status: 409, message: "the object has been modified" }), false);
  });
});
