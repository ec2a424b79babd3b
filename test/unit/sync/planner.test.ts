/**
 * Unit tests of the planner's parts (waves, kind order, hooks, options) and of the plan's shape, for what the
 * one-line-per-task fixtures (plan-fixtures.test.ts) do not show.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PlumbError } from "../../../src/core/errors.js";
import type { KubeObject } from "../../../src/core/object.js";
import { keptOnAppDeletion } from "../../../src/sync/options.js";
import {
  classifyHook,
  compareForApply,
  defaultPlanOptions,
  describePlan,
  flattenPlan,
  kindRank,
  KIND_ORDER,
  parseAppSyncOptions,
  PlanError,
  planSync,
  readWave,
  type PlanInput,
} from "../../../src/sync/index.js";

function obj(kind: string, name: string, annotations?: Record<string, string>, apiVersion = "v1"): KubeObject {
  return { apiVersion, kind, metadata: { name, namespace: "web", ...(annotations ? { annotations } : {}) } };
}

function input(over: Partial<PlanInput> = {}): PlanInput {
  return { desired: [], toPrune: [], namespace: "web", namespaceExists: true, options: defaultPlanOptions(), ...over };
}

void describe("readWave", () => {
  void it("defaults to 0", () => assert.deepEqual(readWave(obj("ConfigMap", "a")), { ok: true, wave: 0 }));
  void it("reads negative waves", () =>
    assert.deepEqual(readWave(obj("ConfigMap", "a", { "plumb.dev/sync-wave": "-3" })), { ok: true, wave: -3 }));
  void it("prefers plumb's annotation to Argo CD's, and both to Helm's weight", () => {
    const a = { "plumb.dev/sync-wave": "1", "argocd.argoproj.io/sync-wave": "2", "helm.sh/hook-weight": "3" };
    assert.deepEqual(readWave(obj("ConfigMap", "a", a)), { ok: true, wave: 1 });
    assert.deepEqual(readWave(obj("ConfigMap", "a", { "helm.sh/hook-weight": "3" })), { ok: true, wave: 3 });
  });
  void it("rejects what is not a whole integer", () => {
    for (const bad of ["1.0", "one", "", "1e3", "99999999999999999999"]) {
      const r = readWave(obj("ConfigMap", "a", { "argocd.argoproj.io/sync-wave": bad }));
      assert.equal(r.ok, false, bad);
    }
  });
});

void describe("kind order", () => {
  void it("puts Namespaces and CRDs first and custom resources last", () => {
    assert.equal(KIND_ORDER[0], "Namespace");
    assert.equal(KIND_ORDER[1], "CustomResourceDefinition");
    const crd = { group: "apiextensions.k8s.io", kind: "CustomResourceDefinition" };
    assert.ok(kindRank(crd) < kindRank({ group: "", kind: "ServiceAccount" }));
    assert.ok(kindRank({ group: "apps", kind: "Deployment" }) < kindRank({ group: "example.com", kind: "Widget" }));
  });
  void it("knows a kind only in Kubernetes' own groups", () => {
    assert.equal(kindRank({ group: "serving.knative.dev", kind: "Service" }), KIND_ORDER.length);
    assert.ok(kindRank({ group: "", kind: "Service" }) < KIND_ORDER.length);
  });
  void it("breaks ties by namespace, then name", () => {
    const key = (namespace: string, name: string) => ({ group: "", kind: "ConfigMap", namespace, name });
    assert.ok(compareForApply(key("a", "z"), key("b", "a")) < 0);
    assert.ok(compareForApply(key("a", "a"), key("a", "b")) < 0);
  });
});

void describe("classifyHook", () => {
  void it("sees an object without hook annotations as a resource", () =>
    assert.deepEqual(classifyHook(obj("ConfigMap", "a")), { type: "resource" }));
  void it("orders and de-duplicates phases and defaults the delete policy", () => {
    const c = classifyHook(obj("Job", "j", { "argocd.argoproj.io/hook": "PostSync, PreSync,PostSync" }));
    assert.deepEqual(c, {
      type: "hook",
      hook: { phases: ["PreSync", "PostSync"], deletePolicies: ["BeforeHookCreation"], source: "annotation" },
    });
  });
  void it("maps Helm's hooks, and lets Argo CD's annotation win", () => {
    const helm = classifyHook(
      obj("Job", "j", { "helm.sh/hook": "post-upgrade", "helm.sh/hook-delete-policy": "hook-succeeded" }),
    );
    assert.deepEqual(helm, {
      type: "hook",
      hook: { phases: ["PostSync"], deletePolicies: ["HookSucceeded"], source: "helm" },
    });
    const both = classifyHook(obj("Job", "j", { "helm.sh/hook": "post-upgrade", "argocd.argoproj.io/hook": "Sync" }));
    assert.equal(both.type === "hook" && both.hook.phases.join(), "Sync");
  });
  void it("treats crd-install as an ordinary resource", () =>
    assert.deepEqual(classifyHook(obj("CustomResourceDefinition", "c", { "helm.sh/hook": "crd-install" })), {
      type: "resource",
    }));
});

void describe("parseAppSyncOptions", () => {
  void it("has Argo CD's defaults", () => {
    const o = parseAppSyncOptions([]);
    assert.equal(o.createNamespace || o.applyOutOfSyncOnly || o.pruneLast, false);
    assert.equal(o.task.validate, true);
    assert.equal(o.task.propagationPolicy, "foreground");
  });
  void it("reads values case-insensitively and ignores what it does not know", () => {
    const o = parseAppSyncOptions([
      "CreateNamespace=TRUE",
      "Validate=false",
      "FailOnSharedResource=true",
      "PruneLast=yes",
    ]);
    assert.equal(o.createNamespace, true);
    assert.equal(o.task.validate, false);
    assert.equal(o.pruneLast, false);
  });
});

void describe("planSync", () => {
  const hook = obj("Job", "migrate", { "argocd.argoproj.io/hook": "PreSync,SyncFail" }, "batch/v1");
  const settings = obj("ConfigMap", "settings");
  const old = obj("ConfigMap", "old");

  void it("always has PreSync, Sync and PostSync, in order, and SyncFail apart", () => {
    const plan = planSync(input());
    assert.deepEqual(plan.phases.map((p) => p.phase), ["PreSync", "Sync", "PostSync"]);
    assert.equal(plan.syncFail.phase, "SyncFail");
    assert.deepEqual(flattenPlan(plan), []);
  });

  void it("keeps SyncFail hooks out of the flat order unless asked", () => {
    const plan = planSync(input({ desired: [{ object: hook, status: "Missing" }] }));
    assert.deepEqual(flattenPlan(plan).map((t) => t.phase), ["PreSync"]);
    assert.deepEqual(flattenPlan(plan, { syncFail: true }).map((t) => t.phase), ["PreSync", "SyncFail"]);
    assert.deepEqual(plan.syncFail.waves[0]?.tasks[0]?.hook?.phases, ["PreSync", "SyncFail"]);
  });

  void it("marks prune waves and prunes the live object", () => {
    const live = { ...old, metadata: { ...old.metadata, resourceVersion: "42" } };
    const plan = planSync(
      input({
        desired: [{ object: settings, status: "Missing" }],
        toPrune: [live],
        options: { ...defaultPlanOptions(), prune: true },
      }),
    );
    const sync = plan.phases[1];
    assert.deepEqual(sync?.waves.map((w) => w.stage), ["apply", "prune"]);
    const prune = sync?.waves[1]?.tasks[0];
    assert.equal(prune?.action, "prune");
    assert.equal(prune?.object, live);
    assert.equal(prune?.id, "/ConfigMap/web/old");
  });

  void it("carries dryRun and the namespace through", () => {
    const plan = planSync(input({ namespace: "shop", options: { ...defaultPlanOptions(), dryRun: true } }));
    assert.equal(plan.dryRun, true);
    assert.equal(plan.namespace, "shop");
  });

  void it("creates the namespace from the desired Namespace when there is one", () => {
    const ns: KubeObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop", labels: { team: "a" } } };
    const plan = planSync(
      input({
        desired: [{ object: ns, status: "Missing" }],
        namespace: "shop",
        namespaceExists: false,
        options: { ...defaultPlanOptions(), syncOptions: ["CreateNamespace=true"] },
      }),
    );
    const first = flattenPlan(plan)[0];
    assert.equal(first?.action, "create");
    assert.equal(first?.object, ns);
  });

  void it("does not change its input", () => {
    const desired = [{ object: settings, status: "Missing" as const }, { object: hook, status: "Missing" as const }];
    const before = structuredClone(desired);
    planSync(input({ desired, toPrune: [old], options: { ...defaultPlanOptions(), prune: true } }));
    assert.deepEqual(desired, before);
  });

  void it("fails with a PlanError naming every object at fault", () => {
    const bad = [
      obj("ConfigMap", "a", { "plumb.dev/sync-wave": "x" }),
      obj("ConfigMap", "b", { "plumb.dev/hook": "Later" }),
    ];
    assert.throws(
      () => planSync(input({ desired: bad.map((object) => ({ object, status: "Missing" as const })) })),
      (err: unknown) => {
        assert.ok(err instanceof PlanError && err instanceof PlumbError);
        assert.deepEqual(err.objects.map((k) => k.name), ["a", "b"]);
        assert.ok(err.hint);
        return true;
      },
    );
  });
});

void describe("describePlan", () => {
  void it("summarizes and outlines the plan", () => {
    const plan = planSync(
      input({
        desired: [{ object: obj("ConfigMap", "a"), status: "Missing" }],
        options: { ...defaultPlanOptions(), dryRun: true },
      }),
    );
    assert.deepEqual(describePlan(plan), [
      'Sync plan for namespace "web" (dry run): 1 create',
      "PreSync",
      "  (nothing to do)",
      "Sync",
      "  wave 0",
      "    create  ConfigMap web/a",
      "PostSync",
      "  (nothing to do)",
    ]);
  });
  void it("says when there is nothing to do", () =>
    assert.match(describePlan(planSync(input()))[0] ?? "", /nothing to do$/));
});

void describe("keptOnAppDeletion (Delete=false)", () => {
  const cases: Array<[string, Record<string, string> | undefined, boolean]> = [
    ["no annotation", undefined, false],
    ["Delete=false", { "argocd.argoproj.io/sync-options": "Delete=false" }, true],
    ["Delete=false among others, any case", { "argocd.argoproj.io/sync-options": "Prune=false, Delete=FALSE" }, true],
    ["plumb's annotation", { "plumb.dev/sync-options": "Delete=false" }, true],
    ["Prune=false alone does not keep it on app deletion", { "argocd.argoproj.io/sync-options": "Prune=false" }, false],
    ["Delete=true", { "argocd.argoproj.io/sync-options": "Delete=true" }, false],
  ];
  for (const [name, annotations, want] of cases) void it(`${name} → ${want ? "kept" : "deleted"}`, () => assert.equal(keptOnAppDeletion(obj("ConfigMap", "c", annotations)), want));
});
