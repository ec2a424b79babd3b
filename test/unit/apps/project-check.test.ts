/**
 * projectViolations and projectFor: what the controller checks once per reconcile. Each table row is a
 * project, what the reconcile would do, and the messages expected (none: permitted), so every project field
 * has at least one case it permits and one it refuses.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultProjectSpec, projectFor, projectViolations, type AppProjectSpec, type ProjectCheck } from "../../../src/apps/index.js";

const local = "https://kubernetes.default.svc";
const web = "https://github.com/org/web";
const rbac = "rbac.authorization.k8s.io";

/** A project that permits the base check below, so each row changes one thing. */
const base: AppProjectSpec = { sourceRepos: ["https://github.com/org/*"], destinations: [{ server: local, namespace: "web" }] };

type Res = ProjectCheck["resources"][number];
const cm = (name: string, namespace = "web"): Res => ({ group: "", kind: "ConfigMap", namespace, name, namespaced: true });
const deploy: Res = { group: "apps", kind: "Deployment", namespace: "web", name: "api", namespaced: true };
const ns: Res = { group: "", kind: "Namespace", namespace: "", name: "web", namespaced: false };
const clusterRole: Res = { group: rbac, kind: "ClusterRole", namespace: "", name: "reader", namespaced: false };

/** [case, project changes, check changes, expected messages (each a RegExp, in order)]. */
type Row = [string, Partial<AppProjectSpec>, Partial<ProjectCheck>, RegExp[]];

function table(rows: Row[]): void {
  for (const [name, changes, checkChanges, want] of rows) {
    it(`${want.length ? "refuses" : "permits"}: ${name}`, () => {
      const check: ProjectCheck = { sources: [{ repoURL: web }], destination: { server: local, namespace: "web" }, resources: [], ...checkChanges };
      const got = projectViolations({ ...base, ...changes }, check, { projectName: "team" });
      assert.equal(got.length, want.length, `got ${JSON.stringify(got, null, 1)}`);
      want.forEach((re, i) => assert.match(got[i]!, re));
    });
  }
}

describe("projectViolations: sourceRepos", () => {
  table([
    ["a repository of the org", {}, {}, []],
    ["another org's repository", {}, { sources: [{ repoURL: "https://github.com/other/web" }] }, [/^application repo https:\/\/github\.com\/other\/web is not permitted in project 'team': no sourceRepos entry matches it$/]],
    ["a repository a ! entry denies", { sourceRepos: ["*", "!https://github.com/org/secret"] }, { sources: [{ repoURL: "https://github.com/org/secret.git" }] }, [/repo https:\/\/github\.com\/org\/secret\.git .*sourceRepos entry '!https:\/\/github\.com\/org\/secret' denies it/]],
    ["what a ! entry leaves allowed", { sourceRepos: ["*", "!https://github.com/org/secret"] }, {}, []],
    ["anything, when sourceRepos is empty", { sourceRepos: [] }, {}, [/repo https:\/\/github\.com\/org\/web .*: sourceRepos is empty/]],
    ["the second of two sources, named", {}, { sources: [{ repoURL: web }, { repoURL: "https://gitlab.com/x/y" }] }, [/^application repo https:\/\/gitlab\.com\/x\/y is not permitted/]],
    ["two sources of the same refused repository, once", {}, { sources: [{ repoURL: "https://x/y" }, { repoURL: "https://x/y" }] }, [/repo https:\/\/x\/y/]],
  ]);
});

describe("projectViolations: destinations", () => {
  const to = (destination: ProjectCheck["destination"]): Partial<ProjectCheck> => ({ destination, resources: [] });
  table([
    ["the listed server and namespace", {}, {}, []],
    ["another namespace", {}, to({ server: local, namespace: "prod" }), [/^application destination server 'https:\/\/kubernetes\.default\.svc' \(name 'in-cluster'\) and namespace 'prod' is not permitted in project 'team': no destinations entry matches it$/]],
    ["another server", { destinations: [{ server: local, namespace: "*" }] }, to({ server: "https://10.0.0.1", namespace: "web" }), [/server 'https:\/\/10\.0\.0\.1' and namespace 'web' .*no destinations entry matches it/]],
    ["a namespace a ! entry denies", { destinations: [{ server: "*", namespace: "*" }, { server: "*", namespace: "!kube-system" }] }, to({ server: local, namespace: "kube-system" }), [/namespace 'kube-system' .*destinations entry \{server '\*', namespace '!kube-system'\} denies it/]],
    ["the namespaces a ! entry leaves", { destinations: [{ server: "*", namespace: "*" }, { server: "*", namespace: "!kube-system" }] }, to({ server: local, namespace: "web" }), []],
    ["a server a ! entry denies", { destinations: [{ server: "!https://team1-*", namespace: "*" }, { server: "*", namespace: "*" }] }, to({ server: "https://team1-a", namespace: "web" }), [/destinations entry \{server '!https:\/\/team1-\*', namespace '\*'\} denies it/]],
    ["name in-cluster against an entry naming its server", {}, to({ name: "in-cluster", namespace: "web" }), []],
    ["its server against an entry naming in-cluster", { destinations: [{ name: "in-cluster", namespace: "web" }] }, to({ server: local, namespace: "web" }), []],
    ["name in-cluster when a ! entry denies its server", { destinations: [{ name: "*", namespace: "*" }, { server: `!${local}`, namespace: "*" }] }, to({ name: "in-cluster", namespace: "web" }), [/\(name 'in-cluster'\).*denies it/]],
    ["anywhere, when destinations is empty", { destinations: [] }, {}, [/destinations is empty/]],
  ]);
});

