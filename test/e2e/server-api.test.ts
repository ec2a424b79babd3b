/**
 * The API server as its users meet it, on a real cluster, a real Git server and `plumb server` in-process
 * (with the controller):
 *
 * - without a session every endpoint but login, version and settings answers 401;
 * - `role:readonly` lists and gets but may not sync or delete; a policy granting sync on `team-a/*` lets
 *   its user sync team-a's apps and not team-b's, and its list shows only team-a's; a deny line wins;
 * - logins: the generated admin password, a wrong password (401, then 429), a token from before a
 *   password change (refused), an expired token (refused), an API token (works until revoked);
 * - sync with a revision and a subset of resources, rollback, terminate;
 * - the cookie is CSRF-safe, bodies are size-limited, errors are `{error, message}`;
 * - no Secret value in any response body of the suite, nor in the server's log.
 */
import { request as httpRequest } from "node:http";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { stringify } from "yaml";
import { installCRDs } from "../../src/apps/index.js";
import type { Resources } from "../../src/cluster/resources.js";
import type { KubeObject } from "../../src/core/object.js";
import { startGitServer, type GitServer } from "../../src/gitserver/server.js";
import { WorkDir } from "../../src/gitserver/workdir.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { resourcesFor } from "../helpers/cluster.js";
import { Browser, startOidcProvider } from "../helpers/oidc-provider.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { SSEReader } from "../helpers/sse.js";
import { waitFor } from "../helpers/wait.js";

const SECRET_VALUE = "known-secret-value-7f3a9c";
const wave = (w: number) => ({ "argocd.argoproj.io/sync-wave": String(w) });
const cm = (name: string, w = 0, v = "1") => stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, annotations: wave(w) }, data: { v } });
const secret = stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "credentials" }, stringData: { password: SECRET_VALUE } });
const stuckHook = stringify({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "stuck", annotations: { "argocd.argoproj.io/hook": "PreSync" } },
  spec: { backoffLimit: 0, template: { spec: { restartPolicy: "Never", nodeSelector: { "plumb.dev/no-such-node": "true" }, containers: [{ name: "c", image: "busybox:1.36", command: ["true"] }] } } },
});

function application(name: string, project: string, repoURL: string, path: string): KubeObject {
  return {
    apiVersion: "plumb.dev/v1alpha1",
    kind: "Application",
    metadata: { name, namespace: "plumb", labels: { team: project } },
    spec: { project, source: { repoURL, targetRevision: "main", path }, destination: { server: "https://kubernetes.default.svc", namespace: name }, syncPolicy: { syncOptions: ["CreateNamespace=true"] } },
  };
}
const project = (name: string): KubeObject => ({ apiVersion: "plumb.dev/v1alpha1", kind: "AppProject", metadata: { name, namespace: "plumb" }, spec: { sourceRepos: ["*"], destinations: [{ server: "*", namespace: "*" }], clusterResourceWhitelist: [{ group: "*", kind: "*" }] } });

