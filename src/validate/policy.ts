/**
 * PLACEHOLDER for branch `policy` (dropped at merge): the exact signatures of the contract, with no check.
 */
import type { KubeObject } from "../core/object.js";
import type { Finding, Severity } from "./findings.js";

export interface PolicyCheck {
  id: string;
  severity: Severity;
  description: string;
}

export const POLICY_CHECKS: readonly PolicyCheck[] = [];

/** Findings for one app's rendered objects; honours the skip annotations; `skip` = the run's --skip ids. */
export function policyFindings(_objects: readonly KubeObject[], _opts: { skip?: ReadonlySet<string> } = {}): Finding[] {
  return [];
}
