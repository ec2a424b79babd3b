/**
 * What was already sent, kept on the Application itself so that a restarted (or another) controller knows:
 * an annotation holding a JSON map from a delivery key to the Unix time it was sent — Argo CD's format
 * (`notified.notifications.argoproj.io`), so compat-mode apps keep the state Argo CD wrote and vice versa;
 * plumb's own apps use `plumb.dev/notified`.
 *
 * A delivery key is `[oncePer:]trigger:conditionKey:service:recipient`. Argo CD's rules are kept:
 * - a key is set when the notification was delivered (never before, never on a failed attempt);
 * - a condition without oncePer notifies when it flips from false to true: its keys are removed when the
 *   condition is false again;
 * - a key with a oncePer value is never removed by a false condition — one notification per value;
 * - at most 100 keys are kept, the oldest dropped first.
 *
 * Pure.
 */
import type { ConditionResult } from "./triggers.js";

export const ARGO_STATE_ANNOTATION = "notified.notifications.argoproj.io";
export const PLUMB_STATE_ANNOTATION = "plumb.dev/notified";
export const MAX_STATE_ITEMS = 100;

/** A destination: a service name and one recipient (a channel, an address; "" where the service needs none). */
export interface Destination {
  service: string;
  recipient: string;
}

export type NotifiedState = Record<string, number>;

/** The annotation key that holds the state for an app of API group `group`. */
export function stateAnnotation(group: string): string {
  return group === "argoproj.io" ? ARGO_STATE_ANNOTATION : PLUMB_STATE_ANNOTATION;
}

export function deliveryKey(trigger: string, result: Pick<ConditionResult, "key" | "oncePer">, dest: Destination): string {
  const key = `${trigger}:${result.key}:${dest.service}:${dest.recipient}`;
  return result.oncePer ? `${result.oncePer}:${key}` : key;
}

/** The state an annotation value holds; an unreadable value is an empty state (as Argo CD reads it). */
export function parseState(value: string | undefined): NotifiedState {
  if (!value) return {};
  try {
    const v = JSON.parse(value) as unknown;
    if (!v || typeof v !== "object" || Array.isArray(v)) return {};
    const out: NotifiedState = {};
    for (const [k, t] of Object.entries(v as Record<string, unknown>)) if (typeof t === "number" && Number.isFinite(t)) out[k] = t;
    return out;
  } catch {
    return {};
  }
}

/** The annotation value of a state (null: remove the annotation), truncated to the newest MAX_STATE_ITEMS. */
export function serializeState(state: NotifiedState, max = MAX_STATE_ITEMS): string | null {
  const entries = Object.entries(state).sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
  const kept = entries.slice(Math.max(0, entries.length - max));
  if (kept.length === 0) return null;
  return JSON.stringify(Object.fromEntries(kept.sort((a, b) => (a[0] < b[0] ? -1 : 1))));
}

/** Whether `key` was delivered. */
export function alreadyNotified(state: NotifiedState, key: string): boolean {
  return Object.hasOwn(state, key);
}

/** Records a delivery at `nowSec`. */
export function markNotified(state: NotifiedState, key: string, nowSec: number): void {
  state[key] = nowSec;
}

/**
 * A condition is false: forget its flip-style keys (without oncePer) so that it notifies again when it holds
 * again. Returns whether the state changed.
 */
export function forgetFalse(state: NotifiedState, trigger: string, result: Pick<ConditionResult, "key">, dest: Destination): boolean {
  const key = deliveryKey(trigger, { key: result.key }, dest);
  if (!Object.hasOwn(state, key)) return false;
  delete state[key];
  return true;
}

/** Merges two states: every key of either, the later time winning. */
export function mergeStates(a: NotifiedState, b: NotifiedState): NotifiedState {
  const out: NotifiedState = { ...a };
  for (const [k, t] of Object.entries(b)) out[k] = Math.max(out[k] ?? 0, t);
  return out;
}
