/**
 * ApplicationSets on fixtures: every generator's parameters (Argo CD's names), both template dialects,
 * templatePatch, the per-app checks, the applicationsSync policies and the status conditions.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import {
  applicationSetCRD,
  buildApplications,
  conditionsOf,
  generateAll,
  GeneratorError,
  goOptions,
  makeRenderer,
  nextStatus,
  normalizeName,
  planApplications,
  structuralViolationsOf,
  type GeneratorContext,
  type GitTree,
  type Params,
} from "./fixtures.js";
import type { ClusterSpec } from "../../../src/clusters/secret.js";
import { labelSelectorMatcher } from "../../../src/core/labels.js";
import type { KubeObject } from "../../../src/core/object.js";

function tree(files: Record<string, string>, sha = "a".repeat(40)): GitTree {
  const dirs = new Set<string>();
  for (const f of Object.keys(files)) {
    const parts = f.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  return {
    sha,
    dirs: () => [...dirs].sort(),
    files: () => Object.keys(files).sort(),
    read: async (p) => {
      if (!(p in files)) throw new GeneratorError(`no ${p}`);
      return files[p]!;
    },
  };
}

function cluster(name: string, server: string, labels: Record<string, string> = {}, annotations: Record<string, string> = {}): ClusterSpec {
  return { name, server, config: {}, namespaces: [], clusterResources: true, labels, annotations, secret: `plumb/${name}` };
}

function ctx(o: { go?: boolean; files?: Record<string, string>; clusters?: ClusterSpec[]; failGit?: string; missingKey?: "error" } = {}): GeneratorContext & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    renderer: makeRenderer(o.go === true, o.missingKey ? { missingKey: o.missingKey } : {}),
    clusters: () => o.clusters ?? [],
    gitTree: async (url) => {
      if (o.failGit) throw new GeneratorError(`repository ${url} cannot be read: ${o.failGit}`);
      return tree(o.files ?? {});
    },
    warn: (m) => warnings.push(m),
    warnings,
  };
}

const REPO = "http://git.example/apps.git";
const FOLDERS = { "apps/web/k.yaml": "x: 1", "apps/api/k.yaml": "x: 1", "apps/skip/k.yaml": "x: 1", "apps/api/sub/k.yaml": "", "other/k.yaml": "" };

describe("list generator", () => {
  it("gives one set per element, nested values flattened for fasttemplate and kept with goTemplate", async () => {
    const gen = [{ list: { elements: [{ env: "dev", values: { replicas: 2 } }, { env: "prod", values: { replicas: 3 } }] } }];
    assert.deepEqual(await generateAll(gen, ctx()), [
      { env: "dev", "values.replicas": "2" },
      { env: "prod", "values.replicas": "3" },
    ]);
    assert.deepEqual(await generateAll(gen, ctx({ go: true })), [
      { env: "dev", values: { replicas: 2 } },
      { env: "prod", values: { replicas: 3 } },
    ]);
  });
  it("reads elementsYaml", async () => {
    assert.deepEqual(await generateAll([{ list: { elementsYaml: "- env: qa\n- env: uat\n" } }], ctx()), [{ env: "qa" }, { env: "uat" }]);
  });
  it("refuses an element that is not an object", async () => {
    await assert.rejects(generateAll([{ list: { elements: ["dev"] } }], ctx()), /elements\[0\] must be an object/);
  });
});

describe("clusters generator", () => {
  const clusters = [cluster("prod-eu", "https://eu.example:6443", { env: "prod", region: "eu" }, { team: "a" }), cluster("Dev_1", "https://dev.example", { env: "dev" })];
  it("gives Argo CD's parameters per cluster Secret, and the in-cluster cluster only without a selector", async () => {
    const all = await generateAll([{ clusters: {} }], ctx({ clusters }));
    assert.deepEqual(
      all.map((p) => p.name),
      ["in-cluster", "prod-eu", "Dev_1"],
    );
    const eu = all[1]!;
    assert.equal(eu.server, "https://eu.example:6443");
    assert.equal(eu["metadata.labels.region"], "eu");
    assert.equal(eu["metadata.annotations.team"], "a");
    assert.equal(all[2]!.nameNormalized, "dev-1");
    const prod = await generateAll([{ clusters: { selector: { matchLabels: { env: "prod" } } } }], ctx({ clusters }));
    assert.deepEqual(
      prod.map((p) => p.name),
      ["prod-eu"],
    );
  });
  it("matchExpressions, and values templated with the cluster's parameters", async () => {
    const sets = await generateAll([{ clusters: { selector: { matchExpressions: [{ key: "env", operator: "In", values: ["dev", "qa"] }] }, values: { branch: "{{metadata.labels.env}}-branch" } } }], ctx({ clusters }));
    assert.deepEqual(sets.map((p) => [p.name, p["values.branch"]]), [["Dev_1", "dev-branch"]]);
    const go = await generateAll([{ clusters: { selector: { matchLabels: { env: "prod" } } } }], ctx({ go: true, clusters }));
    assert.deepEqual((go[0]!.metadata as { labels: Record<string, string> }).labels, { env: "prod", region: "eu" });
  });
  it("a selector Kubernetes would refuse fails the generator, naming the field", async () => {
    await assert.rejects(
      generateAll([{ clusters: { selector: { matchExpressions: [{ key: "env", operator: "In" }] } } }], ctx({ clusters })),
      (err: unknown) => err instanceof GeneratorError && /generators\[0\]\.clusters\.selector\.matchExpressions\[0\]: operator In needs values/.test(err.message),
    );
  });
  it("selectors match as Kubernetes'", () => {
    const selectorMatches = (sel: unknown, labels: Record<string, string>): boolean => labelSelectorMatcher(sel)(labels);
    assert.equal(selectorMatches({ matchExpressions: [{ key: "a", operator: "NotIn", values: ["x"] }] }, {}), true);
    assert.equal(selectorMatches({ matchExpressions: [{ key: "a", operator: "Exists" }] }, {}), false);
    assert.equal(selectorMatches({ matchExpressions: [{ key: "a", operator: "DoesNotExist" }] }, { a: "" }), false);
  });
});

describe("git generators", () => {
  it("directories: include globs minus exclude: true, with path parameters", async () => {
    const sets = await generateAll([{ git: { repoURL: REPO, revision: "main", directories: [{ path: "apps/*" }, { path: "apps/skip", exclude: true }] } }], ctx({ files: FOLDERS }));
    assert.deepEqual(
      sets.map((p) => p.path),
      ["apps/api", "apps/web"],
    );
    assert.deepEqual(sets[0], { path: "apps/api", "path.basename": "api", "path.basenameNormalized": "api", "path[0]": "apps", "path[1]": "api" });
    const go = await generateAll([{ git: { repoURL: REPO, directories: [{ path: "apps/*" }] } }], ctx({ go: true, files: FOLDERS }));
    assert.deepEqual((go[0] as { path: unknown }).path, { path: "apps/api", basename: "api", basenameNormalized: "api", segments: ["apps", "api"] });
  });
  it("directories: `*` does not cross `/`, `**` does", async () => {
    const sets = await generateAll([{ git: { repoURL: REPO, directories: [{ path: "apps/**" }] } }], ctx({ files: FOLDERS }));
    assert.ok(sets.some((p) => p.path === "apps/api/sub"));
  });
  it("files: flattened for fasttemplate, nested with goTemplate, a list gives one set per element, path params of the folder", async () => {
    const files = { "clusters/eu/config.json": JSON.stringify({ cluster: { name: "eu", address: "https://eu" }, replicas: 3 }), "clusters/us/config.yaml": "- cluster: {name: us1}\n- cluster: {name: us2}\n" };
    const sets = await generateAll([{ git: { repoURL: REPO, files: [{ path: "clusters/**/config.*" }] } }], ctx({ files }));
    assert.deepEqual(sets[0], { "cluster.name": "eu", "cluster.address": "https://eu", replicas: "3", path: "clusters/eu", "path.basename": "eu", "path.basenameNormalized": "eu", "path.filename": "config.json", "path.filenameNormalized": "config.json", "path[0]": "clusters", "path[1]": "eu" });
    assert.deepEqual(
      sets.slice(1).map((p) => p["cluster.name"]),
      ["us1", "us2"],
    );
    const go = await generateAll([{ git: { repoURL: REPO, files: [{ path: "clusters/eu/config.json" }] } }], ctx({ go: true, files }));
    assert.equal((go[0]!.cluster as { name: string }).name, "eu");
    assert.equal(go[0]!.replicas, 3);
    assert.equal((go[0]!.path as { filename: string }).filename, "config.json");
  });
  it("a file that does not parse fails the generator", async () => {
    await assert.rejects(generateAll([{ git: { repoURL: REPO, files: [{ path: "*.yaml" }] } }], ctx({ files: { "bad.yaml": "a: [1, 2\n" } })), (e: unknown) => e instanceof GeneratorError && /bad\.yaml.*neither JSON nor YAML/.test(e.message));
  });
  it("an unreadable repository fails the generator", async () => {
    await assert.rejects(generateAll([{ git: { repoURL: REPO, directories: [{ path: "*" }] } }], ctx({ failGit: "connection refused" })), GeneratorError);
  });
  it("pathParamPrefix", async () => {
    const sets = await generateAll([{ git: { repoURL: REPO, directories: [{ path: "other" }], pathParamPrefix: "app" } }], ctx({ files: FOLDERS }));
    assert.equal(sets[0]!["app.path.basename"], "other");
  });
});

