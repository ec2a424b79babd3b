/**
 * plumb's container image (hack/image.sh, hack/image-layer.sh).
 * Always: a layer's bytes depend only on the files (names, contents, modes, links), not on mtimes, owners,
 * the order they were written in or the umask; entries are sorted, every mtime is SOURCE_DATE_EPOCH and the
 * non-root user's folder is owned by 65532.
 * Opt-in (PLUMB_IMAGE_E2E=1; two full builds of about a minute each, apt-get download needs Debian's
 * archive): the whole image built twice has one digest, is pushed to a loopback registry, and its config
 * says user 65532, entrypoint plumb and the ports; extracted and run (as root, in a chroot) it runs
 * `plumb --version`, git, helm and kustomize.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../helpers/paths.js";
import { startRegistry } from "../helpers/registry.js";
import { findBinary } from "../../src/tools/binaries.js";

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeout = 300_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, timeout, maxBuffer: 64 << 20 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(" ")}: ${err.message}\n${stderr}`)) : resolve(stdout)));
  });
}

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/** A folder with the same files, written in `order`, with mtimes `mtime` and file mode bits under `umask`. */
function makeTree(dir: string, order: string[], mtime: number): void {
  const files: Record<string, string> = { "usr/bin/tool": "#!/bin/sh\necho hi\n", "etc/passwd": "root:x:0:0::/root:/sbin/nologin\n", "app/a.js": "a", "app/z.js": "z" };
  for (const name of order) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), files[name]!);
    chmodSync(join(dir, name), name === "usr/bin/tool" ? 0o755 : 0o644);
    utimesSync(join(dir, name), mtime, mtime);
  }
  mkdirSync(join(dir, "home", "nonroot"), { recursive: true });
  chmodSync(join(dir, "home", "nonroot"), 0o755);
  symlinkSync("usr/bin", join(dir, "bin"));
}

describe("hack/image-layer.sh: reproducible layers", () => {
  it("gives the same bytes for the same files whatever their mtimes and write order, sorted, SOURCE_DATE_EPOCH, owner 0 and 65532", async () => {
    const work = mkdtempSync(join(tmpdir(), "plumb-layer-"));
    try {
      const names = ["usr/bin/tool", "etc/passwd", "app/a.js", "app/z.js"];
      makeTree(join(work, "one"), names, 1_000_000);
      makeTree(join(work, "two"), [...names].reverse(), 2_000_000_000);
      const env = { ...process.env, SOURCE_DATE_EPOCH: "1700000000", OWNED: "home/nonroot" };
      const script = join(repoRoot, "hack", "image-layer.sh");
      await run("bash", [script, join(work, "one"), join(work, "one.tar")], env);
      await run("bash", [script, join(work, "two"), join(work, "two.tar")], env);
      assert.equal(sha256(join(work, "one.tar")), sha256(join(work, "two.tar")), "two layers of the same files differ");
      const listing = (await run("tar", ["--numeric-owner", "--full-time", "-tvf", join(work, "one.tar")], { ...env, TZ: "UTC" })).trim().split("\n");
      const entries = listing.map((l) => {
        const f = l.split(/\s+/);
        return { owner: f[1]!, time: `${f[3]} ${f[4]}`, path: f[5]! };
      });
      const paths = entries.map((e) => e.path);
      const main = paths.slice(0, paths.indexOf("./home/nonroot/"));
      assert.deepEqual(main, [...main].sort(), "entries are not sorted");
      for (const e of entries) assert.equal(e.time, "2023-11-14 22:13:20", `${e.path} has mtime ${e.time}`);
      for (const e of entries) assert.equal(e.owner, e.path.startsWith("./home/nonroot") ? "65532/65532" : "0/0", `${e.path} owned by ${e.owner}`);
      // Another epoch is another layer: the time is really taken from SOURCE_DATE_EPOCH.
      await run("bash", [script, join(work, "two"), join(work, "three.tar")], { ...env, SOURCE_DATE_EPOCH: "1700000001" });
      assert.notEqual(sha256(join(work, "one.tar")), sha256(join(work, "three.tar")));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it("refuses to run without SOURCE_DATE_EPOCH, saying what to set", async () => {
    const env = { ...process.env };
    delete env.SOURCE_DATE_EPOCH;
    await assert.rejects(run("bash", [join(repoRoot, "hack", "image-layer.sh"), tmpdir(), "/dev/null"], env), /set SOURCE_DATE_EPOCH/);
  });
});

describe("hack/image.sh: the whole image", { skip: process.env.PLUMB_IMAGE_E2E === "1" ? false : "opt-in: set PLUMB_IMAGE_E2E=1 (two full builds, Debian's archive)", timeout: 900_000 }, () => {
  it("builds twice to one digest, pushes to a loopback registry, says user/entrypoint/ports, and runs", async () => {
    const registry = await startRegistry();
    const work = mkdtempSync(join(tmpdir(), "plumb-image-"));
    try {
      const image = join(repoRoot, "hack", "image.sh");
      const ref = `${registry.host}/plumb:test`;
      const first = (await run("bash", [image, "--no-build", "--push", ref, "--insecure"], process.env, 600_000)).trim().split("\n").pop()!;
      const second = (await run("bash", [image, "--no-build", "--out", join(work, "image.tar")], process.env, 600_000)).trim().split("\n").pop()!;
      assert.match(first, /^sha256:[0-9a-f]{64}$/);
      assert.equal(second, first, "two builds of one commit have different digests");
      const crane = findBinary("crane");
      assert.equal((await run(crane, ["digest", "--insecure", ref])).trim(), first);
      const config = JSON.parse(await run(crane, ["config", "--insecure", ref])) as { config: { User: string; Entrypoint: string[]; ExposedPorts: Record<string, unknown> }; os: string; architecture: string };
      assert.equal(config.config.User, "65532:65532");
      assert.deepEqual(config.config.Entrypoint, ["/usr/local/bin/plumb"]);
      assert.deepEqual(Object.keys(config.config.ExposedPorts).sort(), ["8080/tcp", "8083/tcp", "8084/tcp"]);
      assert.equal(`${config.os}/${config.architecture}`, "linux/amd64");
      const manifest = JSON.parse(await run(crane, ["manifest", "--insecure", ref])) as { layers: unknown[] };
      assert.equal(manifest.layers.length, 3);
      if (process.getuid?.() === 0) {
        const root = join(work, "root");
        mkdirSync(root);
        await run("bash", ["-c", `set -o pipefail; "${crane}" export --insecure "${ref}" - | tar -x -C "${root}"`]);
        // A container runtime gives the process /dev; the chroot gets the one node git opens.
        await run("bash", ["-c", `mkdir -p "${root}/dev" && mknod -m 666 "${root}/dev/null" c 1 3`]);
        const inside = (...cmd: string[]) => run("/usr/sbin/chroot", ["--userspec=65532:65532", root, ...cmd], { PATH: "/usr/local/bin:/usr/bin", HOME: "/home/nonroot" });
        assert.match(await inside("/usr/local/bin/plumb", "--version"), /\d+\.\d+\.\d+/);
        assert.match(await inside("/usr/bin/git", "--version"), /git version/);
        assert.match(await inside("/usr/local/bin/helm", "version", "--short"), /v3\./);
        assert.match(await inside("/usr/local/bin/kustomize", "version"), /v5\./);
      }
    } finally {
      await registry.close();
      rmSync(work, { recursive: true, force: true });
    }
  });
});
