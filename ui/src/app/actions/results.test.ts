import { describe, expect, it } from "vitest";
import type { ResourceResult } from "../../api/types";
import { isFailed, orderResults, resultStatus } from "./results";

const r = (name: string, extra: Partial<ResourceResult>): ResourceResult => ({ group: "", version: "v1", kind: "ConfigMap", namespace: "ns", name, ...extra });

describe("the operation panel's results", () => {
  it("puts failed results first, then running hooks, keeping the sync's order otherwise", () => {
    const results = [r("a", { status: "Synced" }), r("hook", { hookType: "PreSync", hookPhase: "Running" }), r("b", { status: "SyncFailed", message: "refused" }), r("c", { status: "Synced" }), r("failed-hook", { hookType: "PostSync", hookPhase: "Failed" })];
    expect(orderResults(results).map((x) => x.name)).toEqual(["b", "failed-hook", "hook", "a", "c"]);
  });

  it("counts SyncFailed and failed or errored hooks as failures, nothing else", () => {
    expect([r("x", { status: "SyncFailed" }), r("x", { hookPhase: "Error" }), r("x", { hookPhase: "Failed" })].every(isFailed)).toBe(true);
    expect([r("x", { status: "Synced" }), r("x", { status: "Pruned" }), r("x", { status: "PruneSkipped" }), r("x", { hookPhase: "Succeeded" })].some(isFailed)).toBe(false);
  });

  it("says a hook's phase where it has no result yet", () => {
    expect(resultStatus(r("x", { hookPhase: "Running" }))).toBe("Hook Running");
    expect(resultStatus(r("x", { status: "Synced", hookPhase: "Succeeded" }))).toBe("Synced");
  });
});
