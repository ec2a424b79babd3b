/**
 * RBAC decisions in a table: {policy csv, default, scopes, mode, principal, resource, action, object} →
 * allowed. Each row is decided by `enforce` and by `filter` (the list path), which must agree.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Principal } from "../../../src/server/auth/types.js";
import { errorResponse, ForbiddenError } from "../../../src/server/errors.js";
import { Rbac, appObject } from "../../../src/server/rbac/index.js";
import { who } from "./rbac-support.js";


interface Case {
  name: string;
  csv?: string;
  default?: string;
  scopes?: string;
  mode?: "glob" | "regex";
  as: Principal;
  res: string;
  act: string;
  obj: string;
  want: boolean;
}

function table(cases: Case[]): void {
  for (const c of cases) {
    it(`${c.want ? "allows" : "refuses"}: ${c.name}`, async () => {
      const data: Record<string, string> = { "policy.csv": c.csv ?? "" };
      if (c.default !== undefined) data["policy.default"] = c.default;
      if (c.scopes !== undefined) data["scopes"] = c.scopes;
      if (c.mode) data["policy.matchMode"] = c.mode;
      const rbac = await Rbac.create({ data });
      assert.equal(rbac.enforce(c.as, c.res, c.act, c.obj), c.want, "enforce");
      assert.equal(rbac.filter(c.as, c.res, c.act)(c.obj), c.want, "filter");
    });
  }
}

const admin = who("admin");
const alice = who("alice");
const bob = who("bob");

describe("built-in roles", () => {
  table([
    { name: "the admin account syncs any application", as: admin, res: "applications", act: "sync", obj: "team-a/app1", want: true },
    { name: "the admin account creates clusters", as: admin, res: "clusters", act: "create", obj: "https://kubernetes.default.svc", want: true },
    { name: "role:admin inherits role:readonly (get accounts)", as: admin, res: "accounts", act: "get", obj: "alice", want: true },
    { name: "the admin account runs resource actions", as: admin, res: "applications", act: "action/apps/Deployment/restart", obj: "team-a/app1", want: true },
    { name: "the admin account deletes one resource of an app", as: admin, res: "applications", act: "delete//Pod/ns/web-1", obj: "team-a/app1", want: true },
    { name: "the admin account execs into pods", as: admin, res: "exec", act: "create", obj: "team-a/app1", want: true },
    { name: "role:admin has no extension invoke (as in Argo CD)", as: admin, res: "extensions", act: "invoke", obj: "httpbin", want: false },
    { name: "an account without a policy line may not get", as: alice, res: "applications", act: "get", obj: "team-a/app1", want: false },
    { name: "role:readonly gets applications", csv: "g, alice, role:readonly", as: alice, res: "applications", act: "get", obj: "team-a/app1", want: true },
    { name: "role:readonly gets applications outside the control namespace", csv: "g, alice, role:readonly", as: alice, res: "applications", act: "get", obj: "team-a/other-ns/app1", want: true },
    { name: "role:readonly does not sync", csv: "g, alice, role:readonly", as: alice, res: "applications", act: "sync", obj: "team-a/app1", want: false },
    { name: "role:readonly gets clusters", csv: "g, alice, role:readonly", as: alice, res: "clusters", act: "get", obj: "https://kubernetes.default.svc", want: true },
    { name: "role:readonly does not update clusters", csv: "g, alice, role:readonly", as: alice, res: "clusters", act: "update", obj: "https://kubernetes.default.svc", want: false },
    { name: "a user called like a role gets nothing from the name", as: who("role:admin-not"), res: "clusters", act: "create", obj: "x", want: false },
  ]);
});

describe("SSO names never reach local accounts, roles or project roles", () => {
  const sso = (sub: string, groups: string[] = [], username = sub): Principal => ({ ...who(sub, groups, "sso", username) });
  const projectRole = "p, proj:team-a:deployer, applications, sync, team-a/*, allow";
  table([
    { name: "an SSO user whose sub is admin is not the admin account", as: sso("admin"), res: "clusters", act: "create", obj: "x", want: false },
    { name: "… nor gets readonly from it", as: sso("admin"), res: "applications", act: "get", obj: "team-a/app1", want: false },
    { name: "an SSO user whose sub is role:admin has no role", as: sso("role:admin"), res: "clusters", act: "create", obj: "x", want: false },
    { name: "an SSO group named admin is not the admin account", as: sso("u1", ["admin"]), res: "clusters", act: "create", obj: "x", want: false },
    { name: "an SSO group named role:admin is not the role", as: sso("u1", ["role:admin"]), res: "applications", act: "sync", obj: "team-a/app1", want: false },
    { name: "an SSO group named role:readonly is not the role", as: sso("u1", ["role:readonly"]), res: "applications", act: "get", obj: "team-a/app1", want: false },
    { name: "an SSO group named like a project role is not that role", csv: projectRole, as: sso("u1", ["proj:team-a:deployer"]), res: "applications", act: "sync", obj: "team-a/app1", want: false },
    { name: "… though a project token of that role is", csv: projectRole, as: who("proj:team-a:deployer", [], "projectToken"), res: "applications", act: "sync", obj: "team-a/app1", want: true },
    { name: "an SSO email of admin (scopes email) is not the admin account", scopes: "[groups, email]", as: sso("u1", [], "admin"), res: "clusters", act: "create", obj: "x", want: false },
    { name: "an SSO user still has what their real group is granted", csv: "g, team-a-devs, role:admin", as: sso("u1", ["role:admin", "team-a-devs"]), res: "clusters", act: "create", obj: "x", want: true },
    { name: "an SSO user still has what their own subject is granted", csv: "g, 0a1b2c, role:readonly", as: sso("0a1b2c"), res: "applications", act: "get", obj: "team-a/app1", want: true },
    { name: "the local admin account (session) keeps role:admin", as: who("admin"), res: "clusters", act: "create", obj: "x", want: true },
    { name: "the local admin account (API token) keeps role:admin", as: who("admin", [], "apiKey"), res: "clusters", act: "create", obj: "x", want: true },
  ]);

  it("an SSO sub or group equal to a local account's name gets nothing that account has", async () => {
    const rbac = await Rbac.create({ data: { "policy.csv": "g, alice, role:admin" }, isLocalAccount: (n) => n === "alice" });
    assert.equal(rbac.enforce(who("alice"), "clusters", "create", "x"), true, "the local account alice");
    assert.equal(rbac.enforce(sso("alice"), "clusters", "create", "x"), false, "an SSO user whose sub is alice");
    assert.equal(rbac.enforce(sso("u1", ["alice"]), "clusters", "create", "x"), false, "an SSO group named alice");
    assert.equal(rbac.filter(sso("alice"), "clusters", "create")("x"), false, "filter agrees");
    // setLocalAccounts (what reload.ts calls) takes effect for new principals
    rbac.setLocalAccounts(() => false);
    assert.equal(rbac.enforce(sso("alice"), "clusters", "create", "x"), true, "no longer a local name: the SSO subject's own grant");
  });
});

describe("policy.default", () => {
  table([
    { name: "every caller has the default role:readonly", default: "role:readonly", as: bob, res: "applications", act: "get", obj: "team-a/app1", want: true },
    { name: "… which does not sync", default: "role:readonly", as: bob, res: "applications", act: "sync", obj: "team-a/app1", want: false },
    { name: "no default: nothing", default: "", as: bob, res: "applications", act: "get", obj: "team-a/app1", want: false },
    { name: "a custom default role", csv: "p, role:logs, logs, get, */*, allow", default: "role:logs", as: bob, res: "logs", act: "get", obj: "team-a/app1", want: true },
    { name: "a project token has the default role too", default: "role:readonly", as: who("proj:team-a:ci", [], "projectToken"), res: "projects", act: "get", obj: "team-a", want: true },
  ]);
});

