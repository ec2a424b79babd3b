/**
 * Application schemas against fixtures: what a plumb user and an Argo CD user write parses with defaults
 * applied; unsupported fields, typos and invalid values each become a problem naming the field; nothing
 * a user can write makes the analysis throw.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parse } from "yaml";
import {
  analyzeApplication,
  appKey,
  blocksComparison,
  isAutomated,
  parseAppKey,
  readApplication,
  readStatus,
  sourcesOf,
  targetRevisions,
  type SpecProblem,
} from "../../../src/apps/index.js";
import { syncOptionProblems } from "../../../src/apps/unsupported.js";
import type { KubeObject } from "../../../src/core/object.js";
import { fixture } from "../../helpers/paths.js";

const load = (name: string): KubeObject => parse(readFileSync(fixture("apps", name), "utf8")) as KubeObject;
const expected = parse(readFileSync(fixture("apps", "expected.yaml"), "utf8")) as Record<string, Array<{ type: string; field: string; says?: string; blocks?: boolean }>>;

const byField = (a: { field: string }, b: { field: string }) => a.field.localeCompare(b.field);

describe("fixtures → problems", () => {
  for (const [file, want] of Object.entries(expected)) {
    it(`${file}: ${want.length ? want.length + " problem(s)" : "no problems"}`, () => {
      const { problems } = analyzeApplication(load(file));
      const got = problems.map((p) => ({ type: p.type, field: p.field, blocks: p.blocksComparison === true })).sort(byField);
      assert.deepEqual(got, want.map((w) => ({ type: w.type, field: w.field, blocks: w.blocks === true })).sort(byField), JSON.stringify(problems, null, 2));
      for (const w of want) {
        const p = problems.find((x) => x.field === w.field)!;
        if (w.says) assert.ok(p.message.includes(w.says), `"${p.message}" should say "${w.says}"`);
        assert.ok(p.message.includes(w.field), `"${p.message}" should name ${w.field}`);
      }
    });
  }
});

describe("parsed spec", () => {
  it("applies Argo CD's defaults to a minimal Application", () => {
    const { spec, problems } = analyzeApplication(load("minimal.yaml"));
    assert.deepEqual(problems, []);
    assert.ok(spec);
    assert.equal(spec.source?.targetRevision, "HEAD");
    assert.equal(spec.project, "default");
    assert.equal(spec.revisionHistoryLimit, 10);
    assert.equal(spec.syncPolicy, undefined);
    assert.equal(isAutomated(spec), false);
    assert.deepEqual(targetRevisions(spec), ["HEAD"]);
  });

  it("reads every supported field of a full Application", () => {
    const { spec, operation } = analyzeApplication(load("full.yaml"));
    assert.ok(spec && operation);
    assert.equal(spec.project, "retail");
    assert.deepEqual(spec.source?.helm?.valueFiles, ["values.yaml", "values-prod.yaml"]);
    assert.deepEqual(spec.source?.helm?.valuesObject, { image: { tag: "1.4.2" } });
    assert.deepEqual(spec.syncPolicy?.automated, { prune: true, selfHeal: true, allowEmpty: false, enabled: true });
    assert.deepEqual(spec.syncPolicy?.retry, { limit: 5, backoff: { duration: "10s", factor: 3, maxDuration: "5m" } });
    assert.equal(spec.ignoreDifferences?.[1]?.group, "", "ignoreDifferences group defaults to the core group");
    assert.equal(spec.revisionHistoryLimit, 5);
    assert.deepEqual(spec.dependsOn, [{ name: "database" }, { name: "cache", namespace: "shared" }]);
    assert.deepEqual(spec.info, [{ name: "owner", value: "team-retail" }]);
    assert.equal(operation.sync?.revision, "0123456789abcdef0123456789abcdef01234567");
    assert.equal(operation.initiatedBy?.username, "alice");
  });

  it("reads an Argo CD manifest unchanged: helm value files, automated prune and self-heal, CreateNamespace", () => {
    const obj = load("argocd-helm.yaml");
    const { spec, problems } = analyzeApplication(obj);
    assert.deepEqual(problems, []);
    assert.ok(spec);
    assert.equal(obj.apiVersion, "argoproj.io/v1alpha1");
    assert.deepEqual(spec.source?.helm?.valueFiles, ["values-production.yaml"]);
    assert.equal(isAutomated(spec), true);
    assert.equal(spec.syncPolicy?.automated?.prune, true);
    assert.equal(spec.syncPolicy?.automated?.selfHeal, true);
    assert.deepEqual(spec.syncPolicy?.syncOptions, ["CreateNamespace=true"]);
  });

  it("fills retry's backoff defaults (5s, factor 2, 3m) and turns automated off with enabled: false", () => {
    const app = load("minimal.yaml");
    (app.spec as Record<string, unknown>).syncPolicy = { automated: { enabled: false, prune: true }, retry: { limit: -1 } };
    const { spec, problems } = analyzeApplication(app);
    assert.deepEqual(problems, []);
    assert.deepEqual(spec?.syncPolicy?.retry, { limit: -1, backoff: { duration: "5s", factor: 2, maxDuration: "3m" } });
    assert.equal(isAutomated(spec!), false);
  });

  it("prefers sources over source, reporting the ignored source", () => {
    const app = load("minimal.yaml");
    const spec0 = app.spec as Record<string, unknown>;
    spec0.sources = [{ repoURL: "https://git.example.com/a.git", path: "a", targetRevision: "" }, { repoURL: "https://git.example.com/b.git", path: "b" }];
    const { spec, problems } = analyzeApplication(app);
    assert.deepEqual(problems.map((p) => p.field), ["spec.source"], "every source is rendered: only the ignored spec.source is reported");
    assert.deepEqual(sourcesOf(spec!).map((s) => s.path), ["a", "b"]);
    assert.deepEqual(targetRevisions(spec!), ["HEAD", "HEAD"], "an empty targetRevision means HEAD");
  });

  it("checks multi-source refs: a $ref naming no ref source, a ref used twice, only ref sources", () => {
    const app = load("minimal.yaml");
    const spec0 = app.spec as Record<string, unknown>;
    delete spec0.source;
    spec0.sources = [
      { repoURL: "https://git.example.com/chart.git", path: "chart", helm: { valueFiles: ["$values/prod.yaml", "$other/x.yaml"] } },
      { repoURL: "https://git.example.com/values.git", ref: "values" },
      { repoURL: "https://git.example.com/values2.git", ref: "values" },
    ];
    const { problems } = analyzeApplication(app);
    assert.deepEqual(problems.map((p) => p.field).sort(), ["spec.sources[0].helm.valueFiles[1]", "spec.sources[2].ref"]);
    assert.match(problems.find((p) => p.field.endsWith("valueFiles[1]"))!.message, /names no source with ref "other"/);
    spec0.sources = [{ repoURL: "https://git.example.com/values.git", ref: "values" }];
    assert.deepEqual(analyzeApplication(app).problems.filter(blocksComparison).map((p) => p.field), ["spec.sources"]);
  });

  it("blocks the comparison on an invalid spec, not on unsupported fields (plugin, chart, ref and several sources are all rendered now)", () => {
    const kinds = (file: string) => analyzeApplication(load(file)).problems.filter(blocksComparison).map((p) => p.field).sort();
    assert.deepEqual(kinds("unsupported.yaml"), []);
    assert.deepEqual(kinds("invalid.yaml"), ["spec.revisionHistoryLimit", "spec.source.repoURL", "spec.syncPolicy.automated.prune"]);
    assert.deepEqual(kinds("typos.yaml"), ["spec.syncPolicy.syncOptions[1]"]);
    assert.deepEqual(kinds("full.yaml"), []);
  });

  it("leaves any destination server to the controller's cluster registry (no spec problem), but not both server and name", () => {
    const app = load("minimal.yaml");
    (app.spec as { destination: { server: string } }).destination.server = "https://127.0.0.1:6443";
    assert.deepEqual(analyzeApplication(app).problems, []);
    (app.spec as { destination: { name?: string } }).destination.name = "prod";
    assert.deepEqual(analyzeApplication(app).problems.map((p) => p.field), ["spec.destination"]);
  });

  it("reports unknown fields of ignoreDifferences and operation too", () => {
    const app = load("full.yaml");
    (app.spec as { ignoreDifferences: unknown[] }).ignoreDifferences.push({ kind: "Secret", jsonPointer: ["/data"] });
    (app.operation as { sync: Record<string, unknown> }).sync.prnue = true;
    const fields = analyzeApplication(app).problems.map((p) => p.field);
    assert.deepEqual(fields.sort(), ["operation.sync.prnue", "spec.ignoreDifferences[3].jsonPointer"]);
  });
});

describe("never throws for a user's object", () => {
  const cases: Array<[string, unknown]> = [
    ["null", null],
    ["a string", "Application"],
    ["a list", []],
    ["no spec", { apiVersion: "plumb.dev/v1alpha1", kind: "Application", metadata: { name: "x" } }],
    ["spec is a number", { apiVersion: "plumb.dev/v1alpha1", kind: "Application", metadata: { name: "x" }, spec: 5 }],
    ["wrong kind and group", { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" }, spec: {} }],
    ["deeply wrong", { apiVersion: "plumb.dev/v1alpha1", kind: "Application", metadata: 7, spec: { source: [1], sources: "x", destination: null, syncPolicy: { syncOptions: [3] } }, operation: "sync" }],
  ];
  for (const [name, obj] of cases) {
    it(name, () => {
      const r = analyzeApplication(obj);
      assert.ok(r.problems.length > 0);
      assert.equal(r.spec, undefined);
      for (const p of r.problems) assert.ok((["InvalidSpecError", "UnsupportedField"] as SpecProblem["type"][]).includes(p.type));
    });
  }
});

describe("readApplication", () => {
  it("gives the key, the group, the spec and the status", () => {
    const obj = load("argocd-helm.yaml");
    obj.status = { sync: { status: "Synced", revision: "abc" }, health: { status: "Healthy" }, futureField: 1 };
    const view = readApplication(obj);
    assert.equal(view.key, "argocd/guestbook");
    assert.equal(view.group, "argoproj.io");
    assert.equal(view.status.sync?.status, "Synced");
    assert.deepEqual(view.statusIssues, ["status.futureField is not a known field"]);
    assert.deepEqual(parseAppKey(view.key), { namespace: "argocd", name: "guestbook" });
    assert.equal(appKey({ metadata: { name: "x" } }), "/x");
  });

  it("keeps the valid parts of a damaged status", () => {
    const { status, issues } = readStatus({
      sync: { status: "Sideways" },
      health: { status: "Healthy" },
      history: [{ id: 0, revision: "a", deployedAt: "2025-01-01T00:00:00Z" }],
    });
    assert.equal(status.sync, undefined);
    assert.equal(status.health?.status, "Healthy");
    assert.equal(status.history?.length, 1);
    assert.equal(issues.length, 1);
    assert.match(issues[0]!, /status\.sync\.status/);
  });
});

describe("sync options plumb honours are not reported", () => {
  it("FailOnSharedResource=true (what plumb always does), SkipDryRunOnMissingResource and RespectIgnoreDifferences pass", () => {
    const fields = (options: string[]) => syncOptionProblems(options, "o").map((p) => `${p.field} ${p.type}`);
    assert.deepEqual(fields(["FailOnSharedResource=true", "SkipDryRunOnMissingResource=true", "Force=true", "PrunePropagationPolicy=orphan", "RespectIgnoreDifferences=true"]), []);
    assert.deepEqual(fields(["FailOnSharedResource=false"]), ["o[0] UnsupportedField"]);
  });
});
