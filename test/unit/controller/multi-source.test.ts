/**
 * Multi-source: which sources are rendered and with which trees, the merge of their objects (a duplicate
 * is an error naming both sources), `$ref/…` value files read from the ref source's tree with the real
 * helm (and confined to it), the render cache keyed on every source's revision, the automated decision
 * over every revision, and a rollback of every revision.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ApplicationSpec, readApplication, type ApplicationSource } from "../../../src/apps/index.js";
import { rollbackSync } from "../../../src/apps/client.js";
import { engineAppForSources } from "../../../src/controller/engine-app.js";
import { sameTargets } from "../../../src/controller/operation.js";
import { RenderCache } from "../../../src/controller/render-cache.js";
import { ComparisonError, mergeRenders } from "../../../src/engine/compare.js";
import { render, RenderError, type RenderRequest, type RenderResult } from "../../../src/render/index.js";

const tmp = mkdtempSync(join(tmpdir(), "plumb-multi-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const chartRepo = join(tmp, "chart-repo");
const valuesRepo = join(tmp, "values-repo");
mkdirSync(join(chartRepo, "chart", "templates"), { recursive: true });
writeFileSync(join(chartRepo, "chart", "Chart.yaml"), "apiVersion: v2\nname: demo\nversion: 0.1.0\n");
writeFileSync(join(chartRepo, "chart", "values.yaml"), "greeting: default\n");
writeFileSync(join(chartRepo, "chart", "templates", "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: greeting\ndata:\n  greeting: {{ .Values.greeting | quote }}\n");
mkdirSync(join(valuesRepo, "env"), { recursive: true });
writeFileSync(join(valuesRepo, "env", "prod.yaml"), "greeting: from-values-repo\n");
writeFileSync(join(tmp, "secret.yaml"), "greeting: outside\n");

const spec = (sources: ApplicationSource[]) => ApplicationSpec.parse({ sources, destination: { namespace: "shop" } });
const src = (s: Partial<ApplicationSource> & { repoURL: string }): ApplicationSource => ({ targetRevision: "HEAD", ...s });

describe("multi-source", () => {
  const sources = [src({ repoURL: "https://git.example/chart.git", path: "chart", helm: { valueFiles: ["$values/env/prod.yaml"] } }), src({ repoURL: "https://u:p@git.example/values.git", ref: "values" })];

  it("renders the sources with a path, lending the ref sources' trees; a ref source without a path is not rendered", () => {
    const app = engineAppForSources("shop", spec(sources), [{ source: sources[0]!, dir: chartRepo }, { source: sources[1]!, dir: valuesRepo }], true);
    assert.equal(app.parts?.length, 1);
    assert.deepEqual(app.parts![0]!.refRoots, { values: valuesRepo });
    assert.equal(app.parts![0]!.label, "spec.sources[0] (https://git.example/chart.git path chart)");
    const both = engineAppForSources("shop", spec([sources[0]!, src({ repoURL: "https://git.example/x.git", path: "x", ref: "values" })]), [{ source: sources[0]!, dir: chartRepo }, { source: src({ repoURL: "https://git.example/x.git", path: "x", ref: "values" }), dir: valuesRepo }], true);
    assert.equal(both.parts?.length, 2, "a ref source with a path is rendered too");
    const single = engineAppForSources("shop", spec([sources[0]!]), [{ source: sources[0]!, dir: chartRepo }], false);
    assert.equal(single.parts, undefined, "one source: the single-source AppSpec");
  });

  it("reads $ref value files from the ref source's tree with helm, confined to it", async () => {
    const req = (valueFiles: string[], refRoots?: Record<string, string>): RenderRequest => ({ repoRoot: chartRepo, path: "chart", source: { helm: { valueFiles } }, appName: "shop", destinationNamespace: "shop", ...(refRoots ? { refRoots } : {}) });
    const r = await render(req(["$values/env/prod.yaml"], { values: valuesRepo }));
    assert.equal((r.objects[0]!.data as Record<string, string>).greeting, "from-values-repo");
    await assert.rejects(render(req(["$values/../secret.yaml"], { values: valuesRepo })), (e: unknown) => e instanceof RenderError && /outside the repository/.test(e.message));
    await assert.rejects(render(req(["$nope/env/prod.yaml"], { values: valuesRepo })), (e: unknown) => e instanceof RenderError && /names no source with ref "nope"/.test(e.message));
  });

  it("merges the parts' objects; one object from two sources is a ComparisonError naming both", () => {
    const cm = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "shop" } });
    const parts = [{ label: "spec.sources[0] (a)" }, { label: "spec.sources[1] (b)" }];
    const a: RenderResult = { type: "helm", objects: [cm("one"), cm("two")] };
    const b: RenderResult = { type: "directory", objects: [cm("three")] };
    assert.deepEqual(mergeRenders(parts, [a, b]).objects.map((o) => o.metadata.name), ["one", "two", "three"]);
    assert.throws(
      () => mergeRenders(parts, [a, { type: "directory", objects: [cm("two")] }]),
      (e: unknown) => e instanceof ComparisonError && e.problems.length === 1 && /ConfigMap.*two.*spec\.sources\[0\] \(a\) and spec\.sources\[1\] \(b\)/.test(e.problems[0]!),
    );
  });

  it("keys renders on every source's revision", async () => {
    let calls = 0;
    const cache = new RenderCache(10, async () => {
      calls++;
      return { type: "directory", objects: [] };
    });
    const req: RenderRequest = { repoRoot: chartRepo, path: "chart", appName: "shop", destinationNamespace: "shop" };
    const at = (values: string) => cache.forSources([{ repoURL: "c", revision: "1" }, { repoURL: "v", revision: values }]);
    await at("a")(req, 0);
    await at("a")(req, 0);
    assert.equal(calls, 1, "same revisions: cached");
    await at("b")(req, 0);
    assert.equal(calls, 2, "the values source moved: rendered again");
    await at("b")(req, 1);
    assert.equal(calls, 3, "another part: its own entry");
  });

  it("compares every revision for the automated decision", () => {
    const last = { revision: "", revisions: ["1", "2"], sources, destination: { namespace: "shop" } };
    assert.equal(sameTargets(last, ["1", "2"], sources, { namespace: "shop" }), true);
    assert.equal(sameTargets(last, ["1", "3"], sources, { namespace: "shop" }), false);
    assert.equal(sameTargets(last, ["1", "2"], [sources[0]!, { ...sources[1]!, ref: "other" }], { namespace: "shop" }), false);
  });

  it("rolls every source back to its revision of the history entry", () => {
    const view = readApplication({
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Application",
      metadata: { name: "shop", namespace: "plumb" },
      spec: { sources, destination: { namespace: "shop" } },
      status: { history: [{ id: 0, revisions: ["a1", "b1"], sources, deployedAt: "2026-01-01T00:00:00Z" }, { id: 1, revisions: ["a2", "b2"], sources, deployedAt: "2026-01-02T00:00:00Z" }] },
    });
    assert.deepEqual(rollbackSync(view, undefined), { revisions: ["a1", "b1"], sources });
  });
});
