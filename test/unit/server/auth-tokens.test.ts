/**
 * What a signed token must still satisfy when it is used, with the clock injected: sessions (expiry,
 * password change, logout, account state), API tokens (listed, expiry), project tokens (listed by id or
 * issue time, role present) and SSO tokens (only while SSO is configured). Tokens are real JWTs signed
 * with jwt.ts; the accounts are parsed from settings maps by accounts.ts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../../../src/core/object.js";
import { UnauthenticatedError } from "../../../src/server/errors.js";
import { formatTokens, parseAccounts, type AccountToken } from "../../../src/server/auth/accounts.js";
import { Authentication, type LocalTokenSource } from "../../../src/server/auth/authenticate.js";
import { newSigningKey, signToken, verifyToken, type TokenKind } from "../../../src/server/auth/jwt.js";
import { checkProjectToken, ProjectTokens } from "../../../src/server/auth/project-tokens.js";

const KEY = newSigningKey();
const T0 = Date.now();
const HOUR = 3600_000;

interface World {
  cm?: Record<string, string>;
  secret?: Record<string, string>;
  revoked?: string[];
  projects?: Record<string, KubeObject>;
  sso?: boolean;
  /** The injected clock, ms. Default T0. */
  now?: number;
  key?: string | undefined;
}

function auth(w: World): Authentication {
  const { accounts } = parseAccounts(w.cm ?? { "accounts.alice": "apiKey, login", "accounts.ci": "apiKey" }, w.secret ?? {});
  const local: LocalTokenSource = { signingKey: () => ("key" in w ? w.key : KEY), account: (n) => accounts.get(n), isRevoked: (id) => (w.revoked ?? []).includes(id) };
  const clock = () => w.now ?? T0;
  const projects = new ProjectTokens({ getProject: (n) => w.projects?.[n], writeRoleTokens: () => Promise.reject(new Error("read only")) }, local.signingKey, { now: clock });
  return new Authentication({ local, projects, ssoEnabled: () => w.sso ?? false, now: clock });
}

async function token(sub: string, kind: TokenKind, opts: { at?: number; expiresInSeconds?: number; id?: string; groups?: string[]; name?: string; key?: string } = {}): Promise<{ token: string; jti: string; iat: number }> {
  const { token, claims } = await signToken(opts.key ?? KEY, { sub, kind, ...(opts.groups ? { groups: opts.groups } : {}), ...(opts.name ? { name: opts.name } : {}) }, { now: opts.at ?? T0, expiresInSeconds: opts.expiresInSeconds, id: opts.id });
  return { token, jti: claims.jti, iat: claims.iat ?? 0 };
}

async function refused(a: Authentication, tok: string, reason: RegExp): Promise<void> {
  await assert.rejects(a.verify(tok), (err: unknown) => err instanceof UnauthenticatedError && reason.test(err.message));
}

const tokens = (list: AccountToken[]) => ({ "accounts.ci.tokens": formatTokens(list) });

describe("session tokens", () => {
  it("a fresh session names its account", async () => {
    const t = await token("alice", "session", { expiresInSeconds: 86400 });
    const p = await auth({}).verify(t.token);
    assert.deepEqual({ subject: p.subject, username: p.username, via: p.via, groups: p.groups, tokenId: p.tokenId }, { subject: "alice", username: "alice", via: "session", groups: [], tokenId: t.jti });
  });

  it("is refused once expired (by the injected clock)", async () => {
    const t = await token("alice", "session", { expiresInSeconds: 3600 });
    await auth({ now: T0 + 3599_000 }).verify(t.token);
    await refused(auth({ now: T0 + 3600_000 }), t.token, /expired/);
  });

  it("is refused once expired (by the real clock)", async () => {
    const t = await token("alice", "session", { at: T0 - 2 * HOUR, expiresInSeconds: 3600 });
    await refused(auth({}), t.token, /expired/);
  });

  it("issued before the password's last change is refused; issued at or after it is not", async () => {
    const t = await token("alice", "session", { expiresInSeconds: 86400 });
    const at = (ms: number) => auth({ secret: { "accounts.alice.passwordMtime": new Date(ms).toISOString() }, now: T0 + HOUR });
    await refused(at(Math.floor(T0 / 1000) * 1000 + 1000), t.token, /password has changed/);
    await at(Math.floor(T0 / 1000) * 1000).verify(t.token);
  });

  it("is refused after logout", async () => {
    const t = await token("alice", "session", { expiresInSeconds: 86400 });
    await refused(auth({ revoked: [t.jti] }), t.token, /logged out/);
  });

  it("is refused for a disabled account, one without login, an unknown one — in the same words", async () => {
    const t = await token("alice", "session", { expiresInSeconds: 86400 });
    const messages: string[] = [];
    const cms: Array<Record<string, string>> = [{ "accounts.alice": "login", "accounts.alice.enabled": "false" }, { "accounts.alice": "apiKey" }, {}];
    for (const cm of cms) {
      await assert.rejects(auth({ cm }).verify(t.token), (err: unknown) => err instanceof UnauthenticatedError && (messages.push(err.message), true));
    }
    assert.equal(new Set(messages).size, 1, messages.join(" | "));
  });

  it("is refused when signed with another key, or when the server has no key", async () => {
    const t = await token("alice", "session", { key: newSigningKey(), expiresInSeconds: 60 });
    await refused(auth({}), t.token, /not valid/);
    const good = await token("alice", "session", { expiresInSeconds: 60 });
    await refused(auth({ key: undefined }), good.token, /no token signing key/);
  });

  it("a token of an unknown kind is refused", async () => {
    const t = await token("alice", "other" as TokenKind, { expiresInSeconds: 60 });
    await refused(auth({}), t.token, /kind/);
  });
});

