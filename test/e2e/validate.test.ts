/**
 * `plumb validate` as CI runs it: the built CLI on fixture GitOps repositories (real git repositories made
 * from test/fixtures/validate/*, real helm and kustomize), the other repository served by the loopback Git
 * server. A clean repository passes with exit 0 and nothing to say; a repository with one planted defect
 * per check reports each exactly once, with its id, object and path, and exits 1; --fail-on, --skip and the
 * skip annotations move what fails; usage errors exit 2; JUnit and SARIF parse; --changed-since picks the
 * changed apps.
 */
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { appendFileSync, cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { XMLParser } from "fast-xml-parser";
import { startGitServer, type GitServer } from "../../src/gitserver/server.js";
import { WorkDir } from "../../src/gitserver/workdir.js";
import { parseAllDocuments, stringify } from "yaml";
import type { KubeObject } from "../../src/core/object.js";
import type { ValidateReport } from "../../src/validate/findings.js";
import { POLICY_CHECKS } from "../../src/validate/policy.js";
import { repoRoot, fixture } from "../helpers/paths.js";
import { commitAll, fixtureRepo, git, REPO_URL, tempDir } from "../unit/validate/support.js";

const MAIN = join(repoRoot, "dist", "src", "cli", "main.js");

function plumb(args: string[], cwd = repoRoot): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, "validate", ...args], { cwd, maxBuffer: 32 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function report(args: string[]): Promise<{ code: number; report: ValidateReport; stderr: string }> {
  const r = await plumb([...args, "-o", "json"]);
  assert.ok(r.stdout, r.stderr);
  return { code: r.code, report: JSON.parse(r.stdout) as ValidateReport, stderr: r.stderr };
}

/** One planted defect: the check, the app, the object (Kind/name, "" for none) and the field path it is reported at. */
type Planted = [check: string, app: string, object: string, path: string];

/** The defects fixture: one per check, each where it was planted. */
const PLANTED: Planted[] = [
  ["app-destination", "bad-destination", "Application/bad-destination", "spec.destination"],
  ["app-path", "bad-path", "Application/bad-path", "spec.source.path"],
  ["app-project", "bad-project", "Application/bad-project", "spec.project"],
  ["app-repo", "bad-repo", "Application/bad-repo", "spec.source.targetRevision"],
  ["app-spec", "bad-spec", "Application/bad-spec", "spec.syncPolicy.automatd"],
  ["app-value-files", "bad-values", "Application/bad-values", "spec.source.helm.valueFiles[1]"],
  ["hook-phase", "bad-hook", "ConfigMap/hooked", "metadata.annotations[argocd.argoproj.io/hook]"],
  ["render", "bad-render", "", ""],
  ["schema-type", "schema-cr", "Widget/odd", "spec.size"],
  ["schema-type", "schema-deploy", "Deployment/schema", "spec.revisionHistoryLimit"],
  ["schema-unknown-field", "schema-cr", "Widget/odd", "spec.shape"],
  ["schema-unknown-field", "schema-deploy", "Deployment/schema", "spec.progressDeadlineSecond"],
  ["sync-wave", "bad-wave", "ConfigMap/waved", "metadata.annotations[argocd.argoproj.io/sync-wave]"],
  ["yaml-syntax", "", "", ""],
];

const planted = (r: ValidateReport): Planted[] =>
  r.findings.map((f) => [f.check, f.app ?? "", f.object ? `${f.object.kind}/${f.object.name}` : "", f.path ?? ""] as Planted).sort((a, b) => a.join(" ").localeCompare(b.join(" ")));

/**
 * A repository with one app per policy check, each planting that check's defect once: the policy module's
 * own table of cases (test/fixtures/validate/policy, `# with: clean` + one `# expect:` line), each case's
 * objects composed over the clean set as that table composes them, rendered from its own folder through an
 * Application. Returns the repository and, per app, the findings expected (one; two where the case plants
 * the defect twice, as label-values does on the object and on its template).
 */
function policyRepo(parent: string): { dir: string; expected: Map<string, string[]> } {
  const root = fixture("validate", "policy");
  const docs = (file: string): KubeObject[] => parseAllDocuments(readFileSync(join(root, file), "utf8")).map((d) => d.toJS() as KubeObject).filter(Boolean);
  const id = (o: KubeObject): string => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
  const base = docs("clean.yaml");
  const dir = join(parent, "policy-defects");
  const expected = new Map<string, string[]>();
  const covered = new Set<string>();
  const addApp = (name: string, objects: KubeObject[]): void => {
    mkdirSync(join(dir, "apps"), { recursive: true });
    mkdirSync(join(dir, "cases", name), { recursive: true });
    writeFileSync(join(dir, "cases", name, "objects.yaml"), objects.map((o) => stringify(o)).join("---\n"));
    const app = { apiVersion: "argoproj.io/v1alpha1", kind: "Application", metadata: { name, namespace: "argocd" }, spec: { source: { repoURL: REPO_URL, path: `cases/${name}` }, destination: { server: "https://kubernetes.default.svc", namespace: "shop" } } };
    writeFileSync(join(dir, "apps", `${name}.yaml`), stringify(app));
  };
  addApp("clean", base);
  expected.set("clean", []);
  for (const file of readdirSync(root).filter((f) => f.endsWith(".yaml")).sort()) {
    const head = readFileSync(join(root, file), "utf8").split("\n").filter((l) => l.startsWith("#"));
    const field = (k: string): string[] => head.flatMap((l) => new RegExp(`^#\\s*${k}:\\s*(.*?)\\s*$`).exec(l)?.[1] ?? []);
    const expects = field("expect");
    // argo-rollout's Rollout has no CRD here: the schema check would (rightly) report its kind unknown.
    const checks = new Set(expects.map((e) => e.split(/\s+/)[0]!));
    if (file === "argo-rollout.yaml" || field("with")[0] !== "clean" || field("skip").length || checks.size !== 1 || expects[0] === "none") continue;
    const check = [...checks][0]!;
    if (covered.has(check)) continue;
    const own = docs(file);
    const without = new Set(field("without"));
    const objects = [...base.filter((o) => !without.has(id(o)) && !own.some((x) => id(x) === id(o))), ...own];
    const name = file.replace(/\.yaml$/, "").slice(0, 50).replace(/-+$/, "");
    addApp(name, objects);
    expected.set(name, expects.map((e) => e.split(/\s+/).slice(0, 3).join(" ")));
    covered.add(check);
  }
  execFileSync("git", ["init", "-q", "-b", "main"], { cwd: dir });
  git(dir, "remote", "add", "origin", REPO_URL);
  commitAll(dir, "one policy defect per app");
  return { dir, expected };
}

describe("plumb validate", { timeout: 300_000 }, () => {
  const t = tempDir("plumb-validate-e2e-");
  let server: GitServer;
  let clean: string;
  let defects: string;
  before(async () => {
    server = await startGitServer();
    const url = await server.createRepo("other");
    const seed = await WorkDir.clone(url);
    try {
      cpSync(fixture("validate", "remote"), seed.dir, { recursive: true });
      await seed.commit("the other repository's app");
      await seed.tag("v1");
      await seed.push("main");
    } finally {
      seed.dispose();
    }
    clean = fixtureRepo("clean", t.dir);
    defects = fixtureRepo("defects", t.dir, { remote: url });
  });
  after(async () => {
    await server?.close();
    t.cleanup();
  });

  it("passes a clean repository (Helm, Kustomize, plain, app-of-apps plain and templated, an AppProject): exit 0, no finding", async () => {
    const r = await report([clean, "--no-cache"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.report.findings, []);
    assert.deepEqual(r.report.apps.map((a) => a.name).sort(), ["api", "crds", "extra", "helm-root", "plain", "root", "web", "widgets"]);
    assert.equal(r.report.apps.find((a) => a.name === "extra")?.file, "charts/apps/templates/apps.yaml", "a child templated by a chart");
    const table = await plumb([clean, "--no-cache"]);
    assert.equal(table.code, 0, table.stderr);
  });

  it("reports each planted defect exactly once, with its id, object and path, and exits 1", async () => {
    const r = await report([defects, "--no-cache"]);
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(planted(r.report), PLANTED);
    const at = (check: string) => r.report.findings.find((f) => f.check === check)!;
    assert.deepEqual([at("render").file, at("render").line], ["charts/broken/templates/configmap.yaml", 6]);
    assert.deepEqual([at("yaml-syntax").file, at("yaml-syntax").line], ["notes/broken.yaml", 4]);
    assert.deepEqual([at("sync-wave").file, at("app-spec").file], ["wave/config.yaml", "apps/bad-spec.yaml"]);
    assert.ok(r.report.apps.some((a) => a.name === "remote-ok" && a.objects === 1), "the other repository rendered at its tag");
  });

  it("reports one planted defect per policy check, each exactly once, with its object and path", async () => {
    const { dir, expected } = policyRepo(t.dir);
    const r = await report([dir, "--no-cache"]);
    assert.equal(r.code, 1, r.stderr);
    const got = new Map<string, string[]>();
    for (const f of r.report.findings) got.set(f.app ?? "", [...(got.get(f.app ?? "") ?? []), `${f.check} ${f.object?.kind}/${f.object?.namespace ?? ""}/${f.object?.name} ${f.path ?? ""}`]);
    for (const [app, wants] of expected) {
      const found = got.get(app) ?? [];
      assert.deepEqual(found.filter((f) => !f.startsWith("schema-")).sort(), [...wants].sort(), app);
      if (wants.length === 0) {
        assert.deepEqual(found, [], app);
        continue;
      }
      const want = wants[0]!;
      // Where the defect also breaks the API's schema (a duplicated env name is a duplicate list-map key; a
      // spread constraint without whenUnsatisfiable misses a required field), the schema says so too, at the
      // same object and field.
      const [, obj, path = ""] = want.trim().split(" ");
      for (const extra of found.filter((f) => f.startsWith("schema-"))) {
        const [, o, p = ""] = extra.split(" ");
        assert.ok(o === obj && (p.startsWith(path) || path.startsWith(p)), `${app}: ${extra}`);
      }
    }
    const planted = new Set([...expected.values()].flat().map((e) => e.split(" ")[0]));
    assert.deepEqual(POLICY_CHECKS.map((c) => c.id).filter((c) => !planted.has(c)), [], "every policy check has a planted defect");
    const skipped = await report([dir, "--no-cache", "--skip", "container-image-tag,service-targets-pod"]);
    assert.ok(!skipped.report.findings.some((f) => f.check === "container-image-tag" || f.check === "service-targets-pod"), "--skip switches policy checks off");
    assert.equal(skipped.report.findings.length, r.report.findings.filter((f) => f.check !== "container-image-tag" && f.check !== "service-targets-pod").length);
  });

  it("moves the threshold with --fail-on", async () => {
    const dir = join(t.dir, "warned");
    cpSync(clean, dir, { recursive: true });
    const app = join(dir, "apps", "plain.yaml");
    writeFileSync(app, readFileSync(app, "utf8").replace("  syncPolicy:\n", "  syncPolicy:\n    managedNamespaceMetadata:\n      labels: {team: a}\n"));
    const r = await report([dir, "--no-cache"]);
    assert.deepEqual(r.report.findings.map((f) => [f.check, f.severity]), [["app-spec", "warning"]]);
    assert.equal(r.code, 0, "a warning does not fail by default");
    assert.equal((await plumb([dir, "--no-cache", "--fail-on", "warning"])).code, 1);
    assert.equal((await plumb([dir, "--no-cache", "--fail-on", "info"])).code, 1);
  });

  it("switches checks off with --skip (repeatable, comma-separated) and per object with the skip annotations", async () => {
    const skipped = await report([defects, "--no-cache", "--skip", "yaml-syntax,render", "--skip", "app-repo"]);
    assert.deepEqual(planted(skipped.report).map((p) => p[0]), PLANTED.map((p) => p[0]).filter((c) => !["yaml-syntax", "render", "app-repo"].includes(c)));
    const dir = join(t.dir, "annotated");
    cpSync(defects, dir, { recursive: true });
    const wave = join(dir, "wave", "config.yaml");
    writeFileSync(wave, readFileSync(wave, "utf8").replace("  annotations:\n", '  annotations:\n    plumb.dev/validate-skip: "sync-wave"\n'));
    const hook = join(dir, "hook", "job.yaml");
    writeFileSync(hook, readFileSync(hook, "utf8").replace("  annotations:\n", '  annotations:\n    kube-score/ignore: "hook-phase"\n'));
    const app = join(dir, "apps", "bad-spec.yaml");
    writeFileSync(app, readFileSync(app, "utf8").replace("  namespace: argocd\n", '  namespace: argocd\n  annotations:\n    plumb.dev/validate-skip: app-spec\n'));
    const r = await report([dir, "--no-cache"]);
    assert.deepEqual(planted(r.report).map((p) => p[0]), PLANTED.map((p) => p[0]).filter((c) => !["sync-wave", "hook-phase", "app-spec"].includes(c)));
  });

  it("exits 2 on a usage error", async () => {
    for (const args of [[clean, "-o", "xml"], [clean, "--fail-on", "fatal"], [join(t.dir, "no-such-dir")], [clean, "--kube-version", "v1.2.3"], [clean, "--changed-since", "no-such-ref"], [clean, "--no-such-flag"]]) {
      const r = await plumb(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.ok(r.stderr.length > 0, "says why");
    }
  });

  it("writes JUnit XML and SARIF that parse", async () => {
    const junit = await plumb([defects, "--no-cache", "-o", "junit"]);
    assert.equal(junit.code, 1, junit.stderr);
    const xml = new XMLParser({ ignoreAttributes: false }).parse(junit.stdout, true) as Record<string, unknown>;
    assert.ok(xml.testsuites ?? xml.testsuite, "a JUnit document");
    assert.match(junit.stdout, /bad-render/);
    const sarif = await plumb([defects, "--no-cache", "-o", "sarif"]);
    const doc = JSON.parse(sarif.stdout) as { version: string; runs: Array<{ tool: { driver: { name: string } }; results: Array<{ ruleId: string }> }> };
    assert.equal(doc.version, "2.1.0");
    assert.equal(doc.runs.length, 1);
    assert.ok(doc.runs[0]!.tool.driver.name);
    assert.deepEqual(doc.runs[0]!.results.map((x) => x.ruleId).sort(), PLANTED.map((p) => p[0]).sort());
  });

  it("validates only the apps whose inputs changed with --changed-since", async () => {
    const dir = join(t.dir, "changing");
    cpSync(clean, dir, { recursive: true });
    git(dir, "checkout", "-q", "-b", "change");
    appendFileSync(join(dir, "kustomize", "base", "deployment.yaml"), "\n");
    appendFileSync(join(dir, "envs", "prod", "web-values.yaml"), "other: 1\n");
    commitAll(dir, "change api's base and web's values");
    const r = await report([dir, "--no-cache", "--changed-since", "main"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.report.apps.map((a) => a.name).sort(), ["api", "web"]);
  });
});
