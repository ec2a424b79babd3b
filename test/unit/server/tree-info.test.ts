/**
 * What a node says besides health: a Pod's STATUS reason, ready containers, restarts and node as
 * `kubectl get pods` and Argo CD show them; revisions; images; networkingInfo. One table row per case.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../../../src/core/object.js";
import { nodeDetails, podInfo } from "../../../src/server/tree/info.js";

function pod(spec: Record<string, unknown>, status: Record<string, unknown>, meta: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ns", ...meta }, spec, status };
}
const running = { running: { startedAt: "2024-05-03T11:00:00Z" } };
const one = { nodeName: "node-1", containers: [{ name: "app", image: "app:1" }] };

describe("podInfo", () => {
  const table: Array<[string, KubeObject, Record<string, string>]> = [
    [
      "running and ready: the phase, 1/1",
      pod(one, { phase: "Running", containerStatuses: [{ name: "app", ready: true, restartCount: 0, state: running }] }),
      { "Status Reason": "Running", Node: "node-1", Containers: "1/1" },
    ],
    [
      "crash-looping: the waiting reason and the restarts",
      pod(one, { phase: "Running", containerStatuses: [{ name: "app", ready: false, restartCount: 7, state: { waiting: { reason: "CrashLoopBackOff" } } }] }),
      { "Status Reason": "CrashLoopBackOff", Node: "node-1", Containers: "0/1", "Restart Count": "7" },
    ],
    [
      "two containers, one ready: 1/2, and the first container's reason wins",
      pod(
        { containers: [{ name: "a" }, { name: "b" }] },
        { phase: "Running", containerStatuses: [{ name: "a", ready: false, state: { waiting: { reason: "ImagePullBackOff" } } }, { name: "b", ready: true, state: running }] },
      ),
      { "Status Reason": "ImagePullBackOff", Node: "", Containers: "1/2" },
    ],
    [
      "an init container still running: Init:0/1",
      pod(
        { initContainers: [{ name: "init" }], containers: [{ name: "app" }] },
        { phase: "Pending", initContainerStatuses: [{ name: "init", ready: false, state: running }], containerStatuses: [{ name: "app", ready: false, state: { waiting: { reason: "PodInitializing" } } }] },
      ),
      { "Status Reason": "Init:0/1", Node: "", Containers: "0/1" },
    ],
    [
      "an init container failing: Init:<reason>",
      pod({ initContainers: [{ name: "init" }], containers: [{ name: "app" }] }, { phase: "Pending", initContainerStatuses: [{ name: "init", restartCount: 2, state: { waiting: { reason: "CrashLoopBackOff" } } }] }),
      { "Status Reason": "Init:CrashLoopBackOff", Node: "", Containers: "0/1", "Restart Count": "2" },
    ],
    [
      "an init container that exited non-zero without a reason: Init:ExitCode:N",
      pod({ initContainers: [{ name: "init" }], containers: [{ name: "app" }] }, { phase: "Pending", initContainerStatuses: [{ name: "init", state: { terminated: { exitCode: 3 } } }] }),
      { "Status Reason": "Init:ExitCode:3", Node: "", Containers: "0/1" },
    ],
    [
      "a sidecar (restartable init container) counts among the containers",
      pod(
        { initContainers: [{ name: "proxy", restartPolicy: "Always" }], containers: [{ name: "app" }] },
        { phase: "Running", conditions: [{ type: "Initialized", status: "True" }], initContainerStatuses: [{ name: "proxy", ready: true, started: true, state: running }], containerStatuses: [{ name: "app", ready: true, state: running }] },
      ),
      { "Status Reason": "Running", Node: "", Containers: "2/2" },
    ],
    [
      "a container completed while another still runs: Running",
      pod(
        { containers: [{ name: "a" }, { name: "b" }] },
        { phase: "Running", containerStatuses: [{ name: "a", ready: true, state: running }, { name: "b", ready: false, state: { terminated: { reason: "Completed", exitCode: 0 } } }] },
      ),
      { "Status Reason": "Running", Node: "", Containers: "1/2" },
    ],
    [
      "evicted: status.reason",
      pod(one, { phase: "Failed", reason: "Evicted" }),
      { "Status Reason": "Evicted", Node: "node-1", Containers: "0/1" },
    ],
    [
      "being deleted while running: Terminating",
      pod(one, { phase: "Running", containerStatuses: [{ name: "app", ready: true, state: running }] }, { deletionTimestamp: "2024-05-03T11:05:00Z" }),
      { "Status Reason": "Terminating", Node: "node-1", Containers: "1/1" },
    ],
    [
      "being deleted on a lost node: Unknown",
      pod(one, { phase: "Running", reason: "NodeLost" }, { deletionTimestamp: "2024-05-03T11:05:00Z" }),
      { "Status Reason": "Unknown", Node: "node-1", Containers: "0/1" },
    ],
    [
      "gated before scheduling: SchedulingGated",
      pod({ containers: [{ name: "app" }] }, { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "SchedulingGated" }] }),
      { "Status Reason": "SchedulingGated", Node: "", Containers: "0/1" },
    ],
  ];
  for (const [name, obj, want] of table) {
    it(name, () => assert.deepEqual(Object.fromEntries(podInfo(obj).map((i) => [i.name, i.value])), want));
  }

  it("tolerates a Pod with no spec or status", () => {
    assert.deepEqual(podInfo({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" } }), [
      { name: "Node", value: "" },
      { name: "Containers", value: "0/0" },
    ]);
  });
});

describe("nodeDetails", () => {
  it("a Pod's images are its containers' and init containers', unique and sorted; its labels are its networkingInfo", () => {
    const p = pod({ initContainers: [{ name: "i", image: "z-init:1" }], containers: [{ name: "a", image: "b:1" }, { name: "c", image: "b:1" }] }, { phase: "Pending" }, { labels: { app: "web" } });
    const d = nodeDetails(p);
    assert.deepEqual(d.images, ["b:1", "z-init:1"]);
    assert.deepEqual(d.networkingInfo, { labels: { app: "web" } });
  });

  it("a ReplicaSet shows its revision and its template's images; a ControllerRevision its number", () => {
    const rs: KubeObject = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: "rs", annotations: { "deployment.kubernetes.io/revision": "4" } },
      spec: { template: { spec: { containers: [{ name: "a", image: "api:4" }] } } },
    };
    assert.deepEqual(nodeDetails(rs), { info: [{ name: "Revision", value: "Rev:4" }], images: ["api:4"] });
    assert.deepEqual(nodeDetails({ apiVersion: "apps/v1", kind: "ControllerRevision", metadata: { name: "cr" }, revision: 9 }), { info: [{ name: "Revision", value: "Rev:9" }] });
  });

  it("a CronJob's images come from its job template", () => {
    const cj: KubeObject = { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "c" }, spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: "a", image: "backup:2" }] } } } } } };
    assert.deepEqual(nodeDetails(cj).images, ["backup:2"]);
  });

  it("a Service's selector is its targetLabels; a LoadBalancer's addresses its ingress", () => {
    const svc: KubeObject = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "s" },
      spec: { type: "LoadBalancer", selector: { app: "web" } },
      status: { loadBalancer: { ingress: [{ ip: "10.0.0.9" }, { hostname: "lb.example.com", ip: "10.0.0.8" }] } },
    };
    assert.deepEqual(nodeDetails(svc).networkingInfo, { targetLabels: { app: "web" }, ingress: [{ ip: "10.0.0.9" }, { hostname: "lb.example.com" }] });
    assert.deepEqual(nodeDetails({ apiVersion: "v1", kind: "Service", metadata: { name: "headless" }, spec: { clusterIP: "None" } }), {}, "nothing to say, nothing said");
  });

  it("an Ingress's backends are its targetRefs", () => {
    const ing: KubeObject = {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "i", namespace: "shop" },
      spec: { defaultBackend: { service: { name: "fallback" } }, rules: [{ http: { paths: [{ backend: { service: { name: "web" } } }, { backend: { service: { name: "api" } } }] } }] },
    };
    assert.deepEqual(nodeDetails(ing).networkingInfo?.targetRefs?.map((r) => r.name), ["api", "fallback", "web"]);
  });

  it("objects without anything to show get no fields", () => {
    assert.deepEqual(nodeDetails({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", annotations: { "deployment.kubernetes.io/revision": "x" } } }), {});
  });
});
