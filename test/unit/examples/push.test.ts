/**
 * pushRepositories and readApplyFiles (src/examples/start.ts) against the loopback Git server: every
 * declared branch at the one commit, the folder's files pushed with example.yaml and Python caches left
 * out, the GitHub URLs of declared repositories rewritten in pushed and applied files, an undeclared
 * repository's URL refused.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadExample } from "../../../src/examples/catalog.js";
import { localURLs, pushRepositories, readApplyFiles } from "../../../src/examples/start.js";
import { git } from "../../../src/gitserver/git.js";
import { startGitServer, type GitServer } from "../../../src/gitserver/server.js";

describe("pushing an example's repositories", () => {
  const root = mkdtempSync(join(tmpdir(), "plumb-example-push-"));
  let server: GitServer;
  before(async () => {
    server = await startGitServer();
    const ex = join(root, "demo-ex");
    mkdirSync(join(ex, "gitops", "apps"), { recursive: true });
    mkdirSync(join(ex, "app", "__pycache__"), { recursive: true });
    writeFileSync(join(ex, "example.yaml"), "description: d\nrepositories:\n  - {name: app, dir: .}\n  - {name: gitops, dir: gitops, branches: [main, develop]}\napply: [gitops/root.yaml]\nwait: [root]\n");
    writeFileSync(join(ex, "app", "main.py"), "print('hi')\n");
    writeFileSync(join(ex, "app", "__pycache__", "main.cpython-311.pyc"), "\0bytes");
    writeFileSync(join(ex, "gitops", "apps", "app.yaml"), "repoURL: https://github.com/plumb-examples/app.git # the app\n");
    writeFileSync(join(ex, "gitops", "root.yaml"), "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: root, namespace: argocd}\nspec:\n  source: {repoURL: 'https://github.com/plumb-examples/gitops.git', path: apps}\n---\n");
  });
  after(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("pushes each folder to its branches at one commit, rewritten, without example.yaml or caches", async () => {
    const example = loadExample("demo-ex", root);
    const repos = await pushRepositories(example, server);
    assert.deepEqual(repos.map((r) => [r.name, r.url, r.branches]), [
      ["app", server.repoUrl("app"), ["main"]],
      ["gitops", server.repoUrl("gitops"), ["main", "develop"]],
    ]);
    const gitops = repos[1]!;
    const heads = await git(["ls-remote", "--heads", gitops.url]);
    assert.deepEqual(heads.trim().split("\n").sort(), [`${gitops.sha}\trefs/heads/develop`, `${gitops.sha}\trefs/heads/main`]);
    const files = (await git(["ls-tree", "-r", "--name-only", repos[0]!.sha], { cwd: join(server.root, "app.git") })).trim().split("\n");
    assert.deepEqual(files.sort(), ["app/main.py", "gitops/apps/app.yaml", "gitops/root.yaml"]);
    const pushed = await git(["show", `${gitops.sha}:apps/app.yaml`], { cwd: join(server.root, "gitops.git") });
    assert.equal(pushed, `repoURL: ${server.repoUrl("app")} # the app\n`);
    assert.ok(existsSync(join(root, "demo-ex", "example.yaml")), "the example folder itself is left as it was");
    assert.equal(readFileSync(join(root, "demo-ex", "gitops", "apps", "app.yaml"), "utf8"), "repoURL: https://github.com/plumb-examples/app.git # the app\n");

    const objects = readApplyFiles(example, localURLs(repos));
    assert.equal(objects.length, 1, "the empty document after --- is skipped");
    assert.deepEqual(objects[0]!.spec, { source: { repoURL: server.repoUrl("gitops"), path: "apps" } });
  });

  it("refuses a file naming a repository the example does not declare, naming the file", async () => {
    const ex = join(root, "bad-ex");
    mkdirSync(ex);
    writeFileSync(join(ex, "example.yaml"), "description: d\nrepositories: [{name: bad, dir: .}]\napply: [a.yaml]\n");
    writeFileSync(join(ex, "a.yaml"), "url: https://github.com/plumb-examples/other.git\n");
    await assert.rejects(pushRepositories(loadExample("bad-ex", root), server), /examples\/bad-ex\/a\.yaml names https:\/\/github\.com\/plumb-examples\/other\.git, which example\.yaml does not declare/);
  });
});
