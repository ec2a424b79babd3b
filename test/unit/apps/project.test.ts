/** AppProject rules as Argo CD applies them: sourceRepos, destinations and kind lists, in tables. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  analyzeProject,
  defaultProject,
  globMatch,
  normalizeRepoURL,
  projectDenial,
  projectPermits,
  type AppProjectSpec,
  type PermitRequest,
} from "../../../src/apps/index.js";

type Row = [string, AppProjectSpec, PermitRequest, boolean];

function table(rows: Row[]): void {
  for (const [name, project, req, want] of rows) {
    it(`${want ? "permits" : "refuses"}: ${name}`, () => {
      assert.equal(projectPermits(project, req), want, projectDenial(project, req) ?? "permitted");
    });
  }
}

const local = "https://kubernetes.default.svc";

describe("sourceRepos", () => {
  const org = { sourceRepos: ["https://github.com/org/*"] };
  table([
    ["* matches any repository", { sourceRepos: ["*"] }, { repoURL: "git@gitlab.com:x/y.git" }, true],
    ["org/* matches a repository of the org", org, { repoURL: "https://github.com/org/web" }, true],
    ["… also with .git and another case", org, { repoURL: "https://GitHub.com/Org/Web.git" }, true],
    ["org/* does not cross a /", org, { repoURL: "https://github.com/org/group/web" }, false],
    ["org/** crosses /", { sourceRepos: ["https://github.com/org/**"] }, { repoURL: "https://github.com/org/group/web" }, true],
    ["another org", org, { repoURL: "https://github.com/other/web" }, false],
    ["!pattern excludes what * allows", { sourceRepos: ["*", "!https://github.com/org/secret"] }, { repoURL: "https://github.com/org/secret.git" }, false],
    ["!pattern leaves the rest allowed", { sourceRepos: ["*", "!https://github.com/org/secret"] }, { repoURL: "https://github.com/org/web" }, true],
    ["a deny pattern alone allows everything else (as in Argo CD)", { sourceRepos: ["!https://github.com/org/secret"] }, { repoURL: "https://github.com/org/web" }, true],
    ["… but not what it names", { sourceRepos: ["!https://github.com/org/secret"] }, { repoURL: "https://github.com/org/secret" }, false],
    ["ssh shorthand against its pattern", { sourceRepos: ["git@github.com:org/*"] }, { repoURL: "git@github.com:org/web.git" }, true],
    ["no sourceRepos allows nothing", {}, { repoURL: "https://github.com/org/web" }, false],
  ]);

  it("normalises URLs as Argo CD does", () => {
    assert.equal(normalizeRepoURL(" HTTPS://GitHub.com/Org/Web.git/ "), "https://github.com/org/web");
    assert.equal(normalizeRepoURL("git@github.com:org/web.git"), "git@github.com/org/web");
    assert.equal(normalizeRepoURL("ssh://git@github.com/org/web.git"), "git@github.com/org/web");
  });
});

describe("destinations", () => {
  const any = { server: "*", namespace: "*" };
  table([
    ["* / * allows any destination", { destinations: [any] }, { destination: { server: local, namespace: "web" } }, true],
    ["a namespace glob", { destinations: [{ server: local, namespace: "team-*" }] }, { destination: { server: local, namespace: "team-a" } }, true],
    ["outside the namespace glob", { destinations: [{ server: local, namespace: "team-*" }] }, { destination: { server: local, namespace: "prod" } }, false],
    ["another server", { destinations: [{ server: local, namespace: "*" }] }, { destination: { server: "https://10.0.0.1", namespace: "web" } }, false],
    ["!namespace excludes it", { destinations: [any, { server: "*", namespace: "!kube-system" }] }, { destination: { server: local, namespace: "kube-system" } }, false],
    ["!namespace leaves others", { destinations: [any, { server: "*", namespace: "!kube-system" }] }, { destination: { server: local, namespace: "web" } }, true],
    ["!server excludes it", { destinations: [{ server: "!https://10.0.0.1", namespace: "*" }, any] }, { destination: { server: "https://10.0.0.1", namespace: "web" } }, false],
    ["by name", { destinations: [{ name: "in-cluster", namespace: "*" }] }, { destination: { name: "in-cluster", namespace: "web" } }, true],
    ["a name entry does not match a server", { destinations: [{ name: "in-cluster", namespace: "*" }] }, { destination: { server: local, namespace: "web" } }, false],
    ["no namespace against *", { destinations: [any] }, { destination: { server: local } }, true],
    ["no destinations allows nothing", {}, { destination: { server: local, namespace: "web" } }, false],
  ]);
});

describe("kinds", () => {
  const rbac = "rbac.authorization.k8s.io";
  table([
    ["namespaced kinds when no namespace whitelist", {}, { group: "apps", kind: "Deployment" }, true],
    ["a whitelisted namespaced kind", { namespaceResourceWhitelist: [{ group: "apps", kind: "Deployment" }] }, { group: "apps", kind: "Deployment" }, true],
    ["a kind outside the namespace whitelist", { namespaceResourceWhitelist: [{ group: "apps", kind: "Deployment" }] }, { group: "", kind: "ConfigMap" }, false],
    ["an empty namespace whitelist allows none", { namespaceResourceWhitelist: [] }, { group: "", kind: "ConfigMap" }, false],
    ["a blacklisted namespaced kind", { namespaceResourceBlacklist: [{ group: "", kind: "Secret" }] }, { group: "", kind: "Secret" }, false],
    ["a kind the blacklist does not name", { namespaceResourceBlacklist: [{ group: "", kind: "Secret" }] }, { kind: "ConfigMap" }, true],
    ["group globs", { namespaceResourceWhitelist: [{ group: "*.example.com", kind: "*" }] }, { group: "widgets.example.com", kind: "Widget" }, true],
    ["cluster-scoped kinds need the cluster whitelist", {}, { group: "", kind: "Namespace", namespaced: false }, false],
    ["a whitelisted cluster kind", { clusterResourceWhitelist: [{ group: "", kind: "Namespace" }] }, { kind: "Namespace", namespaced: false }, true],
    ["another cluster kind", { clusterResourceWhitelist: [{ group: "", kind: "Namespace" }] }, { group: rbac, kind: "ClusterRole", namespaced: false }, false],
    ["a blacklisted cluster kind", { clusterResourceWhitelist: [{ group: "*", kind: "*" }], clusterResourceBlacklist: [{ group: rbac, kind: "*" }] }, { group: rbac, kind: "ClusterRole", namespaced: false }, false],
  ]);
});

describe("the default project", () => {
  const spec = defaultProject().spec;
  table([
    ["any repository", spec, { repoURL: "https://example.com/any/thing.git" }, true],
    ["any destination", spec, { destination: { server: local, namespace: "kube-system" } }, true],
    ["a destination by name", spec, { destination: { name: "in-cluster", namespace: "web" } }, true],
    ["any namespaced kind", spec, { group: "apps", kind: "Deployment" }, true],
    ["any cluster-scoped kind", spec, { group: "rbac.authorization.k8s.io", kind: "ClusterRole", namespaced: false }, true],
    ["all at once", spec, { repoURL: "https://x/y", destination: { server: local, namespace: "a" }, group: "", kind: "Namespace", namespaced: false }, true],
  ]);

  it("is named default in plumb's group", () => {
    const p = defaultProject("plumb");
    assert.equal(p.metadata.name, "default");
    assert.equal(p.apiVersion, "plumb.dev/v1alpha1");
  });
});

describe("denial messages and analysis", () => {
  it("says which rule refused", () => {
    assert.match(projectDenial({ sourceRepos: [] }, { repoURL: "https://x/y" })!, /repository https:\/\/x\/y .*sourceRepos/);
    assert.match(projectDenial({}, { kind: "Namespace", namespaced: false })!, /cluster-scoped kind Namespace/);
  });

  it("reports unknown project fields (roles are supported: the API server enforces them)", () => {
    const { spec, problems } = analyzeProject({ spec: { sourceRepo: ["*"], destinations: [{ server: "*", namespace: "*" }], roles: [{ name: "ci", policies: ["p, x"] }] } });
    assert.ok(spec);
    assert.deepEqual(
      problems.map((p) => [p.type, p.field]),
      [["UnsupportedField", "spec.sourceRepo"]],
    );
    assert.match(problems[0]!.message, /did you mean sourceRepos\?/);
  });

  it("matches globs with and without separators", () => {
    assert.equal(globMatch("a/*", "a/b/c", "/"), false);
    assert.equal(globMatch("a/*", "a/b/c"), true);
    assert.equal(globMatch("a/{b,c}/d", "a/c/d", "/"), true);
    assert.equal(globMatch("[!x]?", "ab"), true);
    assert.equal(globMatch("[unclosed", "["), false, "a malformed glob matches nothing");
  });
});
