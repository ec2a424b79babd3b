/** The helm source, rendered with the real (pinned) helm binary. */
import assert from "node:assert/strict";
import { symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { render } from "../../../src/render/index.js";
import { find, names, renderError, renderFixture, tempRepo } from "./support.js";

const configOf = async (...args: Parameters<typeof renderFixture>) => find((await renderFixture(...args)).objects, "ConfigMap", "demo-config").data as Record<string, string>;

describe("helm source", () => {
  it("helm template renders a fixture chart", async () => {
    const r = await renderFixture("chart-basic");
    assert.equal(r.type, "helm");
    assert.deepEqual(names(r.objects), [
      "ConfigMap demo-config",
      "ConfigMap demo-sub",
      "CustomResourceDefinition widgets.example.com",
      "Deployment demo-web",
      "Widget demo-widget",
    ]);
    const deploy = find(r.objects, "Deployment", "demo-web");
    assert.equal(deploy.metadata.labels?.["app.kubernetes.io/instance"], "demo", "release name defaults to the app name");
    assert.equal(deploy.metadata.namespace, "apps", "namespaced objects get the destination namespace");
    assert.equal(find(r.objects, "Widget", "demo-widget").metadata.namespace, undefined, "the CRD in the set says Widget is cluster-scoped");
    assert.deepEqual(find(r.objects, "ConfigMap", "demo-sub").data, { greeting: "hello-from-parent" }, "the vendored subchart renders offline");
    assert.equal((find(r.objects, "ConfigMap", "demo-config").data as Record<string, string>).releaseNamespace, "apps");
  });

  it("is detected from Chart.yaml and honours releaseName and namespace", async () => {
    const r = await renderFixture("chart-basic", { helm: { releaseName: "rel", namespace: "helm-ns" } });
    const cm = find(r.objects, "ConfigMap", "rel-config");
    assert.equal((cm.data as Record<string, string>).releaseNamespace, "helm-ns");
    assert.equal(cm.metadata.namespace, "apps", "objects without a namespace still go to the destination namespace");
  });

  it("values precedence: chart < valueFiles (in order) < values < valuesObject < parameters", async () => {
    const data = await configOf("chart-basic", {
      helm: {
        valueFiles: ["values-a.yaml", "values-b.yaml"],
        values: "p2: values\np3: values\np4: values\n",
        valuesObject: { p3: "object", p4: "object" },
        parameters: [{ name: "p4", value: "param" }],
      },
    });
    assert.deepEqual([data.p1, data.p2, data.p3, data.p4], ["file-b", "values", "object", "param"]);
    const fileOnly = await configOf("chart-basic", { helm: { valueFiles: ["values-a.yaml"] } });
    assert.equal(fileOnly.p1, "file-a");
  });

  it("forceString parameters stay strings and commas stay in the value", async () => {
    assert.equal((await configOf("chart-basic", { helm: { parameters: [{ name: "p5", value: "true" }] } })).p5kind, "bool");
    const data = await configOf("chart-basic", { helm: { parameters: [{ name: "p5", value: "true", forceString: true }, { name: "p6", value: "a,b" }] } });
    assert.equal(data.p5kind, "string");
    assert.equal(data.p6, "a,b");
  });

  it("lists the value files it read", async () => {
    const r = await renderFixture("chart-basic", { helm: { valueFiles: ["values-a.yaml"] } });
    assert.deepEqual(r.files, ["chart-basic/values-a.yaml"]);
  });

  it("includes the chart's CRDs unless skipCrds", async () => {
    const r = await renderFixture("chart-basic", { helm: { skipCrds: true } });
    assert.ok(!r.objects.some((o) => o.kind === "CustomResourceDefinition"));
  });

  it("kubeVersion and apiVersions reach .Capabilities", async () => {
    const plain = await configOf("chart-basic");
    assert.equal(plain.hasMonitoring, "false");
    const data = await configOf("chart-basic", undefined, { kubeVersion: "1.31.4", apiVersions: ["monitoring.coreos.com/v1"] });
    assert.equal(data.kubeVersion, "v1.31.4");
    assert.equal(data.hasMonitoring, "true");
    const fromSource = await configOf("chart-basic", { helm: { kubeVersion: "1.29.0" } }, { kubeVersion: "1.31.4" });
    assert.equal(fromSource.kubeVersion, "v1.29.0", "the source's kubeVersion overrides the request's");
  });

  it("ignores missing value files only when asked", async () => {
    const err = await renderError(renderFixture("chart-basic", { helm: { valueFiles: ["nope.yaml"] } }));
    assert.match(err.message, /value file "nope\.yaml" does not exist/);
    await renderFixture("chart-basic", { helm: { valueFiles: ["nope.yaml"], ignoreMissingValueFiles: true } });
  });
});

describe("helm source: errors", () => {
  it("a template error carries helm's message", async () => {
    const err = await renderError(renderFixture("chart-basic", { helm: { parameters: [{ name: "fail", value: "true" }] } }));
    assert.match(err.message, /^cannot render: chart-basic: helm template failed: .*chart-basic\/templates\/fail\.yaml.*values\.fail is set: this chart refuses to render/);
    assert.doesNotMatch(err.message, /--debug/);
  });

  it("bad YAML in values is helm's error, naming source.helm.values", async () => {
    const err = await renderError(renderFixture("chart-basic", { helm: { values: "a: [" } }));
    assert.match(err.message, /helm template failed/);
    assert.match(err.message, /source\.helm\.values/);
  });

  it("a time limit stops helm", async () => {
    const err = await renderError(renderFixture("chart-basic", undefined, { timeoutMs: 1 }));
    assert.match(err.message, /helm template failed: timed out after 1 ms/);
  });

  it("a dependency that is not vendored is a clear error, not a download", async () => {
    const err = await renderError(renderFixture("chart-missing-dep"));
    assert.match(err.message, /chart-missing-dep\/Chart\.yaml: dependency "redis" .* is not vendored in charts\/.*helm dependency build/);
  });

  it("value files outside the repository are refused: ../, absolute and URLs, all reported", async () => {
    const err = await renderError(renderFixture("chart-basic", { helm: { valueFiles: ["../../x.yaml", "/etc/hostname", "https://example.com/v.yaml"] } }));
    assert.equal(err.problems.length, 3);
    assert.match(err.message, /value file "\.\.\/\.\.\/x\.yaml" is outside the repository \(it leads out through "\.\."\)/);
    assert.match(err.message, /value file "\/etc\/hostname" is an absolute path outside the repository/);
    assert.match(err.message, /value file "https:\/\/example\.com\/v\.yaml" is a URL/);
  });

  it("a value file that is a symlink leading out of the repository is refused", async () => {
    const repo = await tempRepo("chart-basic");
    try {
      await symlink(join(repo.outside, "secret.yaml"), join(repo.root, "values-secret.yaml"));
      const err = await renderError(
        render({ repoRoot: repo.root, path: "chart-basic", appName: "demo", destinationNamespace: "apps", source: { helm: { valueFiles: ["../values-secret.yaml"] } } }),
      );
      assert.match(err.message, /value file "\.\.\/values-secret\.yaml" resolves through a symlink to .*outside\/secret\.yaml, outside the repository/);
    } finally {
      await repo.cleanup();
    }
  });

  it("file parameters are confined to the repository too", async () => {
    const repo = await tempRepo("chart-basic");
    try {
      await writeFile(join(repo.root, "chart-basic", "note.txt"), "from a file");
      const ok = await render({ repoRoot: repo.root, path: "chart-basic", appName: "demo", destinationNamespace: "apps", source: { helm: { fileParameters: [{ name: "p6", path: "note.txt" }] } } });
      assert.equal((find(ok.objects, "ConfigMap", "demo-config").data as Record<string, string>).p6, "from a file");
      const err = await renderError(
        render({ repoRoot: repo.root, path: "chart-basic", appName: "demo", destinationNamespace: "apps", source: { helm: { fileParameters: [{ name: "p6", path: "/etc/hostname" }] } } }),
      );
      assert.match(err.message, /file parameter "\/etc\/hostname" is an absolute path outside the repository/);
    } finally {
      await repo.cleanup();
    }
  });
});
