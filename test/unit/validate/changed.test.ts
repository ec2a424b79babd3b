/**
 * --changed-since: the inputs of each app (inputs.ts) against the files a change touched, on the clean
 * fixture as a real git repository with a branch.
 */
import assert from "node:assert/strict";
import { appendFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { UsageError } from "../../../src/core/errors.js";
import { changedFiles } from "../../../src/validate/changed.js";
import { appInputs } from "../../../src/validate/inputs.js";
import { runValidate } from "../../../src/validate/run.js";
import { commitAll, fixtureRepo, git, tempDir } from "./support.js";

describe("validate --changed-since", () => {
  const t = tempDir("plumb-changed-");
  let repo: string;
  before(() => {
    repo = fixtureRepo("clean", t.dir);
  });
  after(() => t.cleanup());

  /** The apps reported after `change` on a new branch (committed, or left in the working tree). */
  async function appsAfter(change: () => void, commit = true): Promise<string[]> {
    git(repo, "checkout", "-q", "-B", "change", "main");
    change();
    if (commit) commitAll(repo, "change");
    try {
      const report = await runValidate({ dir: repo, changedSince: "main", cacheDir: false });
      assert.deepEqual(report.findings, []);
      return report.apps.map((a) => a.name).sort();
    } finally {
      git(repo, "reset", "-q", "--hard");
      git(repo, "clean", "-qfd");
      git(repo, "checkout", "-q", "main");
    }
  }

  it("knows each app's inputs: value files and Kustomize bases outside the folder", () => {
    assert.deepEqual(appInputs(repo, "charts/web", { helm: { valueFiles: ["values.yaml", "../../envs/prod/web-values.yaml"] } }), { dirs: ["charts/web"], files: ["envs/prod/web-values.yaml"] });
    assert.deepEqual(appInputs(repo, "kustomize/overlays/prod"), { dirs: ["kustomize/base", "kustomize/overlays/prod"], files: [] });
  });

  it("selects the app whose value file outside its folder changed", async () => {
    assert.deepEqual(await appsAfter(() => appendFileSync(join(repo, "envs/prod/web-values.yaml"), "extra: 1\n")), ["web"]);
  });

  it("selects the overlay whose Kustomize base changed", async () => {
    assert.deepEqual(await appsAfter(() => appendFileSync(join(repo, "kustomize/base/deployment.yaml"), "\n")), ["api"]);
  });

  it("selects a child templated by a chart, not its parent, when only the child's folder changed", async () => {
    assert.deepEqual(await appsAfter(() => writeFileSync(join(repo, "plain2/more.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: more\n")), ["extra"]);
  });

  it("selects an app and its parent when the Application manifest changed (uncommitted)", async () => {
    assert.deepEqual(await appsAfter(() => appendFileSync(join(repo, "apps/plain.yaml"), "# touched\n"), false), ["plain", "root"]);
  });

  it("selects nothing when nothing an app reads changed; a deleted file counts", async () => {
    assert.deepEqual(await appsAfter(() => appendFileSync(join(repo, "README.md"), "more\n")), []);
    assert.deepEqual(await appsAfter(() => rmSync(join(repo, "widgets/widget.yaml"))), ["widgets"]);
  });

  it("diffs from the merge base, so changes on the target branch since are not the change's", () => {
    git(repo, "checkout", "-q", "-B", "feature", "main");
    appendFileSync(join(repo, "plain/config.yaml"), "# feature\n");
    commitAll(repo, "feature");
    git(repo, "checkout", "-q", "-B", "target", "main");
    appendFileSync(join(repo, "plain2/config.yaml"), "# target moved on\n");
    commitAll(repo, "target");
    git(repo, "checkout", "-q", "feature");
    try {
      assert.deepEqual([...changedFiles(repo, "target")], ["plain/config.yaml"]);
    } finally {
      git(repo, "checkout", "-q", "main");
    }
  });

  it("refuses a revision that does not exist as a usage error", () => {
    assert.throws(() => changedFiles(repo, "no-such-ref"), UsageError);
  });
});
