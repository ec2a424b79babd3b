/**
 * RespectIgnoreDifferences=true: what ignoreDifferences leaves out of the comparison, a sync leaves as it is
 * live (Argo CD) — the plan applies the live value at each ignored JSON pointer, and drops a field the live
 * object does not have. Without the option the desired object is applied whole.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../../../src/core/object.js";
import { keepLiveAtIgnored } from "../../../src/diff/index.js";
import { appSpec } from "../../../src/engine/app.js";
import type { AppComparison } from "../../../src/engine/compare.js";
import { planFor } from "../../../src/engine/sync.js";

const deployment = (replicas: number | undefined, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "ns" },
  spec: { ...(replicas === undefined ? {} : { replicas }), template: { metadata: { labels: { app: "web" } } }, ...extra },
});

describe("keepLiveAtIgnored", () => {
  it("takes the live value at an ignored pointer, drops one the live object lacks, and leaves the input alone", () => {
    const desired = deployment(1, { paused: true });
    const out = keepLiveAtIgnored(desired, deployment(5), ["/spec/replicas", "/spec/paused", "/spec/nothing/here"]);
    assert.equal((out.spec as { replicas: number }).replicas, 5);
    assert.equal("paused" in (out.spec as object), false);
    assert.equal((desired.spec as { replicas: number }).replicas, 1, "the desired object is not changed");
    assert.deepEqual((out.spec as { template: unknown }).template, (desired.spec as { template: unknown }).template);
  });

  it("makes the objects on the way to a live value the desired object does not have", () => {
    const live = deployment(1);
    (live.metadata as { annotations?: Record<string, string> }).annotations = { "team.io/owner": "ops" };
    const out = keepLiveAtIgnored(deployment(1), live, ["/metadata/annotations/team.io~1owner"]);
    assert.deepEqual(out.metadata.annotations, { "team.io/owner": "ops" });
  });
});

describe("planFor with RespectIgnoreDifferences", () => {
  const desired = deployment(1);
  const live = deployment(7);
  const comparison = (syncOptions: string[]): AppComparison => {
    const app = appSpec({ name: "a", namespace: "ns", repoRoot: "/r", path: ".", syncOptions, ignoreDifferences: [{ group: "apps", kind: "Deployment", jsonPointers: ["/spec/replicas"] }] });
    return {
      app,
      renderType: "directory",
      renderTypes: ["directory"],
      desired: [desired],
      live: new Map([["apps/Deployment/ns/web", live]]),
      resources: [],
      toPrune: [],
      summary: { status: "OutOfSync" } as AppComparison["summary"],
      namespaceExists: true,
    };
  };
  const appliedReplicas = (syncOptions: string[]): unknown => {
    const c = comparison(syncOptions);
    const plan = planFor(c, false, c.app);
    const task = plan.phases.flatMap((p) => p.waves).flatMap((w) => w.tasks).find((t) => t.object.kind === "Deployment");
    return (task?.object.spec as { replicas?: number } | undefined)?.replicas;
  };

  it("applies the live replicas with the option", () => assert.equal(appliedReplicas(["RespectIgnoreDifferences=true"]), 7));
  it("applies the desired replicas without it", () => assert.equal(appliedReplicas([]), 1));
});
