/**
 * The account routes in-process (`app.request()`) with the real Rbac: "your own account" is only ever a
 * local principal's (an SSO subject equal to an account's name gets nothing of it), an API token cannot
 * mint tokens for its account, `can-i` decodes its object once, and account names are what plumb-cm
 * accepts (upper case, `_`).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { router } from "../../../src/server/app.js";
import type { Principal } from "../../../src/server/auth/types.js";
import { errorResponse } from "../../../src/server/errors.js";
import { Rbac } from "../../../src/server/rbac/index.js";
import { mountAccount, type AccountRouteDeps, type AccountView } from "../../../src/server/routes/account.js";
import { who } from "./rbac-support.js";

async function server(policy = "") {
  const rbac = await Rbac.create({ data: { "policy.csv": policy }, isLocalAccount: (n) => ["alice", "Dev_Ops"].includes(n) });
  const views: AccountView[] = ["admin", "alice", "Dev_Ops"].map((name) => ({ name, enabled: true, capabilities: ["apiKey", "login"], tokens: [] }));
  const calls: string[] = [];
  const accounts: AccountRouteDeps["accounts"] = {
    accounts: () => views,
    generateToken: async (account) => (calls.push(`generate ${account}`), { token: "t", id: "i" }),
    revokeToken: async (account, id) => void calls.push(`revoke ${account} ${id}`),
    updatePassword: async (account) => void calls.push(`password ${account}`),
  };
  let as: Principal = who("alice");
  const api = router();
  api.use(async (c, next) => {
    c.set("principal", as);
    await next();
  });
  api.onError((err, c) => c.json(errorResponse(err).body, errorResponse(err).status));
  mountAccount(api, { rbac, accounts, projectTokens: { create: () => Promise.reject(new Error("unused")), revoke: () => Promise.reject(new Error("unused")) } } as unknown as AccountRouteDeps);
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await api.request(path, { method, ...(body ? { body: JSON.stringify(body), headers: { "content-type": "application/json" } } : {}) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { call, calls, setCaller: (p: Principal) => (as = p) };
}

const sso = (sub: string): Principal => who(sub, [], "sso");

describe("account routes", () => {
  it("an SSO user whose subject is a local account's name gets nothing of that account", async () => {
    const s = await server();
    s.setCaller(sso("alice"));
    assert.equal((await s.call("GET", "/api/v1/account/alice")).status, 403, "get");
    assert.deepEqual((await s.call("GET", "/api/v1/account")).body.items, [], "list");
    assert.equal((await s.call("POST", "/api/v1/account/alice/token", {})).status, 403, "generate a token");
    assert.equal((await s.call("DELETE", "/api/v1/account/alice/token/x")).status, 403, "revoke a token");
    assert.equal((await s.call("PUT", "/api/v1/account/password", { currentPassword: "x", newPassword: "new-password-1" })).status, 403, "change the password (name defaults to the subject)");
    assert.equal((await s.call("PUT", "/api/v1/account/password", { currentPassword: "x", newPassword: "new-password-1", name: "alice" })).status, 403, "… or named");
    assert.deepEqual(s.calls, [], "nothing reached the account service");
    // the local account itself may
    s.setCaller(who("alice"));
    assert.equal((await s.call("GET", "/api/v1/account/alice")).status, 200);
    assert.equal((await s.call("PUT", "/api/v1/account/password", { currentPassword: "x", newPassword: "new-password-1" })).status, 200);
    assert.deepEqual(s.calls, ["password alice"]);
  });

  it("only a login session (or accounts, update) generates tokens; an API token may revoke but not mint its account's", async () => {
    const s = await server();
    s.setCaller(who("alice", [], "apiKey"));
    const refused = await s.call("POST", "/api/v1/account/alice/token", { expiresIn: 0 });
    assert.equal(refused.status, 403);
    assert.match(String(refused.body.message), /permission denied/);
    assert.equal((await s.call("DELETE", "/api/v1/account/alice/token/old")).status, 200, "revoking its own is allowed");
    s.setCaller(who("alice"));
    assert.equal((await s.call("POST", "/api/v1/account/alice/token", {})).status, 200, "its login session may");
    s.setCaller(who("admin", [], "apiKey"));
    assert.equal((await s.call("POST", "/api/v1/account/alice/token", {})).status, 200, "an API token with accounts, update may, for others");
    assert.deepEqual(s.calls, ["revoke alice old", "generate alice", "generate alice"]);
  });

  it("can-i decodes the object once: %25 stays a %, a lone % is no 500", async () => {
    const s = await server("p, alice, applications, get, team-a/x%41, allow");
    assert.deepEqual((await s.call("GET", "/api/v1/account/can-i/applications/get/team-a%2Fx%2541")).body, { value: "yes" });
    assert.deepEqual((await s.call("GET", "/api/v1/account/can-i/applications/get/team-a%2FxA")).body, { value: "no" }, "x%41 is not xA");
    const lone = await s.call("GET", "/api/v1/account/can-i/applications/get/%25ZZ");
    assert.equal(lone.status, 200);
    assert.deepEqual(lone.body, { value: "no" });
  });

  it("account names are what plumb-cm accepts: upper case and _ are fine, a dot or 33 characters are not", async () => {
    const s = await server();
    s.setCaller(who("admin"));
    assert.equal((await s.call("GET", "/api/v1/account/Dev_Ops")).status, 200);
    assert.equal((await s.call("POST", "/api/v1/account/Dev_Ops/token", {})).status, 200);
    assert.equal((await s.call("GET", "/api/v1/account/a.b")).status, 400);
    assert.equal((await s.call("GET", `/api/v1/account/${"a".repeat(33)}`)).status, 400);
  });
});
