/**
 * The stream routes in-process (`app.request()`), over a synthetic AppState: the Applications stream's
 * query validation and Last-Event-ID, and the resource-tree stream — sent when the tree differs from the
 * last one sent, re-checked against RBAC, ended when the app goes, and every listener removed when the
 * client leaves; and both streams end when the caller's token stops being valid (re-verified, with the real
 * Authentication, on every keepalive) or reaches its exp. (The Applications stream over a real cluster and real sockets: test/e2e/server-streams.)
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../../../src/core/object.js";
import { router } from "../../../src/server/app.js";
import { parseAccounts } from "../../../src/server/auth/accounts.js";
import { Authentication } from "../../../src/server/auth/authenticate.js";
import { newSigningKey, signToken } from "../../../src/server/auth/jwt.js";
import type { Authenticator, Authorizer, Principal } from "../../../src/server/auth/types.js";
import { errorResponse } from "../../../src/server/errors.js";
import { mountStreams, type TreeSource } from "../../../src/server/routes/streams.js";
import type { AppListener } from "../../../src/server/state.js";
import { AppStreams } from "../../../src/server/streams.js";
import { SSEReader } from "../../helpers/sse.js";

const NS = "plumb";
const alice: Principal = { subject: "alice", username: "alice", groups: [], via: "session", issuer: "plumb", issuedAt: 0 };
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A tiny AppState: apps by name in NS, listeners told of every put. */
function state() {
  const apps = new Map<string, KubeObject>();
  const listeners = new Set<AppListener>();
  let rv = 10;
  return {
    listeners,
    get resourceVersion() {
      return String(rv);
    },
    apps: () => [...apps.values()],
    app: (namespace: string, name: string) => (namespace === NS ? apps.get(name) : undefined),
    subscribe(l: AppListener) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    put(name: string, project: string, extra: Record<string, unknown> = {}) {
      const type = apps.has(name) ? "MODIFIED" : "ADDED";
      const a: KubeObject = { apiVersion: "plumb.dev/v1alpha1", kind: "Application", metadata: { name, namespace: NS, resourceVersion: String(++rv) }, spec: { project }, ...extra };
      apps.set(name, a);
      for (const l of listeners) l(type, a);
    },
    remove(name: string) {
      const a = apps.get(name)!;
      apps.delete(name);
      for (const l of listeners) l("DELETED", { ...a, metadata: { ...a.metadata, resourceVersion: String(++rv) } });
    },
  };
}