describe("matrix and merge", () => {
  it("matrix: clusters × list gives every pair; the second may use the first's parameters", async () => {
    const clusters = [cluster("a", "https://a", { fleet: "yes" }), cluster("b", "https://b", { fleet: "yes" })];
    const sets = await generateAll([{ matrix: { generators: [{ clusters: { selector: { matchLabels: { fleet: "yes" } } } }, { list: { elements: [{ env: "dev", target: "{{name}}-dev" }, { env: "prod", target: "{{name}}-prod" }] } }] } }], ctx({ clusters }));
    assert.deepEqual(
      sets.map((p) => `${p.name}/${p.env}/${p.target}`),
      ["a/dev/a-dev", "a/prod/a-prod", "b/dev/b-dev", "b/prod/b-prod"],
    );
  });
  it("matrix needs exactly two generators", async () => {
    await assert.rejects(generateAll([{ matrix: { generators: [{ list: { elements: [] } }] } }], ctx()), /exactly two/);
  });
  it("merge: the first generator's sets overridden by matching sets of the later ones", async () => {
    const sets = await generateAll(
      [
        {
          merge: {
            mergeKeys: ["server"],
            generators: [{ list: { elements: [{ server: "s1", replicas: "1" }, { server: "s2", replicas: "1" }] } }, { list: { elements: [{ server: "s2", replicas: "5" }, { server: "s9", replicas: "9" }] } }],
          },
        },
      ],
      ctx(),
    );
    assert.deepEqual(sets, [
      { server: "s1", replicas: "1" },
      { server: "s2", replicas: "5" },
    ]);
  });
  it("merge refuses duplicate merge keys", async () => {
    await assert.rejects(generateAll([{ merge: { mergeKeys: ["k"], generators: [{ list: { elements: [{ k: "1" }, { k: "1" }] } }] } }], ctx()), /same merge key/);
  });
});

