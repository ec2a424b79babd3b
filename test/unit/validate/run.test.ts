/**
 * runValidate end to end in-process: the render cache (by input hash, failures not kept), app-of-apps
 * children (deduplicated, cycles stopped), one app folder without Applications, another repository fetched
 * at its targetRevision.
 */
import assert from "node:assert/strict";
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runValidate } from "../../../src/validate/run.js";
import { commitAll, fixtureRepo, remoteRepo, REPO_URL, tempDir } from "./support.js";

describe("validate runs", () => {
  const t = tempDir("plumb-run-");
  let clean: string;
  let defects: string;
  before(() => {
    clean = fixtureRepo("clean", t.dir);
    defects = fixtureRepo("defects", t.dir, { remote: remoteRepo(t.dir) });
  });
  after(() => t.cleanup());

  it("renders from the cache when no input changed, and again only the app whose input did", async () => {
    const cacheDir = join(t.dir, "cache");
    const cold = await runValidate({ dir: clean, cacheDir });
    assert.equal(cold.stats.renders, 8);
    assert.equal(cold.stats.cacheHits, 0);
    const warm = await runValidate({ dir: clean, cacheDir });
    assert.equal(warm.stats.renders, 0);
    assert.equal(warm.stats.cacheHits, 8);
    assert.deepEqual({ apps: warm.apps, findings: warm.findings }, { apps: cold.apps, findings: cold.findings });
    appendFileSync(join(clean, "kustomize/base/deployment.yaml"), "\n");
    const after = await runValidate({ dir: clean, cacheDir });
    assert.equal(after.stats.renders, 1, "only api reads the base");
    const other = await runValidate({ dir: clean, cacheDir, kubeVersion: undefined, concurrency: 1 });
    assert.equal(other.stats.renders, 0);
  });

  it("never caches a failed render", async () => {
    const cacheDir = join(t.dir, "cache-defects");
    const first = await runValidate({ dir: defects, cacheDir });
    const second = await runValidate({ dir: defects, cacheDir });
    assert.equal(second.stats.renders, 1, "bad-render is rendered again");
    assert.equal(first.findings.filter((f) => f.check === "render").length, 1);
    assert.equal(second.findings.filter((f) => f.check === "render").length, 1);
  });

  it("validates app-of-apps children once each, a cycle included", async () => {
    const dir = join(t.dir, "cycle");
    mkdirSync(join(dir, "apps"), { recursive: true });
    const app = (name: string, path: string) =>
      `apiVersion: plumb.dev/v1alpha1\nkind: Application\nmetadata:\n  name: ${name}\nspec:\n  source:\n    repoURL: ${REPO_URL}\n    path: ${path}\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: plumb\n`;
    writeFileSync(join(dir, "apps", "self.yaml"), app("self", "apps")); // renders itself
    writeFileSync(join(dir, "apps", "child.yaml"), app("child", "apps"));
    const r = await runValidate({ dir, cacheDir: false, repoURLs: [REPO_URL] });
    assert.deepEqual(r.apps.map((a) => a.name).sort(), ["child", "self"]);
    assert.deepEqual(r.findings, []);
  });

  it("validates a folder without Applications as one app, named after it", async () => {
    const r = await runValidate({ dir: join(clean, "kustomize/overlays/prod"), cacheDir: false });
    assert.deepEqual(r.apps, [{ name: "prod", file: "kustomize/overlays/prod", objects: 3 }]);
    assert.deepEqual(r.findings, []);
  });

  it("renders another repository at its targetRevision, and reports a revision it lacks", async () => {
    const r = await runValidate({ dir: defects, cacheDir: false });
    assert.equal(r.apps.find((a) => a.name === "remote-ok")?.objects, 1);
    assert.deepEqual(r.findings.filter((f) => f.app === "remote-ok"), []);
    const repo = r.findings.filter((f) => f.check === "app-repo");
    assert.deepEqual(repo.map((f) => [f.app, f.severity, f.path]), [["bad-repo", "error", "spec.source.targetRevision"]]);
  });

  it("treats an unreachable repository as a warning: nothing can be said about it", async () => {
    const dir = join(t.dir, "unreachable");
    mkdirSync(dir);
    writeFileSync(join(dir, "app.yaml"), `apiVersion: plumb.dev/v1alpha1\nkind: Application\nmetadata:\n  name: far\nspec:\n  source:\n    repoURL: https://127.0.0.1:1/nothing.git\n    path: .\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: far\n`);
    const r = await runValidate({ dir, cacheDir: false, fetchTimeoutMs: 10_000 });
    assert.deepEqual(r.findings.map((f) => [f.check, f.severity, f.path]), [["app-repo", "warning", "spec.source.repoURL"]]);
  });

  it("takes --repo-url for this repository's URL", async () => {
    appendFileSync(join(defects, "apps/bad-path.yaml"), "");
    commitAll(defects, "noop");
    const r = await runValidate({ dir: defects, cacheDir: false, repoURLs: ["https://other.example.com/x.git"] });
    // The fixture's own URL is now another repository, which cannot be reached.
    assert.ok(r.findings.some((f) => f.app === "bad-path" && f.check === "app-repo"));
    assert.ok(!r.findings.some((f) => f.check === "app-path"));
  });
});
