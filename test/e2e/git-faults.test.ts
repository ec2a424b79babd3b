/**
 * Git faults (issue 15, item 5), on one local cluster, a real Git server and the controller in-process:
 *
 * - the Git server answering 500, hanging, or stopped → the app keeps its last state (its objects not
 *   written again, nothing pruned, no new history entry), shows a ComparisonError naming the repository
 *   and what to do, and recovers when the server is back — then deploys, as a normal new revision, the
 *   push made meanwhile (a file removed: pruned only then);
 * - a force-push of main to an older commit → deployed as any new revision (a new history entry);
 * - four repositories hanging and one healthy → a push to the healthy one is deployed within 10 s, and the
 *   hanging ones show a ComparisonError within 30 s (low-speed cut: 4 s here);
 * - the mirrors' disk full (a 16 MiB tmpfs, filled) → a ComparisonError saying so, nothing pruned, the
 *   mirror intact (git fsck), and the push deployed once space is freed.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import type { Resources } from "../../src/cluster/resources.js";
import type { KubeObject } from "../../src/core/object.js";
import { git as gitCli } from "../../src/gitserver/git.js";
import { startGitServer, type GitServer } from "../../src/gitserver/server.js";
import { WorkDir } from "../../src/gitserver/workdir.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { resourcesFor } from "../helpers/cluster.js";
import { appStatus, runController, type RunningController } from "../helpers/controller.js";
import { startHangingServer } from "../helpers/hanging-server.js";
import { waitFor } from "../helpers/wait.js";

const LOCAL = "https://kubernetes.default.svc";
const cm = (name: string, data: Record<string, string> = { v: "1" }) => stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data });
type Status = NonNullable<Awaited<ReturnType<typeof appStatus>>>;

function application(name: string, repoURL: string, ns: string): KubeObject {
  return {
    apiVersion: "plumb.dev/v1alpha1",
    kind: "Application",
    metadata: { name, namespace: "plumb" },
    spec: { source: { repoURL, targetRevision: "main", path: "app" }, destination: { server: LOCAL, namespace: ns }, syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] } },
  };
}

describe("git faults: last state kept, clear condition, recovery, isolation", { timeout: 420_000 }, () => {
  let cluster: LocalCluster;
  let resources: Resources;
  let git: GitServer;
  let gitRoot: string;
  let ctrl: RunningController;
  const dirs: WorkDir[] = [];
  const cacheDir = join(mkdtempSync(join(tmpdir(), "plumb-gfaults-")), "cache");
  let mounted = false;

  const status = async (name: string): Promise<Status | undefined> => appStatus(resources, name);
  const configMap = (ns: string, name: string) => resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name });
  const comparisonError = (name: string, pattern: RegExp, timeoutMs = 30_000) =>
    waitFor(`${name}: a ComparisonError matching ${pattern}`, async () => (await status(name))?.conditions?.find((c) => c.type === "ComparisonError" && pattern.test(c.message)), timeoutMs, 200);
  const syncedAt = (name: string, sha: string, timeoutMs = 30_000) =>
    waitFor(`${name}: synced at ${sha.slice(0, 8)} with no ComparisonError`, async () => {
      const s = await status(name);
      return s?.sync?.status === "Synced" && s.sync.revision === sha && s.operationState?.phase === "Succeeded" && !s.conditions?.some((c) => c.type === "ComparisonError") ? s : undefined;
    }, timeoutMs, 200);
  async function repo(name: string, files: Record<string, string>): Promise<{ wd: WorkDir; url: string; sha: string }> {
    const url = await git.createRepo(name);
    const wd = await WorkDir.clone(url);
    dirs.push(wd);
    wd.write(files);
    const sha = await wd.commit(`${name}: first`);
    await wd.push("main");
    return { wd, url, sha };
  }

  before(async () => {
    cluster = await startLocalCluster({ name: "e2e-gfaults" });
    resources = await resourcesFor(cluster);
    await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "plumb" } });
    gitRoot = mkdtempSync(join(tmpdir(), "plumb-gfaults-root-"));
    git = await startGitServer({ root: gitRoot });
    // The mirrors live on a small tmpfs of their own, which the disk-full test fills (the tests run as root).
    mkdirSync(cacheDir, { recursive: true });
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=16m", "tmpfs", cacheDir], { stdio: "pipe" });
      mounted = true;
    } catch (err) {
      console.log(`# mount -t tmpfs refused (${(err as Error).message.split("\n")[0]}): the disk-full test is skipped`);
    }
    ctrl = await runController(resources, { cacheDir, pollIntervalMs: 1000, mirrorOptions: { lowSpeedTimeMs: 4000, fetchTimeoutMs: 15_000 } });
  });
  after(async () => {
    await ctrl?.stop();
    if (mounted) execFileSync("umount", [cacheDir]);
    rmSync(join(cacheDir, ".."), { recursive: true, force: true });
    for (const d of dirs) d.dispose();
    await git?.close();
    rmSync(gitRoot, { recursive: true, force: true });
    resources?.client.close();
    await cluster?.stop();
  });

  it("500, hanging, stopped: last state kept, a ComparisonError naming the repository and what to do, recovery, then the push deployed as a new revision", async () => {
    const { wd, url, sha: first } = await repo("shop", { "app/a.yaml": cm("a"), "app/r0.yaml": cm("r0"), "app/r1.yaml": cm("r1"), "app/r2.yaml": cm("r2") });
    await resources.apply(application("shop", url, "shop"));
    await syncedAt("shop", first, 60_000);
    const faults: Array<{ fault: string; pattern: RegExp; inject: () => Promise<void>; clear: () => Promise<void> }> = [
      { fault: "500", pattern: /cannot reach .*shop\.git.*500[\s\S]*→ check the URL, the network and that the Git server is up/, inject: async () => void (git.fault = "error500"), clear: async () => void (git.fault = "none") },
      { fault: "hang", pattern: /cannot reach .*shop\.git: .*(timed out|too slow)[\s\S]*→ check the URL/, inject: async () => void (git.fault = "hang"), clear: async () => void (git.fault = "none") },
      { fault: "stopped", pattern: /cannot reach .*shop\.git: .*(refused|connect)[\s\S]*→ check the URL/, inject: () => git.close(), clear: async () => void (git = await startGitServer({ root: gitRoot, port: git.port })) },
    ];
    for (const [i, f] of faults.entries()) {
      const s0 = (await status("shop"))!;
      const kept = await configMap("shop", `r${i}`);
      assert.ok(kept, `r${i} deployed before the fault`);
      await f.inject();
      // A push the controller cannot see while the server fails (made into the server's folder): r<i>
      // removed, which its deploy would prune.
      wd.remove(`app/r${i}.yaml`);
      const next = await wd.commit(`r${i} removed`);
      await gitCli(["push", "--quiet", join(gitRoot, "shop.git"), "HEAD:main"], { cwd: wd.dir });
      const c = await comparisonError("shop", f.pattern);
      assert.ok(c.message.includes(url), `${f.fault}: the condition names ${url}: ${c.message}`);
      // Nothing pruned, nothing written again, no sync started, while the fault lasts.
      await new Promise((r) => setTimeout(r, 2000));
      const s = (await status("shop"))!;
      assert.equal((await configMap("shop", `r${i}`))?.metadata.resourceVersion, kept.metadata.resourceVersion, `${f.fault}: r${i} neither pruned nor written again`);
      assert.equal(s.history?.length, s0.history?.length, `${f.fault}: no new sync`);
      assert.equal(s.sync?.revision, s0.sync?.revision, `${f.fault}: still at the last good commit`);
      await f.clear();
      await syncedAt("shop", next, 30_000);
      assert.equal(await configMap("shop", `r${i}`), undefined, `${f.fault}: r${i} pruned once its removal was deployed, after recovery`);
      assert.equal((await status("shop"))?.history?.length, (s0.history?.length ?? 0) + 1, `${f.fault}: one new sync, of the new revision`);
    }
    assert.ok(await configMap("shop", "a"), "a kept throughout");
  });

  it("a force-push of main to an older commit is deployed as a normal new revision (a new history entry)", async () => {
    const { wd, url, sha: v1 } = await repo("forced", { "app/a.yaml": cm("a", { v: "1" }) });
    await resources.apply(application("forced", url, "forced"));
    await syncedAt("forced", v1, 60_000);
    wd.write({ "app/a.yaml": cm("a", { v: "2" }) });
    const v2 = await wd.commit("v2");
    await wd.push("main");
    const s2 = await syncedAt("forced", v2);
    await gitCli(["push", "--quiet", "--force", "origin", `${v1}:main`], { cwd: wd.dir });
    const s3 = await syncedAt("forced", v1);
    assert.equal(((await configMap("forced", "a"))?.data as { v?: string }).v, "1", "the older content is live again");
    assert.equal(s3.history?.length, (s2.history?.length ?? 0) + 1, "one more history entry");
    assert.equal(s3.history?.at(-1)?.revision, v1, "the history records the older commit as the newest deploy");
    assert.equal(s3.operationState?.syncResult?.revision, v1);
  });

  it("four hanging repositories delay no other: a push to the healthy one is deployed within 10 s; the hanging ones show a ComparisonError within 30 s", async () => {
    const hanging = await startHangingServer();
    try {
      const { wd, url, sha } = await repo("healthy", { "app/a.yaml": cm("a", { v: "1" }) });
      await resources.apply(application("healthy", url, "healthy"));
      await syncedAt("healthy", sha, 60_000);
      const stuck = ["hang-1", "hang-2", "hang-3", "hang-4"];
      const appliedAt = Date.now();
      for (const name of stuck) await resources.apply(application(name, `${hanging.url}/${name}.git`, name));
      await waitFor("the four hanging fetches under way", async () => hanging.sockets.size >= 4 || undefined, 30_000, 50);
      wd.write({ "app/a.yaml": cm("a", { v: "2" }) });
      const next = await wd.commit("v2");
      await wd.push("main");
      const pushedAt = Date.now();
      // No webhook: the poll (1 s here) must notice it, whatever the hanging fetches do.
      await waitFor("the push to the healthy repository deployed", async () => ((await configMap("healthy", "a"))?.data as { v?: string } | undefined)?.v === "2" || undefined, 10_000, 100);
      const deployedMs = Date.now() - pushedAt;
      assert.ok(hanging.sockets.size > 0, "deployed while hanging fetches were still open");
      await syncedAt("healthy", next, 10_000);
      for (const name of stuck) {
        const c = await comparisonError(name, new RegExp(`cannot reach .*${name}\\.git: .*(timed out|too slow)`), Math.max(1000, 30_000 - (Date.now() - appliedAt)));
        assert.ok(c.message.includes("→ check the URL"), `${name}: says what to do`);
        assert.equal((await status(name))?.operationState, undefined, `${name}: nothing synced`);
      }
      console.log(`# healthy push deployed in ${deployedMs} ms; hanging apps' ComparisonErrors within ${Date.now() - appliedAt} ms`);
    } finally {
      await hanging.close();
    }
  });

  it("the mirrors' disk full: a ComparisonError saying so, nothing pruned, the mirror intact, the push deployed once space is freed", async (t) => {
    if (!mounted) return t.skip("mount -t tmpfs was refused");
    const { wd, url, sha } = await repo("disk", { "app/a.yaml": cm("a"), "app/r.yaml": cm("r") });
    await resources.apply(application("disk", url, "disk"));
    await syncedAt("disk", sha, 60_000);
    const mirror = join(cacheDir, "repos", readdirSync(join(cacheDir, "repos")).find((d) => d.includes("disk"))!);
    // Fill the volume but for 64 KiB, then push 2 MiB of incompressible data and the removal of r.
    const fs = statfsSync(cacheDir);
    const filler = join(cacheDir, "filler");
    writeFileSync(filler, Buffer.alloc(Math.max(0, fs.bavail * fs.bsize - 64 * 1024)));
    wd.write({ "app/blob.bin": randomBytes(2 * 1024 * 1024).toString("base64") });
    wd.remove("app/r.yaml");
    const next = await wd.commit("blob added, r removed");
    await wd.push("main");
    const c = await comparisonError("disk", /cannot write the mirror of .*disk\.git: no space left on device[\s\S]*→ free space on the volume of the cache folder/);
    assert.ok(c.message.includes(url), c.message);
    assert.ok(await configMap("disk", "r"), "r not pruned while the disk is full");
    assert.equal((await status("disk"))?.sync?.revision, sha, "still at the last good commit");
    await gitCli(["fsck", "--no-progress"], { cwd: mirror }); // throws if the mirror is corrupt
    rmSync(filler);
    await syncedAt("disk", next, 30_000);
    assert.equal(await configMap("disk", "r"), undefined, "r pruned once the push is deployed");
    await gitCli(["fsck", "--no-progress"], { cwd: mirror });
  });
});