describe("generators plumb does not have, and generator options it ignores", () => {
  for (const g of [{ scmProvider: {} }, { pullRequest: {} }, { plugin: {} }, { list: { elements: [], template: { metadata: {} } } }, { list: { elements: [] }, selector: {} }]) {
    it(`${JSON.stringify(g)} fails (never an empty result, which would delete every app)`, async () => {
      await assert.rejects(generateAll([g], ctx()), GeneratorError);
    });
  }
});

const SET: KubeObject = { apiVersion: "plumb.dev/v1alpha1", kind: "ApplicationSet", metadata: { name: "guestbook", namespace: "plumb", uid: "uid-1", generation: 1 } };
const TEMPLATE = {
  metadata: { name: "{{path.basename}}" },
  spec: { project: "default", source: { repoURL: REPO, path: "{{path}}", targetRevision: "main" }, destination: { server: "https://kubernetes.default.svc", namespace: "{{path.basename}}" } },
};

async function build(params: Params[], spec: Record<string, unknown> = {}, projects: Record<string, unknown> = {}) {
  const full = { generators: [{ list: { elements: [] } }], template: TEMPLATE, ...spec } as never;
  const go = (spec as { goTemplate?: boolean }).goTemplate === true;
  return buildApplications({ set: SET, spec: full, params, renderer: makeRenderer(go, goOptions((spec as { goTemplateOptions?: string[] }).goTemplateOptions)), project: (n) => projects[n] });
}

