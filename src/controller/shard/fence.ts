/**
 * The fence: whether this member may reconcile an Application now, decided from one linearizable read of
 * every member's Lease taken after this member last published its view (docs/adr/0023-sharding.md has the
 * argument). A member's view is the set of live member ids it last published in its Lease; it publishes a
 * new view only after it has finished every reconcile of the keys that view takes from it. A member M may
 * reconcile key k when
 *   - it is not self-fenced (its own Lease renewed recently enough), and
 *   - M owns k under its own published view, and
 *   - every other member P whose Lease has not expired has published a view that contains M (P knows M is
 *     live) and under which P does not own k.
 * Pure: no clock, no I/O.
 *
 * Owns: the ownership decision. Must not import: cluster, controller.
 */
import { ownerOf } from "./rendezvous.js";

/** One member as the read saw it. */
export interface MemberState {
  id: string;
  /** The view the member published in its Lease; undefined when its Lease carries none. */
  view?: readonly string[];
  /** Whether its Lease counts as expired (not renewed for a lease period, by this member's clock). */
  expired: boolean;
}

/** The input of the decision. */
export interface FenceState {
  self: string;
  /** This member's own published view (what its Lease holds now). */
  view: readonly string[];
  /** This member has not renewed its Lease for long enough that others may soon take its apps. */
  fenced: boolean;
  /** The other members, from the linearizable read taken after `view` was published. */
  others: readonly MemberState[];
}

/** Why a key may not be reconciled here, or undefined when it may. */
export type FenceRefusal = { reason: "fenced" } | { reason: "not-owner"; owner: string | undefined } | { reason: "waiting"; member: string };

/** Undefined when `self` may reconcile `key` now; otherwise why not. */
export function refusal(key: string, s: FenceState): FenceRefusal | undefined {
  if (s.fenced) return { reason: "fenced" };
  const owner = ownerOf(key, s.view);
  if (owner !== s.self) return { reason: "not-owner", owner };
  for (const p of s.others) {
    if (p.expired || p.id === s.self) continue;
    if (!p.view || !p.view.includes(s.self) || ownerOf(key, p.view) === p.id) return { reason: "waiting", member: p.id };
  }
  return undefined;
}

/** The live member ids: self and every member whose Lease has not expired, sorted. */
export function liveView(self: string, others: readonly MemberState[]): string[] {
  return [...new Set([self, ...others.filter((o) => !o.expired).map((o) => o.id)])].sort();
}

/** Whether two views hold the same ids. */
export function sameView(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