describe("glob matching", () => {
  const teamA = "p, alice, applications, sync, team-a/*, allow";
  table([
    { name: "team-a/* matches team-a/app1", csv: teamA, as: alice, res: "applications", act: "sync", obj: "team-a/app1", want: true },
    { name: "team-a/* does not match team-b/app1", csv: teamA, as: alice, res: "applications", act: "sync", obj: "team-b/app1", want: false },
    { name: "team-a/* crosses / (an app in another namespace)", csv: teamA, as: alice, res: "applications", act: "sync", obj: "team-a/ns/app1", want: true },
    { name: "team-a/* does not match the bare project name", csv: teamA, as: alice, res: "applications", act: "sync", obj: "team-a", want: false },
    { name: "team-a/* does not match team-ab/app1", csv: teamA, as: alice, res: "applications", act: "sync", obj: "team-ab/app1", want: false },
    { name: "*/* matches any application", csv: "p, alice, applications, get, */*, allow", as: alice, res: "applications", act: "get", obj: "any/app", want: true },
    { name: "{a,b} alternatives (quoted: the comma)", csv: 'p, alice, applications, get, "team-{a,b}/*", allow', as: alice, res: "applications", act: "get", obj: "team-b/x", want: true },
    { name: "{a,b} alternatives, neither", csv: 'p, alice, applications, get, "team-{a,b}/*", allow', as: alice, res: "applications", act: "get", obj: "team-c/x", want: false },
    { name: "? is one character", csv: "p, alice, applications, get, team-?/*, allow", as: alice, res: "applications", act: "get", obj: "team-ab/x", want: false },
    { name: "an action pattern", csv: "p, alice, applications, action/apps/Deployment/*, */*, allow", as: alice, res: "applications", act: "action/apps/Deployment/restart", obj: "p/a", want: true },
    { name: "an action pattern, another kind", csv: "p, alice, applications, action/apps/Deployment/*, */*, allow", as: alice, res: "applications", act: "action//Pod/restart", obj: "p/a", want: false },
    { name: "* as the resource", csv: "p, alice, *, get, *, allow", as: alice, res: "clusters", act: "get", obj: "in-cluster", want: true },
    { name: "* as the action", csv: "p, alice, applications, *, team-a/*, allow", as: alice, res: "applications", act: "delete", obj: "team-a/x", want: true },
    { name: "the resource must match", csv: "p, alice, applications, *, *, allow", as: alice, res: "clusters", act: "get", obj: "in-cluster", want: false },
  ]);
});

