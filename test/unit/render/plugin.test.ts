/** Config management plugins: Argo CD's ConfigManagementPlugin files, selection, a clean environment, a copy, a time limit. */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parsePlugins, render, RenderError, type Plugin, type RenderRequest, type SourceOptions } from "../../../src/render/index.js";
import { parameterEnvironment, pluginGlob } from "../../../src/render/plugin-spec.js";
import { FIXTURES, find, names, renderError, renderFixture, tempRepo } from "./support.js";

const plugin = (name: string, spec: string, annotations = ""): string => `apiVersion: argoproj.io/v1alpha1
kind: ConfigManagementPlugin
metadata:
  name: ${name}
${annotations}spec:
${spec}`;

const SCRIPT = plugin(
  "script",
  `  version: v1.0
  init:
    command: [sh, -c, "test -f app.env"]
  generate:
    command: [sh]
    args: [generate.sh]
`,
);
const BY_FILE = plugin("by-file", `  generate:\n    command: [sh, generate.sh]\n  discover:\n    fileName: "./app.env"\n`);
const BY_FIND = plugin("by-find", `  generate:\n    command: [sh, generate.sh]\n  discover:\n    find:\n      command: [sh, -c, "ls app.env"]\n`);
const HANG = plugin("hang", `  generate:\n    command: [sh, -c, "sleep 60 & sleep 60; echo never"]\n`, `  annotations:\n    plumb.dev/plugin-timeout: 1s\n`);
const VANDAL = plugin("vandal", `  generate:\n    command: [sh, -c, "rm -rf ./* ../plugin-other; echo '{apiVersion: v1, kind: ConfigMap, metadata: {name: vandal}}'"]\n`);
const FAILS = plugin("fails", `  generate:\n    command: [sh, -c, "echo 'cannot find values.yaml' >&2; exit 3"]\n`);
const DUPES = plugin("dupes", `  generate:\n    command: [sh, -c, "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: x}\\n---\\napiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: x}\\n'"]\n`);

const plugins = (...texts: string[]): Plugin[] => parsePlugins(texts.map((text, i) => ({ origin: `plugins/${i}.yaml`, text })));

const renderWith = (path: string, source: SourceOptions | undefined, registered: Plugin[], extra: Partial<RenderRequest> = {}) =>
  renderFixture(path, source, { plugins: registered, ...extra });

describe("config management plugins: definitions", () => {
  it("parses Argo CD's ConfigManagementPlugin; a versioned plugin is selected as name-version", () => {
    const ps = plugins(SCRIPT, BY_FILE + "---\n" + HANG);
    assert.deepEqual(ps.map((p) => p.key), ["by-file", "hang", "script-v1.0"]);
    assert.equal(ps.find((p) => p.key === "hang")?.timeoutMs, 1000);
  });

  it("refuses invalid plugins, all problems at once: no generate, a duplicate, provideGitCreds, a bad timeout", () => {
    try {
      plugins(
        plugin("a", "  init:\n    command: [echo]\n"),
        BY_FILE,
        BY_FILE,
        plugin("creds", "  generate:\n    command: [echo]\n  provideGitCreds: true\n"),
        plugin("slow", "  generate:\n    command: [echo]\n", "  annotations:\n    plumb.dev/plugin-timeout: soon\n"),
      );
      assert.fail("expected an error");
    } catch (err) {
      assert.ok(err instanceof RenderError);
      const m = err.problems.map((p) => `${p.file}: ${p.message}`).join("\n");
      assert.match(m, /plugins\/0\.yaml: spec\.generate/);
      assert.match(m, /plugins\/2\.yaml: plugin by-file is defined twice \(also in plugins\/1\.yaml\)/);
      assert.match(m, /provideGitCreds is not supported/);
      assert.match(m, /plugin-timeout "soon" is not a duration/);
    }
  });

  it("globs read as Go's filepath.Glob (fileName) and zglob (find.glob)", () => {
    assert.ok(pluginGlob("./app.env", false).test("app.env"));
    assert.ok(!pluginGlob("*.yaml", false).test("sub/a.yaml"), "* stays within a folder");
    assert.ok(pluginGlob("**/Chart.yaml", true).test("Chart.yaml"));
    assert.ok(pluginGlob("**/Chart.yaml", true).test("a/b/Chart.yaml"));
    assert.ok(pluginGlob("s[!x]b?.yaml", false).test("sab1.yaml"));
  });

  it("parameters become ARGOCD_APP_PARAMETERS and PARAM_ variables as in Argo CD", () => {
    const env = parameterEnvironment([
      { name: "some-string", string: "v" },
      { name: "zones", array: ["a", "b"] },
      { name: "images", map: { "web.tag": "1.2", api: "3" } },
    ]);
    assert.deepEqual(env, {
      ARGOCD_APP_PARAMETERS: '[{"name":"some-string","string":"v"},{"name":"zones","array":["a","b"]},{"name":"images","map":{"api":"3","web.tag":"1.2"}}]',
      PARAM_SOME_STRING: "v",
      PARAM_ZONES_0: "a",
      PARAM_ZONES_1: "b",
      PARAM_IMAGES_WEB_TAG: "1.2",
      PARAM_IMAGES_API: "3",
    });
  });
});

