/**
 * hack/tools.sh, the one-per-machine build of the pinned binaries: bad set-ups fail fast with a message
 * that says what to do and leave nothing half-built in the cache; a warm cache answers at once.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../helpers/paths.js";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function tools(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile("bash", [join(repoRoot, "hack", "tools.sh"), ...args], { env, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

describe("hack/tools.sh", { timeout: 180_000 }, () => {
  it("says clearly that Go is missing when it is not on PATH", async () => {
    const cache = mkdtempSync(join(tmpdir(), "plumb-tools-"));
    try {
      const r = await tools(["helm"], { PATH: "/usr/bin:/bin", HOME: process.env.HOME, PLUMB_CACHE_DIR: cache });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /no Go toolchain on PATH/);
      assert.match(r.stderr, /install Go/);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it("reports a failed build with its log and leaves nothing in the cache", async () => {
    const cache = mkdtempSync(join(tmpdir(), "plumb-tools-"));
    const versions = join(cache, "versions.env");
    writeFileSync(versions, "KUBERNETES_VERSION=v1.36.3\nETCD_VERSION=v3.6.16\nKWOK_VERSION=v0.8.0\nHELM_VERSION=v0.0.0-no-such-version\nKUSTOMIZE_VERSION=v5.8.2\n");
    try {
      const r = await tools(["helm"], { ...process.env, PLUMB_CACHE_DIR: cache, PLUMB_TOOLS_VERSIONS: versions });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /helm v0\.0\.0-no-such-version: build failed/);
      assert.match(r.stderr, /no-such-version/, "the build log is shown");
      assert.deepEqual(readdirSync(join(cache, "tools")), [], "no partial build is left behind");
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it("rejects an unknown tool name", async () => {
    const r = await tools(["kubelet"], process.env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unknown tool 'kubelet'/);
  });

  it("answers at once when every tool is cached", async () => {
    const r = await tools([], process.env);
    assert.equal(r.code, 0, r.stderr);
    for (const t of ["etcd", "kwok", "helm", "kustomize", "jsonnet", "kubernetes"]) assert.match(r.stderr, new RegExp(`${t} v[0-9.]+: cached`));
    assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
  });
});
