/**
 * What the tree's caches keep: every health fixture (test/fixtures/health, real objects of every kind
 * with a health rule) must give the same health and the same node details stripped as whole — so a field
 * a health function starts to read and strip.ts drops fails here — while the bulk (managedFields, other
 * annotations, a Pod's env, probes, volumes; a ControllerRevision's data; an EndpointSlice's endpoints) is
 * gone.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../../../src/core/object.js";
import { assessHealth } from "../../../src/health/index.js";
import { nodeDetails } from "../../../src/server/tree/info.js";
import { stripForTree } from "../../../src/server/tree/strip.js";
import { fixture } from "../../helpers/paths.js";

function healthFixtures(): Array<{ name: string; obj: KubeObject }> {
  const root = fixture("health");
  const out: Array<{ name: string; obj: KubeObject }> = [];
  for (const kind of readdirSync(root, { withFileTypes: true })) {
    if (!kind.isDirectory() || kind.name.startsWith("_")) continue;
    for (const file of readdirSync(join(root, kind.name)).filter((n) => n.endsWith(".yaml")).sort()) {
      for (const doc of parseAllDocuments(readFileSync(join(root, kind.name, file), "utf8"))) {
        const obj = doc.toJS() as KubeObject | null;
        if (obj?.kind) out.push({ name: `${kind.name}/${file}`, obj });
      }
    }
  }
  return out;
}

/** A Pod as a Deployment's ReplicaSet makes it, with the usual bulk. */
function bulkyPod(): KubeObject {
  const container = {
    name: "api",
    image: "ghcr.io/example/api:1.4.2",
    env: Array.from({ length: 20 }, (_, i) => ({ name: `VAR_${i}`, value: "x".repeat(40) })),
    resources: { requests: { cpu: "100m", memory: "128Mi" } },
    readinessProbe: { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 10 },
    volumeMounts: [{ name: "token", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", readOnly: true }],
  };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "api-7c9d8f6b5d-x2k8p",
      namespace: "shop",
      uid: "u1",
      resourceVersion: "42",
      creationTimestamp: "2024-05-03T11:02:01Z",
      labels: { app: "api", "pod-template-hash": "7c9d8f6b5d" },
      annotations: { "kubectl.kubernetes.io/restartedAt": "2024-05-03T11:00:00Z", "plumb.dev/ignore-restart-policy": "true" },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "api-7c9d8f6b5d", uid: "rs1", controller: true, blockOwnerDeletion: true } as never],
      managedFields: [{ manager: "kube-controller-manager", operation: "Update", fieldsV1: { "f:spec": { "f:containers": {} } } }, { manager: "kubelet", fieldsV1: { "f:status": {} } }],
    },
    spec: {
      containers: [container],
      volumes: [{ name: "token", projected: { sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: "token" } }] } }],
      nodeName: "node-1",
      restartPolicy: "Always",
      tolerations: [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }],
    },
    status: {
      phase: "Running",
      podIP: "10.244.0.7",
      conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2024-05-03T11:02:09Z" }],
      containerStatuses: [{ name: "api", ready: true, restartCount: 1, started: true, image: "ghcr.io/example/api:1.4.2", imageID: "sha256:abc", state: { running: { startedAt: "2024-05-03T11:02:05Z" } }, lastState: { terminated: { exitCode: 1, reason: "Error", finishedAt: "2024-05-03T11:02:04Z" } } }],
    },
  };
}

describe("stripForTree", () => {
  const cases = healthFixtures();
  it("has health fixtures to check against", () => assert.ok(cases.length > 50, `${cases.length} fixtures`));
  for (const { name, obj } of cases) {
    it(`${name}: same health and details stripped`, () => {
      const stripped = stripForTree(obj);
      assert.deepEqual(assessHealth(stripped), assessHealth(obj));
      assert.deepEqual(nodeDetails(stripped), nodeDetails(obj));
    });
  }

  it("keeps identity, owners, labels and resourceVersion, which the cache and the tree are keyed by", () => {
    const s = stripForTree(bulkyPod());
    assert.deepEqual(s.metadata, {
      name: "api-7c9d8f6b5d-x2k8p",
      namespace: "shop",
      uid: "u1",
      resourceVersion: "42",
      creationTimestamp: "2024-05-03T11:02:01Z",
      labels: { app: "api", "pod-template-hash": "7c9d8f6b5d" },
      annotations: { "plumb.dev/ignore-restart-policy": "true" },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "api-7c9d8f6b5d", uid: "rs1", controller: true }],
    });
    assert.equal(s.apiVersion, "v1");
    assert.equal(s.kind, "Pod");
  });

  it("drops a Pod's bulk: managedFields, env, probes, volumes, IPs", () => {
    const whole = bulkyPod();
    const s = stripForTree(whole);
    assert.deepEqual(s.spec, { nodeName: "node-1", restartPolicy: "Always", containers: [{ name: "api", image: "ghcr.io/example/api:1.4.2" }] });
    assert.equal((s.status as { podIP?: string }).podIP, undefined);
    const size = (o: unknown) => JSON.stringify(o).length;
    assert.ok(size(s) * 3 < size(whole), `stripped ${size(s)} bytes of ${size(whole)}`);
  });

  it("keeps a ControllerRevision's number, not its data; an EndpointSlice's address type, not its endpoints", () => {
    const cr = stripForTree({ apiVersion: "apps/v1", kind: "ControllerRevision", metadata: { name: "r" }, revision: 3, data: { spec: { template: { spec: { containers: [] } } } } });
    assert.deepEqual(cr, { apiVersion: "apps/v1", kind: "ControllerRevision", metadata: { name: "r" }, revision: 3 });
    const es = stripForTree({ apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: "e" }, addressType: "IPv4", endpoints: [{ addresses: ["10.0.0.1"] }], ports: [{ port: 80 }] });
    assert.deepEqual(es, { apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: "e" }, addressType: "IPv4" });
  });

  it("a ReplicaSet keeps its replicas, status and template images only", () => {
    const rs = stripForTree({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: "rs", generation: 2, annotations: { "deployment.kubernetes.io/revision": "3", "deployment.kubernetes.io/desired-replicas": "1" } },
      spec: { replicas: 1, selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "a", image: "a:1", env: [{ name: "X", value: "1" }] }] } } },
      status: { replicas: 1, observedGeneration: 2 },
    });
    assert.deepEqual(rs.spec, { replicas: 1, template: { spec: { containers: [{ name: "a", image: "a:1" }] } } });
    assert.deepEqual(rs.metadata.annotations, { "deployment.kubernetes.io/revision": "3" });
  });
});