describe("deny", () => {
  const sameSubject = "p, alice, applications, *, team-a/*, allow\np, alice, applications, delete, team-a/prod, deny";
  const groupAllowUserDeny = "p, devs, applications, sync, team-a/*, allow\np, alice, applications, sync, team-a/prod, deny";
  const userAllowGroupDeny = "p, alice, applications, sync, team-a/*, allow\np, devs, applications, sync, team-a/prod, deny";
  const aliceInDevs = who("alice", ["devs"]);
  table([
    { name: "deny beats allow for the same subject", csv: sameSubject, as: alice, res: "applications", act: "delete", obj: "team-a/prod", want: false },
    { name: "… and the allow holds elsewhere", csv: sameSubject, as: alice, res: "applications", act: "delete", obj: "team-a/dev", want: true },
    { name: "a user's deny beats the group's allow", csv: groupAllowUserDeny, as: aliceInDevs, res: "applications", act: "sync", obj: "team-a/prod", want: false },
    { name: "… the group's allow holds elsewhere", csv: groupAllowUserDeny, as: aliceInDevs, res: "applications", act: "sync", obj: "team-a/dev", want: true },
    { name: "a group's deny beats the user's allow", csv: userAllowGroupDeny, as: aliceInDevs, res: "applications", act: "sync", obj: "team-a/prod", want: false },
    { name: "a user's deny beats policy.default (stricter than Argo CD)", csv: "p, alice, applications, get, secret/*, deny", default: "role:readonly", as: alice, res: "applications", act: "get", obj: "secret/x", want: false },
    { name: "… others keep the default", csv: "p, alice, applications, get, secret/*, deny", default: "role:readonly", as: bob, res: "applications", act: "get", obj: "secret/x", want: true },
    { name: "a deny reached through a role beats role:admin", csv: "g, alice, role:admin\ng, alice, role:careful\np, role:careful, applications, delete, */*, deny", as: alice, res: "applications", act: "delete", obj: "p/x", want: false },
    { name: "… role:admin holds for the rest", csv: "g, alice, role:admin\ng, alice, role:careful\np, role:careful, applications, delete, */*, deny", as: alice, res: "applications", act: "sync", obj: "p/x", want: true },
    { name: "a deny for the admin account beats role:admin", csv: "p, admin, clusters, delete, *, deny", as: admin, res: "clusters", act: "delete", obj: "in-cluster", want: false },
  ]);
});

