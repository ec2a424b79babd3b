/**
 * Jsonnet and config management plugins through the controller, on the local control plane with the
 * loopback Git server and the pinned go-jsonnet:
 * - a directory of Jsonnet (a guestbook from params.libsonnet, an ext var) syncs and is Healthy;
 * - an app rendered by a plugin from a --plugins-dir folder (a shell script using ARGOCD_ENV_* and a
 *   parameter) syncs;
 * - the same app switched to a plugin that hangs: stopped at its time limit with a ComparisonError naming
 *   the plugin and the time, and nothing of the app is pruned;
 * - a plugin defined in the plumb-cmp-cm ConfigMap while the controller runs renders an app; a broken edit
 *   of that ConfigMap keeps the working definition;
 * - a kustomization with helmCharts fails until plumb-cm's kustomize.buildOptions says --enable-helm, then
 *   syncs without a restart.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Resources } from "../../src/cluster/resources.js";
import type { KubeObject } from "../../src/core/object.js";
import { loadPluginsDir } from "../../src/controller/plugins.js";
import { startGitServer, type GitServer } from "../../src/gitserver/server.js";
import { WorkDir } from "../../src/gitserver/workdir.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { resourcesFor } from "../helpers/cluster.js";
import { appStatus, runController, type RunningController } from "../helpers/controller.js";
import { repoRoot } from "../helpers/paths.js";
import { waitFor } from "../helpers/wait.js";

const LOCAL = "https://kubernetes.default.svc";

const GUESTBOOK_PARAMS = "{ name: 'guestbook-ui', image: 'registry.example/guestbook/ui:1.4', replicas: 1, port: 8080 }\n";
const GUESTBOOK = `local p = import 'params.libsonnet';
[
  { apiVersion: 'v1', kind: 'Service', metadata: { name: p.name, labels: { env: std.extVar('env') } },
    spec: { selector: { app: p.name }, ports: [{ port: 80, targetPort: p.port }] } },
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: p.name },
    spec: { replicas: p.replicas, selector: { matchLabels: { app: p.name } },
      template: { metadata: { labels: { app: p.name } },
        spec: { containers: [{ name: p.name, image: p.image, ports: [{ containerPort: p.port }] }] } } } },
]
`;

const PLUGINS = `apiVersion: argoproj.io/v1alpha1
kind: ConfigManagementPlugin
metadata:
  name: greeter
spec:
  generate:
    command: [sh, generate.sh]
---
apiVersion: argoproj.io/v1alpha1
kind: ConfigManagementPlugin
metadata:
  name: hang
  annotations:
    plumb.dev/plugin-timeout: 2s
spec:
  generate:
    command: [sh, -c, "sleep 600"]
`;

const GENERATE = `cat <<YAML
apiVersion: v1
kind: ConfigMap
metadata:
  name: greeting
data:
  text: "\${ARGOCD_ENV_GREETING}, \${PARAM_WHO}"
  app: "\${ARGOCD_APP_NAME}"
YAML
`;

function application(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: "plumb.dev/v1alpha1", kind: "Application", metadata: { name, namespace: "plumb" }, spec };
}

describe("controller: Jsonnet and config management plugins", { timeout: 300_000 }, () => {
  let cluster: LocalCluster;
  let resources: Resources;
  let git: GitServer;
  let ctrl: RunningController;
  let wd: WorkDir;
  let repoURL = "";
  const pluginsDir = mkdtempSync(join(tmpdir(), "plumb-plugins-"));
  const logLines: string[] = [];

  const spec = (path: string, ns: string, extra: Record<string, unknown> = {}) => ({
    source: { repoURL, targetRevision: "main", path, ...extra },
    destination: { server: LOCAL, namespace: ns },
    syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] },
  });
  const synced = (name: string) =>
    waitFor(`${name} Synced and Healthy`, async () => {
      const s = await appStatus(resources, name);
      return s?.sync?.status === "Synced" && s.health?.status === "Healthy" && s.operationState?.phase === "Succeeded" ? s : undefined;
    }, 120_000);

  before(async () => {
    writeFileSync(join(pluginsDir, "plugins.yaml"), PLUGINS);
    cluster = await startLocalCluster({ name: "e2e-jsonnet-plugins" });
    resources = await resourcesFor(cluster);
    await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "plumb" } });
    git = await startGitServer();
    repoURL = await git.createRepo("apps");
    wd = await WorkDir.clone(repoURL);
    wd.write({
      "guestbook/params.libsonnet": GUESTBOOK_PARAMS,
      "guestbook/guestbook-ui.jsonnet": GUESTBOOK,
      "greeter/generate.sh": GENERATE,
      ...Object.fromEntries(["kustomization.yaml", "charts/hello/Chart.yaml", "charts/hello/values.yaml", "charts/hello/templates/cm.yaml"].map((f) => [`inflate/${f}`, readFileSync(join(repoRoot, "test/fixtures/render/kustomize-helm", f), "utf8")])),
    });
    await wd.commit("apps");
    await wd.push("main");
    ctrl = await runController(resources, { plugins: await loadPluginsDir(pluginsDir), customizations: { namespace: "plumb" }, logDestination: { write: (line: string) => void logLines.push(line) }, logLevel: "info" });
  });
  after(async () => {
    await ctrl?.stop();
    wd?.dispose();
    await git?.close();
    resources?.client.close();
    await cluster?.stop();
    rmSync(pluginsDir, { recursive: true, force: true });
  });

  it("a Jsonnet app (guestbook from params.libsonnet, an ext var) syncs and is Healthy", async () => {
    await resources.apply(application("jsonnet-guestbook", spec("guestbook", "guestbook", { directory: { jsonnet: { extVars: [{ name: "env", value: "$ARGOCD_APP_NAME" }] } } })));
    await synced("jsonnet-guestbook");
    const svc = await resources.get({ apiVersion: "v1", kind: "Service", namespace: "guestbook", name: "guestbook-ui" });
    assert.equal(svc?.metadata.labels?.env, "jsonnet-guestbook");
    assert.ok(await resources.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: "guestbook", name: "guestbook-ui" }));
  });

  it("a plugin app (a shell script using ARGOCD_ENV_* and a parameter) syncs", async () => {
    await resources.apply(application("greeter", spec("greeter", "greeter", { plugin: { name: "greeter", env: [{ name: "GREETING", value: "hello" }], parameters: [{ name: "who", string: "world" }] } })));
    const s = await synced("greeter");
    assert.ok(s);
    const cm = await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "greeter", name: "greeting" });
    assert.deepEqual(cm?.data, { text: "hello, world", app: "greeter" });
  });

  it("a plugin that hangs is stopped at its time limit: a ComparisonError naming it and the time, nothing pruned", async () => {
    const started = Date.now();
    await resources.apply(application("greeter", spec("greeter", "greeter", { plugin: { name: "hang" } })));
    const s = await waitFor("greeter: a ComparisonError from the hanging plugin", async () => {
      const st = await appStatus(resources, "greeter");
      return st?.conditions?.find((c) => c.type === "ComparisonError" && /plugin hang was stopped after 2 s/.test(c.message)) ? st : undefined;
    }, 60_000);
    assert.ok(s);
    assert.ok(Date.now() - started < 45_000, `took ${Date.now() - started} ms`);
    assert.ok(await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "greeter", name: "greeting" }), "the app's objects are not pruned");
  });

  it("a plugin defined in plumb-cmp-cm while the controller runs renders an app; a broken edit keeps the working definition", async () => {
    const plugin = (value: string) => `apiVersion: argoproj.io/v1alpha1
kind: ConfigManagementPlugin
metadata:
  name: labeller
spec:
  generate:
    command: [sh, -c, "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: labelled\\ndata:\\n  from: ${value}\\n'"]
`;
    const cm = (text: string): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "plumb-cmp-cm", namespace: "plumb" }, data: { "plugin.yaml": text } });
    await resources.apply(cm(plugin("configmap")));
    await resources.apply(application("labelled", spec("greeter", "labelled", { plugin: { name: "labeller" } })));
    assert.ok(await synced("labelled"));
    assert.deepEqual((await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "labelled", name: "labelled" }))?.data, { from: "configmap" });
    // A definition that does not parse: the previous one stays, and the app keeps rendering with it.
    await resources.apply(cm("kind: ConfigManagementPlugin\nspec: [not, a, plugin]\n"));
    await waitFor("the controller read the broken edit", async () => logLines.some((l) => l.includes("config management plugins not read")), 20_000);
    await resources.apply(application("labelled2", spec("greeter", "labelled2", { plugin: { name: "labeller" } })));
    assert.ok(await synced("labelled2"));
    assert.deepEqual((await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "labelled2", name: "labelled" }))?.data, { from: "configmap" });
  });

  it("a kustomization with helmCharts fails until plumb-cm's kustomize.buildOptions has --enable-helm, then syncs", async () => {
    await resources.apply(application("inflate", spec("inflate", "inflate")));
    const failed = await waitFor("inflate: a ComparisonError asking for --enable-helm", async () => {
      const st = await appStatus(resources, "inflate");
      return st?.conditions?.find((c) => c.type === "ComparisonError" && /enable-helm/.test(c.message));
    }, 60_000);
    assert.ok(failed);
    await resources.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "plumb-cm", namespace: "plumb" }, data: { "kustomize.buildOptions": "--enable-helm --enable-exec" } });
    assert.ok(await synced("inflate"));
    const cm = await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "inflate", name: "demo-greeting" });
    assert.deepEqual(cm?.data, { greeting: "hi" });
    assert.ok(logLines.some((l) => l.includes("--enable-exec is refused")), "the refused flag is logged");
  });
});
