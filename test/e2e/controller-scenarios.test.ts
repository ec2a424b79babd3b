/**
 * More of the seed scenarios, each a user story on a real cluster and Git server: (c) a new environment
 * variable rolls the Pods, (f) `git revert` brings the previous version back, (h) an app-of-apps root
 * creates a dev and a prod app from two branches with their health rolled up, (i) rollback to a history
 * entry, (m) an Argo CD Application applied unchanged, (n) dependsOn holds an app back.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml, stringify } from "yaml";
import type { Resources } from "../../src/cluster/resources.js";
import type { KubeObject } from "../../src/core/object.js";
import type { WorkDir } from "../../src/gitserver/workdir.js";
import { appStatus, startGitOpsWorld, type AppStatusView, type GitOpsWorld } from "../helpers/controller.js";
import { repoRoot } from "../helpers/paths.js";
import { waitFor } from "../helpers/wait.js";

type Deploy = KubeObject & { spec: { replicas: number; template: { metadata: { labels: Record<string, string> }; spec: { containers: Array<{ image: string; env?: Array<{ name: string; value: string }> }> } } } };
type Pod = KubeObject & { spec: { containers: Array<{ env?: Array<{ name: string; value: string }> }> }; status?: { phase?: string } };

const deployment = (ns: string, name: string) => ({ apiVersion: "apps/v1", kind: "Deployment", namespace: ns, name });

function app(name: string, repoURL: string, opts: { path?: string; revision?: string; ns: string; values?: string[]; automated?: boolean; dependsOn?: string[]; group?: string; appNamespace?: string }): KubeObject {
  return {
    apiVersion: `${opts.group ?? "plumb.dev"}/v1alpha1`,
    kind: "Application",
    metadata: { name, namespace: opts.appNamespace ?? "plumb" },
    spec: {
      project: "default",
      source: { repoURL, targetRevision: opts.revision ?? "main", path: opts.path ?? "guestbook", helm: { valueFiles: opts.values ?? ["values.yaml"] } },
      destination: { server: "https://kubernetes.default.svc", namespace: opts.ns },
      syncPolicy: { ...(opts.automated === false ? {} : { automated: { prune: true, selfHeal: true } }), syncOptions: ["CreateNamespace=true"] },
      ...(opts.dependsOn ? { dependsOn: opts.dependsOn.map((d) => ({ name: d })) } : {}),
    },
  };
}

describe("controller: more seed scenarios", { timeout: 400_000 }, () => {
  let world: GitOpsWorld;
  let resources: Resources;
  let wd: WorkDir;
  let repoURL: string;
  const editValues = (edit: (v: Record<string, Record<string, unknown>>) => void): void => world.editValues(edit);
  const syncedAt = (name: string, sha: string, group?: string, ns?: string) => async (): Promise<AppStatusView | undefined> => {
    const s = await appStatus(resources, name, ns, group);
    return s?.sync?.status === "Synced" && s.sync.revision === sha && s.health?.status === "Healthy" ? s : undefined;
  };

  before(async () => {
    world = await startGitOpsWorld("e2e-scenarios", { argoCompat: true });
    ({ resources, wd, repoURL } = world);
    await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "argocd" } });
  });
  after(async () => {
    await world?.close();
  });

  it("(c) a new environment variable rolls the Pods; (f) git revert brings the previous version back", async () => {
    await resources.apply(app("rolling", repoURL, { ns: "rolling" }));
    const first = await wd.head();
    await waitFor("rolling synced", syncedAt("rolling", first), 90_000);
    const before = ((await resources.list("v1", "Pod", { namespace: "rolling", labelSelector: "app=rolling-web" })).items).map((p) => p.metadata.name);

    editValues((v) => (v.web!.env = { FEATURE_X: "enabled" }));
    const withEnv = await wd.commit("turn FEATURE_X on (yaml 1.1 would read a bare on as a boolean)");
    await wd.push();
    await waitFor("the new env synced", syncedAt("rolling", withEnv), 60_000);
    await waitFor("Pods rolled with FEATURE_X", async () => {
      const pods = (await resources.list("v1", "Pod", { namespace: "rolling", labelSelector: "app=rolling-web" })).items as Pod[];
      const live = pods.filter((p) => !p.metadata.deletionTimestamp);
      const rolled = live.length === 2 && live.every((p) => !before.includes(p.metadata.name) && p.spec.containers[0]?.env?.some((e) => e.name === "FEATURE_X" && e.value === "enabled") && p.status?.phase === "Running");
      if (!rolled) throw new Error(`pods: ${JSON.stringify(pods.map((p) => [p.metadata.name, before.includes(p.metadata.name), p.status?.phase, p.spec.containers[0]?.env?.map((e) => e.name)]))}`);
      return true;
    }, 60_000);

    const reverted = await wd.revert();
    await wd.push();
    await waitFor("the revert synced", syncedAt("rolling", reverted), 60_000);
    const d = (await resources.get(deployment("rolling", "rolling-web"))) as Deploy;
    assert.equal(d.spec.template.spec.containers[0]?.env?.some((e) => e.name === "FEATURE_X") ?? false, false, "the previous version runs again");
  });

  it("(h) an app-of-apps root creates a dev app (develop, values-dev.yaml) and a prod app (main, values-prod.yaml), health rolled up", async () => {
    await wd.branch("develop");
    await wd.push("develop");
    await wd.checkout("main");
    wd.write({
      "roots/all/dev.yaml": stringify(app("guestbook-dev", repoURL, { ns: "dev", revision: "develop", values: ["values.yaml", "values-dev.yaml"] })),
      "roots/all/prod.yaml": stringify(app("guestbook-prod", repoURL, { ns: "prod", revision: "main", values: ["values.yaml", "values-prod.yaml"] })),
    });
    const sha = await wd.commit("app of apps");
    await wd.push("main");
    await resources.apply({
      apiVersion: "plumb.dev/v1alpha1",
      kind: "Application",
      metadata: { name: "root", namespace: "plumb" },
      spec: {
        source: { repoURL, targetRevision: "main", path: "roots/all" },
        destination: { server: "https://kubernetes.default.svc", namespace: "plumb" },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      },
    });
    await waitFor("root Synced and Healthy", syncedAt("root", sha), 120_000);
    const root = await appStatus(resources, "root");
    assert.deepEqual(root?.resources?.map((r) => `${r.kind}/${r.name}`).sort(), ["Application/guestbook-dev", "Application/guestbook-prod"]);
    await waitFor("dev and prod Healthy", async () => {
      const [d, p] = await Promise.all([appStatus(resources, "guestbook-dev"), appStatus(resources, "guestbook-prod")]);
      return d?.health?.status === "Healthy" && p?.health?.status === "Healthy" && d.sync?.status === "Synced" && p.sync?.status === "Synced" ? true : undefined;
    }, 60_000);
    const dev = (await resources.get(deployment("dev", "guestbook-dev-web"))) as Deploy;
    const prod = (await resources.get(deployment("prod", "guestbook-prod-web"))) as Deploy;
    assert.equal(dev.spec.replicas, 1);
    assert.equal(prod.spec.replicas, 3);
    assert.ok(dev.spec.template.spec.containers[0]?.env?.some((e) => e.name === "ENVIRONMENT" && e.value === "dev"));
    assert.ok(prod.spec.template.spec.containers[0]?.env?.some((e) => e.name === "ENVIRONMENT" && e.value === "prod"));
  });

  it("(i) rolls back to a history entry", async () => {
    await resources.apply(app("rb", repoURL, { ns: "rb", automated: false }));
    const requestSync = (revision?: string) =>
      resources.client.request({
        method: "PATCH",
        path: "/apis/plumb.dev/v1alpha1/namespaces/plumb/applications/rb",
        contentType: "application/merge-patch+json",
        body: { operation: { sync: { ...(revision ? { revision } : {}) }, initiatedBy: { username: "test" } } },
      });
    const v1 = await wd.head();
    await requestSync();
    await waitFor("rb synced at v1", syncedAt("rb", v1), 60_000);
    editValues((v) => (v.web!.tag = "1.99"));
    const v2 = await wd.commit("web 1.99");
    await wd.push();
    await waitFor("rb sees v2 OutOfSync", async () => {
      const s = await appStatus(resources, "rb");
      return s?.sync?.revision === v2 && s.sync.status === "OutOfSync" ? s : undefined;
    }, 30_000);
    await requestSync();
    const s2 = await waitFor("rb synced at v2", syncedAt("rb", v2), 60_000);
    assert.deepEqual(s2.history?.map((h) => h.revision), [v1, v2]);
    const image = async () => ((await resources.get(deployment("rb", "rb-web"))) as Deploy).spec.template.spec.containers[0]?.image;
    assert.equal(await image(), "nginx:1.99");

    await requestSync(s2.history![0]!.revision);
    await waitFor("the first version runs again", async () => ((await image()) === "nginx:1.27" ? true : undefined), 60_000);
    const s3 = await waitFor("the rollback recorded", async () => {
      const s = await appStatus(resources, "rb");
      return s?.history?.length === 3 && s.operationState?.phase === "Succeeded" ? s : undefined;
    }, 30_000);
    assert.equal(s3.history?.at(-1)?.revision, v1);
  });

  it("(m) an Argo CD argoproj.io/v1alpha1 Application, applied unchanged with the compatibility switch, syncs", async () => {
    const manifest = readFileSync(join(repoRoot, "test", "fixtures", "e2e", "argocd-application.yaml"), "utf8").replaceAll("REPO_URL", repoURL);
    const obj = parseYaml(manifest) as KubeObject;
    assert.equal(obj.apiVersion, "argoproj.io/v1alpha1");
    await resources.apply(obj);
    const sha = await wd.head();
    await waitFor("the Argo CD app Synced and Healthy", syncedAt(obj.metadata.name, sha, "argoproj.io", obj.metadata.namespace), 90_000);
  });

  it("(n) dependsOn holds back an app until its dependency is Synced and Healthy", async () => {
    await resources.apply(app("database", repoURL, { ns: "database", automated: false }));
    await resources.apply(app("frontend", repoURL, { ns: "frontend", dependsOn: ["database"] }));
    await waitFor("frontend waiting on database", async () => {
      const s = await appStatus(resources, "frontend");
      return s?.conditions?.some((c) => c.type === "DependencyNotReady" && c.message.includes("database")) ? s : undefined;
    }, 60_000);
    assert.equal(await resources.get(deployment("frontend", "frontend-web")), undefined, "nothing of frontend was deployed");
    await resources.client.request({
      method: "PATCH",
      path: "/apis/plumb.dev/v1alpha1/namespaces/plumb/applications/database",
      contentType: "application/merge-patch+json",
      body: { operation: { sync: {}, initiatedBy: { username: "test" } } },
    });
    const sha = await wd.head();
    await waitFor("database Healthy", syncedAt("database", sha), 60_000);
    await waitFor("frontend deployed after it", syncedAt("frontend", sha), 60_000);
    const s = await appStatus(resources, "frontend");
    assert.equal(s?.conditions?.some((c) => c.type === "DependencyNotReady") ?? false, false);
  });
});
