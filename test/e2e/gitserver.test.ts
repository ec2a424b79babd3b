/**
 * The local Git server speaks real smart HTTP: the git CLI pushes, clones and fetches through it, and
 * basic auth refuses wrong credentials.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { git } from "../../src/gitserver/git.js";
import { startGitServer, type GitServer } from "../../src/gitserver/server.js";
import { WorkDir } from "../../src/gitserver/workdir.js";

function withCredentials(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  return u.toString();
}

describe("git server over smart HTTP", () => {
  let server: GitServer;
  const workdirs: WorkDir[] = [];
  before(async () => {
    server = await startGitServer({ auth: { username: "dev", password: "s3cret" } });
  });
  after(async () => {
    for (const w of workdirs) w.dispose();
    await server.close();
    assert.equal(existsSync(server.root), false, "the temp root is removed on close");
  });

  it("pushes a commit over HTTP and clones and fetches it back", async () => {
    const url = withCredentials(await server.createRepo("app"), "dev", "s3cret");
    const author = await WorkDir.clone(url);
    workdirs.push(author);
    author.write({ "deploy/config.yaml": "kind: ConfigMap\n" });
    const first = await author.commit("first");
    await author.push();

    const reader = await WorkDir.clone(url);
    workdirs.push(reader);
    assert.equal(await reader.head(), first);
    assert.equal(readFileSync(join(reader.dir, "deploy/config.yaml"), "utf8"), "kind: ConfigMap\n");

    author.write({ "deploy/config.yaml": "kind: ConfigMap\nmetadata: {name: x}\n" });
    const second = await author.commit("second");
    await author.tag("v1.0.0");
    await author.push();
    await git(["fetch", "--quiet", "--tags", "origin"], { cwd: reader.dir });
    assert.equal((await git(["rev-parse", "origin/main"], { cwd: reader.dir })).trim(), second);
    assert.equal((await git(["rev-parse", "v1.0.0^{commit}"], { cwd: reader.dir })).trim(), second);
    assert.ok((server.requests.get("app.git git-receive-pack") ?? 0) >= 2, "pushes went through the server");
  });

  it("refuses a push with wrong credentials and keeps the branch as it was", async () => {
    const good = withCredentials(await server.createRepo("guarded"), "dev", "s3cret");
    const wd = await WorkDir.clone(good);
    workdirs.push(wd);
    wd.write({ "a.txt": "a\n" });
    const kept = await wd.commit("a");
    await wd.push();

    wd.write({ "a.txt": "b\n" });
    await wd.commit("b");
    await git(["remote", "set-url", "origin", withCredentials(server.repoUrl("guarded"), "dev", "wrong")], { cwd: wd.dir });
    await assert.rejects(wd.push(), /Authentication failed|401|could not read/i);

    const remoteHead = (await git(["ls-remote", good, "refs/heads/main"])).split(/\s/)[0];
    assert.equal(remoteHead, kept);
  });

  it("refuses to serve a clone without credentials when auth is on", async () => {
    await server.createRepo("private");
    await assert.rejects(git(["ls-remote", server.repoUrl("private")]), /Authentication failed|401|could not read/i);
  });

  it("with authScope push, clones are open but pushes still need credentials", async () => {
    const open = await startGitServer({ auth: { username: "dev", password: "pw" }, authScope: "push" });
    try {
      const url = await open.createRepo("public");
      const wd = await WorkDir.clone(url);
      workdirs.push(wd);
      wd.write({ "x.txt": "x\n" });
      await wd.commit("x");
      await assert.rejects(wd.push(), /Authentication failed|401|could not read/i);
      await git(["remote", "set-url", "origin", withCredentials(url, "dev", "pw")], { cwd: wd.dir });
      await wd.push();
      assert.match(await git(["ls-remote", url, "refs/heads/main"]), /refs\/heads\/main/);
    } finally {
      await open.close();
    }
  });
});