describe("projectViolations: cluster-scoped kinds", () => {
  table([
    ["a kind clusterResourceWhitelist lists", { clusterResourceWhitelist: [{ group: "", kind: "Namespace" }] }, { resources: [ns] }, []],
    ["any cluster-scoped kind without clusterResourceWhitelist", {}, { resources: [ns] }, [/^resource Namespace web is not permitted in project 'team': clusterResourceWhitelist is not set, so it allows no cluster-scoped kind$/]],
    ["any cluster-scoped kind with an empty clusterResourceWhitelist", { clusterResourceWhitelist: [] }, { resources: [ns] }, [/clusterResourceWhitelist is empty/]],
    ["a kind clusterResourceWhitelist does not list", { clusterResourceWhitelist: [{ group: "", kind: "Namespace" }] }, { resources: [clusterRole] }, [/^resource rbac\.authorization\.k8s\.io\/ClusterRole reader .*clusterResourceWhitelist does not list rbac\.authorization\.k8s\.io\/ClusterRole$/]],
    ["a kind clusterResourceBlacklist lists", { clusterResourceWhitelist: [{ group: "*", kind: "*" }], clusterResourceBlacklist: [{ group: rbac, kind: "*" }] }, { resources: [clusterRole] }, [/ClusterRole reader .*clusterResourceBlacklist lists rbac\.authorization\.k8s\.io\/ClusterRole/]],
    ["a kind clusterResourceBlacklist does not list", { clusterResourceWhitelist: [{ group: "*", kind: "*" }], clusterResourceBlacklist: [{ group: rbac, kind: "*" }] }, { resources: [ns] }, []],
  ]);
});

describe("projectViolations: namespaced kinds", () => {
  table([
    ["any namespaced kind without namespaceResourceWhitelist", {}, { resources: [cm("cfg"), deploy] }, []],
    ["a kind namespaceResourceWhitelist lists", { namespaceResourceWhitelist: [{ group: "apps", kind: "*" }] }, { resources: [deploy] }, []],
    ["a kind namespaceResourceWhitelist does not list", { namespaceResourceWhitelist: [{ group: "apps", kind: "*" }] }, { resources: [cm("cfg")] }, [/^resource ConfigMap web\/cfg is not permitted in project 'team': namespaceResourceWhitelist does not list ConfigMap$/]],
    ["any namespaced kind with an empty namespaceResourceWhitelist", { namespaceResourceWhitelist: [] }, { resources: [deploy] }, [/apps\/Deployment web\/api .*namespaceResourceWhitelist is empty/]],
    ["a kind namespaceResourceBlacklist lists", { namespaceResourceBlacklist: [{ group: "", kind: "ConfigMap" }] }, { resources: [cm("cfg"), deploy] }, [/ConfigMap web\/cfg .*namespaceResourceBlacklist lists ConfigMap/]],
    ["a kind namespaceResourceBlacklist does not list", { namespaceResourceBlacklist: [{ group: "", kind: "Secret" }] }, { resources: [cm("cfg")] }, []],
  ]);
});

