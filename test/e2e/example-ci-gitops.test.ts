/**
 * examples/ci-gitops, run as `plumb demo --example ci-gitops` runs it (test/helpers/examples.ts: src/examples'
 * startExample; the app and GitOps repositories pushed, the Application applied and Synced), then the
 * pipeline of the app's repository run for real from a clone, in bash, against the local Git server, with
 * the built plumb on PATH: a pushed app change is tested, tagged {short-sha}-{run-number}, validated and
 * bumped, and the controller deploys that tag; a failing unit test stops the pipeline before anything is
 * committed; the Kustomize alternative, applied by hand, is bumped in k8s/base's kustomization and
 * deployed; a broken chart change in the GitOps repository fails the pipeline at `plumb validate`, nothing
 * is bumped, and the cluster still runs the previous tag.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import type { Resources } from "../../src/cluster/resources.js";
import type { KubeObject } from "../../src/core/object.js";
import { rewriteRepoURLs } from "../../src/examples/spec.js";
import { git } from "../../src/gitserver/git.js";
import { WorkDir } from "../../src/gitserver/workdir.js";
import { appStatus } from "../helpers/controller.js";
import { startExampleWorld, type ExampleWorld } from "../helpers/examples.js";
import { repoRoot } from "../helpers/paths.js";
import { waitFor } from "../helpers/wait.js";

const MAIN = join(repoRoot, "dist", "src", "cli", "main.js");
const IMAGE = "ghcr.io/plumb-examples/demo-flask-app";
const VALUES = "helm/demo-flask-app/values.yaml";
/** Variables of CI systems that `plumb image tag` would read before the flags the pipeline passes. */
const CI_VARIABLES = ["GITHUB_SHA", "GITHUB_RUN_NUMBER", "CI_COMMIT_SHA", "CI_PIPELINE_IID", "BUILDKITE_COMMIT", "BUILDKITE_BUILD_NUMBER", "CIRCLE_SHA1", "CIRCLE_BUILD_NUM", "BUILD_SOURCEVERSION", "BUILD_BUILDID", "GIT_COMMIT", "BUILD_NUMBER", "CI_BUILD_NUMBER"];

type Deploy = KubeObject & { spec: { replicas: number; template: { spec: { containers: Array<{ image: string }> } } } };
interface Run {
  code: number;
  out: string;
}

/** Why /usr/bin/python3 cannot run the app's tests (a skip reason), or false when it can. */
function flaskSkip(): string | false {
  const r = spawnSync("/usr/bin/python3", ["-c", "import flask"], { encoding: "utf8" });
  return r.status === 0 ? false : `/usr/bin/python3 has no Flask (apt-get install python3-flask): ${(r.stderr || r.error?.message || "").trim().split("\n").pop()}`;
}

