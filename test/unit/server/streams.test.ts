/**
 * The stream fan-out (server/streams.ts) with a synthetic AppState: what each client is sent — the initial
 * state, filters, RBAC decided per event, changes that change nothing dropped, apps leaving and entering a
 * view, resuming inside the buffer, a relist when the position is older, the slow-client cut — and the
 * pure filters of app-filter.ts, table-driven.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Authorizer, Principal } from "../../../src/server/auth/types.js";
import type { KubeObject } from "../../../src/core/object.js";
import { appRBACObject, facetOf, fingerprint, queryMatcher, type AppQuery } from "../../../src/server/app-filter.js";
import { errorResponse, InvalidRequestError } from "../../../src/server/errors.js";
import { LabelSelectorError } from "../../../src/core/labels.js";
import type { AppEventType, AppListener } from "../../../src/server/state.js";
import { AppStreams, formatSSE, parsePosition, type AppSource, type AppStreamClient, type AppStreamsOptions, type StreamMessage } from "../../../src/server/streams.js";

const NS = "plumb";

/** AppState's three members, driven by the test: every change gets the next resourceVersion. */
class Source implements AppSource {
  private readonly byKey = new Map<string, KubeObject>();
  private readonly listeners = new Set<AppListener>();
  rv = 100;

  get resourceVersion(): string {
    return String(this.rv);
  }
  apps(): KubeObject[] {
    return [...this.byKey.values()];
  }
  subscribe(l: AppListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  get listenerCount(): number {
    return this.listeners.size;
  }
  /** Creates or replaces the app (ADDED or MODIFIED), returning it with its new resourceVersion. */
  put(app: KubeObject, emit = true): KubeObject {
    const key = `${app.metadata.namespace}/${app.metadata.name}`;
    const type: AppEventType = this.byKey.has(key) ? "MODIFIED" : "ADDED";
    const next = { ...app, metadata: { ...app.metadata, resourceVersion: String(++this.rv) } };
    this.byKey.set(key, next);
    if (emit) for (const l of this.listeners) l(type, next);
    return next;
  }
  delete(namespace: string, name: string, opts: { staleVersion?: boolean } = {}): void {
    const key = `${namespace}/${name}`;
    const old = this.byKey.get(key)!;
    this.byKey.delete(key);
    const gone = opts.staleVersion ? old : { ...old, metadata: { ...old.metadata, resourceVersion: String(++this.rv) } };
    for (const l of this.listeners) l("DELETED", gone);
  }
  get(namespace: string, name: string): KubeObject {
    return this.byKey.get(`${namespace}/${name}`)!;
  }
}

interface AppOpts {
  namespace?: string;
  project?: string;
  labels?: Record<string, string>;
  repo?: string;
  sync?: string;
  health?: string;
  reconciledAt?: string;
}

function app(name: string, o: AppOpts = {}): KubeObject {
  return {
    apiVersion: "plumb.dev/v1alpha1",
    kind: "Application",
    metadata: { name, namespace: o.namespace ?? NS, uid: `uid-${name}`, ...(o.labels ? { labels: o.labels } : {}), managedFields: [{ manager: "plumb", operation: "Update" }] },
    spec: { project: o.project ?? "default", source: { repoURL: o.repo ?? "https://git.example.com/org/apps.git", path: name }, destination: { namespace: "web" } },
    status: { sync: { status: o.sync ?? "OutOfSync" }, health: { status: o.health ?? "Progressing" }, reconciledAt: o.reconciledAt ?? "2026-01-01T00:00:00Z", observedAt: o.reconciledAt ?? "2026-01-01T00:00:00Z" },
  };
}

/** Allows `applications, get` on the projects in `projects` (mutable: a policy change; a filter keeps the policy it was made with). */
function allowProjects(...projects: string[]): Authorizer & { projects: Set<string> } {
  const a = {
    projects: new Set(projects),
    enforce(_p: Principal, resource: string, action: string, object: string): boolean {
      return resource === "applications" && action === "get" && a.projects.has(object.split("/")[0]!);
    },
    // As the real one: the policy as it is when the filter is made.
    filter: (_p: Principal, resource: string, action: string) => {
      const now = new Set(a.projects);
      return (object: string) => resource === "applications" && action === "get" && now.has(object.split("/")[0]!);
    },
  };
  return a;
}

const alice: Principal = { subject: "alice", username: "alice", groups: [], via: "session", issuer: "plumb", issuedAt: 0 };

function hub(source: Source, rbac: Authorizer = allowProjects("default", "team-a", "team-b"), opts: Partial<AppStreamsOptions> = {}): AppStreams {
  return new AppStreams(source, { rbac, namespace: NS }, opts);
}

/** A delivered event, decoded. */
interface Got {
  id?: string;
  event?: string;
  type?: string;
  name?: string;
  app?: KubeObject;
}

function decode(m: StreamMessage): Got {
  const got: Got = { id: m.id, event: m.event };
  if (m.data !== undefined && m.event === undefined) {
    const r = (JSON.parse(m.data) as { result: { type: string; application: KubeObject } }).result;
    got.type = r.type;
    got.name = r.application.metadata.name;
    got.app = r.application;
  }
  return got;
}

/** The next `n` messages (fails after 1 s: a message that should come and does not). */
async function take(client: AppStreamClient, n: number): Promise<Got[]> {
  const out: Got[] = [];
  for (let i = 0; i < n; i++) {
    const m = await Promise.race([client.next(), new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 1000).unref())]);
    if (m === "timeout") assert.fail(`expected ${n} messages, got ${out.length}: ${JSON.stringify(out.map(short))}`);
    if (m === undefined) assert.fail(`the stream ended after ${out.length} of ${n} messages (${client.closedBecause})`);
    out.push(decode(m));
  }
  return out;
}

