/** `plumb render` end to end: the built CLI in a child process, real helm and kustomize. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { repoRoot } from "../../helpers/paths.js";
import { FIXTURES } from "./support.js";

const MAIN = join(repoRoot, "dist", "src", "cli", "main.js");

function plumb(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, "render", ...args], { encoding: "utf8", cwd: repoRoot, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("plumb render", () => {
  it("prints a directory source as multi-document YAML", () => {
    const r = plumb(join(FIXTURES, "dir-basic"), "--namespace", "web");
    assert.equal(r.code, 0, r.stderr);
    const docs = parseAllDocuments(r.stdout, { version: "1.1" });
    assert.ok(Array.isArray(docs));
    const objects = docs.map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string } });
    assert.equal(objects.length, 8);
    assert.equal(objects.find((o) => o.metadata.name === "a-config")?.metadata.namespace, "web");
    assert.match(r.stdout, /enabled: "yes"/, "strings YAML 1.1 would misread stay quoted");
  });

  it("passes helm flags and prints JSON with -o json", () => {
    const r = plumb(join(FIXTURES, "chart-basic"), "--values", "values-a.yaml", "--helm-set", "p4=param", "--helm-set-string", "p5=true", "--release-name", "rel", "--kube-version", "1.30.0", "-o", "json");
    assert.equal(r.code, 0, r.stderr);
    const list = JSON.parse(r.stdout) as { kind: string; items: Array<{ kind: string; metadata: { name: string }; data?: Record<string, string> }> };
    assert.equal(list.kind, "List");
    const cm = list.items.find((o) => o.metadata.name === "rel-config");
    assert.deepEqual([cm?.data?.p1, cm?.data?.p4, cm?.data?.p5kind, cm?.data?.kubeVersion], ["file-a", "param", "string", "v1.30.0"]);
  });

  it("renders a kustomization, the app name defaulting to the folder's", () => {
    const r = plumb(join(FIXTURES, "kustomize", "overlay"));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /name: dev-web/);
  });

  it("selects files with --include and --recurse", () => {
    const r = plumb(join(FIXTURES, "dir-basic"), "--recurse", "--include", "nested/*", "-o", "json");
    assert.equal(r.code, 0, r.stderr);
    const names = (JSON.parse(r.stdout) as { items: Array<{ metadata: { name: string } }> }).items.map((o) => o.metadata.name);
    assert.deepEqual(names.sort(), ["deeper-f", "nested-e", "nested-skip"]);
  });

  it("exits 2 with every problem on stderr for bad manifests", () => {
    const r = plumb(join(FIXTURES, "dir-problems"));
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^plumb: cannot render, \d+ problems:/);
    assert.match(r.stderr, /dir-problems\/broken\.yaml:4:\d+: invalid YAML/);
    assert.match(r.stderr, /dir-problems\/no-kind\.yaml:1: object kindless: has no kind/);
  });

  it("exits 2 for a value file outside the repository, a missing folder and a bad flag", () => {
    const outside = plumb(join(FIXTURES, "chart-basic"), "--values", "../../../../package.json", "--repo-root", FIXTURES);
    assert.equal(outside.code, 2);
    assert.match(outside.stderr, /value file "\.\.\/\.\.\/\.\.\/\.\.\/package\.json" is outside the repository/);
    const missing = plumb(join(FIXTURES, "no-such-folder"));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /does not exist/);
    const badFlag = plumb(join(FIXTURES, "chart-basic"), "--helm-set", "novalue");
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.stderr, /--helm-set "novalue": expected name=value/);
  });

  it("exits 2 for a helm template error, with helm's message", () => {
    const r = plumb(join(FIXTURES, "chart-basic"), "--helm-set", "fail=true");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /helm template failed: .*values\.fail is set/);
  });
});
