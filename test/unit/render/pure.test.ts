/** The pure parts of rendering: globs, YAML rules, option schemas, image overrides, scope and checks. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileGlob, finalize, parseManifests, parseSourceOptions, RenderError, scopeLookup, toYamlStream, type SourcedObject } from "../../../src/render/index.js";
import { escapeSetValue } from "../../../src/render/helm.js";
import { parseImageOverride } from "../../../src/render/kustomize.js";

describe("Argo CD globs for include/exclude", () => {
  const cases: Array<[string, string, boolean]> = [
    ["*.yaml", "a.yaml", true],
    ["*.yaml", "sub/a.yaml", true], // Argo CD compiles without separators: * crosses /
    ["*.yaml", "a.json", false],
    ["{a.yaml,b.yaml}", "b.yaml", true],
    ["{a.yaml,b.yaml}", "c.yaml", false],
    ["sub/*", "sub/deeper/x.yml", true],
    ["?.json", "b.json", true],
    ["?.json", "bb.json", false],
    ["[ab]-*.yaml", "b-1.yaml", true],
    ["[!ab]-*.yaml", "b-1.yaml", false],
    ["[a-c]*", "c.yaml", true],
    ["{x,{y,z}}.yaml", "z.yaml", true],
    ["a\\*.yaml", "a*.yaml", true],
    ["a\\*.yaml", "ab.yaml", false],
    ["app-(1).yaml", "app-(1).yaml", true],
  ];
  for (const [pattern, path, expected] of cases) {
    it(`${pattern} ${expected ? "matches" : "does not match"} ${path}`, () => assert.equal(compileGlob(pattern).test(path), expected));
  }
  it("refuses malformed patterns with the reason", () => {
    assert.throws(() => compileGlob("{a,b"), /unclosed "\{"/);
    assert.throws(() => compileGlob("[ab"), /unclosed "\["/);
  });
});

describe("manifest YAML follows Kubernetes (YAML 1.1) rules", () => {
  it("reads a lone dot as a string, as go-yaml does (path: .), and numbers with a fraction as floats", () => {
    const { objects } = parseManifests("apiVersion: v1\nkind: X\nmetadata: {name: x}\npath: .\nsign: -.\nhalf: .5\nwhole: 1.\n", "x.yaml");
    const o = objects[0]!.object;
    assert.deepEqual([o.path, o.sign, o.half, o.whole], [".", "-.", 0.5, 1]);
  });
  it("reads 0644 as octal, yes as true, and keeps dates and 12:30 as strings", () => {
    const { objects, problems } = parseManifests("apiVersion: v1\nkind: X\nmetadata: {name: x}\nmode: 0644\nflag: yes\nday: 2024-01-02\nat: 12:30\n", "x.yaml");
    assert.deepEqual(problems, []);
    const o = objects[0]!.object;
    assert.deepEqual([o.mode, o.flag, o.day, o.at], [420, true, "2024-01-02", "12:30"]);
  });
  it("skips empty documents, flattens Lists and remembers lines", () => {
    const text = "---\n---\n# comment only\n---\napiVersion: v1\nkind: ConfigMapList\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n";
    const { objects } = parseManifests(text, "l.yaml");
    assert.deepEqual(
      objects.map((o) => [(o.object.metadata as { name: string }).name, o.line]),
      [["a", 5], ["b", 5]],
    );
  });
  it("writes strings that YAML 1.1 would misread with quotes", () => {
    const out = toYamlStream([{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "yes", b: "0644", c: "on" } }]);
    assert.match(out, /a: "yes"/);
    assert.match(out, /b: "0644"/);
    assert.match(out, /c: "on"/);
  });
});

describe("source options", () => {
  it("accept Argo CD's fields and an empty jsonnet block", () => {
    const s = parseSourceOptions({ directory: { recurse: true, include: "*.yaml", jsonnet: {} } });
    assert.equal(s.directory?.recurse, true);
    parseSourceOptions({ helm: { valueFiles: ["v.yaml"], parameters: [{ name: "a", value: "1", forceString: true }], valuesObject: { x: { y: 1 } }, passCredentials: false } });
    assert.throws(() => parseSourceOptions({ helm: { passCredentials: true } }), /passCredentials is not supported: .*only to the repository's own host/);
    parseSourceOptions({ kustomize: { images: ["nginx:1.2"], commonLabels: { a: "b" }, replicas: [{ name: "web", count: "3" }] } });
  });
  it("refuse unknown fields (typos in jsonnet and plugin options too) and two types at once, all together", () => {
    const err = (input: unknown) => {
      try {
        parseSourceOptions(input);
      } catch (e) {
        assert.ok(e instanceof RenderError);
        return e.message;
      }
      return assert.fail("expected an error");
    };
    assert.match(err({ directory: { jsonnet: { tla: [{ name: "a", value: "b" }] } } }), /source\.directory\.jsonnet.*tla/);
    assert.match(err({ plugin: { name: "x", envs: [] } }), /source\.plugin.*envs/);
    assert.match(err({ plugin: {}, helm: {} }), /helm and plugin/);
    assert.match(err({ helm: { valueFile: ["typo.yaml"] } }), /source\.helm.*valueFile/);
    assert.match(err({ helm: { parameters: [{ name: "a" }] } }), /source\.helm\.parameters\.0\.value/);
    assert.match(err({ helm: {}, kustomize: {} }), /kustomize and helm/);
    assert.match(err({ helm: { version: "v2" } }), /only Helm v3/);
  });
});

describe("kustomize image overrides (kustomize edit set image syntax)", () => {
  const cases: Array<[string, object]> = [
    ["nginx:1.25", { name: "nginx", newTag: "1.25" }],
    ["nginx@sha256:abc", { name: "nginx", digest: "sha256:abc" }],
    ["nginx=ghcr.io/acme/nginx", { name: "nginx", newName: "ghcr.io/acme/nginx" }],
    ["nginx=registry.local:5000/nginx:2.0", { name: "nginx", newName: "registry.local:5000/nginx", newTag: "2.0" }],
    ["registry.local:5000/app=other/app:1@sha256:d", { name: "registry.local:5000/app", newName: "other/app", newTag: "1", digest: "sha256:d" }],
  ];
  for (const [spec, expected] of cases) it(spec, () => assert.deepEqual(parseImageOverride(spec), expected));
});

describe("helm --set values", () => {
  it("escape commas as Argo CD does, leaving {lists} alone", () => {
    assert.equal(escapeSetValue("a,b"), "a\\,b");
    assert.equal(escapeSetValue("a\\,b"), "a\\,b");
    assert.equal(escapeSetValue("{a,b}"), "{a,b}");
  });
});

describe("checks on a rendered set", () => {
  const item = (object: Record<string, unknown>, file = "f.yaml", line = 1): SourcedObject => ({ object, file, line });
  const cm = (name: string, namespace?: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, ...(namespace ? { namespace } : {}) } });

  it("scope: the caller's discovery, then CRDs in the set, then the built-in table, else namespaced", () => {
    const crd = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "w" }, spec: { group: "example.com", scope: "Cluster", names: { kind: "Widget" } } };
    const lookup = scopeLookup([crd], (g, k) => (k === "Gizmo" ? false : undefined));
    assert.equal(lookup("example.com", "Widget"), false);
    assert.equal(lookup("example.com", "Gizmo"), false);
    assert.equal(lookup("rbac.authorization.k8s.io", "ClusterRole"), false);
    assert.equal(lookup("", "Namespace"), false);
    assert.equal(lookup("", "ConfigMap"), true);
    assert.equal(lookup("example.com", "Unknown"), true);
  });

  it("sorts by resource key and fills namespaces", () => {
    const out = finalize([item(cm("b")), item({ apiVersion: "v1", kind: "Namespace", metadata: { name: "n", namespace: "x" } }), item(cm("a", "other"))], { destinationNamespace: "dest" });
    assert.deepEqual(
      out.map((o) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`),
      ["ConfigMap/dest/b", "ConfigMap/other/a", "Namespace//n"],
    );
  });

  it("allows generateName on hooks only", () => {
    const hook = { apiVersion: "batch/v1", kind: "Job", metadata: { generateName: "migrate-", annotations: { "argocd.argoproj.io/hook": "PreSync" } } };
    assert.equal(finalize([item(hook), item(structuredClone(hook))], { destinationNamespace: "d" }).length, 2);
    assert.throws(() => finalize([item({ apiVersion: "batch/v1", kind: "Job", metadata: { generateName: "x-" } })], { destinationNamespace: "d" }), /generateName is only allowed on hooks/);
  });

  it("reports every problem at once, each with its file and line", () => {
    try {
      finalize(
        [
          item({ kind: "ConfigMap", metadata: { name: "no-api" } }, "a.yaml", 3),
          item({ apiVersion: "v1", kind: "ConfigMap", metadata: {} }, "b.yaml", 7),
          item({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "l", labels: { version: 1.5 } } }, "c.yaml", 1),
          item({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: 42 } }, "n.yaml", 2),
          item(cm("dup"), "d.yaml", 1),
          item(cm("dup", "d"), "e.yaml", 9),
        ],
        { destinationNamespace: "d" },
      );
      assert.fail("expected a RenderError");
    } catch (err) {
      assert.ok(err instanceof RenderError);
      assert.equal(err.problems.length, 5);
      assert.match(err.message, /n\.yaml:2: ConfigMap: metadata\.name must be a string/);
      assert.match(err.message, /a\.yaml:3: ConfigMap no-api: has no apiVersion/);
      assert.match(err.message, /b\.yaml:7: ConfigMap: has no metadata\.name/);
      assert.match(err.message, /c\.yaml:1: ConfigMap l: metadata\.labels\.version must be a string/);
      assert.match(err.message, /e\.yaml:9: ConfigMap d\/dup: is defined twice \(also at d\.yaml:1\)/);
    }
  });
});
