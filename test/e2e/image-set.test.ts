/**
 * `plumb image set` against the loopback Git server, as a CI pipeline's last stage runs it: the tag lands in
 * the values file with every other byte kept, as one commit by the given author; the same tag again is no
 * commit; a push refused because another pipeline pushed first is applied again on the new head, so both
 * bumps end in the history in order; two pipelines racing both land. `plumb image tag` prints the CI tag.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { git } from "../../src/gitserver/git.js";
import { startGitServer, type GitServer } from "../../src/gitserver/server.js";
import { WorkDir } from "../../src/gitserver/workdir.js";
import { repoRoot } from "../helpers/paths.js";

const MAIN = join(repoRoot, "dist", "src", "cli", "main.js");
const VALUES = `# The shop's values.
web:
  image:
    repository: registry.example/shop   # CI pushes here
    tag: "1a2b3c4-16"   # set by the pipeline
  replicaCount: 2
redis:
  tag: '7.4' # by hand
`;

function plumb(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { cwd, env: { ...process.env, ...env } }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

describe("plumb image set and tag", { timeout: 120_000 }, () => {
  let server: GitServer;
  let url: string;
  let seed: WorkDir;

  /** The remote's file and subjects (newest first) as a fresh clone sees them. */
  const remote = async (): Promise<{ values: string; log: string[]; author: string }> => {
    const wd = await WorkDir.clone(url);
    try {
      return {
        values: readFileSync(join(wd.dir, "helm", "values.yaml"), "utf8"),
        log: (await git(["log", "--format=%s", "main"], { cwd: wd.dir })).trim().split("\n"),
        author: (await git(["log", "-1", "--format=%an <%ae>", "main"], { cwd: wd.dir })).trim(),
      };
    } finally {
      wd.dispose();
    }
  };

  before(async () => {
    server = await startGitServer();
    url = await server.createRepo("gitops");
    seed = await WorkDir.clone(url);
    seed.write({ "helm/values.yaml": VALUES });
    await seed.commit("the shop's chart values");
    await seed.push("main");
  });
  after(async () => {
    seed?.dispose();
    await server?.close();
  });

  it("sets the tag in a clone of --repo, changing only its bytes, one commit by --author; the same tag again commits nothing", async () => {
    const r = await plumb(["image", "set", "registry.example/shop:5d6e7f8-17", "--file", "helm/values.yaml", "--key", "web.image.tag", "--repo", url, "--author", "CI Bot <ci@example.com>", "-m", "shop: 5d6e7f8-17"], repoRoot);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.trim(), /^[0-9a-f]{40}$/, "prints the commit");
    const after1 = await remote();
    assert.equal(after1.values, VALUES.replace(`"1a2b3c4-16"`, `"5d6e7f8-17"`), "every other byte unchanged");
    assert.equal(after1.log[0], "shop: 5d6e7f8-17");
    assert.equal(after1.author, "CI Bot <ci@example.com>");
    const again = await plumb(["image", "set", "registry.example/shop:5d6e7f8-17", "--file", "helm/values.yaml", "--key", "web.image.tag", "--repo", url], repoRoot);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, "", "no commit");
    assert.match(again.stderr, /already set/);
    assert.deepEqual((await remote()).log, after1.log, "the history did not move");
  });

  it("a push refused because another pipeline pushed first is applied again on the new head: both bumps in order", async () => {
    // Pipeline A's work tree is at the current head; pipeline B pushes a bump before A does.
    const a = await WorkDir.clone(url);
    const b = await WorkDir.clone(url);
    try {
      const pushedB = await plumb(["image", "set", "redis:7.6", "--file", "helm/values.yaml", "--key", "redis.tag", "--work-tree", b.dir, "-m", "redis: 7.6"], repoRoot);
      assert.equal(pushedB.code, 0, pushedB.stderr);
      const r = await plumb(["image", "set", "registry.example/shop:9a8b7c6-18", "--file", "helm/values.yaml", "--key", "web.image.tag", "--work-tree", a.dir, "-m", "shop: 9a8b7c6-18"], repoRoot);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /moved while pushing \(try 1\)/, "the first push was refused and tried again");
      const now = await remote();
      assert.deepEqual(now.log.slice(0, 2), ["shop: 9a8b7c6-18", "redis: 7.6"], "B's bump, then A's");
      const v = parse(now.values) as { web: { image: { tag: string } }; redis: { tag: string } };
      assert.equal(v.web.image.tag, "9a8b7c6-18");
      assert.equal(v.redis.tag, "7.6", "A's retry kept B's bump");
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it("two pipelines started together from fresh clones both land (the second to push retries if they meet)", async () => {
    const [one, two] = await Promise.all([
      plumb(["image", "set", "registry.example/shop:1111111-19", "--file", "helm/values.yaml", "--key", "web.image.tag", "--repo", url, "-m", "shop: 1111111-19"], repoRoot),
      plumb(["image", "set", "redis:7.8", "--file", "helm/values.yaml", "--key", "redis.tag", "--repo", url, "-m", "redis: 7.8"], repoRoot),
    ]);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(two.code, 0, two.stderr);
    const now = await remote();
    assert.deepEqual(new Set(now.log.slice(0, 2)), new Set(["shop: 1111111-19", "redis: 7.8"]));
    const v = parse(now.values) as { web: { image: { tag: string } }; redis: { tag: string } };
    assert.deepEqual([v.web.image.tag, v.redis.tag], ["1111111-19", "7.8"]);
  });

  it("a key the file lacks is a usage error (exit 2) and nothing is pushed; plumb image tag prints {short-sha}-{run-number}", async () => {
    const before = (await remote()).log;
    const bad = await plumb(["image", "set", "registry.example/shop:x-1", "--file", "helm/values.yaml", "--key", "image.tag", "--repo", url], repoRoot);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /no key image\.tag/);
    assert.deepEqual((await remote()).log, before);
    const tag = await plumb(["image", "tag"], repoRoot, { GITHUB_SHA: "5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e", GITHUB_RUN_NUMBER: "17" });
    assert.equal(tag.code, 0, tag.stderr);
    assert.equal(tag.stdout, "5d6e7f8-17\n");
    const none = await plumb(["image", "tag"], repoRoot, { GITHUB_SHA: "", GITHUB_RUN_NUMBER: "", CI_COMMIT_SHA: "", GIT_COMMIT: "", BUILDKITE_COMMIT: "", CIRCLE_SHA1: "", BUILD_SOURCEVERSION: "" });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no commit for the tag/);
  });
});
