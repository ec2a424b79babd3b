/**
 * Fields accepted and honoured, or refused — never ignored in silence — each a user story on a real
 * cluster, a real Git server and the controller in-process:
 *
 * - the AppProject is enforced: sourceRepos, destinations, the cluster and namespace resource lists, a
 *   missing project; a refusal is an InvalidSpecError naming what is refused, and nothing is applied or
 *   pruned; a project changed to permit it lets the app sync;
 * - several sources: a condition says only the first is rendered;
 * - a plugin source naming no registered plugin is a ComparisonError and nothing is applied;
 * - the status always fits: an app bigger than the status budget is summarised and says so;
 * - a status write the API server refuses is visible (a Warning Event) and retried until it lands;
 * - a Git server that hangs delays no other repository's app: its own apps get a ComparisonError, and a
 *   push to another repository is deployed while its fetches still hang.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { stringify } from "yaml";
import type { Resources } from "../../src/cluster/resources.js";
import type { KubeObject } from "../../src/core/object.js";
import { startGitServer, type GitServer } from "../../src/gitserver/server.js";
import { WorkDir } from "../../src/gitserver/workdir.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { resourcesFor } from "../helpers/cluster.js";
import { startHangingServer } from "../helpers/hanging-server.js";
import { appStatus, runController, type RunningController } from "../helpers/controller.js";
import { waitFor } from "../helpers/wait.js";

type Status = NonNullable<Awaited<ReturnType<typeof appStatus>>> & { resourcesSummary?: { total: number; listed: number }; operationState?: { phase?: string; syncResult?: { revision?: string } } };
const status = async (resources: Resources, name: string): Promise<Status | undefined> => (await appStatus(resources, name)) as Status | undefined;
const cm = (name: string, data: Record<string, string> = { v: "1" }) => stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data });
const LOCAL = "https://kubernetes.default.svc";

function application(name: string, spec: Record<string, unknown>, labels?: Record<string, string>): KubeObject {
  return { apiVersion: "plumb.dev/v1alpha1", kind: "Application", metadata: { name, namespace: "plumb", ...(labels ? { labels } : {}) }, spec };
}
function project(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: "plumb.dev/v1alpha1", kind: "AppProject", metadata: { name, namespace: "plumb" }, spec };
}
const permissive = { sourceRepos: ["*"], destinations: [{ server: "*", namespace: "*" }], clusterResourceWhitelist: [{ group: "*", kind: "*" }] };

describe("controller: fields honoured or refused", { timeout: 300_000 }, () => {
  let cluster: LocalCluster;
  let resources: Resources;
  let git: GitServer;
  let ctrl: RunningController;
  const dirs: WorkDir[] = [];
  let repoURL = "";
  let wd: WorkDir;

  const get = (kind: string, namespace: string, name: string) => resources.get({ apiVersion: "v1", kind, namespace, name });
  const spec = (path: string, ns: string, extra: Record<string, unknown> = {}) => ({
    source: { repoURL, targetRevision: "main", path },
    destination: { server: LOCAL, namespace: ns },
    syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] },
    ...extra,
  });
  const condition = (name: string, type: string, pattern: RegExp) =>
    waitFor(`${name}: a ${type} condition matching ${pattern}`, async () => {
      const s = await status(resources, name);
      return s?.conditions?.find((c) => c.type === type && pattern.test(c.message)) ? s : undefined;
    }, 60_000);

  before(async () => {
    cluster = await startLocalCluster({ name: "e2e-guards" });
    resources = await resourcesFor(cluster);
    await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "plumb" } });
    git = await startGitServer();
    repoURL = await git.createRepo("apps");
    wd = await WorkDir.clone(repoURL);
    dirs.push(wd);
    const many: Record<string, string> = {};
    for (let i = 0; i < 120; i++) many[`many/cm-${String(i).padStart(3, "0")}.yaml`] = cm(`cm-${String(i).padStart(3, "0")}`, { index: String(i) });
    wd.write({
      "plain/settings.yaml": cm("settings"),
      "cluster/ns.yaml": stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "made-by-app" } }),
      "secret/settings.yaml": cm("settings"),
      "secret/token.yaml": stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "token" }, stringData: { token: "s3cr3t" } }),
      "secret-only/token.yaml": stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "token" }, stringData: { token: "s3cr3t" } }),
      "service/svc.yaml": stringify({ apiVersion: "v1", kind: "Service", metadata: { name: "svc" }, spec: { ports: [{ port: 80 }] } }),
      "second/other.yaml": cm("other"),
      ...many,
    });
    await wd.commit("apps");
    await wd.push("main");
    // A small status budget, so that an app of 120 objects is over it.
    ctrl = await runController(resources, { statusBudgetBytes: 8 * 1024, mirrorOptions: { lowSpeedTimeMs: 10_000 } });
  });
  after(async () => {
    await ctrl?.stop();
    for (const d of dirs) d.dispose();
    await git?.close();
    resources?.client.close();
    await cluster?.stop();
  });

  it("enforces sourceRepos, destinations and the resource lists of the AppProject, naming what each refuses", async () => {
    await resources.apply(project("repos", { ...permissive, sourceRepos: ["https://git.example.invalid/*"] }));
    await resources.apply(project("dests", { ...permissive, destinations: [{ server: LOCAL, namespace: "team-*" }, { server: LOCAL, namespace: "!team-secret" }] }));
    await resources.apply(project("no-cluster", { sourceRepos: ["*"], destinations: [{ server: "*", namespace: "*" }] }));
    await resources.apply(project("no-namespaces", { ...permissive, clusterResourceBlacklist: [{ group: "", kind: "Namespace" }] }));
    await resources.apply(project("no-secrets", { ...permissive, namespaceResourceBlacklist: [{ group: "", kind: "Secret" }] }));
    await resources.apply(project("only-configmaps", { ...permissive, namespaceResourceWhitelist: [{ group: "", kind: "ConfigMap" }] }));
    const cases: Array<[string, string, string, RegExp]> = [
      ["by-repo", "repos", "plain", /application repo .*apps.* is not permitted in project 'repos'/],
      ["by-dest", "dests", "plain", /destination .*team-secret.* is not permitted|team-secret/],
      ["by-cluster-kind", "no-cluster", "cluster", /Namespace.*made-by-app.*not permitted|cluster.*Namespace/i],
      ["by-cluster-blacklist", "no-namespaces", "cluster", /Namespace.*made-by-app.*clusterResourceBlacklist|clusterResourceBlacklist.*Namespace/i],
      ["by-blacklist", "no-secrets", "secret", /Secret.*token/],
      ["by-whitelist", "only-configmaps", "service", /Service.*svc/],
      ["by-missing-project", "nope", "plain", /^Application referencing project nope which does not exist$/],
    ];
    for (const [name, proj, path] of cases) await resources.apply(application(name, spec(path, name === "by-dest" ? "team-secret" : name, { project: proj })));
    for (const [name, , , pattern] of cases) {
      const s = await condition(name, "InvalidSpecError", pattern);
      assert.equal(s.operationState, undefined, `${name}: no sync ran`);
    }
    assert.equal(await get("ConfigMap", "by-repo", "settings"), undefined, "nothing applied for a refused repository");
    // A manual sync of a refused app ends Failed saying why, and does not linger as a request.
    await resources.client.request({ method: "PATCH", path: "/apis/plumb.dev/v1alpha1/namespaces/plumb/applications/by-repo", contentType: "application/merge-patch+json", body: { operation: { sync: {}, initiatedBy: { username: "e2e" } } } });
    const refusedSync = await waitFor("the manual sync refused", async () => {
      const app = await resources.get({ apiVersion: "plumb.dev/v1alpha1", kind: "Application", namespace: "plumb", name: "by-repo" });
      const op = (app?.status as Status | undefined)?.operationState as { phase?: string; message?: string } | undefined;
      return op?.phase === "Failed" && !app?.operation ? op : undefined;
    }, 30_000);
    assert.match(refusedSync.message ?? "", /the project refuses: application repo .* is not permitted/);
    assert.equal(await get("Namespace", "", "made-by-app"), undefined, "nothing applied for a refused kind");
    assert.equal(await get("Secret", "by-blacklist", "token"), undefined);
    assert.equal(await get("ConfigMap", "by-blacklist", "settings"), undefined, "not even the permitted objects of a refused app");

    // The same app under a project that permits it syncs: the refusal above was the project's.
    await resources.apply(project("no-secrets", permissive));
    await waitFor("by-blacklist to sync once the project permits it", async () => {
      const s = await status(resources, "by-blacklist");
      return s?.sync?.status === "Synced" && !s.conditions?.some((c) => c.type === "InvalidSpecError") ? s : undefined;
    }, 60_000);
    assert.ok(await get("Secret", "by-blacklist", "token"));
  });

  it("prunes nothing when the project refuses the app", async () => {
    await resources.apply(project("tight", permissive));
    await resources.apply(application("no-prune", spec("secret", "no-prune", { project: "tight" })));
    await waitFor("no-prune synced", async () => (await status(resources, "no-prune"))?.sync?.status === "Synced" || undefined, 60_000);
    // The project forbids Secrets now, and the app's source moves to a folder without its ConfigMap.
    await resources.apply(project("tight", { ...permissive, namespaceResourceBlacklist: [{ group: "", kind: "Secret" }] }));
    await condition("no-prune", "InvalidSpecError", /Secret.*token/);
    await resources.client.request({ method: "PATCH", path: "/apis/plumb.dev/v1alpha1/namespaces/plumb/applications/no-prune", contentType: "application/merge-patch+json", body: { spec: { source: { path: "secret-only" } } } });
    await waitFor("the new path compared", async () => (await status(resources, "no-prune"))?.resources?.some((r) => r.name === "settings" && (r as { requiresPruning?: boolean }).requiresPruning) || undefined, 60_000);
    await new Promise((r) => setTimeout(r, 2000));
    assert.ok(await get("ConfigMap", "no-prune", "settings"), "the ConfigMap the new path no longer has was not pruned");
    assert.ok(await get("Secret", "no-prune", "token"));
  });

  it("deploys every one of several sources, with no condition about them", async () => {
    await resources.apply(application("two-sources", { ...spec("plain", "two-sources"), source: undefined, sources: [{ repoURL, targetRevision: "main", path: "plain" }, { repoURL, targetRevision: "main", path: "second" }] }));
    await waitFor("both sources deployed", async () => ((await get("ConfigMap", "two-sources", "settings")) && (await get("ConfigMap", "two-sources", "other"))) || undefined, 60_000);
    const s = await status(resources, "two-sources");
    assert.equal((s?.sync as { revisions?: string[] } | undefined)?.revisions?.length, 2, "a revision per source");
    assert.equal((s?.conditions ?? []).some((c) => c.type === "UnsupportedField"), false, JSON.stringify(s?.conditions));
  });

  it("refuses a plugin source naming no registered plugin — a ComparisonError, nothing applied", async () => {
    await resources.apply(application("plugin", { ...spec("plain", "plugin"), source: { repoURL, targetRevision: "main", path: "plain", plugin: { name: "envsubst" } } }));
    const p = await condition("plugin", "ComparisonError", /no config management plugin named "envsubst"/);
    assert.notEqual(p.sync?.status, "Synced");
    assert.equal(await get("ConfigMap", "plugin", "settings"), undefined, "never rendered as a directory instead");
  });

  it("keeps the status within its budget: an app of 120 objects is summarised, at the new commit, and says so", async () => {
    await resources.apply(application("many", spec("many", "many")));
    const s = await waitFor("many synced and summarised", async () => {
      const st = await status(resources, "many");
      return st?.sync?.status === "Synced" && st.operationState?.phase === "Succeeded" && st.resourcesSummary ? st : undefined;
    }, 90_000);
    assert.equal(s.resourcesSummary?.total, 120);
    assert.ok((s.resources?.length ?? 0) < 120, `only part is listed (${s.resources?.length})`);
    assert.ok(s.conditions?.some((c) => c.type === "ResourcesSummarized" && /120/.test(c.message)), JSON.stringify(s.conditions));
    wd.write({ "many/cm-000.yaml": cm("cm-000", { index: "zero" }) });
    const sha = await wd.commit("cm-000 changes");
    await wd.push();
    await waitFor("the new commit's status written", async () => {
      const st = await status(resources, "many");
      return st?.sync?.revision === sha && st.sync.status === "Synced" || undefined;
    }, 60_000);
  });

  it("makes a refused status write visible — a Warning Event — and retries it until it lands", async () => {
    // A ValidatingAdmissionPolicy refuses status writes of Applications labelled hold-status.
    await resources.apply({
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicy",
      metadata: { name: "hold-status" },
      spec: {
        failurePolicy: "Fail",
        matchConstraints: { resourceRules: [{ apiGroups: ["plumb.dev"], apiVersions: ["v1alpha1"], operations: ["UPDATE"], resources: ["applications/status"] }] },
        validations: [{ expression: "!has(object.metadata.labels) || !('hold-status' in object.metadata.labels)", message: "status writes are held for this application" }],
      },
    } as KubeObject);
    await resources.apply({ apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicyBinding", metadata: { name: "hold-status" }, spec: { policyName: "hold-status", validationActions: ["Deny"] } } as KubeObject);
    // The API server takes a moment to load a policy: wait until it refuses a probe's status write.
    const probe = await resources.apply({ apiVersion: "plumb.dev/v1alpha1", kind: "Application", metadata: { name: "probe", namespace: "default", labels: { "hold-status": "true" } }, spec: { destination: { server: LOCAL } } });
    await waitFor("the policy to be in force", async () => {
      try {
        await resources.client.request({ method: "PATCH", path: "/apis/plumb.dev/v1alpha1/namespaces/default/applications/probe/status", contentType: "application/merge-patch+json", body: { status: { reconciledAt: new Date().toISOString() } } });
        return undefined;
      } catch (err) {
        return /held/.test(String(err)) || undefined;
      }
    }, 30_000, 200);
    void probe;
    await resources.apply(application("held", spec("plain", "held"), { "hold-status": "true" }));
    const ev = await waitFor("a StatusUpdateFailed Event", async () => {
      const list = await resources.list("v1", "Event", { namespace: "plumb" });
      return list.items.find((e) => (e.involvedObject as { name?: string }).name === "held" && e.reason === "StatusUpdateFailed");
    }, 60_000);
    assert.match(String(ev.message), /status writes are held/);
    assert.equal((await status(resources, "held"))?.sync, undefined, "the status could not be written");
    await resources.client.request({ method: "PATCH", path: "/apis/plumb.dev/v1alpha1/namespaces/plumb/applications/held", contentType: "application/merge-patch+json", body: { metadata: { labels: { "hold-status": null } } } });
    await waitFor("the status written once the policy lets it", async () => (await status(resources, "held"))?.sync?.status === "Synced" || undefined, 60_000);
  });

  it("a hanging Git server delays no other repository: its apps get a ComparisonError, another repository's push deploys meanwhile", async () => {
    const hanging = await startHangingServer();
    try {
      await resources.apply(application("steady", spec("plain", "steady")));
      await waitFor("steady synced", async () => (await status(resources, "steady"))?.sync?.status === "Synced" || undefined, 60_000);
      // More hanging repositories than fetch slots: five apps, each on its own repository of the server.
      const stuck = ["hang-1", "hang-2", "hang-3", "hang-4", "hang-5"];
      for (const name of stuck) await resources.apply(application(name, { ...spec("app", name), source: { repoURL: `${hanging.url}/${name}.git`, targetRevision: "main", path: "app" } }));
      await waitFor("the hanging fetches to be under way", async () => hanging.sockets.size >= 4 || undefined, 30_000, 50);
      wd.write({ "plain/settings.yaml": cm("settings", { v: "2" }) });
      const sha = await wd.commit("settings v2");
      await wd.push();
      await ctrl.sources.refresh(repoURL); // what a webhook does
      await waitFor("the push to the healthy repository deployed", async () => ((await get("ConfigMap", "steady", "settings"))?.data as { v?: string } | undefined)?.v === "2" || undefined, 30_000, 100);
      assert.ok(hanging.sockets.size > 0, "deployed while the hanging fetches were still outstanding");
      await waitFor("steady's status at the new commit", async () => (await status(resources, "steady"))?.sync?.revision === sha || undefined, 30_000);
      for (const name of stuck) {
        const s = await condition(name, "ComparisonError", /cannot reach .*timed out|timed out|too slow/i);
        assert.equal(s.operationState, undefined, `${name}: nothing synced`);
      }
    } finally {
      await hanging.close();
    }
  });
});
