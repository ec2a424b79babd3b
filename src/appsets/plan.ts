/**
 * What a reconcile does to the Applications, decided from the desired ones and the live ones alone:
 *
 *                      create   update   delete
 *     create-only        ✓
 *     create-update      ✓        ✓
 *     create-delete      ✓                 ✓
 *     sync (default)     ✓        ✓        ✓
 *
 * Only Applications the set owns (an owner reference with its uid) are ever updated or deleted: an
 * Application of the same name made by someone else is reported, not taken over. Held names (invalid
 * generated Applications) are never deleted — and nothing is when an invalid one has no name at all — nor is anything of an Application being deleted. An update is
 * planned only when the live Application differs in what the set manages: the spec, its labels and
 * annotations, the cascade finalizer, the owner reference.
 *
 * Pure: imports nothing that does I/O.
 */
import { isDeepStrictEqual } from "node:util";
import { RESOURCES_FINALIZERS } from "../core/annotations.js";
import type { KubeObject } from "../core/object.js";
import type { GeneratedApp } from "./applications.js";
import type { ApplicationsSyncPolicy, InvalidApplication } from "./schema.js";

export interface PlanInput {
  desired: readonly GeneratedApp[];
  held: ReadonlySet<string>;
  /**
   * Some generated Application has no name (its template failed): which live app it stands for is unknown,
   * so nothing is deleted this time.
   */
  holdAll?: boolean;
  /** The live Application of a name in the set's namespace (any owner). */
  live(name: string): KubeObject | undefined;
  /** The live Applications the set owns. */
  owned: readonly KubeObject[];
  /** The set's uid. */
  uid: string;
  policy: ApplicationsSyncPolicy;
}

export interface AppPlan {
  create: KubeObject[];
  update: KubeObject[];
  delete: KubeObject[];
  /** Desired and equal to live (or not updated by the policy): names. */
  unchanged: string[];
  /** Generated but left alone, and why (a name owned by something else, an update the policy forbids…). */
  skipped: InvalidApplication[];
}

/** Whether `app` is owned (as controller) by the set of `uid`. */
export function ownedBy(app: KubeObject, uid: string): boolean {
  return (app.metadata.ownerReferences ?? []).some((r) => r.uid === uid && r.kind === "ApplicationSet");
}

function subset(want: Record<string, string> | undefined, have: Record<string, string> | undefined): boolean {
  for (const [k, v] of Object.entries(want ?? {})) if (have?.[k] !== v) return false;
  return true;
}

/** Whether the live Application already is what the set would apply. */
export function upToDate(want: KubeObject, live: KubeObject, uid: string): boolean {
  if (!isDeepStrictEqual(want.spec, live.spec)) return false;
  if (!subset(want.metadata.labels, live.metadata.labels)) return false;
  if (!subset(want.metadata.annotations, live.metadata.annotations)) return false;
  const cascade = (o: KubeObject) => (o.metadata.finalizers ?? []).filter((f) => RESOURCES_FINALIZERS.includes(f)).sort();
  if (!isDeepStrictEqual(cascade(want), cascade(live))) return false;
  for (const f of want.metadata.finalizers ?? []) if (!(live.metadata.finalizers ?? []).includes(f)) return false;
  return ownedBy(live, uid);
}

/** Plans the creates, updates and deletes of one reconcile. */
export function planApplications(p: PlanInput): AppPlan {
  const out: AppPlan = { create: [], update: [], delete: [], unchanged: [], skipped: [] };
  const mayUpdate = p.policy === "create-update" || p.policy === "sync";
  const mayDelete = p.policy === "create-delete" || p.policy === "sync";
  const wanted = new Set<string>();
  for (const d of p.desired) {
    wanted.add(d.name);
    const live = p.live(d.name);
    if (!live) {
      out.create.push(d.app);
      continue;
    }
    if (!ownedBy(live, p.uid)) {
      out.skipped.push({ name: d.name, index: d.index, message: `an Application named ${d.name} already exists and is not owned by this ApplicationSet; it is left as it is` });
      continue;
    }
    if (live.metadata.deletionTimestamp) {
      out.skipped.push({ name: d.name, index: d.index, message: `Application ${d.name} is being deleted; it is created again once it is gone` });
      continue;
    }
    if (upToDate(d.app, live, p.uid) || !mayUpdate) out.unchanged.push(d.name);
    else out.update.push(d.app);
  }
  if (mayDelete && !p.holdAll) {
    for (const live of p.owned) {
      const name = live.metadata.name;
      if (wanted.has(name) || p.held.has(name) || live.metadata.deletionTimestamp) continue;
      out.delete.push(live);
    }
  }
  return out;
}