describe("SSO groups and scopes", () => {
  const beta = "g, my-org:team-beta, role:admin";
  const byEmail = "g, user@example.org, role:admin";
  const sso = who("CiQ0NjE3", ["my-org:team-beta"], "sso", "user@example.org");
  table([
    { name: "a group from SSO grants its role", csv: beta, as: sso, res: "clusters", act: "create", obj: "x", want: true },
    { name: "… not to someone outside it", csv: beta, as: who("CiQ0NjE3", ["my-org:other"]), res: "clusters", act: "create", obj: "x", want: false },
    { name: "a quoted group with a comma", csv: 'g, "my-org:team, alpha", role:readonly', as: who("u", ["my-org:team, alpha"]), res: "applications", act: "get", obj: "p/a", want: true },
    { name: "the email is not a subject with the default scopes", csv: byEmail, as: sso, res: "clusters", act: "create", obj: "x", want: false },
    { name: "… it is with scopes [groups, email]", csv: byEmail, scopes: "[groups, email]", as: sso, res: "clusters", act: "create", obj: "x", want: true },
    { name: "scopes without groups: groups are not subjects", csv: beta, scopes: "[email]", as: sso, res: "clusters", act: "create", obj: "x", want: false },
    { name: "scopes as a single name", csv: beta, scopes: "groups", as: sso, res: "clusters", act: "create", obj: "x", want: true },
    { name: "the username of a local account is not a scope value", csv: byEmail, scopes: "[email]", as: who("someone", [], "session", "user@example.org"), res: "clusters", act: "create", obj: "x", want: false },
  ]);
});

describe("regex match mode", () => {
  const teamA = "p, alice, applications, sync, team-a/.*, allow";
  table([
    { name: "team-a/.* matches team-a/app1", mode: "regex", csv: teamA, as: alice, res: "applications", act: "sync", obj: "team-a/app1", want: true },
    { name: "patterns are anchored: not xteam-a/app1", mode: "regex", csv: teamA, as: alice, res: "applications", act: "sync", obj: "xteam-a/app1", want: false },
    { name: "team-a/.* does not match team-b/app1", mode: "regex", csv: teamA, as: alice, res: "applications", act: "sync", obj: "team-b/app1", want: false },
    { name: "an alternation of actions", mode: "regex", csv: "p, alice, applications, (get|sync), team-a/.*, allow", as: alice, res: "applications", act: "sync", obj: "team-a/x", want: true },
    { name: "… and not another", mode: "regex", csv: "p, alice, applications, (get|sync), team-a/.*, allow", as: alice, res: "applications", act: "delete", obj: "team-a/x", want: false },
    { name: "the built-in roles still work in regex mode", mode: "regex", as: admin, res: "applications", act: "sync", obj: "p/a", want: true },
    { name: "role:readonly in regex mode", mode: "regex", csv: "g, alice, role:readonly", as: alice, res: "clusters", act: "get", obj: "https://x", want: true },
    { name: "role:readonly in regex mode does not sync", mode: "regex", csv: "g, alice, role:readonly", as: alice, res: "applications", act: "sync", obj: "p/a", want: false },
  ]);
});

describe("can and appObject", () => {
  it("can throws ForbiddenError naming resource, action and object, answered as 403", async () => {
    const rbac = await Rbac.create({ data: { "policy.csv": "g, alice, role:readonly" } });
    rbac.can(alice, "applications", "get", "team-a/app1");
    assert.throws(
      () => rbac.can(alice, "applications", "sync", "team-a/app1"),
      (err: unknown) => err instanceof ForbiddenError && /applications, sync, team-a\/app1/.test(err.message) && errorResponse(err).status === 403,
    );
  });

  it("appObject names an app outside the control namespace by its namespace", () => {
    assert.equal(appObject("team-a", "web", "plumb", "plumb"), "team-a/web");
    assert.equal(appObject("team-a", "web", "apps", "plumb"), "team-a/apps/web");
    assert.equal(appObject("team-a", "web"), "team-a/web");
  });
});
