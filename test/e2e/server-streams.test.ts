/**
 * The Applications stream as a client sees it, on the local control plane: a real AppState over real
 * informers, the stream route on the server's app chain (createApp: bearer tokens signed with signToken,
 * an allow-list authorizer by project), served on loopback by @hono/node-server and read with fetch.
 *
 * The story: a client watching sees an Application created, then its status move as a controller would
 * write it (OutOfSync/Progressing → Synced/Progressing → Synced/Healthy), in order, and not the resync
 * that only moves reconciledAt; it disconnects (and the server lets go of it), two more changes happen,
 * it reconnects with Last-Event-ID and receives exactly those two. A client whose role does not allow
 * project team-b never receives anything of team-b's app, created, changed or deleted.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { installCRDs } from "../../src/apps/index.js";
import type { Resources } from "../../src/cluster/resources.js";
import type { KubeObject } from "../../src/core/object.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { createApp, type ApiDeps } from "../../src/server/app.js";
import { newSigningKey, signToken, verifyToken } from "../../src/server/auth/jwt.js";
import type { Authorizer, Principal } from "../../src/server/auth/types.js";
import { UnauthenticatedError } from "../../src/server/errors.js";
import { mountStreams } from "../../src/server/routes/streams.js";
import { AppState, sharedInformers } from "../../src/server/state.js";
import { AppStreams } from "../../src/server/streams.js";
import { resourcesFor } from "../helpers/cluster.js";
import { SSEReader, type SSEMessage } from "../helpers/sse.js";
import { waitFor } from "../helpers/wait.js";

const NS = "plumb";
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** `applications, get` on the projects each subject is given, nothing else. */
function allowList(bySubject: Record<string, string[]>): Authorizer {
  const enforce = (p: Principal, resource: string, action: string, object: string): boolean => resource === "applications" && action === "get" && (bySubject[p.subject] ?? []).includes(object.split("/")[0]!);
  const authorizer = { enforce, filter: (p: Principal, resource: string, action: string) => (object: string) => enforce(p, resource, action, object) };
  return authorizer;
}

function application(name: string, project: string): KubeObject {
  return {
    apiVersion: "plumb.dev/v1alpha1",
    kind: "Application",
    metadata: { name, namespace: NS },
    spec: { project, source: { repoURL: "https://git.example.com/org/apps.git", targetRevision: "main", path: name }, destination: { server: "https://kubernetes.default.svc", namespace: name } },
  };
}

interface Decoded {
  id?: string;
  event?: string;
  type?: string;
  name?: string;
  project?: string;
  state?: string;
}

function decode(m: SSEMessage): Decoded {
  if (m.data === undefined || m.event) return { id: m.id, event: m.event };
  const { type, application: a } = (JSON.parse(m.data) as { result: { type: string; application: KubeObject & { spec?: { project?: string }; status?: { sync?: { status?: string }; health?: { status?: string } } } } }).result;
  return { id: m.id, type, name: a.metadata.name, project: a.spec?.project, state: `${a.status?.sync?.status}/${a.status?.health?.status}` };
}

