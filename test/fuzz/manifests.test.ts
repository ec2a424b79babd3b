/**
 * Properties of the manifest reader (render/yaml.ts) and of the checks every rendered set passes
 * (render/validate.ts finalize), over random input:
 *  - reading never throws, whatever the bytes: a syntax error or a non-mapping is a problem with a message;
 *  - what plumb writes (toYamlStream) it reads back equal, YAML 1.1 quirks included (`yes`, `0644`, `~`);
 *  - finalize either refuses with a RenderError listing problems, or returns objects that are well formed
 *    (apiVersion, kind, name strings), unique by key, with every namespaced object in a namespace and no
 *    cluster-scoped one in any;
 *  - with a project whose only destination is the app's namespace, a rendered set the project accepts
 *    holds nothing outside that namespace — random input never yields an apply outside the app's
 *    namespace/project.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { projectViolations, type AppProjectSpec } from "../../src/apps/project.js";
import { keyOf, keyString, type KubeObject } from "../../src/core/object.js";
import { RenderError } from "../../src/render/errors.js";
import { finalize } from "../../src/render/validate.js";
import { parseManifests, toYamlStream, type SourcedObject } from "../../src/render/yaml.js";
import { check, dnsLabel, jsonValue, text } from "./support.js";

/** Pieces YAML is made of, so random text often parses and reaches the deeper paths. */
const yamlToken = fc.constantFrom("---\n", "...\n", "\n", "  ", "- ", ": ", "key", "apiVersion: v1\n", "kind: ConfigMap\n", "metadata:\n", "  name: x\n", "items:\n", "kind: List\n", "&a ", "*a", "<<: *a\n", "!!binary ", "!!str ", "!custom ", "? ", "|\n", ">-\n", "'q'", '"d\\u0041"', "{a: [1, {b: c}]}", "[", "]", "{", "}", ",", "#c\n", "\t", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "0644", "yes", "~", ".inf", "0x1F", "2001-12-14t21:59:43.10-05:00", "\u00a0", "\ufeff");
const yamlish = fc.array(fc.oneof(yamlToken, fc.string({ maxLength: 6 })), { maxLength: 40 }).map((parts) => parts.join(""));

/** A random Kubernetes-shaped object (string labels/annotations, any data). */
const kubeObject: fc.Arbitrary<KubeObject> = fc.record(
  {
    apiVersion: fc.constantFrom("v1", "apps/v1", "example.com/v1", "rbac.authorization.k8s.io/v1"),
    kind: fc.constantFrom("ConfigMap", "Secret", "Deployment", "Namespace", "ClusterRole", "Widget"),
    metadata: fc.record({ name: dnsLabel, namespace: fc.option(dnsLabel, { nil: undefined }), labels: fc.option(fc.dictionary(dnsLabel, text, { maxKeys: 3, noNullPrototype: true }), { nil: undefined }), annotations: fc.option(fc.dictionary(dnsLabel, text, { maxKeys: 3, noNullPrototype: true }), { nil: undefined }) }, { requiredKeys: ["name"] }),
    data: jsonValue,
  },
  { requiredKeys: ["apiVersion", "kind", "metadata"] },
) as fc.Arbitrary<KubeObject>;

/** Input to finalize: mostly object-like, often broken in one field. */
const namespaces = fc.constantFrom(undefined, null, "", "app", "other", "kube-system", 7);
const looseObject = fc.record(
  {
    apiVersion: fc.oneof(fc.constantFrom("v1", "apps/v1", "rbac.authorization.k8s.io/v1", "example.com/v1", ""), jsonValue),
    kind: fc.oneof(fc.constantFrom("ConfigMap", "Namespace", "ClusterRole", "Deployment", "Role", "Widget", "ClusterWidget", ""), jsonValue),
    metadata: fc.oneof(
      fc.record({ name: fc.oneof(fc.constantFrom("a", "b", "c"), jsonValue), namespace: namespaces, generateName: fc.constantFrom(undefined, "gen-"), labels: fc.oneof(fc.constant(undefined), fc.dictionary(text, jsonValue, { maxKeys: 2, noNullPrototype: true })), annotations: fc.oneof(fc.constant(undefined), fc.constant({ "argocd.argoproj.io/hook": "PreSync" }), fc.dictionary(text, jsonValue, { maxKeys: 2, noNullPrototype: true })) }, { requiredKeys: [] }),
      jsonValue,
    ),
  },
  { requiredKeys: [] },
);