/** Trees the test sets per app; `set` tells the route's listener (a change concerns the app of that name). */
function trees() {
  const byApp = new Map<string, unknown>();
  const listeners = new Set<(change: { name: string }) => void>();
  const src: TreeSource<{ name: string }> & { set(name: string, tree: unknown, notify?: boolean): void; listeners: typeof listeners; computed: number; held: number } = {
    listeners,
    computed: 0,
    held: 0,
    affects: (change, app) => change.name === app.metadata.name,
    retain: () => {
      src.held++;
      return () => src.held--;
    },
    treeFor: async (app) => {
      src.computed++;
      return byApp.get(app.metadata.name) ?? { nodes: [] };
    },
    onTreeChange(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    set(name, tree, notify = true) {
      byApp.set(name, tree);
      if (notify) for (const l of listeners) l({ name });
    },
  };
  return src;
}

/** Without `auth`, every caller is alice and the token is never checked again (a 60 s keepalive). */
function server(rbac: Authorizer & { allow: Set<string> }, opts: { auth?: Authenticator; keepaliveMs?: number } = {}) {
  const st = state();
  const streams = new AppStreams(st, { rbac, namespace: NS }, { keepaliveMs: opts.keepaliveMs ?? 60_000 });
  const tr = trees();
  const api = router();
  const auth: Authenticator = opts.auth ?? { verify: async () => alice };
  api.use(async (c, next) => {
    // As app.ts's middleware: the bearer token verified (tests without `auth` send none).
    const bearer = c.req.header("authorization")?.replace(/^Bearer\s+/i, "");
    c.set("principal", bearer ? await auth.verify(bearer) : alice);
    await next();
  });
  api.onError((err, c) => c.json(errorResponse(err).body, errorResponse(err).status));
  mountStreams(api, { state: st, rbac, auth, namespace: NS, log: silent, streams, trees: tr });
  return { api, st, streams, tr };
}

function projects(...allow: string[]): Authorizer & { allow: Set<string> } {
  const a = {
    allow: new Set(allow),
    enforce: (_p: Principal, _r: string, _a: string, object: string) => a.allow.has(object.split("/")[0]!),
    filter: () => (object: string) => a.allow.has(object.split("/")[0]!),
  };
  return a;
}

describe("stream routes, in-process", () => {
  it("GET /api/v1/stream/applications: a bad selector or resourceVersion is a 400 before any event", async () => {
    const { api } = server(projects("default"));
    for (const q of ["selector=a%20in%20(b", "resourceVersion=abc"]) {
      const res = await api.request(`/api/v1/stream/applications?${q}`);
      assert.equal(res.status, 400, q);
      assert.equal(((await res.json()) as { error: string }).error, "InvalidArgument");
    }
    const res = await api.request("/api/v1/stream/applications", { headers: { "last-event-id": "x1" } });
    assert.equal(res.status, 400, "the header is validated too");
  });

  it("GET /api/v1/stream/applications: SSE headers, the snapshot, Last-Event-ID winning over ?resourceVersion, no client left after cancel", async () => {
    const { api, st, streams } = server(projects("default"));
    st.put("web", "default");
    const res = await api.request("/api/v1/stream/applications?projects=default");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/event-stream");
    const r = new SSEReader(res.body!);
    const [added, head] = await r.take(2);
    assert.match(added!.data!, /"type":"ADDED".*"name":"web"/);
    assert.equal(head!.id, "11");
    st.put("web", "default", { status: { sync: { status: "Synced" } } }); // 12
    st.put("web", "default", { status: { sync: { status: "OutOfSync" } } }); // 13
    await r.take(2);
    await r.cancel();
    await waitUntil(() => streams.clientCount === 0);
    const again = await api.request("/api/v1/stream/applications?resourceVersion=10", { headers: { "last-event-id": "12" } });
    const r2 = new SSEReader(again.body!);
    const [first] = await r2.take(1);
    assert.equal(first!.id, "13", "resumed after the header's id, not the query's");
    await r2.cancel();
    await waitUntil(() => streams.clientCount === 0);
  });

  it("resource-tree: sent when it differs from the last one, not when the same; listeners removed on cancel", async () => {
    const { api, st, tr } = server(projects("default"));
    st.put("web", "default");
    tr.set("web", { nodes: [{ kind: "Deployment", name: "web" }] }, false);
    const res = await api.request("/api/v1/stream/applications/web/resource-tree");
    assert.equal(res.status, 200);
    const r = new SSEReader(res.body!);
    const [t1] = await r.take(1);
    assert.deepEqual(JSON.parse(t1!.data!), { result: { nodes: [{ kind: "Deployment", name: "web" }] } });
    const before = tr.computed;
    tr.set("web", { nodes: [{ kind: "Deployment", name: "web" }] }); // recomputed, equal: not sent
    tr.set("other", { nodes: [] }); // another app: not even recomputed
    await waitUntil(() => tr.computed === before + 1);
    tr.set("web", { nodes: [{ kind: "Deployment", name: "web" }, { kind: "ReplicaSet", name: "web-1" }] });
    const [t2] = await r.take(1);
    assert.equal((JSON.parse(t2!.data!) as { result: { nodes: unknown[] } }).result.nodes.length, 2, "the next message is the changed tree");
    assert.equal(tr.computed, before + 2);
    st.put("web", "default", { status: { sync: { status: "Synced" } } }); // the app changed: recomputed, same tree, nothing sent
    await waitUntil(() => tr.computed === before + 3);
    assert.equal(tr.listeners.size, 1);
    assert.equal(st.listeners.size, 2, "the hub's and the route's");
    assert.equal(tr.held, 1, "the tree's watches are held while the stream is open");
    await r.cancel();
    await waitUntil(() => tr.listeners.size === 0 && st.listeners.size === 1 && tr.held === 0);
  });

  it("resource-tree: 403 for a forbidden or missing app; the stream ends when the app is deleted or the role revoked", async () => {
    const rbac = projects("default");
    const { api, st, tr } = server(rbac);
    st.put("secret", "team-b");
    st.put("web", "default");
    st.put("api", "default");
    for (const path of ["secret", "nope"]) assert.equal((await api.request(`/api/v1/stream/applications/${path}/resource-tree`)).status, 403, path);
    assert.equal((await api.request("/api/v1/stream/applications/Bad_Name/resource-tree")).status, 400);

    const web = new SSEReader((await api.request("/api/v1/stream/applications/web/resource-tree")).body!);
    const apiTree = new SSEReader((await api.request("/api/v1/stream/applications/api/resource-tree")).body!);
    await web.take(1);
    await apiTree.take(1);
    st.remove("web");
    assert.equal(await web.end(), true, "deleted: the stream ends");
    rbac.allow.delete("default");
    tr.set("api", { nodes: [{ kind: "Secret", name: "x" }] });
    assert.equal(await apiTree.end(), true, "revoked: ended without sending the new tree");
    await waitUntil(() => tr.listeners.size === 0 && tr.held === 0);
  });
});

/** The real Authentication over one account, alice, whose sessions the test can log out. */
function sessions() {
  const key = newSigningKey();
  const revoked = new Set<string>();
  const { accounts } = parseAccounts({ "accounts.alice": "login" }, {});
  const auth = new Authentication({ local: { signingKey: () => key, account: (n) => accounts.get(n), isRevoked: (id) => revoked.has(id) }, projects: { verify: () => Promise.reject(new Error("no project tokens")) }, ssoEnabled: () => false });
  const login = async (expiresInSeconds = 3600) => (await signToken(key, { sub: "alice", kind: "session" }, { expiresInSeconds })).token;
  return { auth, revoked, login };
}

describe("stream routes end when the caller's token does", () => {
  it("a logout ends both open streams at the next keepalive", async () => {
    const s = sessions();
    const { api, st, streams, tr } = server(projects("default"), { auth: s.auth, keepaliveMs: 50 });
    st.put("web", "default");
    const token = await s.login();
    const headers = { authorization: `Bearer ${token}` };
    const apps = new SSEReader((await api.request("/api/v1/stream/applications", { headers })).body!);
    const tree = new SSEReader((await api.request("/api/v1/stream/applications/web/resource-tree", { headers })).body!);
    await apps.take(2);
    await tree.take(1);
    await new Promise((r) => setTimeout(r, 200)); // a few keepalives: still open while the token is valid
    assert.equal(streams.clientCount, 1);
    assert.equal(tr.held, 1);
    s.revoked.add(JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()).jti as string);
    assert.equal(await apps.end(2000), true, "the applications stream ends after the logout");
    assert.equal(await tree.end(2000), true, "the resource-tree stream ends after the logout");
    await waitUntil(() => streams.clientCount === 0 && tr.held === 0 && tr.listeners.size === 0);
  });

  it("a stream ends at the token's exp, before any keepalive", async () => {
    const s = sessions();
    const { api, st, streams } = server(projects("default"), { auth: s.auth, keepaliveMs: 60_000 });
    st.put("web", "default");
    const token = await s.login(1);
    const started = Date.now();
    const apps = new SSEReader((await api.request("/api/v1/stream/applications", { headers: { authorization: `Bearer ${token}` } })).body!);
    await apps.take(2);
    assert.equal(await apps.end(3000), true, "ended at exp");
    assert.ok(Date.now() - started < 2500, "within a second or so of exp");
    await waitUntil(() => streams.clientCount === 0);
  });
});

async function waitUntil(pred: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) assert.fail("condition not reached in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}