describe("config management plugins: rendering", () => {
  const source: SourceOptions = {
    plugin: {
      name: "script-v1.0",
      env: [{ name: "FOO", value: "bar-$ARGOCD_APP_NAMESPACE" }],
      parameters: [
        { name: "size", string: "large" },
        { name: "zones", array: ["eu-1", "eu-2"] },
        { name: "images", map: { "web.tag": "2.0" } },
      ],
    },
  };
  const extra = { revision: "89abcdef0123456789abcdef0123456789abcdef", repoURL: "https://git.example/team/app.git", kubeVersion: "1.36.3", env: { ...process.env, PLUMB_TEST_SECRET: "s3cr3t" } };

  it("a named plugin runs init then generate in the app folder with Argo CD's environment, and nothing of plumb's", async () => {
    const r = await renderWith("plugin-app", source, plugins(SCRIPT), extra);
    assert.equal(r.type, "plugin");
    const cm = find(r.objects, "ConfigMap", "from-plugin-demo");
    assert.equal(cm.metadata.namespace, "apps", "the output goes through the common checks");
    assert.deepEqual(cm.data, {
      greeting: "hello",
      foo: "bar-apps",
      size: "large",
      first: "eu-1",
      image: "2.0",
      parameters: '[{"name":"size","string":"large"},{"name":"zones","array":["eu-1","eu-2"]},{"name":"images","map":{"web.tag":"2.0"}}]',
      revision: "89abcde",
      repo: "https://git.example/team/app.git",
      path: "plugin-app",
      kube: "1.36.3",
      "home-is-temp": "yes",
      leaked: "",
      executable: "no",
    });
  });

  it("preserveFileMode keeps the execute bits", async () => {
    const keep = plugin("keep", `  generate:\n    command: [sh, generate.sh]\n  preserveFileMode: true\n`);
    const r = await renderWith("plugin-app", { plugin: { name: "keep" } }, plugins(keep));
    assert.equal((find(r.objects, "ConfigMap", "from-plugin-demo").data as Record<string, string>).executable, "yes");
  });

  it("discovery by fileName or find.command selects a plugin without source.plugin; elsewhere the folder renders as before", async () => {
    for (const def of [BY_FILE, BY_FIND]) {
      const r = await renderWith("plugin-app", undefined, plugins(def));
      assert.equal(r.type, "plugin");
      find(r.objects, "ConfigMap", "from-plugin-demo");
      const other = await renderWith("plugin-other", undefined, plugins(def));
      assert.equal(other.type, "directory");
      assert.deepEqual(names(other.objects), ["ConfigMap plain"]);
    }
  });

  it("explicit directory options never run a plugin", async () => {
    const r = await renderWith("plugin-other", { directory: {} }, plugins(BY_FILE));
    assert.equal(r.type, "directory");
  });

  it("an unknown plugin name, and source.plugin: {} with no discover match, are clear errors", async () => {
    const unknown = await renderError(renderWith("plugin-app", { plugin: { name: "script" } }, plugins(SCRIPT, BY_FILE)));
    assert.match(unknown.message, /no config management plugin named "script" \(plugin script has a version: name it script-v1\.0\); registered: by-file, script-v1\.0/);
    const none = await renderError(renderWith("plugin-other", { plugin: {} }, plugins(BY_FILE)));
    assert.match(none.message, /no registered plugin's discover rules match this folder/);
    const named = await renderError(renderWith("plugin-other", { plugin: { name: "by-file" } }, plugins(BY_FILE)));
    assert.match(named.message, /plugin by-file: its discover rules do not match this folder/);
  });

  it("a hanging plugin is killed at its time limit, children included, with a message naming it and the time", async () => {
    const started = Date.now();
    const err = await renderError(renderWith("plugin-app", { plugin: { name: "hang" } }, plugins(HANG)));
    assert.match(err.message, /plugin hang was stopped after 1 s \(its time limit\) during generate; nothing was rendered/);
    assert.ok(Date.now() - started < 8000, `took ${Date.now() - started} ms`);
  });

  it("the render's time limit bounds a plugin that sets none (or a longer one)", async () => {
    const err = await renderError(renderWith("plugin-app", { plugin: { name: "hang" } }, plugins(HANG.replace("1s", "10m")), { timeoutMs: 1500 }));
    assert.match(err.message, /plugin hang was stopped after 1500 ms/);
  });

  it("runs in a copy: a plugin deleting files leaves the checkout intact", async () => {
    const repo = await tempRepo("plugin-app", "plugin-other");
    try {
      const r = await render({ repoRoot: repo.root, path: "plugin-app", appName: "demo", destinationNamespace: "apps", source: { plugin: { name: "vandal" } }, plugins: plugins(VANDAL) });
      assert.deepEqual(names(r.objects), ["ConfigMap vandal"]);
      assert.ok(existsSync(join(repo.root, "plugin-app", "generate.sh")));
      assert.ok(existsSync(join(repo.root, "plugin-other", "plain.yaml")));
    } finally {
      await repo.cleanup();
    }
    assert.ok(readFileSync(join(FIXTURES, "plugin-app", "app.env"), "utf8").includes("GREETING"));
  });

  it("a failing generate is a RenderError with its stderr; its output goes through the common checks", async () => {
    const err = await renderError(renderWith("plugin-app", { plugin: { name: "fails" } }, plugins(FAILS)));
    assert.match(err.message, /plugin fails: generate failed \(exit code 3\): cannot find values\.yaml/);
    const dupes = await renderError(renderWith("plugin-app", { plugin: { name: "dupes" } }, plugins(DUPES)));
    assert.match(dupes.message, /is defined twice/);
  });

  it("a source with both plugin and directory options is refused", async () => {
    const err = await renderError(renderWith("plugin-app", { plugin: {}, directory: {} }, plugins(BY_FILE)));
    assert.match(err.message, /directory and plugin/);
  });
});