const short = (g: Got): string => (g.event ? `${g.event}` : g.type ? `${g.type} ${g.name}${g.id ? `@${g.id}` : ""}` : `id ${g.id}`);
const statusOf = (g: Got): string => {
  const st = g.app?.status as { sync?: { status?: string }; health?: { status?: string } } | undefined;
  return `${st?.sync?.status}/${st?.health?.status}`;
};

describe("app-filter: queries, RBAC names, fingerprints", () => {
  const apps = [
    app("web", { project: "team-a", labels: { tier: "front", team: "a" } }),
    app("db", { project: "team-b", labels: { tier: "data" }, repo: "git@git.example.com:org/db.git" }),
    app("web", { namespace: "other", project: "team-a", labels: { tier: "front" } }),
    app("api", { namespace: "other", project: "default" }),
  ];
  const key = (a: KubeObject): string => `${a.metadata.namespace}/${a.metadata.name}`;
  const cases: Array<{ name: string; q: AppQuery; want: string[] }> = [
    { name: "no filter: everything", q: {}, want: ["plumb/web", "plumb/db", "other/web", "other/api"] },
    { name: "name: that name in the server's namespace", q: { name: "web" }, want: ["plumb/web"] },
    { name: "name with appNamespace", q: { name: "web", appNamespace: "other" }, want: ["other/web"] },
    { name: "appNamespace alone", q: { appNamespace: "other" }, want: ["other/web", "other/api"] },
    { name: "projects: any of them", q: { projects: ["team-b", "default"] }, want: ["plumb/db", "other/api"] },
    { name: "selector", q: { selector: "tier=front" }, want: ["plumb/web", "other/web"] },
    { name: "selector with !=: apps without the key match", q: { selector: "tier!=front" }, want: ["plumb/db", "other/api"] },
    { name: "repo, spelled differently (https, case, no .git)", q: { repo: "https://GIT.example.com/org/db" }, want: ["plumb/db"] },
    { name: "filters are ANDed", q: { projects: ["team-a"], selector: "team=a" }, want: ["plumb/web"] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const m = queryMatcher(c.q, NS);
      assert.deepEqual(apps.filter((a) => m(facetOf(a))).map(key), c.want);
    });
  }

  it("a malformed selector is a 400 (LabelSelectorError, a UsageError)", () => {
    assert.throws(() => queryMatcher({ selector: "a in (b" }, NS), (err: unknown) => err instanceof LabelSelectorError && errorResponse(err).status === 400);
  });

  it("RBAC names: <project>/<app>, with the namespace outside the server's", () => {
    assert.equal(appRBACObject(facetOf(apps[0]!), NS), "team-a/web");
    assert.equal(appRBACObject(facetOf(apps[2]!), NS), "team-a/other/web");
    assert.equal(facetOf({ apiVersion: "plumb.dev/v1alpha1", kind: "Application", metadata: { name: "x" }, spec: {} }).project, "default");
  });

  it("the fingerprint ignores resourceVersion, managedFields, reconciledAt and observedAt, and nothing else", () => {
    const a = app("web");
    const same = { ...a, metadata: { ...a.metadata, resourceVersion: "999", managedFields: [] }, status: { ...(a.status as object), reconciledAt: "2026-02-02T00:00:00Z", observedAt: "2026-02-02T00:00:00Z" } };
    assert.equal(fingerprint(same), fingerprint(a));
    for (const other of [app("web", { sync: "Synced" }), app("web", { health: "Healthy" }), app("web", { labels: { x: "y" } }), app("web", { project: "team-a" })]) assert.notEqual(fingerprint(other), fingerprint(a));
  });
});

