/**
 * Local accounts, sessions and tokens on a real API server, with the settings read from real watches
 * (Settings) of plumb-cm and plumb-secret in a namespace — two replicas of the server side by side:
 *
 * - two replicas initializing at once agree: one admin password is generated, its bcrypt hash stored in
 *   plumb-secret and the plain one in plumb-initial-admin-secret; initializing again changes nothing;
 * - logging in with it gives a session token that verifies to the admin; a wrong password and an unknown
 *   user get the same refusal, and after 5 failures even the right password is rate limited;
 * - a password change ends the account's earlier sessions on both replicas; the new password logs in;
 * - an API token works until revoked, an expired one is refused, a project role's token works until
 *   revoked, and disabling an account refuses its tokens;
 * - logging out on one replica ends the session on the other;
 * - concurrent guesses cannot outrun the rate limit (its point is taken before bcrypt), and an SSO caller
 *   cannot change a local account's password.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { isDeepStrictEqual } from "node:util";
import bcrypt from "bcryptjs";
import { installCRDs } from "../../src/apps/index.js";
import type { Resources } from "../../src/cluster/resources.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { Authentication } from "../../src/server/auth/authenticate.js";
import { LocalAuth } from "../../src/server/auth/local.js";
import { ProjectTokens, resourcesProjectStore } from "../../src/server/auth/project-tokens.js";
import type { Principal } from "../../src/server/auth/types.js";
import { ConflictError, ForbiddenError, InvalidRequestError, RateLimitedError, UnauthenticatedError } from "../../src/server/errors.js";
import { INITIAL_ADMIN_SECRET, SETTINGS_CONFIGMAP, SETTINGS_SECRET, Settings } from "../../src/server/settings.js";
import { resourcesFor } from "../helpers/cluster.js";
import { waitFor } from "../helpers/wait.js";

const NS = "plumb";

interface Replica {
  settings: Settings;
  local: LocalAuth;
  projects: ProjectTokens;
  auth: Authentication;
}

describe("server auth: local accounts, sessions and tokens", { timeout: 180_000 }, () => {
  let cluster: LocalCluster;
  let resources: Resources;
  let a: Replica;
  let b: Replica;
  let adminPassword = "";
  let admin: Principal;

  const replica = async (): Promise<Replica> => {
    const settings = new Settings(resources, NS);
    await settings.start();
    const local = new LocalAuth(settings);
    const projects = new ProjectTokens(resourcesProjectStore(resources, NS), () => local.signingKey());
    return { settings, local, projects, auth: new Authentication({ local, projects, ssoEnabled: () => false }) };
  };
  const refused = (r: Replica, token: string, reason: RegExp) =>
    assert.rejects(r.auth.verify(token), (err: unknown) => err instanceof UnauthenticatedError && reason.test(err.message));
  const setConfig = async (data: Record<string, string>) => {
    await resources.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: SETTINGS_CONFIGMAP, namespace: NS }, data });
    for (const r of [a, b]) await waitFor("both replicas see plumb-cm", async () => isDeepStrictEqual(r.settings.configMap(SETTINGS_CONFIGMAP), data), 10_000, 20);
  };
  const secretData = async (name: string): Promise<Record<string, string>> => {
    const s = await resources.get({ apiVersion: "v1", kind: "Secret", namespace: NS, name });
    return Object.fromEntries(Object.entries((s?.data as Record<string, string> | undefined) ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
  };
  const accounts = { "accounts.alice": "apiKey, login", "accounts.ci": "apiKey", "accounts.bob": "login" };

  before(async () => {
    cluster = await startLocalCluster({ name: "e2e-server-auth", nodes: 1 });
    resources = await resourcesFor(cluster);
    await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
    await installCRDs(resources);
    await resources.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: SETTINGS_CONFIGMAP, namespace: NS }, data: accounts });
    [a, b] = await Promise.all([replica(), replica()]);
  });
  after(async () => {
    await a?.settings.stop();
    await b?.settings.stop();
    resources?.client.close();
    await cluster?.stop();
  });

  it("two replicas initializing at once generate one admin password: hash in plumb-secret, plain in plumb-initial-admin-secret", async () => {
    const results = await Promise.all([a.local.initialize(), b.local.initialize()]);
    const generated = results.map((r) => r.generatedAdminPassword).filter((p): p is string => p !== undefined);
    assert.equal(generated.length, 1, "exactly one replica generated the password");
    adminPassword = generated[0] ?? "";
    const secret = await secretData(SETTINGS_SECRET);
    assert.ok(secret["server.secretkey"], "a signing key");
    assert.match(secret["admin.password"] ?? "", /^\$2[aby]\$10\$/);
    assert.ok(await bcrypt.compare(adminPassword, secret["admin.password"] ?? ""), "the hash is of the generated password");
    assert.ok(!Object.values(secret).includes(adminPassword), "the plain password is not in plumb-secret");
    assert.ok(!Number.isNaN(Date.parse(secret["admin.passwordMtime"] ?? "")), "an RFC 3339 mtime");
    assert.equal((await secretData(INITIAL_ADMIN_SECRET)).password, adminPassword);

    assert.deepEqual(await a.local.initialize(), {});
    assert.deepEqual(await b.local.initialize(), {});
    const again = await secretData(SETTINGS_SECRET);
    assert.equal(again["admin.password"], secret["admin.password"]);
    assert.equal(again["server.secretkey"], secret["server.secretkey"]);
  });

  it("logging in with the generated password gives a session that verifies to admin, on either replica", async () => {
    const { token, principal } = await a.local.login("admin", adminPassword, "127.0.0.1");
    assert.equal(principal.subject, "admin");
    for (const r of [a, b]) {
      const p = await r.auth.verify(token);
      assert.deepEqual([p.subject, p.username, p.via, p.tokenId], ["admin", "admin", "session", principal.tokenId]);
      assert.ok(p.expiresAt && p.expiresAt - p.issuedAt === 86400, "a 24 h session");
    }
    admin = principal;
  });

  it("a wrong password and an unknown user are refused alike; after 5 failures the right password is rate limited too", async () => {
    const errors: UnauthenticatedError[] = [];
    const catchIt = (p: Promise<unknown>) => p.then(() => assert.fail("login succeeded"), (err: unknown) => (assert.ok(err instanceof UnauthenticatedError, String(err)), errors.push(err)));
    const timed = async (p: Promise<unknown>) => {
      const start = performance.now();
      await catchIt(p);
      return performance.now() - start;
    };
    await timed(b.local.login("nobody", "whatever-1", "192.0.2.1")); // the first makes the dummy hash
    const unknownUser = await timed(b.local.login("nobody-either", "whatever-2", "192.0.2.1"));
    let wrongPassword = Infinity;
    for (let i = 0; i < 5; i++) wrongPassword = Math.min(wrongPassword, await timed(b.local.login("admin", `wrong-${i}`, "192.0.2.1")));
    // An unknown user costs a bcrypt comparison too (~tens of ms), not a map lookup.
    assert.ok(unknownUser > wrongPassword / 3, `unknown user ${unknownUser.toFixed(1)} ms, wrong password ${wrongPassword.toFixed(1)} ms`);
    assert.equal(new Set(errors.map((e) => e.message)).size, 1, "one message for all");
    assert.match(errors[0]?.message ?? "", /invalid username or password/);
    assert.ok(errors.every((e) => !/wrong-|whatever/.test(e.message)), "the password typed is not echoed");
    await assert.rejects(b.local.login("admin", adminPassword, "192.0.2.99"), (err: unknown) => err instanceof RateLimitedError && err.retryAfterSeconds > 0 && err.retryAfterSeconds <= 300);
    // the other replica counts its own failures
    await a.local.login("admin", adminPassword, "127.0.0.1");
  });

  it("a password change ends the account's earlier sessions on both replicas; the new password logs in", async () => {
    await a.local.updatePassword("alice", adminPassword, "alice-first-pw", admin);
    const first = await a.local.login("alice", "alice-first-pw", "127.0.0.1");
    await b.auth.verify(first.token);

    await assert.rejects(a.local.updatePassword("alice", "not-the-current", "alice-second-pw", first.principal), InvalidRequestError);
    await assert.rejects(a.local.updatePassword("alice", "alice-first-pw", "short", first.principal), /at least 8/);
    await a.local.updatePassword("alice", "alice-first-pw", "alice-second-pw", first.principal);
    for (const r of [a, b]) await waitFor("the change reaches the replica", async () => r.auth.verify(first.token).then(() => false, () => true), 10_000, 20);
    await refused(b, first.token, /password has changed/);
    await assert.rejects(b.local.login("alice", "alice-first-pw", "127.0.0.1"), UnauthenticatedError);
    const second = await b.local.login("alice", "alice-second-pw", "127.0.0.1");
    assert.equal((await a.auth.verify(second.token)).subject, "alice");
    const secret = await secretData(SETTINGS_SECRET);
    assert.ok(!Object.values(secret).some((v) => v.includes("alice-second-pw")), "only the hash is stored");
  });

  it("logging out on one replica ends the session on the other", async () => {
    const { token, principal } = await a.local.login("alice", "alice-second-pw", "127.0.0.1");
    await b.auth.verify(token);
    await a.local.logout(principal);
    await waitFor("replica b sees the logout", async () => b.auth.verify(token).then(() => false, () => true), 10_000, 20);
    await refused(b, token, /logged out/);
  });

  it("an API token works until revoked; tokens made at once on two replicas are both kept", async () => {
    const made = await a.local.generateToken("ci", { id: "deploy" });
    const p = await b.auth.verify(made.token);
    assert.deepEqual([p.subject, p.via, p.tokenId, p.expiresAt], ["ci", "apiKey", "deploy", undefined]);
    await assert.rejects(a.local.generateToken("ci", { id: "deploy" }), ConflictError);
    await assert.rejects(a.local.generateToken("bob"), /apiKey capability/);

    const [x, y] = await Promise.all([a.local.generateToken("ci", { id: "x" }), b.local.generateToken("ci", { id: "y" })]);
    const listed = () => a.local.accounts().find((acc) => acc.name === "ci")?.tokens.map((t) => t.id).sort();
    await waitFor("both tokens listed", async () => JSON.stringify(listed()) === JSON.stringify(["deploy", "x", "y"]), 10_000, 20);
    await a.auth.verify(x.token);
    await a.auth.verify(y.token);
    assert.ok(!JSON.stringify(a.local.accounts()).includes("$2"), "no hash in the account list");

    await b.local.revokeToken("ci", "deploy");
    await waitFor("replica a sees the revocation", async () => a.auth.verify(made.token).then(() => false, () => true), 10_000, 20);
    await refused(a, made.token, /revoked/);
    await a.auth.verify(x.token);
  });

  it("an expired API token is refused", async () => {
    const made = await a.local.generateToken("ci", { expiresInSeconds: 1 });
    assert.equal(made.expiresAt, made.issuedAt + 1);
    await a.auth.verify(made.token);
    await new Promise((r) => setTimeout(r, 2100));
    await refused(a, made.token, /expired/);
  });

  it("a project role's token works until revoked", async () => {
    await resources.apply({
      apiVersion: "plumb.dev/v1alpha1",
      kind: "AppProject",
      metadata: { name: "team", namespace: NS },
      spec: { sourceRepos: ["*"], roles: [{ name: "ci", policies: ["p, proj:team:ci, applications, sync, team/*, allow"] }, { name: "other" }] },
    });
    const [one, two] = await Promise.all([a.projects.create("team", "ci"), b.projects.create("team", "ci", { id: "second" })]);
    for (const t of [one, two]) assert.equal((await b.auth.verify(t.token)).subject, "proj:team:ci");
    assert.equal((await b.auth.verify(one.token)).via, "projectToken");
    await assert.rejects(a.projects.create("team", "nope"), /no role "nope"/);

    await a.projects.revoke("team", "ci", one.id);
    await refused(b, one.token, /revoked/);
    await b.auth.verify(two.token);
    const live = await resources.get({ apiVersion: "plumb.dev/v1alpha1", kind: "AppProject", namespace: NS, name: "team" });
    const roles = (live?.spec as { roles: Array<{ name: string; policies?: string[]; jwtTokens?: Array<{ id?: string }> }> }).roles;
    assert.deepEqual(roles.find((r) => r.name === "ci")?.jwtTokens?.map((t) => t.id), ["second"]);
    assert.equal(roles.find((r) => r.name === "ci")?.policies?.length, 1, "the role's other fields are kept");
  });

  it("a disabled account's tokens and logins are refused", async () => {
    const api = await a.local.generateToken("ci");
    const session = await a.local.login("alice", "alice-second-pw", "127.0.0.1");
    await setConfig({ ...accounts, "accounts.ci.enabled": "false", "accounts.alice.enabled": "false" });
    for (const r of [a, b]) {
      await refused(r, api.token, /disabled/);
      await refused(r, session.token, /disabled/);
    }
    await assert.rejects(a.local.login("alice", "alice-second-pw", "127.0.0.1"), /invalid username or password/);
    assert.deepEqual(a.local.accounts().filter((x) => !x.enabled).map((x) => x.name), ["alice", "ci"]);
    await setConfig(accounts);
    await a.auth.verify(api.token);
  });

  it("50 concurrent wrong guesses: only the allowance is evaluated; the right password among 50 after the limit is refused", async () => {
    await a.local.updatePassword("bob", adminPassword, "bob-password-1", admin);
    const guesses = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => a.local.login("bob", `guess-${i}`, `198.51.100.${i}`)));
    const wrong = guesses.filter((g) => g.status === "rejected" && g.reason instanceof UnauthenticatedError).length;
    const limited = guesses.filter((g) => g.status === "rejected" && g.reason instanceof RateLimitedError).length;
    assert.deepEqual({ wrong, limited }, { wrong: 5, limited: 45 }, "5 per username are evaluated, the rest refused before bcrypt");
    const again = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => a.local.login("bob", i === 25 ? "bob-password-1" : `again-${i}`, `198.51.100.${100 + i}`)));
    assert.ok(again.every((g) => g.status === "rejected" && g.reason instanceof RateLimitedError), "all 50, the right one too, are rate limited");
  });

  it("an SSO caller cannot change a local account's password, even one named like its subject", async () => {
    const ssoAlice: Principal = { subject: "alice", username: "alice@example.com", groups: [], via: "sso", issuer: "plumb", issuedAt: Math.floor(Date.now() / 1000) };
    await assert.rejects(a.local.updatePassword("alice", "", "taken-over-pw", ssoAlice), ForbiddenError);
    await a.local.login("alice", "alice-second-pw", "127.0.0.1"); // unchanged
  });
});
