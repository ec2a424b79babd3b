/**
 * Properties of what a sync may delete, over random desired and live sets, annotations and options:
 *  - the planner prunes only live objects it was handed as no longer desired, never a desired one, and
 *    nothing at all when the sync does not prune or the object says Prune=false / Prune=confirm;
 *  - with nothing desired it refuses (PlanError) rather than delete everything, unless allowEmpty;
 *  - every other task is a desired object (or the destination Namespace CreateNamespace adds);
 *  - ownership (what the engine hands the planner as prunable) is exact: an object is this app's only when
 *    its tracking annotation names this app and this very object — a copied label or a look-alike
 *    annotation never makes an object prunable.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { TRACKING_ANNOTATION, TRACKING_LABEL } from "../../src/core/annotations.js";
import { keyOf, keyString, type KubeObject } from "../../src/core/object.js";
import { isOwnedBy, trackingId } from "../../src/core/tracking.js";
import { classifyHook } from "../../src/sync/hooks.js";
import { planSync } from "../../src/sync/plan.js";
import { PlanError, type DesiredResource, type SyncTask } from "../../src/sync/types.js";
import { check, text } from "./support.js";

const annotationValue = fc.oneof(text, fc.constantFrom("PreSync", "Sync", "PostSync", "SyncFail", "Skip", "-1", "2", "x", "Prune=false", "Prune=confirm", "PruneLast=true", "Replace=true", "Force=true,Replace=true", "BeforeHookCreation", "HookSucceeded"));
const annotationKey = fc.constantFrom("argocd.argoproj.io/hook", "argocd.argoproj.io/sync-wave", "argocd.argoproj.io/sync-options", "argocd.argoproj.io/hook-delete-policy", "plumb.dev/sync-wave", "helm.sh/hook", "helm.sh/hook-weight", "argocd.argoproj.io/compare-options");

const object = fc.record({
  kind: fc.constantFrom("ConfigMap", "Deployment", "Job", "Namespace"),
  name: fc.constantFrom("a", "b", "c", "d", ""),
  namespace: fc.constantFrom("app", "other"),
  annotations: fc.dictionary(annotationKey, annotationValue, { maxKeys: 3, noNullPrototype: true }),
  generateName: fc.constantFrom(undefined, "gen-"),
}).map(({ kind, name, namespace, annotations, generateName }): KubeObject => ({
  apiVersion: kind === "Deployment" ? "apps/v1" : kind === "Job" ? "batch/v1" : "v1",
  kind,
  metadata: { ...(name ? { name } : {}), ...(generateName ? { generateName } : {}), ...(kind === "Namespace" ? {} : { namespace }), annotations },
}) as KubeObject);

const options = fc.record({ prune: fc.boolean(), dryRun: fc.boolean(), allowEmpty: fc.boolean(), syncOptions: fc.array(fc.constantFrom("CreateNamespace=true", "PruneLast=true", "ApplyOutOfSyncOnly=true", "Replace=true", "Prune=false", "x=y", "garbage"), { maxLength: 3 }) });

function tasksOf(plan: ReturnType<typeof planSync>): SyncTask[] {
  return [...plan.phases, plan.syncFail].flatMap((p) => p.waves.flatMap((w) => w.tasks));
}

describe("fuzz: what a sync may delete", () => {
  it("the planner prunes only what it was handed as no longer desired, and refuses an empty render", () => {
    check("planSync prunes", fc.record({ desired: fc.array(object, { maxLength: 5 }), toPrune: fc.array(object, { maxLength: 5 }), options, namespaceExists: fc.boolean(), status: fc.constantFrom("Synced", "OutOfSync", "Missing") }), (input) => {
      const desired: DesiredResource[] = input.desired.map((o) => ({ object: o, status: input.status as DesiredResource["status"] }));
      const desiredIds = new Set(input.desired.filter((o) => o.metadata.name).map((o) => keyString(keyOf(o))));
      // as the engine computes it: owned live objects not desired
      const toPrune = input.toPrune.filter((o) => o.metadata.name && !desiredIds.has(keyString(keyOf(o))));
      const pruneIds = new Set(toPrune.map((o) => keyString(keyOf(o))));
      let plan;
      try {
        plan = planSync({ desired, toPrune, namespace: "app", namespaceExists: input.namespaceExists, options: input.options });
      } catch (err) {
        assert.ok(err instanceof PlanError, `only PlanError is thrown: ${String(err)}`);
        return;
      }
      const tasks = tasksOf(plan);
      const prunes = tasks.filter((t) => t.action === "prune");
      for (const t of prunes) {
        assert.ok(pruneIds.has(t.id), `pruned ${t.id}, which was not handed over as prunable`);
        assert.ok(!desiredIds.has(t.id), `pruned desired ${t.id}`);
        const opts = t.object.metadata.annotations?.["argocd.argoproj.io/sync-options"] ?? "";
        assert.ok(!/Prune=(false|confirm)/.test(opts), `pruned ${t.id} despite ${opts}`);
      }
      if (!input.options.prune) assert.equal(prunes.length, 0, "no prune when the sync does not prune");
      // the empty-render guard: prunes need something desired that is an ordinary resource (no hook, not Skip)
      if (prunes.length > 0 && !input.options.allowEmpty) assert.ok(input.desired.some((o) => classifyHook(o).type === "resource"), "nothing desired, yet the plan prunes without allowEmpty");
      for (const t of tasks) {
        if (t.action === "prune" || (t.action === "skip" && pruneIds.has(t.id))) continue;
        const isNsTask = t.key.kind === "Namespace" && t.key.name === "app";
        assert.ok(input.desired.some((o) => o === t.object) || isNsTask, `task ${t.action} ${t.id} is not a desired object`);
      }
    });
  });

  it("an object is the app's (prunable) only when its tracking annotation names the app and the object exactly", () => {
    const tracking = fc.oneof(fc.constant(undefined), text, fc.constantFrom("guestbook:apps/Deployment:app/a", "guestbook:/ConfigMap:app/a", "guestbook:/ConfigMap:other/a", "guest:/ConfigMap:app/a", "guestbook:/ConfigMap:app/a ", "guestbook:/ConfigMap:app/a/b"));
    check("isOwnedBy", fc.tuple(object, tracking, fc.boolean()), ([o, id, labelled]) => {
      const live = { ...o, metadata: { ...o.metadata, name: o.metadata.name ?? "a", labels: labelled ? { [TRACKING_LABEL]: "guestbook" } : {}, annotations: { ...o.metadata.annotations, ...(id !== undefined ? { [TRACKING_ANNOTATION]: id } : {}) } } } as KubeObject;
      assert.equal(isOwnedBy(live, "guestbook"), id === trackingId("guestbook", keyOf(live)));
    });
  });
});
