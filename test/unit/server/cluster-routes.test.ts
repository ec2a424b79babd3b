/**
 * The cluster routes in-process with the real Rbac: a caller sees only the clusters its policy lets it
 * `get` (object: the server URL), one cluster is found by URL-encoded server or by name, an unpermitted
 * one is a 404 like a missing one, and no answer carries the Secret's config.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../../../src/core/object.js";
import { clusterInfos } from "../../../src/clusters/view.js";
import { router } from "../../../src/server/app.js";
import { errorResponse } from "../../../src/server/errors.js";
import { Rbac } from "../../../src/server/rbac/index.js";
import { mountClusters, type ClusterRouteDeps } from "../../../src/server/routes/clusters.js";
import { who } from "./rbac-support.js";

const b64 = (s: string): string => Buffer.from(s).toString("base64");
const secret = (name: string, server: string): KubeObject =>
  ({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "plumb", labels: { "argocd.argoproj.io/secret-type": "cluster" } }, data: { name: b64(name), server: b64(server), config: b64(JSON.stringify({ bearerToken: "tok-en" })) } }) as KubeObject;

async function server(policy: string) {
  const rbac = await Rbac.create({ data: { "policy.csv": policy } });
  const items = clusterInfos([secret("prod", "https://prod.example:6443"), secret("dev", "https://dev.example:6443")], undefined);
  const api = router();
  api.use(async (c, next) => {
    c.set("principal", who("alice"));
    await next();
  });
  api.onError((err, c) => c.json(errorResponse(err).body, errorResponse(err).status));
  mountClusters(api, { rbac, clusters: { list: () => items } } as unknown as ClusterRouteDeps);
  return async (path: string) => {
    const res = await api.request(path);
    const text = await res.text();
    assert.ok(!text.includes("tok-en"), "no credential in any answer");
    return { status: res.status, body: JSON.parse(text) as { items?: Array<{ name: string }>; name?: string } };
  };
}

describe("cluster routes", () => {
  it("list only the clusters the policy permits", async () => {
    const get = await server("p, alice, clusters, get, https://prod.*, allow");
    assert.deepEqual((await get("/api/v1/clusters")).body.items!.map((c) => c.name), ["prod"]);
  });
  it("find one by URL-encoded server or by name; an unpermitted one is a 404", async () => {
    const get = await server("p, alice, clusters, get, https://prod.*, allow");
    assert.equal((await get(`/api/v1/clusters/${encodeURIComponent("https://prod.example:6443")}`)).body.name, "prod");
    assert.equal((await get("/api/v1/clusters/prod")).body.name, "prod");
    assert.equal((await get("/api/v1/clusters/dev")).status, 404);
    assert.equal((await get("/api/v1/clusters/nope")).status, 404);
  });
  it("the read-only role sees them all", async () => {
    const get = await server("g, alice, role:readonly");
    assert.deepEqual((await get("/api/v1/clusters")).body.items!.map((c) => c.name), ["in-cluster", "dev", "prod"]);
  });
});
