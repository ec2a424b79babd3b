/**
 * Project roles: an AppProject's roles grant their tokens and groups what their policies say inside the
 * project, and nothing outside it; a policy that reaches out is ignored and reported.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../../../src/core/object.js";
import { Rbac, projectPolicyProblem } from "../../../src/server/rbac/index.js";
import { who } from "./rbac-support.js";

function project(name: string, roles: unknown[]): KubeObject {
  return { apiVersion: "plumb.dev/v1alpha1", kind: "AppProject", metadata: { name, namespace: "plumb" }, spec: { roles } };
}

const teamA = project("team-a", [
  {
    name: "ci",
    policies: [
      "p, proj:team-a:ci, applications, sync, team-a/*, allow",
      "p, proj:team-a:ci, applications, get, team-b/*, allow",
      "p, proj:team-b:ci, applications, get, team-b/*, allow",
      "p, proj:team-a:ci, clusters, get, *, allow",
      "p, proj:team-a:ci, applications, get, team-a*, allow",
      "p, proj:team-a:ci, applications, get, */*, allow",
    ],
    groups: ["my-org:ci"],
  },
  { name: "bad:name", policies: ["p, proj:team-a:bad:name, applications, get, team-a/*, allow"] },
]);
const token = who("proj:team-a:ci", [], "projectToken");

describe("project roles", () => {
  it("grant their token what the role allows inside the project, and report what reaches out", async () => {
    const rbac = await Rbac.create();
    const warnings = await rbac.setProjects([teamA]);
    assert.equal(rbac.enforce(token, "applications", "sync", "team-a/app1"), true);
    assert.equal(rbac.enforce(token, "applications", "sync", "team-a/other-ns/app1"), true);
    assert.equal(rbac.enforce(token, "applications", "get", "team-b/app1"), false, "another project's object");
    assert.equal(rbac.enforce(token, "applications", "get", "team-ab/app1"), false, "team-a* is refused");
    assert.equal(rbac.enforce(token, "clusters", "get", "in-cluster"), false, "a resource outside projects");
    assert.equal(rbac.enforce(who("proj:team-b:ci", [], "projectToken"), "applications", "get", "team-b/app1"), false, "a subject of another project");
    assert.equal(warnings.length, 6, warnings.join("\n"));
    assert.match(warnings[0]!, /team-a role ci policy 2 .*reaches outside the project/);
    assert.match(warnings[1]!, /policy 3 .*subject must be proj:team-a:ci/);
    assert.match(warnings[2]!, /policy 4 .*grants only applications/);
    assert.match(warnings[5]!, /role "bad:name"/);
  });

  it("grant the role to the groups it lists", async () => {
    const rbac = await Rbac.create({ projects: [teamA] });
    assert.equal(rbac.enforce(who("u1", ["my-org:ci"]), "applications", "sync", "team-a/app1"), true);
    assert.equal(rbac.enforce(who("u1", ["my-org:ci"]), "applications", "sync", "team-b/app1"), false);
    assert.equal(rbac.enforce(who("u2", ["my-org:other"]), "applications", "sync", "team-a/app1"), false);
  });

  it("stay across a policy reload, lose to a deny in policy.csv, and go with their project", async () => {
    const rbac = await Rbac.create({ projects: [teamA] });
    await rbac.load({ "policy.csv": "p, proj:team-a:ci, applications, sync, team-a/prod, deny" });
    assert.equal(rbac.enforce(token, "applications", "sync", "team-a/dev"), true);
    assert.equal(rbac.enforce(token, "applications", "sync", "team-a/prod"), false);
    await rbac.setProjects([]);
    assert.equal(rbac.enforce(token, "applications", "sync", "team-a/dev"), false);
  });

  const objects: Array<[string, string, "glob" | "regex", boolean]> = [
    ["team-a", "team-a/*", "glob", true],
    ["team-a", "team-a/ns/app", "glob", true],
    ["team-a", "team-a/", "glob", false],
    ["team-a", "team-a/a/b/c", "glob", false],
    ["team-a", "team-a/{x,y}", "glob", false],
    ["team-a", "team-a/.*", "regex", true],
    ["team-a", "team-a/.*|.*", "regex", false],
    ["team-a", "team-a/(x)", "regex", false],
    ["my.proj", "my.proj/.*", "regex", false],
    ["my.proj", "my\\.proj/.*", "regex", true],
    ["my.proj", "my.proj/*", "glob", true],
  ];
  for (const [proj, obj, mode, ok] of objects) {
    it(`${ok ? "accepts" : "refuses"} ${obj} for project ${proj} (${mode})`, () => {
      const problem = projectPolicyProblem(proj, "r", `p, proj:${proj}:r, applications, get, "${obj}", allow`, mode);
      assert.equal(problem === undefined, ok, problem);
    });
  }
});
