/**
 * `plumb app … --core` with a password-protected repository and a Secret in Git, as a user drives it: the
 * CLI (a child process with the cluster's kubeconfig) reads Git with the credentials of the repository
 * Secret the controller uses — diff --git and manifests --source git work, and without that Secret the
 * error says where it looked — and no output of `app manifests` or `app diff` shows a Secret's value
 * unless --show-secrets. The controller runs in-process with the same repository Secret; a real Git
 * server with basic auth.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import type { Resources } from "../../src/cluster/resources.js";
import type { KubeObject } from "../../src/core/object.js";
import { startGitServer, type GitServer } from "../../src/gitserver/server.js";
import { WorkDir } from "../../src/gitserver/workdir.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { resourcesFor } from "../helpers/cluster.js";
import { appStatus, runController, type RunningController } from "../helpers/controller.js";
import { repoRoot } from "../helpers/paths.js";
import { waitFor } from "../helpers/wait.js";

const NS = "vault";
const USER = "deployer";
const PASSWORD = `pw-${randomBytes(12).toString("hex")}`;
const VALUE = `s3cret-${randomBytes(8).toString("hex")}`;
const NEW_VALUE = `n3w-${randomBytes(8).toString("hex")}`;
const b64 = (s: string): string => Buffer.from(s).toString("base64");

const secretYaml = (value: string): string => stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "db" }, type: "Opaque", stringData: { password: value } });
const configYaml = stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings" }, data: { mode: "a" } });

describe("plumb app --core: repository credentials and Secret masking", { timeout: 240_000 }, () => {
  let cluster: LocalCluster;
  let resources: Resources;
  let git: GitServer;
  let wd: WorkDir;
  let ctrl: RunningController;
  let repoURL: string;
  const temp = mkdtempSync(join(tmpdir(), "plumb-cli-core-"));

  /** Runs `plumb app …` asynchronously (the controller shares this event loop), with no contexts file. */
  const app = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const env = { ...process.env, NO_COLOR: "1", PLUMB_CONFIG: join(temp, "no-config") };
      execFile(process.execPath, [join(repoRoot, "dist", "src", "cli", "main.js"), "app", ...args, "--core", "--kubeconfig", cluster.kubeconfigPath], { env }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
      });
    });
  const ok = async (...args: string[]): Promise<string> => {
    const r = await app(...args);
    assert.equal(r.code, 0, `plumb app ${args.join(" ")} → ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  /** Fails if any form of a Secret value is in `text`. */
  const noValue = (text: string, what: string): void => {
    for (const v of [VALUE, NEW_VALUE]) {
      assert.ok(!text.includes(v), `${what} shows the value in plain text`);
      assert.ok(!text.includes(b64(v)), `${what} shows the value in base64`);
    }
  };

  before(async () => {
    cluster = await startLocalCluster({ name: "e2e-cli-core", nodes: 1 });
    resources = await resourcesFor(cluster);
    await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "plumb" } });
    git = await startGitServer({ root: join(temp, "git"), auth: { username: USER, password: PASSWORD } });
    repoURL = await git.createRepo("private");
    const pushURL = new URL(repoURL);
    pushURL.username = USER;
    pushURL.password = PASSWORD;
    wd = await WorkDir.clone(pushURL.toString());
    wd.write({ "app/secret.yaml": secretYaml(VALUE), "app/config.yaml": configYaml });
    await wd.commit("first");
    await wd.push("main");
    // Argo CD's repository Secret, where the controller (and so the CLI, by default) reads it.
    await resources.apply({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "repo-private", namespace: "plumb", labels: { "argocd.argoproj.io/secret-type": "repository" } },
      stringData: { type: "git", url: repoURL, username: USER, password: PASSWORD },
    });
    ctrl = await runController(resources, { secretsNamespace: "plumb" });
    const created = await ok("create", "vault", "--repo", repoURL, "--path", "app", "--revision", "main", "--dest-namespace", NS, "--sync-option", "CreateNamespace=true");
    assert.match(created, /application "vault" created/);
  });
  after(async () => {
    await ctrl?.stop();
    wd?.dispose();
    await git?.close();
    resources?.client.close();
    await cluster?.stop();
    rmSync(temp, { recursive: true, force: true });
  });

  it("diff --git reads the protected repository with the repository Secret; elsewhere it says where it looked", async () => {
    const [diff, elsewhere] = await Promise.all([app("diff", "vault", "--git"), app("diff", "vault", "--git", "--repos-namespace", "default")]);
    assert.equal(diff.code, 1, diff.stderr);
    assert.match(diff.stdout, /^Missing\s+Secret\s+vault\s+db$/m);
    assert.match(diff.stdout, /vault at [0-9a-f]{7}: OutOfSync \(0 synced, 0 out of sync, 2 missing, 0 extra\)/);
    noValue(diff.stdout, "diff --git of a missing Secret");
    assert.equal(elsewhere.code, 1);
    assert.match(elsewhere.stderr, /authentication failed for/);
    assert.match(elsewhere.stderr, /no repository Secret in namespace "default" has credentials for .*--repos-namespace/);
    assert.ok(!elsewhere.stderr.includes(PASSWORD));
  });

  it("manifests --source git renders the protected repository; the Secret is masked unless --show-secrets", async () => {
    const [yaml, json, shown] = await Promise.all([ok("manifests", "vault", "--source", "git", "--revision", "main"), ok("manifests", "vault", "--source", "git", "--revision", "main", "-o", "json"), ok("manifests", "vault", "--source", "git", "--revision", "main", "--show-secrets")]);
    const secret = parseAllDocuments(yaml).map((d) => d.toJS() as KubeObject).find((o) => o.kind === "Secret");
    assert.equal((secret?.stringData as Record<string, string>).password, "++++++++");
    noValue(yaml, "manifests --source git");
    noValue(json, "manifests --source git -o json");
    assert.ok(shown.includes(VALUE), "--show-secrets shows the value");
  });

  it("after a sync: the live Secret's value is in no output of manifests (yaml, json) or resources, unless --show-secrets", async () => {
    assert.match(await ok("sync", "vault", "--timeout", "90"), /Phase:\s+Succeeded/);
    await waitFor("the live Secret", async () => resources.get({ apiVersion: "v1", kind: "Secret", namespace: NS, name: "db" }), 30_000);
    const [yaml, json, shown, table, get] = await Promise.all([ok("manifests", "vault"), ok("manifests", "vault", "-o", "json"), ok("manifests", "vault", "--show-secrets"), ok("resources", "vault"), ok("get", "vault", "-o", "yaml")]);
    const live = (JSON.parse(json) as { items: KubeObject[] }).items;
    const secret = live.find((o) => o.kind === "Secret");
    assert.equal((secret?.data as Record<string, string>).password, "++++++++", "the live Secret is listed, masked");
    assert.ok(live.some((o) => o.kind === "ConfigMap" && (o.data as Record<string, string>).mode === "a"), "other objects are shown as they are");
    noValue(yaml, "manifests (live, yaml)");
    noValue(json, "manifests (live, json)");
    noValue(get, "get -o yaml");
    assert.ok(shown.includes(b64(VALUE)), "--show-secrets shows the live value (base64)");
    assert.match(table, /^GROUP\s+KIND\s+NAMESPACE\s+NAME\s+STATUS\s+HEALTH\s+NOTE$/m);
    assert.match(table, /^\s+Secret\s+vault\s+db\s+Synced/m);
  });

  it("a changed value in Git: diff --git shows that it changed, with masks on both sides", async () => {
    wd.write({ "app/secret.yaml": secretYaml(NEW_VALUE) });
    await wd.commit("rotate");
    await wd.push();
    const [text, json] = await Promise.all([app("diff", "vault", "--git"), app("diff", "vault", "--git", "-o", "json")]);
    assert.equal(text.code, 1, text.stderr);
    assert.match(text.stdout, /^OutOfSync\s+Secret\s+vault\s+db$/m);
    assert.match(text.stdout, /^-\s+password: \+{8}$/m);
    assert.match(text.stdout, /^\+\s+password: \+{12}$/m);
    noValue(text.stdout, "diff --git");
    noValue(json.stdout, "diff --git -o json");
    await waitFor("the controller sees the new commit", async () => (await appStatus(resources, "vault"))?.sync?.status === "OutOfSync" || undefined, 30_000);
  });

  it("proj list/get --core read AppProjects through the kubeconfig (the implicit default when there is none)", async () => {
    const env = { ...process.env, NO_COLOR: "1", PLUMB_CONFIG: join(temp, "no-config") };
    const run = (...args: string[]): Promise<string> =>
      new Promise((resolve, reject) => execFile(process.execPath, [join(repoRoot, "dist", "src", "cli", "main.js"), "proj", ...args, "--core", "--kubeconfig", cluster.kubeconfigPath], { env }, (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout))));
    assert.match(await run("list"), /^default\s+\*,\*\s+\*\s+\*\/\*$/m);
    assert.match(await run("get", "default"), /Name:\s+default \(implicit: no AppProject object\)/);
  });
});