describe("API tokens", () => {
  it("a listed token works, also without expiry", async () => {
    const t = await token("ci", "apiKey", { id: "t1" });
    const p = await auth({ secret: tokens([{ id: "t1", issuedAt: Math.floor(T0 / 1000) }]) }).verify(t.token);
    assert.equal(p.via, "apiKey");
    assert.equal(p.subject, "ci");
    assert.equal(p.expiresAt, undefined);
  });

  it("is refused once its id is no longer listed (revoked)", async () => {
    const t = await token("ci", "apiKey", { id: "t1" });
    await refused(auth({ secret: tokens([{ id: "t2", issuedAt: 1 }]) }), t.token, /revoked/);
  });

  it("is refused once expired, by the token or by the list", async () => {
    const t = await token("ci", "apiKey", { id: "t1", expiresInSeconds: 60 });
    const listed = tokens([{ id: "t1", issuedAt: Math.floor(T0 / 1000), expiresAt: Math.floor(T0 / 1000) + 60 }]);
    await auth({ secret: listed, now: T0 + 59_000 }).verify(t.token);
    await refused(auth({ secret: listed, now: T0 + 61_000 }), t.token, /expired/);
    const noExp = await token("ci", "apiKey", { id: "t3" });
    await refused(auth({ secret: tokens([{ id: "t3", issuedAt: 1, expiresAt: Math.floor(T0 / 1000) - 1 }]) }), noExp.token, /expired/);
  });

  it("is refused when the account loses apiKey or is disabled", async () => {
    const t = await token("ci", "apiKey", { id: "t1" });
    const secret = tokens([{ id: "t1", issuedAt: 1 }]);
    await refused(auth({ cm: { "accounts.ci": "login" }, secret }), t.token, /disabled|may not/);
    await refused(auth({ cm: { "accounts.ci": "apiKey", "accounts.ci.enabled": "false" }, secret }), t.token, /disabled|may not/);
  });

  it("a session token is not an API token: a listed id does not make it one, nor the other way round", async () => {
    const s = await token("ci", "session", { id: "t1", expiresInSeconds: 60 });
    await refused(auth({ secret: tokens([{ id: "t1", issuedAt: 1 }]) }), s.token, /may not/);
  });
});

function project(roles: unknown[]): KubeObject {
  return { apiVersion: "plumb.dev/v1alpha1", kind: "AppProject", metadata: { name: "team", namespace: "plumb" }, spec: { roles } };
}

describe("project tokens", () => {
  it("a token listed by id works and names proj:<project>:<role>", async () => {
    const t = await token("proj:team:ci", "project", { id: "p1" });
    const p = await auth({ projects: { team: project([{ name: "ci", jwtTokens: [{ iat: t.iat, id: "p1" }] }]) } }).verify(t.token);
    assert.deepEqual([p.subject, p.via], ["proj:team:ci", "projectToken"]);
  });

  it("a token listed without an id is matched by its issue time", async () => {
    const t = await token("proj:team:ci", "project", { id: "p1" });
    const claims = await verifyToken(KEY, t.token);
    checkProjectToken(claims, project([{ name: "ci", jwtTokens: [{ iat: t.iat }] }]), T0);
    assert.throws(() => checkProjectToken(claims, project([{ name: "ci", jwtTokens: [{ iat: t.iat - 1 }] }]), T0), /revoked/);
  });

  it("is refused when revoked, when its role or project is gone, when expired", async () => {
    const t = await token("proj:team:ci", "project", { id: "p1" });
    await refused(auth({ projects: { team: project([{ name: "ci", jwtTokens: [{ iat: t.iat, id: "p2" }] }]) } }), t.token, /revoked/);
    await refused(auth({ projects: { team: project([{ name: "other", jwtTokens: [{ iat: t.iat, id: "p1" }] }]) } }), t.token, /no longer exists/);
    await refused(auth({ projects: {} }), t.token, /no longer exists/);
    const listedExp = project([{ name: "ci", jwtTokens: [{ iat: t.iat, id: "p1", exp: t.iat + 10 }] }]);
    await refused(auth({ projects: { team: listedExp }, now: T0 + 11_000 }), t.token, /expired/);
  });
});

describe("SSO tokens", () => {
  it("are accepted while SSO is configured, with groups and name", async () => {
    const t = await token("CiQ0ODc", "sso", { groups: ["devs", "ops"], name: "ann@example.com", expiresInSeconds: 3600 });
    const p = await auth({ sso: true }).verify(t.token);
    assert.deepEqual({ subject: p.subject, username: p.username, groups: p.groups, via: p.via }, { subject: "CiQ0ODc", username: "ann@example.com", groups: ["devs", "ops"], via: "sso" });
  });

  it("are refused once SSO is not configured, and after logout", async () => {
    const t = await token("CiQ0ODc", "sso", { expiresInSeconds: 3600 });
    await refused(auth({ sso: false }), t.token, /SSO is not configured/);
    await refused(auth({ sso: true, revoked: [t.jti] }), t.token, /logged out/);
  });
});