describe("plumb server: the REST API, login, tokens and RBAC", { timeout: 300_000 }, () => {
  let cluster: LocalCluster;
  let resources: Resources;
  let git: GitServer;
  let wd: WorkDir;
  let srv: TestServer;
  let admin: string;
  let first: string;

  const opState = async (name: string) => ((await srv.call("GET", `/api/v1/applications/${name}`, { token: admin })).body as { status?: { sync?: { status?: string }; operationState?: { phase?: string; message?: string; syncResult?: { revision?: string; resources?: Array<{ kind: string; name: string }> } }; history?: Array<{ id: number; revision: string }> } }).status;
  /** The request id of an operation the API answered (the app's `operation.info`). */
  const requestOf = (answer: { status: number; text: string; body: { operation?: { info?: Array<{ name: string; value: string }> } } }): string => {
    assert.equal(answer.status, 200, answer.text);
    const id = answer.body.operation?.info?.find((i) => i.name === "plumb.dev/request")?.value;
    assert.ok(id, `the answer holds the request: ${answer.text.slice(0, 300)}`);
    return id;
  };
  /** Waits until the operation of request `id` has ended. */
  const ended = (name: string, id: string) =>
    waitFor(`${name}'s operation ${id} to end`, async () => {
      const s = await opState(name);
      const op = s?.operationState as { phase?: string; operation?: { info?: Array<{ name: string; value: string }> } } | undefined;
      const ours = op?.operation?.info?.some((i) => i.value === id);
      return ours && op?.phase && op.phase !== "Running" && op.phase !== "Terminating" ? s : undefined;
    }, 90_000);
  const setPolicy = async (csv: string, dflt = "") => {
    await resources.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "plumb-rbac-cm", namespace: "plumb" }, data: { "policy.csv": csv, "policy.default": dflt } });
  };

  before(async () => {
    cluster = await startLocalCluster({ name: "e2e-server-api" });
    resources = await resourcesFor(cluster);
    await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "plumb" } });
    await installCRDs(resources);
    git = await startGitServer();
    const url = await git.createRepo("apps");
    wd = await WorkDir.clone(url);
    wd.write({ "a1/one.yaml": cm("one", 0), "a1/two.yaml": cm("two", 1), "a1/secret.yaml": secret, "a2/cm.yaml": cm("a2"), "b1/cm.yaml": cm("b1"), "hooked/cm.yaml": cm("h"), "hooked/job.yaml": stuckHook });
    first = await wd.commit("first");
    await wd.push("main");
    await resources.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "plumb-cm", namespace: "plumb" }, data: { "accounts.alice": "login", "accounts.bob": "login", "accounts.carol": "login", "accounts.ci": "apiKey" } });
    await setPolicy(["g, alice, role:readonly", "p, bob, applications, get, team-a/*, allow", "p, bob, applications, sync, team-a/*, allow", "p, bob, applications, get, team-a/a2, deny", "p, bob, applications, sync, team-a/a2, deny", "g, sso-admins, role:admin"].join("\n"));
    for (const p of ["team-a", "team-b"]) await resources.apply(project(p));
    for (const [name, proj, path] of [["a1", "team-a", "a1"], ["a2", "team-a", "a2"], ["b1", "team-b", "b1"], ["hooked", "team-a", "hooked"]] as const) await resources.apply(application(name, proj, url, path));
    // Git is polled once a minute: every fetch the suite sees was asked for (a sync, a refresh).
    srv = await startTestServer(resources, { pollIntervalMs: 60_000 });
    assert.ok(srv.adminPassword.length >= 16, "a fresh installation generates the admin password");
    admin = await srv.login("admin", srv.adminPassword);
    for (const user of ["alice", "bob", "carol"]) {
      const r = await srv.call("PUT", "/api/v1/account/password", { token: admin, body: { name: user, currentPassword: srv.adminPassword, newPassword: `${user}-password-1` } });
      assert.equal(r.status, 200, r.text);
    }
  });
  after(async () => {
    await srv?.stop();
    wd?.dispose();
    await git?.close();
    resources?.client.close();
    await cluster?.stop();
  });

  it("answers 401 without a session on every endpoint of the OpenAPI document but login, version, settings and who-am-I", async () => {
    const doc = (await srv.call("GET", "/api/openapi.json")).body as { paths: Record<string, Record<string, unknown>> };
    const paths = Object.keys(doc.paths);
    assert.ok(paths.length >= 20, `the document lists the API (${paths.length} paths)`);
    const open = new Set(["post /api/v1/session", "get /api/version", "get /api/v1/settings", "get /api/v1/session/userinfo"]);
    let checked = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const method of Object.keys(methods)) {
        const concrete = path.replace(/\{[^}]+\}/g, "x");
        const r = await srv.call(method.toUpperCase(), concrete, method === "get" || method === "delete" ? {} : { body: {} });
        if (open.has(`${method} ${path}`)) assert.notEqual(r.status, 401, `${method} ${path} is public`);
        else {
          assert.equal(r.status, 401, `${method} ${path} without a session: ${r.status} ${r.text}`);
          assert.equal((r.body as { error: string }).error, "Unauthenticated");
          checked++;
        }
      }
    }
    assert.ok(checked >= 20, `${checked} endpoints refused`);
    const stream = await srv.call("GET", "/api/v1/stream/applications");
    assert.equal(stream.status, 401, "the stream too");
    assert.equal((await srv.call("GET", "/api/v1/applications", { token: "not-a-token" })).status, 401, "a forged token");
    const nobody = await srv.call("GET", "/api/v1/session/userinfo");
    assert.equal(nobody.status, 200, nobody.text);
    assert.deepEqual(nobody.body, { loggedIn: false }, "who-am-I tells nobody only that they are not logged in");
    assert.equal((await srv.call("GET", "/api/v1/session/userinfo", { token: "not-a-token" })).status, 401, "but a refused token is a 401 there too");
  });

  it("role:readonly lists and gets but may not sync or delete", async () => {
    const alice = await srv.login("alice", "alice-password-1");
    const list = await srv.call("GET", "/api/v1/applications", { token: alice });
    assert.equal(list.status, 200);
    assert.deepEqual((list.body.items as KubeObject[]).map((a) => a.metadata.name).sort(), ["a1", "a2", "b1", "hooked"]);
    assert.ok(/^\d+$/.test(list.body.metadata.resourceVersion), "the list says its resourceVersion");
    assert.equal((await srv.call("GET", "/api/v1/applications/b1", { token: alice })).status, 200);
    const sync = await srv.call("POST", "/api/v1/applications/a1/sync", { token: alice, body: {} });
    assert.equal(sync.status, 403, sync.text);
    assert.equal(sync.body.error, "PermissionDenied");
    assert.equal((await srv.call("DELETE", "/api/v1/applications/a1", { token: alice })).status, 403);
    assert.ok(await resources.get({ apiVersion: "plumb.dev/v1alpha1", kind: "Application", namespace: "plumb", name: "a1" }), "a1 still exists");
    assert.equal((await srv.call("GET", "/api/v1/account/can-i/applications/sync/team-a%2Fa1", { token: alice })).body.value, "no");
    assert.equal((await srv.call("GET", "/api/v1/account/can-i/applications/get/team-a%2Fa1", { token: alice })).body.value, "yes");
  });

  it("sync on team-a/* lets its user sync team-a's apps, not team-b's; the list shows only team-a's; a deny line wins", async () => {
    const bob = await srv.login("bob", "bob-password-1");
    const list = await srv.call("GET", "/api/v1/applications", { token: bob });
    assert.deepEqual((list.body.items as KubeObject[]).map((a) => a.metadata.name).sort(), ["a1", "hooked"], "team-a's apps, without the denied a2");
    assert.equal((await srv.call("POST", "/api/v1/applications/b1/sync", { token: bob, body: {} })).status, 403, "team-b");
    assert.equal((await srv.call("POST", "/api/v1/applications/a2/sync", { token: bob, body: {} })).status, 403, "the deny line");
    assert.equal((await srv.call("GET", "/api/v1/applications/a2", { token: bob })).status, 403, "deny on get too");
    const hidden = await srv.call("GET", "/api/v1/applications/b1", { token: bob });
    const missing = await srv.call("GET", "/api/v1/applications/nosuch", { token: bob });
    assert.deepEqual([hidden.status, missing.status], [403, 403], "a hidden app and a missing one answer alike");
    assert.ok(!hidden.text.includes("team-b"), `the answer does not name the hidden app's project: ${hidden.text}`);
    // The sync with a revision and a subset of resources: only ConfigMap "one", at the first commit.
    const sync = await srv.call("POST", "/api/v1/applications/a1/sync", { token: bob, body: { revision: first, resources: [{ group: "", kind: "ConfigMap", name: "one", namespace: "a1" }], syncOptions: { items: ["CreateNamespace=true"] } } });
    assert.equal(sync.body.operation?.initiatedBy?.username, "bob", "the request names who asked");
    const done = await ended("a1", requestOf(sync));
    assert.equal(done.operationState?.phase, "Succeeded", done.operationState?.message);
    assert.equal(done.operationState?.syncResult?.revision, first);
    assert.deepEqual(done.operationState?.syncResult?.resources?.filter((r) => r.kind !== "Namespace").map((r) => `${r.kind}/${r.name}`), ["ConfigMap/one"], "only the named object (and the namespace CreateNamespace=true makes)");
    assert.ok(await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "a1", name: "one" }));
    assert.equal(await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "a1", name: "two" }), undefined, "the other object is not applied");
    const again = await srv.call("POST", "/api/v1/applications/a1/sync", { token: bob, body: {} });
    const busy = await srv.call("POST", "/api/v1/applications/a1/sync", { token: bob, body: {} });
    assert.equal(busy.status, 409, `a sync while one is pending is a conflict: ${busy.text}`);
    assert.equal(busy.body.error, "Conflict");
    await ended("a1", requestOf(again));
  });

  it("rolls back to a history entry and terminates a running operation", async () => {
    const firstDeploy = await ended("a1", requestOf(await srv.call("POST", "/api/v1/applications/a1/sync", { token: admin, body: { prune: true } })));
    assert.equal(firstDeploy.operationState?.phase, "Succeeded", firstDeploy.operationState?.message);
    wd.write({ "a1/two.yaml": cm("two", 1, "2") });
    const second = await wd.commit("second");
    await wd.push("main");
    const refreshed = await srv.call("GET", "/api/v1/applications/a1?refresh=hard", { token: admin });
    assert.equal(refreshed.status, 200);
    assert.equal(refreshed.body.status?.sync?.status, "OutOfSync", "the refresh fetched the push and compared before answering");
    assert.equal(refreshed.body.status?.sync?.revision, second);
    assert.equal(refreshed.body.metadata.annotations?.["plumb.dev/refresh"], undefined, "the controller removed the annotation");
    const secondDeploy = await ended("a1", requestOf(await srv.call("POST", "/api/v1/applications/a1/sync", { token: admin, body: {} })));
    assert.equal(secondDeploy.operationState?.syncResult?.revision, second);
    const entry = secondDeploy.history!.find((h) => h.revision === first)!;
    assert.ok(entry, `a history entry at the first commit: ${JSON.stringify(secondDeploy.history)}`);
    const rolled = await ended("a1", requestOf(await srv.call("POST", "/api/v1/applications/a1/rollback", { token: admin, body: { id: entry.id } })));
    assert.equal(rolled.operationState?.phase, "Succeeded", rolled.operationState?.message);
    assert.equal(rolled.operationState?.syncResult?.revision, first, "synced back to the first commit");
    const two = await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "a1", name: "two" });
    assert.equal((two?.data as { v: string }).v, "1");

    // Terminate: a PreSync hook that never completes keeps the sync Running until it is stopped.
    const hooked = requestOf(await srv.call("POST", "/api/v1/applications/hooked/sync", { token: admin, body: {} }));
    await waitFor("the hooked sync to run", async () => (await opState("hooked"))?.operationState?.phase === "Running", 60_000);
    const bob = await srv.login("bob", "bob-password-1");
    assert.equal((await srv.call("DELETE", "/api/v1/applications/hooked/operation", { token: bob })).status, 200, "bob may sync team-a, so he may terminate");
    const stopped = await ended("hooked", hooked);
    assert.equal(stopped.operationState?.phase, "Failed");
    assert.match(stopped.operationState?.message ?? "", /terminat/i);
    assert.equal((await srv.call("DELETE", "/api/v1/applications/hooked/operation", { token: admin })).status, 409, "nothing left to terminate");
  });

  it("shows the resource tree, managed resources, one resource, manifests and events — with the Secret masked", async () => {
    const tree = await srv.call("GET", "/api/v1/applications/a1/resource-tree", { token: admin });
    assert.equal(tree.status, 200, tree.text);
    assert.ok((tree.body.nodes as Array<{ kind: string; name: string }>).some((n) => n.kind === "Secret" && n.name === "credentials"), tree.text);
    const treeStream = await fetch(`${srv.url}/api/v1/stream/applications/a1/resource-tree`, { headers: { authorization: `Bearer ${admin}` } });
    assert.equal(treeStream.status, 200);
    const reader = new SSEReader(treeStream.body!);
    let streamed: { result?: { nodes?: Array<{ kind: string }> }; nodes?: Array<{ kind: string }> } | undefined;
    while (!streamed) {
      const m = await reader.next(10_000);
      if (!m) break;
      if (m.data) streamed = JSON.parse(m.data);
    }
    await reader.cancel();
    assert.ok((streamed?.result?.nodes ?? streamed?.nodes ?? []).some((n) => n.kind === "Secret"), `the tree stream sends the tree first: ${JSON.stringify(streamed).slice(0, 200)}`);
    const managed = await srv.call("GET", "/api/v1/applications/a1/managed-resources", { token: admin });
    assert.equal(managed.status, 200, managed.text);
    const sec = (managed.body.items as Array<{ kind: string; liveState?: string; targetState?: string }>).find((i) => i.kind === "Secret");
    assert.ok(sec?.liveState && sec.targetState, "the Secret's states are there");
    assert.match(sec.liveState, /\+{8}/, "masked with +");
    const one = await srv.call("GET", "/api/v1/applications/a1/resource?namespace=a1&resourceName=credentials&version=v1&kind=Secret&group=", { token: admin });
    assert.equal(one.status, 200, one.text);
    assert.match(JSON.parse(one.body.manifest).data.password, /^\++$/);
    const foreign = await srv.call("GET", "/api/v1/applications/a1/resource?namespace=kube-system&resourceName=extension-apiserver-authentication&version=v1&kind=ConfigMap", { token: admin });
    assert.equal(foreign.status, 404, "an object the app does not own is not shown");
    const manifests = await srv.call("GET", "/api/v1/applications/a1/manifests", { token: admin });
    assert.equal(manifests.status, 200, manifests.text);
    assert.equal((manifests.body.manifests as string[]).length, 3);
    const events = await srv.call("GET", "/api/v1/applications/a1/events", { token: admin });
    assert.equal(events.status, 200, events.text);
    assert.ok((events.body.items as unknown[]).length > 0, "the controller's events about a1");
  });

  it("logs in and refuses: wrong password (401, then 429), a token from before a password change, an expired token; an API token works until revoked", async () => {
    const wrong = await srv.call("POST", "/api/v1/session", { body: { username: "admin", password: "nope" } });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, "Unauthenticated");
    let limited;
    for (let i = 0; i < 8 && !limited; i++) {
      const r = await srv.call("POST", "/api/v1/session", { body: { username: "carol", password: `wrong-${i}` } });
      if (r.status === 429) limited = r;
      else assert.equal(r.status, 401);
    }
    assert.ok(limited, "failed logins are rate-limited");
    assert.ok(Number(limited.headers.get("retry-after")) > 0, "with Retry-After");
    assert.equal((await srv.call("POST", "/api/v1/session", { body: { username: "carol", password: "carol-password-1" } })).status, 429, "even the right password, while limited");

    const before = await srv.login("alice", "alice-password-1");
    assert.equal((await srv.call("GET", "/api/v1/session/userinfo", { token: before })).body.username, "alice");
    const change = await srv.call("PUT", "/api/v1/account/password", { token: before, body: { currentPassword: "alice-password-1", newPassword: "alice-password-2" } });
    assert.equal(change.status, 200, change.text);
    assert.equal((await srv.call("GET", "/api/v1/applications", { token: before })).status, 401, "a token issued before the password change");
    await srv.login("alice", "alice-password-2");

    const expiring = await srv.call("POST", "/api/v1/account/ci/token", { token: admin, body: { expiresIn: 1 } });
    assert.equal(expiring.status, 200, expiring.text);
    const apiToken = await srv.call("POST", "/api/v1/account/ci/token", { token: admin, body: { id: "pipeline" } });
    assert.equal(apiToken.status, 200, apiToken.text);
    assert.equal((await srv.call("GET", "/api/v1/session/userinfo", { token: apiToken.body.token })).body.username, "ci");
    await new Promise((r) => setTimeout(r, 2100));
    assert.equal((await srv.call("GET", "/api/v1/session/userinfo", { token: expiring.body.token })).status, 401, "an expired token");
    const accounts = await srv.call("GET", "/api/v1/account", { token: admin });
    assert.ok(JSON.stringify(accounts.body).includes("pipeline"), "the token is listed by id");
    assert.ok(!JSON.stringify(accounts.body).includes(apiToken.body.token), "but never the token itself");
    assert.equal((await srv.call("DELETE", "/api/v1/account/ci/token/pipeline", { token: admin })).status, 200);
    await waitFor("the revoked token to be refused", async () => (await srv.call("GET", "/api/v1/session/userinfo", { token: apiToken.body.token })).status === 401, 10_000);
    const logout = await srv.call("DELETE", "/api/v1/session", { token: before });
    assert.equal(logout.status, 401, "a refused token cannot log out either");
  });

  it("a project role token acts within its project only, until revoked", async () => {
    const withRole = project("team-a");
    (withRole.spec as Record<string, unknown>).roles = [{ name: "ci", policies: ["p, proj:team-a:ci, applications, get, team-a/*, allow", "p, proj:team-a:ci, applications, sync, team-a/*, allow", "p, proj:team-a:ci, applications, sync, team-b/*, allow"] }];
    await resources.apply(withRole);
    const made = await waitFor("the role token", async () => {
      const r = await srv.call("POST", "/api/v1/projects/team-a/roles/ci/token", { token: admin, body: { id: "ci-1" } });
      return r.status === 200 ? r : undefined;
    }, 10_000);
    const ci = made.body.token as string;
    assert.equal((await srv.call("GET", "/api/v1/session/userinfo", { token: ci })).body.username, "proj:team-a:ci");
    const own = await srv.call("POST", "/api/v1/applications/a1/sync", { token: ci, body: { dryRun: true } });
    await ended("a1", requestOf(own));
    assert.equal((await srv.call("POST", "/api/v1/applications/b1/sync", { token: ci, body: { dryRun: true } })).status, 403, "a policy line reaching into team-b is not honoured");
    assert.equal((await srv.call("GET", "/api/v1/account", { token: ci })).body.items.length, 0, "no accounts for a project token");
    assert.equal((await srv.call("DELETE", "/api/v1/projects/team-a/roles/ci/token/ci-1", { token: admin })).status, 200);
    await waitFor("the revoked role token to be refused", async () => (await srv.call("GET", "/api/v1/session/userinfo", { token: ci })).status === 401, 10_000);
  });

  it("keeps the cookie CSRF-safe, limits bodies, and maps every error to {error, message}", async () => {
    const login = await fetch(`${srv.url}/api/v1/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "admin", password: srv.adminPassword }) });
    const cookie = login.headers.get("set-cookie") ?? "";
    assert.match(cookie, /plumb\.token=/);
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Strict/i);
    const jar = cookie.split(";")[0]!;
    assert.equal((await srv.call("GET", "/api/v1/applications", { headers: { cookie: jar } })).status, 200, "the cookie authenticates reads");
    const forged = await srv.call("POST", "/api/v1/applications/b1/sync", { headers: { cookie: jar, origin: "https://evil.example" }, body: {} });
    assert.equal(forged.status, 403, "a cross-site write with the cookie");
    const noOrigin = await srv.call("POST", "/api/v1/applications/b1/sync", { headers: { cookie: jar }, body: {} });
    assert.equal(noOrigin.status, 403, "a cookie write without Origin");
    const same = await srv.call("POST", "/api/v1/applications/b1/sync", { headers: { cookie: jar, origin: srv.url }, body: { dryRun: true } });
    await ended("b1", requestOf(same));
    // A body over the limit is refused on its Content-Length, before it is read.
    const bigStatus = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${srv.url}/api/v1/applications`, { method: "POST", headers: { authorization: `Bearer ${admin}`, "content-type": "application/json", "content-length": String(2 * 1024 * 1024) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on("error", reject);
      req.write("{");
    });
    assert.equal(bigStatus, 413, "a body over the limit");
    const bad = await srv.call("POST", "/api/v1/applications/a1/sync", { token: admin, body: { prune: "yes" } });
    assert.equal(bad.status, 400);
    assert.deepEqual(Object.keys(bad.body).sort(), ["error", "message"]);
    const missing = await srv.call("GET", "/api/v1/applications/nosuch", { token: admin });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error, "NotFound");
    assert.ok(srv.logs.some((l) => l.includes('"audit":true') && l.includes('"app":"plumb/a1"')), "writes leave an audit line naming the app");
    assert.equal(login.headers.get("x-content-type-options"), "nosniff", "security headers");
  });

  it("creates, updates the spec of, and deletes an Application", async () => {
    const app = application("made", "team-b", "http://example.invalid/repo.git", "x");
    // An `operation` in the body would be a sync without the sync permission: it is not written.
    const created = await srv.call("POST", "/api/v1/applications", { token: admin, body: { ...app, operation: { sync: { prune: true } }, status: { sync: { status: "Synced" } } } });
    assert.equal(created.status, 200, created.text);
    assert.equal(created.body.operation, undefined, "no operation");
    const stored = await resources.get({ apiVersion: "plumb.dev/v1alpha1", kind: "Application", namespace: "plumb", name: "made" });
    assert.equal(stored?.operation, undefined, "none stored either");
    const elsewhere = await srv.call("POST", "/api/v1/applications", { token: admin, body: { ...app, metadata: { name: "made", namespace: "default" } } });
    assert.equal(elsewhere.status, 400, `an app in another namespace: ${elsewhere.text}`);
    assert.equal((await srv.call("POST", "/api/v1/applications", { token: admin, body: app })).status, 409, "exists, no upsert");
    assert.equal((await srv.call("POST", "/api/v1/applications?upsert=true", { token: admin, body: app })).status, 200);
    const spec = { ...(app.spec as object), source: { repoURL: "http://example.invalid/repo.git", targetRevision: "v2", path: "y" } };
    const updated = await srv.call("PUT", "/api/v1/applications/made/spec", { token: admin, body: spec });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.body.source.path, "y");
    const invalid = await srv.call("PUT", "/api/v1/applications/made/spec", { token: admin, body: { project: "team-b" } });
    assert.equal(invalid.status, 400, `a spec without a destination: ${invalid.text}`);
    const bob = await srv.login("bob", "bob-password-1");
    assert.equal((await srv.call("POST", "/api/v1/applications", { token: bob, body: application("bobs", "team-a", "http://x/y.git", ".") })).status, 403, "bob may not create");
    assert.equal((await srv.call("DELETE", "/api/v1/applications/made?cascade=false", { token: admin })).status, 200);
    await waitFor("made to be gone", async () => (await resources.get({ apiVersion: "plumb.dev/v1alpha1", kind: "Application", namespace: "plumb", name: "made" })) === undefined, 30_000);
  });

  it("SSO: the authorization-code flow against a real OIDC provider; the groups claim grants a role", async () => {
    const idp = await startOidcProvider({
      redirectUris: [`${srv.url}/auth/callback`],
      accounts: { dana: { password: "dana-pw", email: "dana@example.com", name: "Dana", groups: ["sso-admins"] }, erin: { password: "erin-pw", email: "erin@example.com", name: "Erin", groups: [] } },
    });
    try {
      const cm = await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "plumb", name: "plumb-cm" });
      await resources.apply({ ...cm!, metadata: { name: "plumb-cm", namespace: "plumb" }, data: { ...(cm!.data as object), "oidc.config": `name: Test IdP\nissuer: ${idp.issuer}\nclientID: ${idp.clientId}\nclientSecret: $oidc.clientSecret\n` } });
      await resources.client.request({ method: "PATCH", path: "/api/v1/namespaces/plumb/secrets/plumb-secret", contentType: "application/merge-patch+json", body: { stringData: { "oidc.clientSecret": idp.clientSecret } } });
      const settings = await waitFor("the settings to offer SSO", async () => (await srv.call("GET", "/api/v1/settings")).body.oidcConfig, 10_000);
      assert.equal(settings.issuer, idp.issuer);
      assert.ok(!JSON.stringify(settings).includes(idp.clientSecret), "the client secret is not in the settings");
      const signIn = async (user: string, password: string): Promise<string> => {
        const b = new Browser();
        const form = await b.get(`${srv.url}/auth/login?return_url=%2Fapplications`);
        assert.match(form.body, /Sign in/, form.body.slice(0, 200));
        const consent = await b.submit(form, { login: user, password });
        const end = consent.body.match(/Authorize/) ? await b.submit(consent, {}) : consent;
        assert.equal(new URL(end.url).pathname, "/applications", "back where the login started");
        const cookie = b.cookie(srv.url, "plumb.token");
        assert.ok(cookie, "a session cookie");
        return cookie.value;
      };
      const dana = await signIn("dana", "dana-pw");
      const info = await srv.call("GET", "/api/v1/session/userinfo", { token: dana });
      assert.deepEqual(info.body.groups, ["sso-admins"]);
      assert.equal((await srv.call("GET", "/api/v1/applications", { token: dana })).body.items.length, 4, "role:admin through the group sees every app");
      const erin = await signIn("erin", "erin-pw");
      assert.equal((await srv.call("GET", "/api/v1/applications", { token: erin })).body.items.length, 0, "no group, no role: nothing");
      assert.equal((await srv.call("POST", "/api/v1/applications/a1/sync", { token: erin, body: {} })).status, 403);
    } finally {
      await idp.close();
    }
  });

  it("the stream delivers an app's Synced and Healthy transitions in order, and a reconnect with the last id misses nothing", async () => {
    type Seen = { type: string; sync?: string; health?: string; id?: string };
    const open = async (lastId?: string): Promise<SSEReader> => {
      const res = await fetch(`${srv.url}/api/v1/stream/applications?name=b1`, { headers: { authorization: `Bearer ${admin}`, ...(lastId ? { "last-event-id": lastId } : {}) } });
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
      return new SSEReader(res.body!);
    };
    /** Reads until `done` says the last state is reached; every message of the app, in order. */
    const read = async (r: SSEReader, done: (s: Seen) => boolean, into: Seen[]): Promise<string | undefined> => {
      let last: string | undefined;
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const m = await r.next(deadline - Date.now());
        if (!m) break;
        if (m.id) last = m.id;
        if (!m.data) continue;
        srv.bodies.push(m.data);
        const { result } = JSON.parse(m.data) as { result: { type: string; application: { status?: { sync?: { status?: string }; health?: { status?: string } } } } };
        const seen = { type: result.type, sync: result.application.status?.sync?.status, health: result.application.status?.health?.status, ...(m.id ? { id: m.id } : {}) };
        into.push(seen);
        if (done(seen)) return last;
      }
      throw new Error(`the stream did not reach the state; saw ${JSON.stringify(into)}`);
    };
    const first: Seen[] = [];
    const r1 = await open();
    const sync1 = requestOf(await srv.call("POST", "/api/v1/applications/b1/sync", { token: admin, body: {} }));
    const lastId = await read(r1, (x) => x.sync === "Synced" && x.health === "Healthy", first);
    await ended("b1", sync1);
    assert.equal(first[0]!.type, "ADDED", "the current state first");
    assert.equal(first[0]!.sync, "OutOfSync", "b1 was only dry-run synced before");
    const syncedAt = first.findIndex((x) => x.sync === "Synced");
    assert.ok(first.slice(syncedAt).every((x) => x.sync === "Synced"), `no OutOfSync after Synced: ${JSON.stringify(first)}`);
    await r1.cancel();

    // While nobody listens: a push makes b1 OutOfSync, a sync makes it Synced again.
    wd.write({ "b1/cm.yaml": cm("b1", 0, "2") });
    await wd.commit("b1 v2");
    await wd.push("main");
    const refreshed = await srv.call("GET", "/api/v1/applications/b1?refresh=normal", { token: admin });
    assert.equal(refreshed.body.status?.sync?.status, "OutOfSync", "the refresh compared with the push");
    await ended("b1", requestOf(await srv.call("POST", "/api/v1/applications/b1/sync", { token: admin, body: {} })));
    await waitFor("b1 Synced", async () => (await opState("b1"))?.sync?.status === "Synced", 30_000);

    const missed: Seen[] = [];
    const r2 = await open(lastId);
    await read(r2, (x) => x.sync === "Synced" && missed.some((y) => y.sync === "OutOfSync"), missed);
    await r2.cancel();
    assert.ok(missed.every((x) => x.type === "MODIFIED"), `only the changes since the last id, no fresh snapshot: ${JSON.stringify(missed)}`);
    assert.ok(missed.findIndex((x) => x.sync === "OutOfSync") < missed.findIndex((x, i) => x.sync === "Synced" && i > missed.findIndex((y) => y.sync === "OutOfSync")), "OutOfSync, then Synced");
  });

  it("the stream shows a user only what their role lets them get (the casbin policy, per event)", async () => {
    const bob = await srv.login("bob", "bob-password-1");
    const res = await fetch(`${srv.url}/api/v1/stream/applications`, { headers: { authorization: `Bearer ${bob}` } });
    assert.equal(res.status, 200);
    const r = new SSEReader(res.body!);
    const names = new Set<string>();
    // The current state comes first, without ids; an id-only message marks its end.
    for (let m = await r.next(10_000); m && !(m.id && !m.data); m = await r.next(10_000)) {
      if (!m.data) continue;
      srv.bodies.push(m.data);
      names.add((JSON.parse(m.data) as { result: { application: KubeObject } }).result.application.metadata.name);
    }
    // A change to an app bob may not see is not sent; one to an app he may see is.
    await resources.client.request({ method: "PATCH", path: "/apis/plumb.dev/v1alpha1/namespaces/plumb/applications/b1", contentType: "application/merge-patch+json", body: { metadata: { labels: { touched: "1" } } } });
    await resources.client.request({ method: "PATCH", path: "/apis/plumb.dev/v1alpha1/namespaces/plumb/applications/a1", contentType: "application/merge-patch+json", body: { metadata: { labels: { touched: "1" } } } });
    let next = await r.next(10_000);
    while (next && !next.data) next = await r.next(10_000);
    await r.cancel();
    assert.deepEqual([...names].sort(), ["a1", "hooked"], "team-a's apps without the denied a2");
    assert.equal((JSON.parse(next!.data!) as { result: { application: KubeObject } }).result.application.metadata.name, "a1", "b1's change was not sent to bob");
  });

  it("never answered or logged a Secret value or the admin password (a scan of every response of this suite)", () => {
    assert.ok(srv.bodies.length > 50, `${srv.bodies.length} responses scanned`);
    const leaks = srv.bodies.filter((b) => b.includes(SECRET_VALUE) || b.includes(Buffer.from(SECRET_VALUE).toString("base64")));
    assert.equal(leaks.length, 0, `Secret values in ${leaks.length} response(s): ${leaks[0]?.slice(0, 300)}`);
    const logged = srv.logs.filter((l) => l.includes(SECRET_VALUE) || l.includes(Buffer.from(SECRET_VALUE).toString("base64")) || l.includes(srv.adminPassword));
    assert.equal(logged.length, 0, `Secret values in the log: ${logged[0]?.slice(0, 300)}`);
  });
});