/** Scope as discovery would answer: the built-in table, plus the example kinds. */
function isNamespaced(group: string, kind: string): boolean | undefined {
  if (kind === "Widget") return true;
  if (kind === "ClusterWidget") return false;
  return undefined;
}

describe("fuzz: manifests", () => {
  it("reading never throws on random bytes or YAML-like text, and reports every bad document as a problem", () => {
    check("parseManifests(random)", fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: "binary", maxLength: 200 }), yamlish), (input) => {
      const { objects, problems } = parseManifests(input, "fuzz.yaml");
      for (const o of objects) assert.ok(o.object !== null && typeof o.object === "object" && !Array.isArray(o.object), "objects are mappings");
      for (const p of problems) assert.ok(typeof p.message === "string" && p.message.length > 0, "problems have messages");
    });
  });

  it("an alias bomb is refused as a problem, not expanded", () => {
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]", ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(", ")}]`)].join("\n");
    const { objects, problems } = parseManifests(bomb, "bomb.yaml");
    assert.equal(objects.length, 0);
    assert.match(problems[0]?.message ?? "", /alias|Excessive/i);
  });

  it("what plumb writes it reads back equal", () => {
    check("toYamlStream round trip", fc.array(kubeObject, { minLength: 1, maxLength: 4 }), (objs) => {
      const { objects, problems } = parseManifests(toYamlStream(objs), "out.yaml");
      assert.deepEqual(problems, []);
      assert.deepEqual(objects.map((o) => o.object), JSON.parse(JSON.stringify(objs)) as unknown[]);
    });
  });

  it("finalize refuses with a RenderError or returns well-formed, unique, correctly scoped objects", () => {
    check("finalize(random)", fc.array(looseObject, { maxLength: 6 }), (raw) => {
      const items: SourcedObject[] = raw.map((object, i) => ({ object: structuredClone(object) as Record<string, unknown>, file: "f.yaml", line: i + 1 }));
      let out: KubeObject[];
      try {
        out = finalize(items, { destinationNamespace: "app", isNamespaced });
      } catch (err) {
        assert.ok(err instanceof RenderError, `only RenderError is thrown, got ${String(err)}`);
        assert.ok(err.problems.length > 0);
        return;
      }
      const keys = new Set<string>();
      for (const o of out) {
        assert.equal(typeof o.apiVersion, "string");
        assert.equal(typeof o.kind, "string");
        assert.ok(typeof o.metadata.name === "string" || typeof o.metadata.generateName === "string");
        const k = keyOf(o);
        // cluster-scoped: the core Namespace, RBAC's ClusterRole, and what discovery says (ClusterWidget); a
        // kind nobody knows is namespaced, as the API server's default for unknown kinds would have it
        const clusterScoped = (k.group === "" && o.kind === "Namespace") || (k.group === "rbac.authorization.k8s.io" && o.kind === "ClusterRole") || o.kind === "ClusterWidget";
        if (clusterScoped) assert.equal(o.metadata.namespace, undefined, `${o.kind} keeps no namespace`);
        else assert.ok(typeof o.metadata.namespace === "string" && o.metadata.namespace.length > 0, `${o.kind} has a namespace`);
        if (o.metadata.name) {
          assert.ok(!keys.has(keyString(k)), "unique keys");
          keys.add(keyString(k));
        }
      }
    });
  });

  it("a rendered set the project accepts holds nothing outside the app's namespace", () => {
    const project: AppProjectSpec = { sourceRepos: ["*"], destinations: [{ server: "*", namespace: "app" }] } as AppProjectSpec;
    check("finalize + projectViolations", fc.array(looseObject, { minLength: 1, maxLength: 6 }), (raw) => {
      const items: SourcedObject[] = raw.map((object) => ({ object: structuredClone(object) as Record<string, unknown>, file: "f.yaml" }));
      let out: KubeObject[];
      try {
        out = finalize(items, { destinationNamespace: "app", isNamespaced });
      } catch {
        return; // refused: nothing applied
      }
      const resources = out.map((o) => ({ ...keyOf(o), namespaced: o.metadata.namespace !== undefined }));
      const violations = projectViolations(project, { sources: [], destination: { server: "https://kubernetes.default.svc", namespace: "app" }, resources });
      if (violations.length > 0) return; // refused: the reconcile reports them and applies nothing
      for (const o of out) assert.equal(o.metadata.namespace, "app", `${o.kind} ${o.metadata.name} would be applied outside the app's namespace`);
    });
  });
});