describe("building Applications", () => {
  it("renders the template per set, with owner reference, label and the cascade finalizer", async () => {
    const built = await build([{ path: "apps/web", "path.basename": "web" }]);
    assert.equal(built.invalid.length, 0);
    const app = built.apps[0]!.app;
    assert.equal(app.metadata.name, "web");
    assert.equal(app.metadata.namespace, "plumb");
    assert.deepEqual(app.metadata.ownerReferences, [{ apiVersion: "plumb.dev/v1alpha1", kind: "ApplicationSet", name: "guestbook", uid: "uid-1", controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual(app.metadata.finalizers, ["plumb.dev/resources-finalizer"]);
    assert.equal((app.spec as { source: { path: string } }).source.path, "apps/web");
  });
  it("preserveResourcesOnDeletion: no cascade finalizer", async () => {
    const built = await build([{ path: "apps/web", "path.basename": "web" }], { syncPolicy: { preserveResourcesOnDeletion: true } });
    assert.equal(built.apps[0]!.app.metadata.finalizers, undefined);
  });
  it("one invalid app (bad name, invalid spec, missing project, duplicate) is reported by name; the others are built", async () => {
    const built = await build(
      [
        { path: "apps/Bad_Name", "path.basename": "Bad_Name" },
        { path: "apps/ok", "path.basename": "ok" },
        { path: "apps/dup", "path.basename": "dup" },
        { path: "apps/dup2", "path.basename": "dup" },
      ],
      {},
    );
    assert.deepEqual(
      built.apps.map((a) => a.name),
      ["ok"],
    );
    assert.match(built.invalid[0]!.message, /not a valid Kubernetes name/);
    assert.deepEqual(
      built.invalid.filter((i) => i.name === "dup").map((i) => i.index),
      [2, 3],
    );
    assert.ok(built.held.has("dup"));
    const badSpec = await build([{ path: "x", "path.basename": "x" }], { template: { ...TEMPLATE, spec: { ...TEMPLATE.spec, destination: "nowhere" } } });
    assert.match(badSpec.invalid[0]!.message, /invalid Application spec/);
    const noProject = await build([{ path: "x", "path.basename": "x" }], { template: { ...TEMPLATE, spec: { ...TEMPLATE.spec, project: "team-a" } } });
    assert.match(noProject.invalid[0]!.message, /project team-a which does not exist/);
    const refused = await build([{ path: "x", "path.basename": "x" }], { template: { ...TEMPLATE, spec: { ...TEMPLATE.spec, project: "team-a" } } }, { "team-a": { apiVersion: "plumb.dev/v1alpha1", kind: "AppProject", metadata: { name: "team-a" }, spec: { sourceRepos: ["https://github.com/team-a/*"], destinations: [{ server: "*", namespace: "*" }] } } });
    assert.match(refused.invalid[0]!.message, /not permitted by the project's sourceRepos/);
  });
  it("goTemplate with missingkey=error makes the app with a missing key invalid, not the others", async () => {
    const spec = { goTemplate: true, goTemplateOptions: ["missingkey=error"], template: { ...TEMPLATE, metadata: { name: "{{.name}}-{{.env}}" }, spec: { ...TEMPLATE.spec, source: { repoURL: REPO, path: "{{ .name | upper | lower }}" }, destination: { server: "https://kubernetes.default.svc", namespace: "{{.env}}" } } } };
    const built = await build([{ name: "a", env: "dev" }, { name: "b" }], spec);
    assert.deepEqual(
      built.apps.map((a) => a.name),
      ["a-dev"],
    );
    assert.equal(built.invalid[0]!.index, 1);
    assert.match(built.invalid[0]!.message, /template: .*env/);
  });
  it("templatePatch is rendered, read as YAML and merged onto the Application", async () => {
    const spec = {
      goTemplate: true,
      template: { ...TEMPLATE, metadata: { name: "{{.name}}" }, spec: { ...TEMPLATE.spec, source: { repoURL: REPO, path: "{{ .name }}" }, destination: { server: "https://kubernetes.default.svc", namespace: "x" } } },
      templatePatch: "metadata:\n  annotations:\n    team: '{{.name}}'\nspec:\n  syncPolicy:\n    automated:\n      prune: true\n",
    };
    const built = await build([{ name: "web" }], spec);
    const app = built.apps[0]!.app;
    assert.deepEqual(app.metadata.annotations, { team: "web" });
    assert.deepEqual((app.spec as { syncPolicy: unknown }).syncPolicy, { automated: { prune: true } });
    assert.equal((app.spec as { destination: { namespace: string } }).destination.namespace, "x");
  });
});

describe("applicationsSync policies", () => {
  const desired = (name: string) => ({ index: 0, name, app: { apiVersion: "plumb.dev/v1alpha1", kind: "Application", metadata: { name, namespace: "plumb", ownerReferences: [{ apiVersion: "plumb.dev/v1alpha1", kind: "ApplicationSet", name: "guestbook", uid: "uid-1", controller: true }] }, spec: { v: 2 } } as KubeObject });
  const live = (name: string, v: number, owner = "uid-1"): KubeObject => ({ apiVersion: "plumb.dev/v1alpha1", kind: "Application", metadata: { name, namespace: "plumb", ownerReferences: [{ apiVersion: "plumb.dev/v1alpha1", kind: "ApplicationSet", name: "x", uid: owner }] }, spec: { v } });
  const world = { stale: live("stale", 2), changed: live("changed", 1), same: live("same", 2), foreign: live("foreign", 1, "other"), held: live("held", 1) } as Record<string, KubeObject>;
  const plan = (policy: "create-only" | "create-update" | "create-delete" | "sync") =>
    planApplications({ desired: ["new", "changed", "same", "foreign"].map(desired), held: new Set(["held"]), live: (n) => world[n], owned: Object.values(world).filter((o) => o.metadata.ownerReferences![0]!.uid === "uid-1"), uid: "uid-1", policy });
  const names = (objs: KubeObject[]) => objs.map((o) => o.metadata.name);
  it("sync: create, update, delete (never the held one, never one owned by another)", () => {
    const p = plan("sync");
    assert.deepEqual([names(p.create), names(p.update), names(p.delete)], [["new"], ["changed"], ["stale"]]);
    assert.match(p.skipped[0]!.message, /not owned by this ApplicationSet/);
  });
  it("an invalid app without a name holds every delete", () => {
    const p = planApplications({ desired: [], held: new Set(), holdAll: true, live: () => undefined, owned: [world.stale!], uid: "uid-1", policy: "sync" });
    assert.deepEqual(p.delete, []);
  });
  it("create-only: only creates", () => {
    const p = plan("create-only");
    assert.deepEqual([names(p.create), names(p.update), names(p.delete)], [["new"], [], []]);
  });
  it("create-update: no deletes", () => {
    const p = plan("create-update");
    assert.deepEqual([names(p.create), names(p.update), names(p.delete)], [["new"], ["changed"], []]);
  });
  it("create-delete: no updates", () => {
    const p = plan("create-delete");
    assert.deepEqual([names(p.create), names(p.update), names(p.delete)], [["new"], [], ["stale"]]);
  });
});

describe("status", () => {
  it("a generator error: ErrorOccurred True, ParametersGenerated False, saying nothing was touched", () => {
    const c = conditionsOf({ error: { reason: "ApplicationGenerationFromParamsError", message: "repository x cannot be read" }, invalid: [], failures: [], unsupported: [] });
    assert.equal(c.find((x) => x.type === "ErrorOccurred")!.status, "True");
    assert.match(c.find((x) => x.type === "ErrorOccurred")!.message!, /no Application was created, updated or deleted/);
    assert.equal(c.find((x) => x.type === "ParametersGenerated")!.status, "False");
  });
  it("invalid apps named in ErrorOccurred and ResourcesUpToDate; transition times kept while unchanged", () => {
    const o = { invalid: [{ name: "bad", index: 3, message: "invalid Application spec: x" }], failures: [], unsupported: [] };
    const s1 = nextStatus(undefined, o, 1, "2026-01-01T00:00:00Z");
    assert.match(s1.conditions!.find((c) => c.type === "ResourcesUpToDate")!.message!, /bad: invalid Application spec/);
    const s2 = nextStatus(s1, o, 1, "2026-01-02T00:00:00Z");
    assert.deepEqual(s2, s1);
  });
  it("names are normalised as Argo CD's nameNormalized", () => {
    assert.equal(normalizeName("My_Cluster:1"), "my-cluster-1");
  });
});

describe("CRD", () => {
  it("is structural, with the status subresource, for both groups", () => {
    for (const g of ["plumb.dev", "argoproj.io"]) {
      const crd = applicationSetCRD(g);
      assert.equal(crd.metadata.name, `applicationsets.${g}`);
      assert.deepEqual(structuralViolationsOf(crd), []);
    }
    assert.ok(parse(JSON.stringify(applicationSetCRD("plumb.dev"))));
  });
});