describe("AppStreams: the fan-out", () => {
  it("without a resourceVersion: the visible apps as ADDED without ids, an id-only head, then live events with their resourceVersion", async () => {
    const src = new Source();
    src.put(app("web", { project: "team-a" }));
    src.put(app("secret", { project: "team-b" }));
    const streams = hub(src, allowProjects("team-a"));
    const c = streams.open(alice, {});
    const first = await take(c, 2);
    assert.deepEqual(first.map(short), ["ADDED web", `id ${src.rv}`]);
    assert.equal(first[0]!.id, undefined, "snapshot events carry no id");
    assert.equal(first[0]!.app!.metadata.managedFields, undefined, "managedFields stripped");
    const web = src.put(app("web", { project: "team-a", sync: "Synced" }));
    src.put(app("secret", { project: "team-b", sync: "Synced" }));
    const newApp = src.put(app("new", { project: "team-a" }));
    const live = await take(c, 2);
    assert.deepEqual(live.map(short), [`MODIFIED web@${web.metadata.resourceVersion}`, `ADDED new@${newApp.metadata.resourceVersion}`]);
    assert.equal(live[0]!.app!.metadata.managedFields, undefined);
  });

  it("query filters apply to live events (name, projects, selector)", async () => {
    const src = new Source();
    const streams = hub(src);
    const byName = streams.open(alice, { name: "web" });
    const byProject = streams.open(alice, { projects: ["team-b"] });
    const bySelector = streams.open(alice, { selector: "tier=front" });
    for (const c of [byName, byProject, bySelector]) await take(c, 1); // the empty snapshot's head
    src.put(app("web", { project: "team-a" }));
    src.put(app("db", { project: "team-b" }));
    src.put(app("ui", { project: "team-a", labels: { tier: "front" } }));
    src.put(app("end", { project: "team-b", labels: { tier: "front" } })); // seen by two of them: a fence
    assert.deepEqual((await take(byName, 1)).map(short).map((s) => s.replace(/@\d+/, "")), ["ADDED web"]);
    assert.deepEqual((await take(byProject, 2)).map((g) => g.name), ["db", "end"]);
    assert.deepEqual((await take(bySelector, 2)).map((g) => g.name), ["ui", "end"]);
  });

  it("RBAC is decided per event: a revoked project's app is DELETED (identity only) and then silent, a granted one starts with ADDED", async () => {
    const src = new Source();
    src.put(app("a1", { project: "team-a" }));
    src.put(app("b1", { project: "team-b" }));
    const rbac = allowProjects("team-a");
    const streams = hub(src, rbac);
    const c = streams.open(alice, {});
    assert.deepEqual((await take(c, 2)).map(short), ["ADDED a1", `id ${src.rv}`]);
    src.put(app("b1", { project: "team-b", sync: "Synced" }));
    src.put(app("a1", { project: "team-a", sync: "Synced" }));
    assert.deepEqual((await take(c, 1)).map((g) => `${g.type} ${g.name}`), ["MODIFIED a1"], "team-b's change is not sent");
    rbac.projects.delete("team-a");
    rbac.projects.add("team-b");
    src.put(app("a1", { project: "team-a", health: "Healthy" }));
    src.put(app("b1", { project: "team-b", health: "Healthy" }));
    const after = await take(c, 2);
    assert.deepEqual(after.map((g) => `${g.type} ${g.name}`), ["DELETED a1", "ADDED b1"], "a1 is dropped; b1 arrives as new");
    assert.equal(after[0]!.app!.status, undefined, "the revoked app's new state is not sent");
    assert.equal(statusOf(after[1]!), "OutOfSync/Healthy", "its current state");
    src.put(app("a1", { project: "team-a", health: "Degraded" }));
    src.put(app("b1", { project: "team-b", health: "Degraded" }));
    assert.deepEqual((await take(c, 1)).map((g) => `${g.type} ${g.name}`), ["MODIFIED b1"], "nothing more of a1");
  });

  it("a change of only resourceVersion, managedFields, reconciledAt or observedAt is dropped; a status change is delivered", async () => {
    const src = new Source();
    src.put(app("web"));
    const streams = hub(src);
    const c = streams.open(alice, {});
    await take(c, 2);
    src.put(app("web", { reconciledAt: "2026-01-01T00:03:00Z" })); // a resync: only the times and the version move
    src.put({ ...app("web", { reconciledAt: "2026-01-01T00:03:00Z" }), metadata: { ...app("web").metadata, managedFields: [{ manager: "kubectl" }] } });
    const synced = src.put(app("web", { sync: "Synced", reconciledAt: "2026-01-01T00:06:00Z" }));
    src.put(app("web", { sync: "Synced", reconciledAt: "2026-01-01T00:09:00Z" }));
    const healthy = src.put(app("web", { sync: "Synced", health: "Healthy", reconciledAt: "2026-01-01T00:09:00Z" }));
    const got = await take(c, 2);
    assert.deepEqual(
      got.map((g) => `${g.type} ${statusOf(g)} @${g.id}`),
      [`MODIFIED Synced/Progressing @${synced.metadata.resourceVersion}`, `MODIFIED Synced/Healthy @${healthy.metadata.resourceVersion}`],
    );
  });

  it("an app that leaves the view is DELETED with its identity only; one that enters is ADDED; a delete is DELETED", async () => {
    const src = new Source();
    src.put(app("web", { labels: { tier: "front" } }));
    const streams = hub(src);
    const c = streams.open(alice, { selector: "tier=front" });
    await take(c, 2);
    src.put(app("web", { labels: { tier: "back" }, sync: "Synced" }));
    src.put(app("web", { labels: { tier: "front" }, sync: "Synced" }));
    src.delete(NS, "web");
    const got = await take(c, 3);
    assert.deepEqual(got.map((g) => `${g.type} ${g.name}`), ["DELETED web", "ADDED web", "DELETED web"]);
    assert.deepEqual(Object.keys(got[0]!.app!).sort(), ["apiVersion", "kind", "metadata"], "leaving: no spec, no status");
    assert.equal(got[0]!.app!.metadata.uid, "uid-web");
    assert.equal(statusOf(got[2]!), "Synced/Progressing", "a real delete carries the last state");
  });

  it("resuming from an id inside the buffer sends exactly the events after it, no snapshot", async () => {
    const src = new Source();
    src.put(app("web"));
    const streams = hub(src);
    const c1 = streams.open(alice, {});
    await take(c1, 2);
    src.put(app("web", { sync: "Synced" }));
    const [seen] = await take(c1, 1);
    c1.close();
    assert.equal(streams.clientCount, 0);
    src.put(app("web", { sync: "Synced", health: "Healthy" }));
    src.put(app("db"));
    src.put(app("web", { sync: "OutOfSync", health: "Healthy" }));
    const c2 = streams.open(alice, {}, seen!.id);
    const got = await take(c2, 3);
    assert.deepEqual(got.map((g) => `${g.type} ${g.name} ${statusOf(g)}`), ["MODIFIED web Synced/Healthy", "ADDED db OutOfSync/Progressing", "MODIFIED web OutOfSync/Healthy"]);
    const ids = got.map((g) => Number(g.id));
    assert.ok(ids.every((id, i) => id > (i === 0 ? Number(seen!.id) : ids[i - 1]!)), `ids increase: ${ids}`);
    // and then live ones
    src.put(app("db", { sync: "Synced" }));
    assert.deepEqual((await take(c2, 1)).map((g) => `${g.type} ${g.name}`), ["MODIFIED db"]);
  });

  it("a resourceVersion older than the buffer gets a relist: `relist`, the current state, the head, then live events", async () => {
    const src = new Source();
    src.put(app("web"));
    src.put(app("db"));
    const streams = hub(src, undefined, { bufferSize: 3 });
    const old = streams.head;
    for (let i = 0; i < 5; i++) src.put(app("web", { sync: i % 2 ? "Synced" : "OutOfSync", health: `H${i}` }));
    assert.ok(BigInt(streams.floor) > BigInt(old), "the buffer has moved past the old position");
    const c = streams.open(alice, {}, old);
    const got = await take(c, 4);
    assert.deepEqual(got.map(short), ["relist", "ADDED web", "ADDED db", `id ${streams.head}`]);
    assert.equal((got[1]!.app!.status as { health: { status: string } }).health.status, "H4", "the current state, not the old one");
    src.put(app("db", { sync: "Synced" }));
    assert.deepEqual((await take(c, 1)).map((g) => `${g.type} ${g.name}`), ["MODIFIED db"]);
    // A position inside the buffer is not relisted.
    const inside = streams.open(alice, {}, streams.floor);
    assert.equal((await take(inside, 1))[0]!.type, "MODIFIED");
  });

  it("a client that does not read is cut once its queue overflows; it resumes from its last id and misses nothing", async () => {
    const src = new Source();
    src.put(app("web"));
    const streams = hub(src, undefined, { maxQueue: 5, bufferSize: 100 });
    const slow = streams.open(alice, {});
    const fast = streams.open(alice, {});
    const [, head] = await take(slow, 2);
    await take(fast, 2);
    const versions: string[] = [];
    for (let i = 0; i < 8; i++) {
      versions.push(src.put(app("web", { health: `H${i}` })).metadata.resourceVersion!);
      assert.equal((await take(fast, 1))[0]!.id, versions[i]);
      assert.equal(slow.closedBecause, i < 5 ? undefined : "slow", `after ${i + 1} events`);
    }
    assert.equal(await slow.next(), undefined);
    assert.equal(fast.closedBecause, undefined, "a reader is not cut");
    assert.equal(streams.clientCount, 1);
    const again = streams.open(alice, {}, head!.id);
    assert.deepEqual((await take(again, 8)).map((g) => g.id), versions);
  });

  it("ids strictly increase even when a delete carries an older resourceVersion (a relist's delete)", async () => {
    const src = new Source();
    src.put(app("old"));
    src.put(app("web"));
    const streams = hub(src);
    const c = streams.open(alice, {});
    await take(c, 3);
    const head = BigInt(streams.head);
    src.delete(NS, "old", { staleVersion: true }); // carries resourceVersion head - 1
    const web = src.put(app("web", { sync: "Synced" }));
    const got = await take(c, 2);
    // web's own version (head + 1) is taken by the delete, so its event is head + 2: never twice the same id.
    assert.equal(web.metadata.resourceVersion, String(head + 1n));
    assert.deepEqual(got.map((g) => `${g.type} ${g.id}`), [`DELETED ${head + 1n}`, `MODIFIED ${head + 2n}`]);
    assert.equal(got[0]!.app!.metadata.resourceVersion, String(head - 1n), "the object keeps its own version");
  });

  it("a bookmark moves a filtered client's id past events it could not see, only when nothing waits", async () => {
    const src = new Source();
    const streams = hub(src, allowProjects("team-a"));
    const c = streams.open(alice, {});
    await take(c, 1);
    assert.equal(c.bookmark(), undefined, "nothing new since the head");
    const hidden = src.put(app("b", { project: "team-b" }));
    assert.equal(c.bookmark(), undefined, "an event is still waiting to be considered");
    const pending = c.next(); // considers (and skips) the hidden event, then waits
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(c.bookmark(), { id: hidden.metadata.resourceVersion });
    assert.equal(c.bookmark(), undefined, "said once");
    c.close();
    assert.equal(await pending, undefined);
  });

  it("bad positions are refused; close and stop remove every client, stop the subscription", async () => {
    const src = new Source();
    const streams = hub(src);
    for (const bad of ["abc", "-1", "1e3", "12 3"]) assert.throws(() => streams.open(alice, {}, bad), InvalidRequestError);
    assert.throws(() => streams.open(alice, { selector: "=" }), LabelSelectorError);
    assert.equal(streams.clientCount, 0, "a refused open leaves no client");
    assert.equal(parsePosition(" 42 "), 42n);
    const a = streams.open(alice, {});
    const b = streams.open(alice, {});
    await take(a, 1);
    const waiting = a.next();
    a.close();
    assert.equal(await waiting, undefined);
    assert.equal(streams.clientCount, 1);
    streams.stop();
    assert.equal(b.closedBecause, "stopped");
    assert.equal(streams.clientCount, 0);
    assert.equal(src.listenerCount, 0);
  });

  it("each event is serialized once for all clients", async () => {
    const src = new Source();
    const streams = hub(src);
    const clients = [streams.open(alice, {}), streams.open(alice, {})];
    for (const c of clients) await take(c, 1);
    src.put(app("web"));
    const [m1, m2] = await Promise.all(clients.map((c) => c.next()));
    assert.equal(m1!.data, m2!.data);
    assert.ok(Object.is(m1!.data, m2!.data));
  });

  it("formatSSE: fields, multi-line data, id-only bookmarks", () => {
    assert.equal(formatSSE({ id: "7", data: "{}" }), "data: {}\nid: 7\n\n");
    assert.equal(formatSSE({ event: "relist", data: "a\nb" }), "event: relist\ndata: a\ndata: b\n\n");
    assert.equal(formatSSE({ id: "9" }), "id: 9\n\n");
  });
});
