/** The pure parts of destination clusters: resolution, kubeconfig → Secret, the status record, the API's view. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../../../src/core/object.js";
import { clusterConfigFromKubeconfig, clusterSecret, clusterSecretName } from "../../../src/clusters/kubeconfig.js";
import { credentialsOf, resolveDestination } from "../../../src/clusters/resolve.js";
import { parseClusterSecret, type ClusterSpec } from "../../../src/clusters/secret.js";
import { CLUSTER_STATUS_CONFIGMAP, clusterStatusKey, readClusterStates, stateChanged, type ClusterState } from "../../../src/clusters/state.js";
import { clusterInfos, findCluster } from "../../../src/clusters/view.js";

const b64 = (s: string): string => Buffer.from(s).toString("base64");

function secret(name: string, data: Record<string, string>): KubeObject {
  return { apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "plumb", labels: { "argocd.argoproj.io/secret-type": "cluster" } }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])) } as KubeObject;
}
const spec = (name: string, server: string): ClusterSpec => parseClusterSecret(secret(name, { name, server }))!.cluster!;

describe("resolveDestination", () => {
  const clusters = [spec("prod", "https://prod.example:6443"), spec("dev", "https://dev.example:6443/")];
  const cases: Array<[string, Record<string, string>, string | RegExp]> = [
    ["the in-cluster URL", { server: "https://kubernetes.default.svc" }, "https://kubernetes.default.svc"],
    ["the in-cluster name", { name: "in-cluster" }, "https://kubernetes.default.svc"],
    ["a server, trailing slash and all", { server: "https://prod.example:6443/" }, "https://prod.example:6443"],
    ["a name", { name: "dev" }, "https://dev.example:6443"],
    ["both", { server: "https://prod.example:6443", name: "prod" }, /both server .* and name/],
    ["neither", {}, /needs server .* or name/],
    ["an unknown server", { server: "https://x.example" }, /https:\/\/x.example is not registered: add it with `plumb cluster add/],
    ["an unknown name", { name: "qa" }, /no cluster named qa: add it with `plumb cluster add CONTEXT --name qa`/],
  ];
  for (const [what, dest, want] of cases) {
    it(what, () => {
      const r = resolveDestination(dest, clusters);
      if (typeof want === "string") {
        assert.ok(r.ok, JSON.stringify(r));
        assert.equal(r.cluster.server, want);
        assert.equal(r.inCluster, want === "https://kubernetes.default.svc");
      } else {
        assert.ok(!r.ok);
        assert.match(r.message, want);
      }
    });
  }
  it("refuses a name two Secrets carry", () => {
    const r = resolveDestination({ name: "prod" }, [...clusters, spec("prod", "https://prod2.example")]);
    assert.ok(!r.ok);
    assert.match(r.message, /2 clusters named prod/);
  });
  it("a Secret for the in-cluster URL renames it", () => {
    const r = resolveDestination({ name: "home" }, [spec("home", "https://kubernetes.default.svc")]);
    assert.ok(r.ok && r.inCluster);
  });
});

describe("kubeconfig → cluster Secret", () => {
  const files: Record<string, string> = { "/ca.pem": "CA PEM", "/c.pem": "CERT PEM", "/k.pem": "KEY PEM" };
  const read = (p: string): string => files[p] ?? assert.fail(`unexpected read ${p}`);
  it("copies a client certificate from files, and the CA", () => {
    const { server, config } = clusterConfigFromKubeconfig("b", { name: "b", server: "https://b:6443/", caFile: "/ca.pem" }, { name: "u", certFile: "/c.pem", keyFile: "/k.pem" }, read);
    assert.equal(server, "https://b:6443");
    assert.deepEqual(config, { tlsClientConfig: { caData: b64("CA PEM"), certData: b64("CERT PEM"), keyData: b64("KEY PEM") } });
    assert.deepEqual(credentialsOf({ ...spec("b", server), config }), { ca: "CA PEM", cert: "CERT PEM", key: "KEY PEM" });
  });
  it("copies a token, insecure and the server name", () => {
    const { config } = clusterConfigFromKubeconfig("b", { name: "b", server: "https://b", skipTLSVerify: true, tlsServerName: "api.b", caData: b64("x") }, { name: "u", token: "t0k" }, read);
    assert.deepEqual(config, { bearerToken: "t0k", tlsClientConfig: { insecure: true, serverName: "api.b" } });
  });
  it("refuses exec plugins, saying what to do", () => {
    assert.throws(() => clusterConfigFromKubeconfig("eks", { name: "c", server: "https://c" }, { name: "u", exec: { command: "aws" } }, read), /exec plugin.*cannot run it[\s\S]*serviceaccount/);
  });
  it("refuses a certificate without its key, and a user without credentials", () => {
    assert.throws(() => clusterConfigFromKubeconfig("x", { name: "c", server: "https://c" }, { name: "u", certFile: "/c.pem" }, read), /without its key/);
    assert.throws(() => clusterConfigFromKubeconfig("x", { name: "c", server: "https://c" }, { name: "u" }, read), /no token, client certificate or username/);
  });
  it("writes a Secret plumb (and Argo CD) read back as the same cluster", () => {
    const s = clusterSecret({ namespace: "plumb", name: "prod", server: "https://b:6443", config: { bearerToken: "t" }, labels: { env: "prod" } });
    assert.equal(s.metadata.name, clusterSecretName("https://b:6443"));
    assert.match(s.metadata.name, /^cluster-b-[0-9a-f]{10}$/);
    const back = parseClusterSecret(s)!;
    assert.deepEqual(back.problems, []);
    assert.equal(back.cluster!.name, "prod");
    assert.equal(back.cluster!.labels.env, "prod");
  });
});

describe("the status record and the view", () => {
  const state = (server: string, status: ClusterState["connectionState"]["status"], at: string): ClusterState => ({ server, name: "prod", connectionState: { status, message: status === "Failed" ? "ECONNREFUSED" : "", attemptedAt: at }, serverVersion: "1.31", cached: true, applicationsCount: 1 });
  it("keys are valid ConfigMap keys, distinct per server", () => {
    const k1 = clusterStatusKey("https://10.0.0.1:6443");
    assert.match(k1, /^[-._a-zA-Z0-9]+$/);
    assert.notEqual(k1, clusterStatusKey("https://10.0.0.1:6444"));
  });
  it("writes on a change of status, not on a newer attempt alone (until the refresh period)", () => {
    const s0 = state("https://b", "Successful", "2026-01-01T00:00:00Z");
    assert.equal(stateChanged(s0, state("https://b", "Successful", "2026-01-01T00:00:10Z"), 60_000), false);
    assert.equal(stateChanged(s0, state("https://b", "Successful", "2026-01-01T00:01:00Z"), 60_000), true);
    assert.equal(stateChanged(s0, state("https://b", "Failed", "2026-01-01T00:00:10Z"), 60_000), true);
  });
  it("shows the in-cluster destination first, then the Secrets' clusters with their states, never the config", () => {
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: CLUSTER_STATUS_CONFIGMAP }, data: { [clusterStatusKey("https://b")]: JSON.stringify(state("https://b", "Failed", "2026-01-01T00:00:00Z")), junk: "{" } } as unknown as KubeObject;
    assert.equal(readClusterStates(cm).size, 1);
    const infos = clusterInfos([secret("x", { name: "prod", server: "https://b", config: JSON.stringify({ bearerToken: "s3cret" }) })], cm);
    assert.deepEqual(infos.map((c) => [c.name, c.connectionState.status]), [["in-cluster", "Unknown"], ["prod", "Failed"]]);
    assert.equal(infos[1]!.serverVersion, "1.31");
    assert.ok(!JSON.stringify(infos).includes("s3cret"));
    assert.equal(findCluster(infos, "https://b/")?.name, "prod");
    assert.equal(findCluster(infos, "prod")?.server, "https://b");
  });
});
