/**
 * Triggers: named lists of conditions (`when`, `send`, `oncePer`), as Argo CD Notifications defines them
 * (https://argo-cd.readthedocs.io/en/stable/operator-manual/notifications/triggers/), and the catalog of
 * triggers Argo CD ships (notifications_catalog/install.yaml), built in so that `subscribe.on-deployed.x`
 * works without installing anything; a `trigger.<name>` key of the ConfigMap replaces a built-in one.
 *
 * Running a trigger gives one result per condition: its key (`[i].<sha1 of when>`, Argo CD's, so state
 * written by Argo CD is understood), whether it holds, and — when it holds and has `oncePer` — the oncePer
 * value. A condition that cannot be evaluated is `unsupported` (the whole trigger is then not run); one
 * that fails on this app's data (a field of nil) is not triggered and carries the error, as Argo CD logs it.
 *
 * Pure.
 */
import { createHash } from "node:crypto";
import { compile, formatValue, UnsupportedExpression, type Compiled } from "./expr.js";

export interface Condition {
  when: string;
  send: string[];
  oncePer?: string;
  description?: string;
}

export interface CompiledTrigger {
  name: string;
  conditions: Condition[];
  /** Why this trigger cannot be evaluated (it is then never run). */
  unsupported?: string;
  programs: Array<{ when: Compiled; oncePer?: Compiled }>;
}

export interface ConditionResult {
  key: string;
  templates: string[];
  triggered: boolean;
  /** The oncePer value, when the condition holds and has oncePer. */
  oncePer?: string;
  /** The condition failed on this data (e.g. fetched a field of nil); it counts as not triggered. */
  error?: string;
}

/** Argo CD's catalog triggers (notifications_catalog/install.yaml), conditions and oncePer as shipped. */
export const CATALOG_TRIGGERS: Record<string, Condition[]> = {
  "on-created": [{ description: "Application is created.", oncePer: "app.metadata.name", send: ["app-created"], when: "true" }],
  "on-deleted": [{ description: "Application is deleted.", oncePer: "app.metadata.name", send: ["app-deleted"], when: "app.metadata.deletionTimestamp != nil" }],
  "on-deployed": [
    {
      description: "Application is synced and healthy. Triggered once per commit.",
      oncePer: "app.status.operationState?.syncResult?.revision",
      send: ["app-deployed"],
      when: "app.status.operationState != nil and app.status.operationState.phase in ['Succeeded'] and app.status.health.status == 'Healthy' and !time.Parse(app.status.health.lastTransitionTime).Before(time.Parse(app.status.operationState.finishedAt))",
    },
  ],
  "on-health-degraded": [{ description: "Application has degraded", oncePer: "app.status.operationState?.syncResult?.revision", send: ["app-health-degraded"], when: "app.status.health.status == 'Degraded'" }],
  "on-sync-failed": [
    { description: "Application syncing has failed", oncePer: "app.status.operationState?.syncResult?.revision", send: ["app-sync-failed"], when: "app.status.operationState != nil and app.status.operationState.phase in ['Error', 'Failed']" },
  ],
  "on-sync-running": [
    { description: "Application is being synced", oncePer: "app.status.operationState?.syncResult?.revision", send: ["app-sync-running"], when: "app.status.operationState != nil and app.status.operationState.phase in ['Running']" },
  ],
  "on-sync-status-unknown": [{ description: "Application status is 'Unknown'", oncePer: "app.status.operationState?.syncResult?.revision", send: ["app-sync-status-unknown"], when: "app.status.sync.status == 'Unknown'" }],
  "on-sync-succeeded": [
    { description: "Application syncing has succeeded", oncePer: "app.status.operationState?.syncResult?.revision", send: ["app-sync-succeeded"], when: "app.status.operationState != nil and app.status.operationState.phase in ['Succeeded']" },
  ],
};

/** Argo CD's condition key: `[index].` + base64url(sha1(when)) without padding. */
export function conditionKey(index: number, when: string): string {
  return `[${index}].${createHash("sha1").update(when).digest("base64url")}`;
}

/** Compiles a trigger; a condition outside the expression subset makes it `unsupported`. */
export function compileTrigger(name: string, conditions: Condition[]): CompiledTrigger {
  const programs: CompiledTrigger["programs"] = [];
  try {
    for (const c of conditions) programs.push({ when: compile(c.when || "false"), ...(c.oncePer ? { oncePer: compile(c.oncePer) } : {}) });
  } catch (err) {
    if (err instanceof UnsupportedExpression) return { name, conditions, programs: [], unsupported: err.message };
    throw err;
  }
  return { name, conditions, programs };
}

/** Runs every condition of `trigger` on `vars` (`{app: …}`). Throws when the trigger is unsupported. */
export function runTrigger(trigger: CompiledTrigger, vars: Record<string, unknown>): ConditionResult[] {
  if (trigger.unsupported) throw new UnsupportedExpression(trigger.unsupported);
  return trigger.conditions.map((c, i) => {
    const p = trigger.programs[i]!;
    const result: ConditionResult = { key: conditionKey(i, c.when), templates: c.send, triggered: false };
    try {
      result.triggered = p.when(vars) === true;
    } catch (err) {
      result.error = `condition "${c.when}": ${err instanceof Error ? err.message : String(err)}`;
      return result;
    }
    if (result.triggered && p.oncePer) {
      try {
        result.oncePer = formatValue(p.oncePer(vars));
      } catch (err) {
        // Argo CD logs the failure and sends without a oncePer value; so does plumb, and says why.
        result.error = `oncePer "${c.oncePer}": ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    return result;
  });
}
