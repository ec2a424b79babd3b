/**
 * A clusters generator never runs on an unsynced cluster-Secret cache (Argo CD #18480: a generator that
 * briefly sees no clusters deletes every app it made). The cache is the real Informer, filled through its
 * sink as a LIST fills it; the reconcile talks to a loopback HTTP server that records every request, so
 * "touched nothing" is measured, and the same set over a synced but empty cache shows what the guard
 * prevents (a delete).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Informer } from "../../../src/cluster/informer.js";
import { KubeClient } from "../../../src/cluster/client.js";
import { Resources } from "../../../src/cluster/resources.js";
import type { SourceRepos } from "../../../src/controller/sources.js";
import type { KubeObject } from "../../../src/core/object.js";
import { clusterSource } from "../../../src/appsets/clusters.js";
import { generateAll, makeRenderer, PendingError, reconcileAppSet, type AppSetDeps } from "./fixtures.js";

const NS = "plumb";

/** An informer that is never started: it syncs when the test hands it a LIST. */
function informer(): Informer {
  return new Informer({
    list: () => Promise.reject(new Error("not started in this test")),
    watch: () => {
      throw new Error("not started in this test");
    },
  });
}

function clusterSecret(name: string, server: string): KubeObject {
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  return { apiVersion: "v1", kind: "Secret", metadata: { name, namespace: NS, resourceVersion: "1", labels: { "argocd.argoproj.io/secret-type": "cluster", env: "prod" } }, data: { name: b64(name), server: b64(server) } };
}

const SET: KubeObject = {
  apiVersion: "plumb.dev/v1alpha1",
  kind: "ApplicationSet",
  metadata: { name: "fleet", namespace: NS, uid: "set-uid", generation: 1 },
  spec: {
    generators: [{ clusters: {} }],
    template: {
      metadata: { name: "{{name}}-guestbook" },
      spec: { project: "default", source: { repoURL: "https://git.example/apps.git", targetRevision: "main", path: "guestbook" }, destination: { server: "{{server}}", namespace: "guestbook" } },
    },
  },
};

/** The app the set made for cluster `prod` in an earlier reconcile. */
const PROD_APP: KubeObject = {
  apiVersion: "plumb.dev/v1alpha1",
  kind: "Application",
  metadata: { name: "prod-guestbook", namespace: NS, resourceVersion: "7", ownerReferences: [{ apiVersion: "plumb.dev/v1alpha1", kind: "ApplicationSet", name: "fleet", uid: "set-uid" }] },
  spec: { project: "default", source: { repoURL: "https://git.example/apps.git", targetRevision: "main", path: "guestbook" }, destination: { server: "https://prod.example:6443", namespace: "guestbook" } },
};

describe("appsets: the cluster-Secret cache must have synced", () => {
  let server: Server;
  let requests: string[];
  let resources: Resources;

  before(async () => {
    requests = [];
    server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", code: 404, message: "not found" }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    resources = new Resources(KubeClient.fromCredentials(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, {}));
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const deps = (informers: Informer[]): AppSetDeps => ({
    resources,
    repos: {} as SourceRepos, // no git generator here: never read
    getSet: (key) => (key === "plumb.dev/plumb/fleet" ? SET : undefined),
    getApp: (_g, _ns, name) => (name === PROD_APP.metadata.name ? PROD_APP : undefined),
    ownedApps: (uid) => (uid === "set-uid" ? [PROD_APP] : []),
    getProject: () => undefined,
    clusters: clusterSource(() => informers),
    event: () => undefined,
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    resyncMs: 180_000,
    listings: new Map(),
    lastErrors: new Map(),
  });

  it("the source refuses to answer until every Secret informer has listed, then reads them", () => {
    const [a, b] = [informer(), informer()];
    const source = clusterSource(() => [a, b]);
    assert.throws(source, PendingError, "no informer has synced");
    a.replace([clusterSecret("prod", "https://prod.example:6443")]);
    assert.throws(source, PendingError, "one of two has synced");
    b.replace([]);
    assert.deepEqual(source().map((c) => c.name), ["prod"]);
    assert.throws(clusterSource(() => []), PendingError, "no informer yet");
  });

  it("the clusters generator fails with PendingError on an unsynced cache instead of answering 'only in-cluster'", async () => {
    const ctx = { renderer: makeRenderer(false, {}), clusters: clusterSource(() => [informer()]), gitTree: () => Promise.reject(new Error("no git")), warn: () => undefined };
    await assert.rejects(generateAll([{ clusters: {} }], ctx), PendingError);
  });

  it("a set reconciled before the cache synced sends no request at all (no delete, no status); over a synced empty cache the same set deletes", async () => {
    const secrets = informer();
    requests.length = 0;
    const r = await reconcileAppSet(deps([secrets]), "plumb.dev/plumb/fleet");
    assert.deepEqual(requests, [], "nothing may be deleted, applied or written before the Secrets are known");
    assert.ok(r.requeueAfterMs !== undefined && r.requeueAfterMs > 0, "the set is tried again");

    // What the guard prevents: the same set over a synced cache that holds no cluster deletes prod-guestbook.
    const empty = informer();
    empty.replace([]);
    requests.length = 0;
    await reconcileAppSet(deps([empty]), "plumb.dev/plumb/fleet");
    assert.ok(requests.length > 0, "a synced empty cache does change things (the contrast that makes the first assertion mean something)");
  });
});
