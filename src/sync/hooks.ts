/**
 * Hooks: objects that are run in a phase of the sync rather than kept in the cluster
 * (https://argo-cd.readthedocs.io/en/stable/user-guide/resource_hooks/).
 *
 * An object is a hook when it has the hook annotation (`plumb.dev/hook`, else `argocd.argoproj.io/hook`), a
 * comma-separated list of PreSync, Sync, PostSync, SyncFail and Skip; or, failing that, Helm's `helm.sh/hook`
 * (https://argo-cd.readthedocs.io/en/stable/user-guide/helm/#helm-hooks), mapped as Argo CD does:
 * pre-install and pre-upgrade run in PreSync, post-install and post-upgrade in PostSync, crd-install alone
 * means an ordinary resource, and the rest (pre/post-delete, pre/post-rollback, test) have no sync equivalent,
 * so such a hook is planned as skipped with a message. `Skip` alone means "do not apply this object"; combined
 * with phases it is ignored, as in Argo CD. PreDelete and PostDelete run when an application is deleted, not
 * on sync, so they too are skipped here.
 *
 * Delete policies come from the hook-delete-policy annotation, else Helm's, else BeforeHookCreation (the
 * default of both). Values that are neither a phase nor a policy are errors rather than ignored.
 *
 * Hooks are created on every sync, never compared and never pruned as resources.
 *
 * Pure: imports nothing that does I/O.
 */
import { Annotation, readAnnotation } from "../core/annotations.js";
import type { KubeObject } from "../core/object.js";
import { SYNC_PHASES, type HookDeletePolicy, type HookInfo, type SyncPhase } from "./types.js";

export const HELM_HOOK = "helm.sh/hook";
export const HELM_HOOK_DELETE_POLICY = "helm.sh/hook-delete-policy";

/** What an object is to the planner. */
export type HookClass =
  | { type: "resource" }
  | { type: "hook"; hook: HookInfo }
  | { type: "skip"; message: string }
  | { type: "invalid"; problem: string };

const DELETION_HOOKS = new Set(["PreDelete", "PostDelete"]);

const HELM_PHASES: ReadonlyMap<string, SyncPhase> = new Map([
  ["pre-install", "PreSync"],
  ["pre-upgrade", "PreSync"],
  ["post-install", "PostSync"],
  ["post-upgrade", "PostSync"],
]);

const POLICIES: readonly HookDeletePolicy[] = ["BeforeHookCreation", "HookSucceeded", "HookFailed"];

const HELM_POLICIES: ReadonlyMap<string, HookDeletePolicy> = new Map([
  ["before-hook-creation", "BeforeHookCreation"],
  ["hook-succeeded", "HookSucceeded"],
  ["hook-failed", "HookFailed"],
]);

function csv(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** Phases in execution order, each once. */
function orderedPhases(phases: Iterable<SyncPhase>): SyncPhase[] {
  const set = new Set(phases);
  return SYNC_PHASES.filter((p) => set.has(p));
}

function isSyncPhase(value: string): value is SyncPhase {
  return (SYNC_PHASES as readonly string[]).includes(value);
}

type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

/** Reads the delete policies: plumb's or Argo CD's annotation, else Helm's, else BeforeHookCreation. */
export function readDeletePolicies(obj: KubeObject): Parsed<HookDeletePolicy[]> {
  const own = readAnnotation(obj, Annotation.hookDeletePolicy);
  const helm = obj.metadata?.annotations?.[HELM_HOOK_DELETE_POLICY];
  const out = new Set<HookDeletePolicy>();
  if (own !== undefined) {
    for (const v of csv(own)) {
      const policy = POLICIES.find((p) => p === v);
      if (!policy) return { ok: false, problem: `hook-delete-policy "${v}" is not one of ${POLICIES.join(", ")}` };
      out.add(policy);
    }
  } else if (helm !== undefined) {
    for (const v of csv(helm)) {
      const policy = HELM_POLICIES.get(v);
      if (!policy) {
        const known = [...HELM_POLICIES.keys()].join(", ");
        return { ok: false, problem: `${HELM_HOOK_DELETE_POLICY} "${v}" is not one of ${known}` };
      }
      out.add(policy);
    }
  }
  if (out.size === 0) out.add("BeforeHookCreation");
  return { ok: true, value: POLICIES.filter((p) => out.has(p)) };
}

function withPolicies(obj: KubeObject, phases: SyncPhase[], source: HookInfo["source"]): HookClass {
  const policies = readDeletePolicies(obj);
  if (!policies.ok) return { type: "invalid", problem: policies.problem };
  return { type: "hook", hook: { phases, deletePolicies: policies.value, source } };
}

/** Classifies an object as an ordinary resource, a hook (with its phases and policies), skipped or invalid. */
export function classifyHook(obj: KubeObject): HookClass {
  const own = readAnnotation(obj, Annotation.hook);
  if (own !== undefined) return classifyOwnHook(obj, own);
  const helm = obj.metadata?.annotations?.[HELM_HOOK];
  if (helm !== undefined) return classifyHelmHook(obj, helm);
  return { type: "resource" };
}

function classifyOwnHook(obj: KubeObject, value: string): HookClass {
  const values = csv(value);
  if (values.length === 0) return { type: "invalid", problem: "hook annotation is empty" };
  const unknown = values.find((v) => !isSyncPhase(v) && v !== "Skip" && !DELETION_HOOKS.has(v));
  if (unknown !== undefined) {
    return {
      type: "invalid",
      problem: `hook "${unknown}" is not one of ${SYNC_PHASES.join(", ")}, Skip, PreDelete, PostDelete`,
    };
  }
  const phases = orderedPhases(values.filter(isSyncPhase));
  if (phases.length > 0) return withPolicies(obj, phases, "annotation");
  if (values.includes("Skip")) return { type: "skip", message: "hook Skip: not applied" };
  const deletion = values.filter((v) => DELETION_HOOKS.has(v)).join(", ");
  return { type: "skip", message: `${deletion} hook: runs when the application is deleted, not on sync` };
}

function classifyHelmHook(obj: KubeObject, value: string): HookClass {
  const values = csv(value);
  // Helm marks CRDs with crd-install but they are ordinary resources (Helm 2; Argo CD does the same).
  if (values.length === 0 || values.every((v) => v === "crd-install")) return { type: "resource" };
  const phases = orderedPhases(values.flatMap((v) => HELM_PHASES.get(v) ?? []));
  if (phases.length > 0) return withPolicies(obj, phases, "helm");
  return { type: "skip", message: `Helm hook "${values.join(",")}" has no sync equivalent: not applied` };
}
