/** assessHealth beyond the fixtures: the registry's coverage and robustness against malformed objects. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../../../src/core/object.js";
import { assessHealth, HEALTH_CHECKS, healthCheckFor, isHealthStatus } from "../../../src/health/index.js";

describe("registry", () => {
  it("has a function for every built-in kind", () => {
    for (const gk of [
      "apps/Deployment",
      "apps/StatefulSet",
      "apps/DaemonSet",
      "apps/ReplicaSet",
      "Pod",
      "batch/Job",
      "batch/CronJob",
      "Service",
      "networking.k8s.io/Ingress",
      "PersistentVolumeClaim",
      "autoscaling/HorizontalPodAutoscaler",
      "apiregistration.k8s.io/APIService",
    ]) {
      assert.ok(HEALTH_CHECKS.has(gk), gk);
    }
  });

  it("is keyed by group, not version", () => {
    assert.equal(healthCheckFor("apps", "Deployment"), healthCheckFor("extensions", "Deployment"));
    assert.equal(healthCheckFor("", "ConfigMap"), undefined);
    assert.equal(healthCheckFor("example.dev", "Deployment"), undefined);
  });

  it("does not judge a custom kind by a built-in kind's name", () => {
    const obj: KubeObject = { apiVersion: "example.dev/v1", kind: "Deployment", metadata: { name: "x" }, spec: { paused: true } };
    assert.equal(assessHealth(obj), undefined);
  });
});

describe("malformed objects", () => {
  // Each must give a valid result (or undefined), never an exception.
  const weird: Array<[string, KubeObject]> = [
    ["status is a string", { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "a" }, status: "broken" }],
    ["conditions is not a list", { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "a" }, status: { conditions: "x" } }],
    ["conditions hold junk", { apiVersion: "batch/v1", kind: "Job", metadata: { name: "a" }, status: { conditions: [null, 3, "x", {}] } }],
    ["containerStatuses is a number", { apiVersion: "v1", kind: "Pod", metadata: { name: "a" }, status: { phase: "Running", containerStatuses: 5 } }],
    ["no spec nor status", { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "a" } }],
    ["replicas are strings", { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "a" }, spec: { replicas: "3" } }],
    ["loadBalancer is a list", { apiVersion: "v1", kind: "Service", metadata: { name: "a" }, spec: { type: "LoadBalancer" }, status: { loadBalancer: [] } }],
    ["cronjob times are not dates", { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "a" }, status: { lastScheduleTime: "soon", lastSuccessfulTime: 7 } }],
    ["generic conditions hold junk", { apiVersion: "example.dev/v1", kind: "Widget", metadata: { name: "a" }, status: { conditions: [{ type: "Ready" }, 1] } }],
  ];
  for (const [name, obj] of weird) {
    it(name, () => {
      const result = assessHealth(obj);
      if (result) {
        assert.ok(isHealthStatus(result.status), JSON.stringify(result));
        assert.equal(typeof result.message, "string");
      }
    });
  }

  it("an object without metadata gives a result, not an exception", () => {
    const obj = { apiVersion: "apps/v1", kind: "Deployment", spec: { replicas: 1 }, status: { conditions: [{ type: "Progressing", reason: "ProgressDeadlineExceeded" }] } };
    const result = assessHealth(obj as unknown as KubeObject);
    assert.ok(result && isHealthStatus(result.status));
  });
});