describe("the Applications stream on the local control plane", { timeout: 240_000 }, () => {
  let cluster: LocalCluster;
  let resources: Resources;
  let state: AppState;
  let streams: AppStreams;
  let server: ServerType;
  let base: string;
  const key = newSigningKey();
  const tokens: Record<string, string> = {};

  before(async () => {
    cluster = await startLocalCluster({ name: "e2e-server-streams", nodes: 1 });
    resources = await resourcesFor(cluster);
    await installCRDs(resources);
    await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
    state = new AppState(sharedInformers(resources));
    await state.start(resources);
    const rbac = allowList({ alice: ["team-a", "team-b"], bob: ["team-a"] });
    streams = new AppStreams(state, { rbac, namespace: NS }, { keepaliveMs: 500 });
    const deps: ApiDeps = {
      state,
      auth: {
        verify: async (token) => {
          const c = await verifyToken(key, token);
          return { subject: c.sub, username: c.sub, groups: c.groups ?? [], via: "session", issuer: c.iss ?? "plumb", tokenId: c.jti, issuedAt: c.iat ?? 0 };
        },
      },
      sessions: {
        login: () => Promise.reject(new UnauthenticatedError("no local accounts in this test")),
        logout: () => undefined,
      },
      rbac,
      log: silent,
      namespace: NS,
      version: "test",
    };
    const app = createApp(deps, (api) => mountStreams(api, { ...deps, streams }));
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const who of ["alice", "bob"]) tokens[who] = (await signToken(key, { sub: who, kind: "session" }, { expiresInSeconds: 3600 })).token;
  });
  after(async () => {
    streams?.stop();
    if (server) {
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
    }
    await state?.informers.apps.stop();
    await state?.informers.projects.stop();
    resources?.client.close();
    await cluster?.stop();
  });

  /** Opens the stream as `who` (with Last-Event-ID when given). */
  async function connect(who: string, lastEventId?: string, query = ""): Promise<{ reader: SSEReader; abort: () => void }> {
    const ac = new AbortController();
    const res = await fetch(`${base}/api/v1/stream/applications${query}`, { headers: { authorization: `Bearer ${tokens[who]}`, ...(lastEventId ? { "last-event-id": lastEventId } : {}) }, signal: ac.signal });
    assert.equal(res.status, 200, await (res.status === 200 ? Promise.resolve("") : res.text()));
    assert.equal(res.headers.get("content-type"), "text/event-stream");
    return { reader: new SSEReader(res.body!), abort: () => ac.abort() };
  }

  /** Reads until a message about an app arrives (skipping id-only bookmarks), keeping every message seen. */
  async function nextEvent(reader: SSEReader, log: Decoded[]): Promise<Decoded> {
    for (;;) {
      const m = await reader.next(15_000);
      assert.ok(m, "the stream ended");
      const d = decode(m);
      log.push(d);
      if (d.type) return d;
    }
  }

  async function setStatus(name: string, sync: string, health: string, reconciledAt = new Date().toISOString()): Promise<void> {
    await resources.client.request({
      method: "PATCH",
      path: `/apis/plumb.dev/v1alpha1/namespaces/${NS}/applications/${name}/status`,
      contentType: "application/merge-patch+json",
      body: { status: { sync: { status: sync }, health: { status: health }, reconciledAt } },
    });
  }

  it("without a session: 401", async () => {
    const res = await fetch(`${base}/api/v1/stream/applications`);
    assert.equal(res.status, 401);
  });

  it("status transitions arrive in order; a reconnect with Last-Event-ID gets exactly what it missed; team-b stays hidden from bob", async () => {
    const alice = await connect("alice");
    const bob = await connect("bob");
    const aliceLog: Decoded[] = [];
    const bobLog: Decoded[] = [];
    // The initial state: no Applications yet, so only the id-only head.
    const [head] = await alice.reader.take(1);
    assert.equal(head!.data, undefined);
    assert.match(head!.id ?? "", /^\d+$/);

    await resources.apply(application("web", "team-a"));
    await resources.apply(application("secret", "team-b"));
    for (const want of ["ADDED web", "ADDED secret"]) {
      const e = await nextEvent(alice.reader, aliceLog);
      assert.equal(`${e.type} ${e.name}`, want);
    }

    // As the controller writes it.
    await setStatus("web", "OutOfSync", "Progressing", "2026-01-01T00:00:00Z");
    await setStatus("web", "OutOfSync", "Progressing", "2026-01-01T00:03:00Z"); // a resync: only reconciledAt moves
    await setStatus("web", "Synced", "Progressing");
    await setStatus("secret", "Synced", "Healthy");
    await setStatus("web", "Synced", "Healthy");
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const e = await nextEvent(alice.reader, aliceLog);
      seen.push(`${e.type} ${e.name} ${e.state}`);
    }
    assert.deepEqual(seen, ["MODIFIED web OutOfSync/Progressing", "MODIFIED web Synced/Progressing", "MODIFIED secret Synced/Healthy", "MODIFIED web Synced/Healthy"]);
    const ids = aliceLog.filter((d) => d.type).map((d) => BigInt(d.id!));
    assert.ok(ids.every((id, i) => i === 0 || id > ids[i - 1]!), `ids increase: ${ids.join(" ")}`);

    // Disconnect; the server lets go of the client.
    const lastId = aliceLog.filter((d) => d.type).at(-1)!.id!;
    assert.equal(streams.clientCount, 2);
    alice.abort();
    await waitFor("the server to drop the client", async () => streams.clientCount === 1, 10_000, 20);

    await setStatus("web", "Synced", "Degraded");
    await setStatus("web", "OutOfSync", "Degraded");
    await waitFor("both changes in the cache", async () => (state.app(NS, "web")?.status as { sync?: { status?: string } } | undefined)?.sync?.status === "OutOfSync", 10_000, 20);
    const again = await connect("alice", lastId);
    const resumed: Decoded[] = [];
    const r1 = await nextEvent(again.reader, resumed);
    const r2 = await nextEvent(again.reader, resumed);
    assert.deepEqual([r1, r2].map((e) => `${e.type} ${e.name} ${e.state}`), ["MODIFIED web Synced/Degraded", "MODIFIED web OutOfSync/Degraded"]);
    assert.ok(BigInt(r1.id!) > BigInt(lastId), "nothing before the last id again");
    assert.equal(resumed.filter((d) => d.type === "ADDED").length, 0, "no snapshot on a resume");

    // team-b's app deleted, team-a's changed once more: bob's fence.
    await resources.delete({ apiVersion: "plumb.dev/v1alpha1", kind: "Application", namespace: NS, name: "secret" });
    await setStatus("web", "Synced", "Healthy");
    const aliceSeesDelete = await nextEvent(again.reader, resumed);
    assert.equal(`${aliceSeesDelete.type} ${aliceSeesDelete.name}`, "DELETED secret");

    const bobEvents: string[] = [];
    for (;;) {
      const e = await nextEvent(bob.reader, bobLog);
      bobEvents.push(`${e.type} ${e.name} ${e.state}`);
      if (e.state === "Synced/Healthy" && bobEvents.length > 4) break;
    }
    assert.deepEqual(bobEvents, [
      "ADDED web undefined/undefined",
      "MODIFIED web OutOfSync/Progressing",
      "MODIFIED web Synced/Progressing",
      "MODIFIED web Synced/Healthy",
      "MODIFIED web Synced/Degraded",
      "MODIFIED web OutOfSync/Degraded",
      "MODIFIED web Synced/Healthy",
    ]);
    assert.ok(!bobLog.some((d) => d.name === "secret" || d.project === "team-b"), "bob never receives team-b's app");
    again.abort();
    bob.abort();
    await waitFor("no client left", async () => streams.clientCount === 0, 10_000, 20);
  });

  it("keepalive comments flow while nothing changes; a bad selector is refused with 400", async () => {
    const c = await connect("bob", undefined, "?selector=team%3Dnone");
    await c.reader.take(1); // the empty snapshot's head
    const until = Date.now() + 5000;
    while (c.reader.comments < 2 && Date.now() < until) await assert.rejects(c.reader.next(250), /no SSE message/, "nothing but comments while nothing changes");
    c.abort();
    assert.ok(c.reader.comments >= 2, `keepalives every 500 ms: ${c.reader.comments} in 5 s`);
    const bad = await fetch(`${base}/api/v1/stream/applications?selector=${encodeURIComponent("a in (b")}`, { headers: { authorization: `Bearer ${tokens.bob}` } });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { message: string }).message, /selector/);
  });
});
