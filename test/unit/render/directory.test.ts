/** The directory source: plain manifests read as Argo CD reads them. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { find, names, renderError, renderFixture } from "./support.js";

describe("directory source", () => {
  it("reads the folder's YAML and JSON files: multi-document, List, empty documents skipped, other files ignored", async () => {
    const r = await renderFixture("dir-basic");
    assert.equal(r.type, "directory");
    assert.deepEqual(r.files, ["dir-basic/a-multi.yaml", "dir-basic/b.json", "dir-basic/c-list.yaml", "dir-basic/d-cluster.yml"]);
    assert.deepEqual(names(r.objects).sort(), [
      "ClusterRole reader",
      "ConfigMap a-config",
      "ConfigMap b-json",
      "ConfigMap c-list-1",
      "Gadget gadget",
      "Namespace team-a",
      "Secret c-list-2",
      "Service a-service",
    ]);
    assert.deepEqual(find(r.objects, "ConfigMap", "b-json").data, { from: "json" });
  });

  it("returns objects sorted by resource key, the same on every render", async () => {
    const a = await renderFixture("dir-basic");
    assert.deepEqual(names(a.objects), [
      "ConfigMap a-config",
      "ConfigMap b-json",
      "ConfigMap c-list-1",
      "Namespace team-a",
      "Secret c-list-2",
      "Service a-service",
      "Gadget gadget",
      "ClusterRole reader",
    ]);
    const b = await renderFixture("dir-basic");
    assert.deepEqual(b.objects, a.objects);
  });

  it("gives namespaced objects the destination namespace and strips it from cluster-scoped ones", async () => {
    const r = await renderFixture("dir-basic");
    assert.equal(find(r.objects, "ConfigMap", "a-config").metadata.namespace, "apps");
    assert.equal(find(r.objects, "Service", "a-service").metadata.namespace, "other");
    assert.equal(find(r.objects, "Namespace", "team-a").metadata.namespace, undefined);
    assert.equal(find(r.objects, "ClusterRole", "reader").metadata.namespace, undefined);
    assert.equal(find(r.objects, "Gadget", "gadget").metadata.namespace, "apps", "unknown kinds are namespaced");
  });

  it("asks isNamespaced first (the cluster's discovery)", async () => {
    const r = await renderFixture("dir-basic", undefined, { isNamespaced: (group, kind) => (group === "example.com" && kind === "Gadget" ? false : undefined) });
    assert.equal(find(r.objects, "Gadget", "gadget").metadata.namespace, undefined);
    assert.equal(find(r.objects, "ConfigMap", "a-config").metadata.namespace, "apps");
  });

  it("reads sub-folders only with recurse", async () => {
    const r = await renderFixture("dir-basic", { directory: { recurse: true } });
    for (const n of ["nested-e", "nested-skip", "deeper-f"]) find(r.objects, "ConfigMap", n);
    assert.ok(r.files?.includes("dir-basic/nested/deeper/f.yml"));
  });

  it("include selects files by Argo CD glob, e.g. {a,b} alternatives", async () => {
    const r = await renderFixture("dir-basic", { directory: { include: "{a-multi.yaml,b.json}" } });
    assert.deepEqual(r.files, ["dir-basic/a-multi.yaml", "dir-basic/b.json"]);
  });

  it("include *.yaml also matches nested files (Argo CD's * crosses /), exclude wins over include", async () => {
    const r = await renderFixture("dir-basic", { directory: { recurse: true, include: "*.yaml", exclude: "nested/skip.yaml" } });
    assert.deepEqual(r.files, ["dir-basic/a-multi.yaml", "dir-basic/c-list.yaml", "dir-basic/nested/e.yaml"]);
  });

  it("refuses a malformed glob with a clear error", async () => {
    const err = await renderError(renderFixture("dir-basic", { directory: { include: "{a.yaml" } }));
    assert.match(err.message, /source\.directory\.include: unclosed "\{"/);
  });
});

describe("directory source: bad manifests", () => {
  it("invalid YAML is reported with its file and line", async () => {
    const err = await renderError(renderFixture("dir-problems", { directory: { include: "broken.yaml" } }));
    assert.equal(err.problems.length, 1);
    assert.equal(err.problems[0]?.file, "dir-problems/broken.yaml");
    assert.equal(err.problems[0]?.line, 4);
    assert.match(err.message, /dir-problems\/broken\.yaml:4:\d+: invalid YAML/);
  });

  it("an object without kind is reported with its file and name", async () => {
    const err = await renderError(renderFixture("dir-problems", { directory: { include: "no-kind.yaml" } }));
    assert.match(err.message, /dir-problems\/no-kind\.yaml:1: object kindless: has no kind/);
  });

  it("a file that is not a Kubernetes object is reported with its name", async () => {
    const err = await renderError(renderFixture("dir-problems", { directory: { include: "not-an-object.yaml" } }));
    assert.match(err.message, /dir-problems\/not-an-object\.yaml:1: not a Kubernetes object/);
  });

  it("two objects with the same group/kind/namespace/name are an error naming both places", async () => {
    const err = await renderError(renderFixture("dir-problems", { directory: { include: "dup-*.yaml" } }, { destinationNamespace: "default" }));
    assert.match(err.message, /dir-problems\/dup-b\.yaml:2: ConfigMap default\/twice: is defined twice \(also at dir-problems\/dup-a\.yaml:1\)/);
  });

  it("the same names in different namespaces are not duplicates", async () => {
    const r = await renderFixture("dir-problems", { directory: { include: "dup-*.yaml" } }, { destinationNamespace: "elsewhere" });
    assert.deepEqual(r.objects.map((o) => o.metadata.namespace), ["default", "elsewhere"]);
  });

  it("reports every problem of every file together", async () => {
    const err = await renderError(renderFixture("dir-problems", undefined, { destinationNamespace: "default" }));
    assert.deepEqual(err.problems.map((p) => p.file).sort(), [
      "dir-problems/broken.yaml",
      "dir-problems/dup-b.yaml",
      "dir-problems/no-kind.yaml",
      "dir-problems/not-an-object.yaml",
    ]);
    assert.match(err.message, /^cannot render, 4 problems:/);
  });
});

describe("directory source: Jsonnet beside YAML", () => {
  it("evaluates the .jsonnet files (not the .libsonnet libraries) beside the YAML", async () => {
    const r = await renderFixture("dir-jsonnet");
    assert.deepEqual(r.files, ["dir-jsonnet/a-config.yaml", "dir-jsonnet/b-app.jsonnet"]);
    assert.deepEqual(names(r.objects), ["ConfigMap beside-jsonnet", "Deployment web"]);
  });

  it("evaluates the Jsonnet files of sub-folders too with recurse", async () => {
    const r = await renderFixture("dir-jsonnet", { directory: { recurse: true } });
    assert.deepEqual(r.files, ["dir-jsonnet/a-config.yaml", "dir-jsonnet/b-app.jsonnet", "dir-jsonnet/nested/c-more.jsonnet"]);
    find(r.objects, "ConfigMap", "nested");
  });

  it("renders a folder of Jsonnet alone", async () => {
    const r = await renderFixture("dir-jsonnet-only");
    assert.deepEqual(names(r.objects), ["ConfigMap only"]);
  });

  it("include and exclude select Jsonnet files as they select YAML", async () => {
    for (const directory of [{ exclude: "*.jsonnet" }, { include: "*.yaml" }]) {
      const r = await renderFixture("dir-jsonnet", { directory: { recurse: true, ...directory } });
      assert.deepEqual(r.files, ["dir-jsonnet/a-config.yaml"], JSON.stringify(directory));
      assert.deepEqual(names(r.objects), ["ConfigMap beside-jsonnet"]);
    }
    const only = await renderFixture("dir-jsonnet", { directory: { recurse: true, include: "nested/*.jsonnet" } });
    assert.deepEqual(names(only.objects), ["ConfigMap nested"]);
  });
});
