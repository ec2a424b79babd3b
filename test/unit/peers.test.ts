/** src/peers pure parts: reading a peer's manifest files, and telling which peer builds are missing from the cache. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readObjects } from "../../src/peers/manifests.js";
import { peerDir, peerMissing, peerVersions } from "../../src/peers/versions.js";

describe("peers: manifests", () => {
  it("reads every object of a multi-document file, skips empty documents, defaults the namespace but not for CRDs", () => {
    const dir = mkdtempSync(join(tmpdir(), "plumb-peers-unit-"));
    try {
      const file = join(dir, "m.yaml");
      writeFileSync(
        file,
        ["apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}", "", "# only a comment", "apiVersion: v1\nkind: Secret\nmetadata: {name: b, namespace: other}", "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: xs.example.com}"].join("\n---\n"),
      );
      const objs = readObjects(file, "argocd");
      assert.deepEqual(
        objs.map((o) => [o.kind, o.metadata.name, o.metadata.namespace]),
        [
          ["ConfigMap", "a", "argocd"],
          ["Secret", "b", "other"],
          ["CustomResourceDefinition", "xs.example.com", undefined],
        ],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("peers: cache", () => {
  it("names each missing build and the command that builds it, and nothing once the builds are complete", () => {
    const cache = mkdtempSync(join(tmpdir(), "plumb-peers-cache-"));
    const env = { PLUMB_CACHE_DIR: cache };
    try {
      const v = peerVersions();
      assert.equal(peerDir("argocd", env), join(cache, "peers", `argocd-${v.argocd}`));
      const msg = peerMissing("flux", env);
      assert.match(msg ?? "", /flux-source-controller is not built/);
      assert.match(msg ?? "", /flux-kustomize-controller is not built/);
      assert.match(msg ?? "", /run hack\/peers\.sh flux$/);
      mkdirSync(peerDir("flux-source-controller", env), { recursive: true });
      writeFileSync(join(peerDir("flux-source-controller", env), ".complete"), "recipe 1\n");
      assert.doesNotMatch(peerMissing("flux", env) ?? "", /source-controller is not built/);
      mkdirSync(peerDir("flux-kustomize-controller", env), { recursive: true });
      writeFileSync(join(peerDir("flux-kustomize-controller", env), ".complete"), "recipe 1\n");
      assert.equal(peerMissing("flux", env), undefined);
      assert.match(peerMissing("argocd", env) ?? "", /run hack\/peers\.sh argocd$/);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });
});
