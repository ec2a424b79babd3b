/** In-cluster configuration (src/cluster/in-cluster.ts) on a temporary service-account folder. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inClusterConfig, shouldUseInCluster, TokenFile } from "../../src/cluster/in-cluster.js";

function folder(): string {
  const d = mkdtempSync(join(tmpdir(), "plumb-sa-"));
  writeFileSync(join(d, "token"), "first\n");
  writeFileSync(join(d, "ca.crt"), "PEM");
  writeFileSync(join(d, "namespace"), "plumb");
  return d;
}

describe("in-cluster mode", () => {
  it("reads server, CA, namespace and token from the folder", () => {
    const d = folder();
    const c = inClusterConfig({ KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "443", PLUMB_SERVICEACCOUNT_DIR: d });
    assert.equal(c.server, "https://10.0.0.1:443");
    assert.equal(c.ca, "PEM");
    assert.equal(c.namespace, "plumb");
    assert.equal(c.token.current(), "first");
    assert.equal(inClusterConfig({ KUBERNETES_SERVICE_HOST: "fd00::1", KUBERNETES_SERVICE_PORT: "443", PLUMB_SERVICEACCOUNT_DIR: d }).server, "https://[fd00::1]:443");
    rmSync(d, { recursive: true });
  });

  it("re-reads a rotated token after the refresh period, and at once on refresh()", () => {
    const d = folder();
    let now = 0;
    const t = new TokenFile(join(d, "token"), 60_000, () => now);
    writeFileSync(join(d, "token"), "second");
    now = 59_000;
    assert.equal(t.current(), "first", "cached within the period");
    now = 60_000;
    assert.equal(t.current(), "second", "re-read after it");
    writeFileSync(join(d, "token"), "third");
    assert.equal(t.refresh(), true);
    assert.equal(t.current(), "third");
    assert.equal(t.refresh(), false, "unchanged: no retry");
    rmSync(join(d, "token"));
    assert.equal(t.refresh(), false, "a missing file keeps the last good token");
    assert.equal(t.current(), "third");
    rmSync(d, { recursive: true });
  });

  it("is chosen only without a kubeconfig and with the service variables", () => {
    const home = mkdtempSync(join(tmpdir(), "plumb-home-"));
    const env = { KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "443" };
    assert.equal(shouldUseInCluster(env, home), true);
    assert.equal(shouldUseInCluster({ ...env, KUBECONFIG: "/x" }, home), false);
    assert.equal(shouldUseInCluster({}, home), false);
    mkdirSync(join(home, ".kube"));
    writeFileSync(join(home, ".kube", "config"), "");
    assert.equal(shouldUseInCluster(env, home), false);
    rmSync(home, { recursive: true });
  });

  it("says what is missing", () => {
    assert.throws(() => inClusterConfig({}), /KUBERNETES_SERVICE_HOST/);
    assert.throws(() => inClusterConfig({ KUBERNETES_SERVICE_HOST: "h", KUBERNETES_SERVICE_PORT: "1", PLUMB_SERVICEACCOUNT_DIR: "/nonexistent" }), /cannot read \/nonexistent\/ca.crt/);
  });
});
