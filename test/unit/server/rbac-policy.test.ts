/**
 * Reading plumb-rbac-cm: every invalid line is refused with its key, line number and what is wrong, the
 * policy in force stays; comments, blank lines, quotes and `policy.<name>.csv` keys are read as Argo CD does.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { builtinPolicyCsv, parseRbacConfig, Rbac, RbacPolicyError, type PolicyProblem } from "../../../src/server/rbac/index.js";
import { parsePolicyText } from "../../../src/server/rbac/policy.js";
import { BUILTIN_GROUPINGS, BUILTIN_POLICIES } from "../../../src/server/rbac/builtin.js";
import { who } from "./rbac-support.js";

function problemsOf(data: Record<string, string>): PolicyProblem[] {
  try {
    parseRbacConfig(data);
  } catch (err) {
    if (err instanceof RbacPolicyError) return err.problems;
    throw err;
  }
  return [];
}

describe("invalid lines", () => {
  const rows: Array<[string, Record<string, string>, RegExp]> = [
    ["unknown resource", { "policy.csv": "p, alice, aplications, get, */*, allow" }, /unknown resource "aplications"/],
    ["unknown action", { "policy.csv": "p, alice, applications, fetch, */*, allow" }, /unknown action "fetch"/],
    ["a missing effect", { "policy.csv": "p, alice, applications, get, */*" }, /6 fields .* has 5; add the effect/],
    ["too many fields", { "policy.csv": "p, alice, applications, get, team-{a,b}/*, allow" }, /6 fields .* has 7/],
    ["an effect that is neither", { "policy.csv": "p, alice, applications, get, */*, maybe" }, /effect must be allow or deny, not "maybe"/],
    ["a short g line", { "policy.csv": "g, alice" }, /g line has 3 fields/],
    ["an empty role", { "policy.csv": "g, alice, " }, /must not be empty/],
    ["neither p nor g", { "policy.csv": "x, alice, role:admin" }, /starts with p .* or g .*, not "x"/],
    ["a bad glob", { "policy.csv": "p, alice, applications, get, team-[a/*, allow" }, /object "team-\[a\/\*" is not a valid glob pattern/],
    ["an unclosed quote", { "policy.csv": 'p, "alice, applications, get, */*, allow' }, /quoted field is not closed/],
    ["a glob in regex mode", { "policy.csv": "p, alice, applications, get, *, allow", "policy.matchMode": "regex" }, /not a valid regex pattern/],
    ["an unknown match mode", { "policy.matchMode": "fuzzy" }, /must be glob or regex, not "fuzzy"/],
    ["scopes that are not a list", { scopes: "[groups" }, /not a YAML list/],
    ["scopes that are not names", { scopes: "[groups, {a: 1}]" }, /must list claim names/],
  ];
  for (const [name, data, want] of rows) {
    it(`refuses ${name}`, () => {
      const problems = problemsOf(data);
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.match(problems[0]!.message, want);
    });
  }

  it("names every bad line by key and number, counting comments and blank lines", () => {
    const data = {
      "policy.csv": ["# team a", "p, alice, applications, get, team-a/*, allow", "", "p, alice, aplications, get, */*, allow", "  # indented comment", "p, bob, applications, sync, */*, allowed"].join("\n"),
      "policy.extra.csv": "g, bob, role:readonly\ng, carol",
    };
    const problems = problemsOf(data).map((p) => [p.key, p.line]);
    assert.deepEqual(problems, [
      ["policy.csv", 4],
      ["policy.csv", 6],
      ["policy.extra.csv", 2],
    ]);
    assert.throws(() => parseRbacConfig(data), /policy\.csv line 4: unknown resource "aplications";.* \(in "p, alice, aplications, get, \*\/\*, allow"\)/);
  });

  it("keeps the previous policy when a new one is refused", async () => {
    const rbac = await Rbac.create({ data: { "policy.csv": "p, alice, applications, sync, team-a/*, allow", "policy.default": "role:readonly" } });
    const alice = who("alice");
    await assert.rejects(rbac.load({ "policy.csv": "p, alice, applications, sync, */*, allow\np, bob, aplications, get, *, allow", "policy.default": "" }), RbacPolicyError);
    assert.equal(rbac.enforce(alice, "applications", "sync", "team-a/x"), true, "old allow kept");
    assert.equal(rbac.enforce(alice, "applications", "sync", "team-b/x"), false, "new allow not applied");
    assert.equal(rbac.enforce(who("carol"), "applications", "get", "team-b/x"), true, "old default kept");
    await rbac.load({ "policy.csv": "p, alice, applications, sync, */*, allow" });
    assert.equal(rbac.enforce(alice, "applications", "sync", "team-b/x"), true, "a valid load applies");
    assert.equal(rbac.enforce(who("carol"), "applications", "get", "team-b/x"), false, "… and drops the default");
  });

  it("applies loads in call order", async () => {
    const rbac = await Rbac.create();
    const first = rbac.load({ "policy.csv": "p, alice, applications, sync, */*, allow" });
    const second = rbac.load({ "policy.csv": "p, alice, applications, sync, */*, deny" });
    await Promise.all([first, second]);
    assert.equal(rbac.enforce(who("alice"), "applications", "sync", "p/a"), false);
  });
});

describe("what is read", () => {
  it("appends policy.<name>.csv keys to policy.csv", async () => {
    const rbac = await Rbac.create({ data: { "policy.csv": "g, alice, role:readonly", "policy.overlay.csv": "p, alice, applications, sync, team-a/*, allow", "policy.other": "p, alice, clusters, create, *, allow" } });
    assert.equal(rbac.enforce(who("alice"), "applications", "sync", "team-a/x"), true, "overlay read");
    assert.equal(rbac.enforce(who("alice"), "clusters", "create", "x"), false, "policy.other is not a policy key");
  });

  it("reads quotes, spaces and Windows line ends", () => {
    const c = parseRbacConfig({ "policy.csv": 'p,  "a ""quoted"" one" , applications,get,*/*,allow\r\ng,x,y\r\n' });
    assert.deepEqual(c.policies, [['a "quoted" one', "applications", "get", "*/*", "allow"]]);
    assert.deepEqual(c.groupings, [["x", "y"]]);
  });

  it("defaults: glob, scopes [groups], no default role; warns about a scope plumb has no value for", () => {
    const c = parseRbacConfig({ scopes: "[groups, department]" });
    assert.equal(c.matchMode, "glob");
    assert.equal(c.defaultRole, "");
    assert.deepEqual(parseRbacConfig({}).scopes, ["groups"]);
    assert.deepEqual(c.scopes, ["groups", "department"]);
    assert.equal(c.warnings.length, 1);
    assert.match(c.warnings[0]!, /"department"/);
  });

  it("the built-in policy passes its own checks", () => {
    const r = parsePolicyText("builtin", builtinPolicyCsv(), "glob");
    assert.deepEqual(r.problems, []);
    assert.equal(r.policies.length, BUILTIN_POLICIES.length);
    assert.equal(r.groupings.length, BUILTIN_GROUPINGS.length);
  });
});
