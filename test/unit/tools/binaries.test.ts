import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ToolMissingError } from "../../../src/core/errors.js";
import { findBinary, overrideVariable } from "../../../src/tools/binaries.js";
import { parseEnvFile, toolVersions } from "../../../src/tools/versions.js";

describe("finding external binaries", () => {
  const dir = mkdtempSync(join(tmpdir(), "plumb-bin-"));
  const fake = join(dir, "helm");
  writeFileSync(fake, "#!/bin/sh\n");
  chmodSync(fake, 0o755);
  const empty = { PATH: "", PLUMB_CACHE_DIR: join(dir, "no-cache") };

  it("names the override variable after the binary", () => {
    assert.equal(overrideVariable("helm"), "PLUMB_HELM");
    assert.equal(overrideVariable("kube-apiserver"), "PLUMB_KUBE_APISERVER");
  });

  it("prefers an explicit path, then the variable, then PATH", () => {
    assert.equal(findBinary("helm", { path: fake, env: empty }), fake);
    assert.equal(findBinary("helm", { env: { ...empty, PLUMB_HELM: fake } }), fake);
    assert.equal(findBinary("helm", { env: { ...empty, PATH: dir } }), fake);
  });

  it("says how to get a missing tool", () => {
    assert.throws(() => findBinary("helm", { env: empty }), (err: unknown) => {
      assert.ok(err instanceof ToolMissingError);
      assert.match(err.message, /helm not found/);
      assert.match(err.message, /bash hack\/tools\.sh helm/);
      assert.match(err.message, /PLUMB_HELM/);
      return true;
    });
    assert.throws(() => findBinary("kustomize", { env: { ...empty, PLUMB_KUSTOMIZE: join(dir, "nope") } }), /is not an executable file/);
  });

  it("reads the pinned versions", () => {
    assert.deepEqual(parseEnvFile("# c\nA=1\n\nB=x=y\n"), { A: "1", B: "x=y" });
    const v = toolVersions();
    assert.match(v.kubernetes, /^v1\.36\.\d+$/);
    assert.match(v.etcd, /^v3\.6\.\d+$/);
    assert.equal(v.kwok, "v0.8.0");
  });

  it("cleans up", () => rmSync(dir, { recursive: true, force: true }));
});