describe("projectViolations: the namespace of each object", () => {
  const teams: Partial<AppProjectSpec> = { destinations: [{ server: local, namespace: "web" }, { server: local, namespace: "team-*" }] };
  table([
    ["an object in a namespace destinations do not permit", {}, { resources: [cm("cfg", "other")] }, [/^resource ConfigMap other\/cfg: namespace 'other' is not permitted in project 'team' \(destination server 'https:\/\/kubernetes\.default\.svc' \(name 'in-cluster'\) and namespace 'other'\): no destinations entry matches it$/]],
    ["an object in another namespace destinations permit", teams, { resources: [cm("cfg", "team-b")] }, []],
    ["an object in a namespace a ! entry denies", { destinations: [{ server: "*", namespace: "*" }, { server: "*", namespace: "!kube-system" }] }, { resources: [cm("cfg", "kube-system")] }, [/ConfigMap kube-system\/cfg: namespace 'kube-system' .*denies it/]],
    ["the destination's own namespace, refused once (not once per object)", { destinations: [{ server: local, namespace: "prod" }] }, { resources: [cm("a"), cm("b")] }, [/^application destination .*namespace 'web'/]],
    ["cluster-scoped objects, whatever the destinations", { clusterResourceWhitelist: [{ group: "*", kind: "*" }] }, { resources: [ns, clusterRole] }, []],
    ["an object refused for its kind and its namespace, both said", { namespaceResourceBlacklist: [{ group: "", kind: "ConfigMap" }] }, { resources: [cm("cfg", "other")] }, [/ConfigMap other\/cfg is not permitted .*namespaceResourceBlacklist/, /ConfigMap other\/cfg: namespace 'other'/]],
  ]);
});

describe("projectViolations: the default project and bounds", () => {
  it("the default project permits any repository, destination, namespace and kind", () => {
    const check: ProjectCheck = {
      sources: [{ repoURL: "git@gitlab.com:any/thing.git" }],
      destination: { name: "in-cluster", namespace: "kube-system" },
      resources: [ns, clusterRole, deploy, cm("x", "elsewhere")],
    };
    assert.deepEqual(projectViolations(defaultProjectSpec(), check), []);
  });

  it("names the default project when no name is given", () => {
    assert.match(projectViolations({}, { sources: [{ repoURL: web }], destination: { server: local }, resources: [] })[0]!, /in project 'default'/);
  });

  it("says at most `limit` things, counting the rest", () => {
    const resources = Array.from({ length: 250 }, (_, i) => cm(`c${i}`));
    const got = projectViolations({ ...base, namespaceResourceWhitelist: [] }, { sources: [{ repoURL: web }], destination: { server: local, namespace: "web" }, resources });
    assert.equal(got.length, 100);
    assert.match(got[98]!, /ConfigMap web\/c98 /);
    assert.equal(got[99], "…and 151 more violations of project 'default'");
    assert.equal(projectViolations({ ...base, namespaceResourceWhitelist: [] }, { sources: [], destination: { server: local, namespace: "web" }, resources }, { limit: 1000 }).length, 250);
  });
});

describe("projectFor", () => {
  const projects: Record<string, unknown> = {
    team: { apiVersion: "argoproj.io/v1alpha1", kind: "AppProject", metadata: { name: "team" }, spec: { ...base, roles: [{ name: "ci" }], orphanedResources: { warn: true } } },
    broken: { spec: { sourceRepos: "https://github.com/org/*" } },
  };
  const lookup = (name: string): unknown => projects[name];

  it("finds a project and passes on its problems", () => {
    const r = projectFor("team", lookup);
    assert.ok(r.found);
    assert.deepEqual(r.spec.sourceRepos, base.sourceRepos);
    assert.equal(r.implicit, false);
    assert.deepEqual(r.problems.map((p) => p.field), ["spec.orphanedResources"], "roles are enforced by the API server; orphaned resources are reported");
  });

  it("says, in Argo CD's words, that a project does not exist", () => {
    assert.deepEqual(projectFor("missing", lookup), { found: false, name: "missing", message: "Application referencing project missing which does not exist" });
  });

  it("uses the implicit default project when no AppProject default exists (also for an empty name)", () => {
    for (const name of ["default", "", undefined]) {
      const r = projectFor(name, lookup);
      assert.ok(r.found, String(name));
      assert.equal(r.name, "default");
      assert.equal(r.implicit, true);
      assert.deepEqual(r.spec, defaultProjectSpec());
    }
  });

  it("uses an AppProject named default once it exists", () => {
    const r = projectFor("default", (n) => (n === "default" ? { spec: { sourceRepos: [], destinations: [] } } : undefined));
    assert.ok(r.found);
    assert.equal(r.implicit, false);
    assert.equal(projectViolations(r.spec, { sources: [{ repoURL: web }], destination: { server: local, namespace: "web" }, resources: [] }).length, 2);
  });

  it("refuses a project whose spec does not parse, naming the problem", () => {
    const r = projectFor("broken", lookup);
    assert.equal(r.found, false);
    assert.match(!r.found ? r.message : "", /^AppProject broken is invalid, so its rules are unknown: .*spec\.sourceRepos/);
  });
});