describe("examples/ci-gitops: the pipeline tests, tags, validates and bumps; the controller deploys the tag", { timeout: 180_000, skip: flaskSkip() }, () => {
  let world: ExampleWorld;
  let resources: Resources;
  let app: WorkDir;
  let bin: string;
  let gitopsURL: string;
  let deployedTag = "";

  /** Runs ci/pipeline.sh from the app's checkout as a CI runner would, `plumb` on PATH being this build. */
  const pipeline = (run: number, extra: NodeJS.ProcessEnv = {}): Promise<Run> =>
    new Promise((resolve) => {
      const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}`, GITOPS_URL: gitopsURL, RUN_NUMBER: String(run), PYTHON: "/usr/bin/python3", ...extra };
      for (const v of CI_VARIABLES) delete env[v];
      // One stream, stdout and stderr interleaved as a CI log shows them.
      execFile("bash", ["-c", `ci/pipeline.sh 2>&1`], { cwd: app.dir, env, timeout: 90_000 }, (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout }));
    });
  /** The GitOps repository's main as a fresh clone sees it: head, its subject and author, and the values' tag. */
  const gitops = async (): Promise<{ sha: string; subject: string; author: string; tag: string }> => {
    const wd = await WorkDir.clone(gitopsURL);
    try {
      const [sha, subject, author] = (await git(["log", "-1", "--format=%H%n%s%n%an <%ae>"], { cwd: wd.dir })).trim().split("\n") as [string, string, string];
      const values = parseYaml(readFileSync(join(wd.dir, VALUES), "utf8")) as { image: { tag: string } };
      return { sha, subject, author, tag: values.image.tag };
    } finally {
      wd.dispose();
    }
  };
  const deployment = async (namespace = "demo-flask-app"): Promise<Deploy | undefined> => (await resources.get({ apiVersion: "apps/v1", kind: "Deployment", namespace, name: "demo-flask-app" })) as Deploy | undefined;
  const runningImage = async (namespace?: string): Promise<string | undefined> => (await deployment(namespace))?.spec.template.spec.containers[0]?.image;

  before(async () => {
    world = await startExampleWorld("ci-gitops");
    resources = world.resources;
    gitopsURL = world.repoURL("demo-flask-app-gitops");
    app = await WorkDir.clone(world.repoURL("demo-flask-app"));
    bin = mkdtempSync(join(tmpdir(), "plumb-bin-"));
    writeFileSync(join(bin, "plumb"), `#!/bin/sh\nexec "${process.execPath}" "${MAIN}" "$@"\n`);
    chmodSync(join(bin, "plumb"), 0o755);
  });
  after(async () => {
    app?.dispose();
    if (bin) rmSync(bin, { recursive: true, force: true });
    await world?.close();
  });

  it("a pushed app change: tests pass, the tag is {short-sha}-{run}, validate is clean, the bump is pushed, and the Deployment runs the tag", async () => {
    assert.equal(await runningImage(), `${IMAGE}:1.0.0`, "the example starts at 1.0.0");
    const file = join(app.dir, "app.py");
    writeFileSync(file, readFileSync(file, "utf8").replace('"Hello from demo-flask-app"', '"Hi from demo-flask-app"'));
    const sha = await app.commit("friendlier greeting");
    await app.push("main");

    const r = await pipeline(7);
    assert.equal(r.code, 0, r.out);
    const tag = `${sha.slice(0, 7)}-7`;
    assert.match(r.out, /Ran 3 tests[\s\S]*\nOK\n/, "the app's unit tests ran and passed");
    assert.ok(r.out.includes(`${IMAGE}:${tag}`), `the pipeline built ${tag}:\n${r.out}`);
    const bumped = await gitops();
    assert.equal(bumped.tag, tag, "the tag is in values.yaml on main");
    assert.equal(bumped.subject, `demo-flask-app: deploy ${tag}`);
    assert.equal(bumped.author, "demo-flask-app CI <ci@plumb-examples.invalid>");
    assert.ok(r.out.includes(`pushed ${bumped.sha}`), "the pipeline names the commit it pushed");

    await waitFor(`demo-flask-app Synced and Healthy at the bump, running ${tag}`, async () => {
      const s = await appStatus(resources, "demo-flask-app", "argocd", "argoproj.io");
      const ok = s?.sync?.status === "Synced" && s.sync.revision === bumped.sha && s.health?.status === "Healthy";
      return ok && (await runningImage()) === `${IMAGE}:${tag}` ? true : undefined;
    }, 60_000);
    assert.equal((await deployment())?.spec.replicas, 2, "values-prod.yaml applies over values.yaml");
    deployedTag = tag;
  });

  it("a failing unit test stops the pipeline at its first stage: nothing is bumped", async () => {
    const before = await gitops();
    const file = join(app.dir, "app.py");
    const good = readFileSync(file, "utf8");
    writeFileSync(file, good.replace('jsonify(status="ok")', 'jsonify(status="starting")'));
    await app.commit("healthz says starting");
    await app.push("main");
    try {
      const r = await pipeline(8);
      assert.notEqual(r.code, 0, r.out);
      assert.match(r.out, /FAILED \(failures=1\)/);
      assert.doesNotMatch(r.out, /==> tag/, "no stage after the tests ran");
      assert.equal((await gitops()).sha, before.sha, "the GitOps repository did not move");
    } finally {
      await app.revert();
      await app.push("main");
    }
  });

  it("the Kustomize alternative: application-kustomize.yaml applied as a user would, the pipeline bumps k8s/base's images: entry, and only that app moves", async () => {
    const file = join(repoRoot, "examples", "ci-gitops", "gitops", "application-kustomize.yaml");
    const manifest = parseYaml(rewriteRepoURLs(readFileSync(file, "utf8"), world.started.urls).text) as KubeObject;
    await resources.apply(manifest, { fieldManager: "kubectl" });
    await waitFor("demo-flask-app-kustomize Synced and Healthy at 1.0.0", async () => {
      const s = await appStatus(resources, "demo-flask-app-kustomize", "argocd", "argoproj.io");
      return s?.sync?.status === "Synced" && s.health?.status === "Healthy" && (await runningImage("demo-flask-app-kustomize")) === `${IMAGE}:1.0.0` ? true : undefined;
    }, 60_000);

    const r = await pipeline(10, { BUMP_FILE: "k8s/base/kustomization.yaml" });
    assert.equal(r.code, 0, r.out);
    const tag = `${(await app.head()).slice(0, 7)}-10`;
    const bumped = await gitops();
    assert.equal(bumped.subject, `demo-flask-app: deploy ${tag}`);
    assert.equal(bumped.tag, deployedTag, "values.yaml is left alone");
    await waitFor(`demo-flask-app-kustomize running ${tag}`, async () => {
      const s = await appStatus(resources, "demo-flask-app-kustomize", "argocd", "argoproj.io");
      return s?.sync?.revision === bumped.sha && s.health?.status === "Healthy" && (await runningImage("demo-flask-app-kustomize")) === `${IMAGE}:${tag}` ? true : undefined;
    }, 60_000);
    assert.equal(await runningImage(), `${IMAGE}:${deployedTag}`, "the Helm app still runs its tag");
  });

  it("a broken chart change fails the pipeline at plumb validate: nothing is bumped, and the cluster still runs the previous tag", async () => {
    assert.ok(deployedTag, "the first test deployed a tag");
    const wd = await WorkDir.clone(gitopsURL);
    let broken: string;
    try {
      // A template referencing a value that is not there (probe instead of probes): the chart no longer renders.
      const file = join(wd.dir, "helm", "demo-flask-app", "templates", "deployment.yaml");
      const text = readFileSync(file, "utf8");
      assert.ok(text.includes(".Values.probes.readiness.path"));
      writeFileSync(file, text.replace(".Values.probes.readiness.path", ".Values.probe.readiness.path"));
      broken = await wd.commit("chart: one probe setting");
      await wd.push("main");
    } finally {
      wd.dispose();
    }

    const r = await pipeline(9);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /==> validate/);
    assert.match(r.out, /templates\/deployment\.yaml/, "the finding names the template");
    assert.match(r.out, /does not validate \(findings above\); nothing was bumped/);
    assert.doesNotMatch(r.out, /==> bump/, "plumb image set never ran");
    const after = await gitops();
    assert.equal(after.sha, broken, "nothing was pushed on top of the broken change");
    assert.equal(after.tag, deployedTag);

    // The controller has seen the broken commit too (it cannot render it either) and kept what runs.
    await waitFor("the controller to see the broken commit", async () => {
      const s = await appStatus(resources, "demo-flask-app", "argocd", "argoproj.io");
      return s?.sync?.revision === broken && s.conditions?.some((c) => c.type === "ComparisonError") ? true : undefined;
    }, 30_000);
    assert.equal(await runningImage(), `${IMAGE}:${deployedTag}`, "the cluster still runs the previous tag");
  });
});
