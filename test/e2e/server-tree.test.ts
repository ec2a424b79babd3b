/**
 * The resource tree on the local control plane, whose controller-manager and kwok make ReplicaSets, Pods
 * and EndpointSlices as a real cluster would. The objects carry the tracking label and annotation as the
 * controller applies them, and an Application's status lists them, as the controller writes it:
 *
 * - the tree shows Deployment → ReplicaSet → Pods, Service → EndpointSlice and Job → Pod with health,
 *   the managed resources with their sync status, a listed resource that is not there as Missing, one
 *   recorded at a version no longer served found at the served one;
 * - only the child kinds those resources can own are watched, only in the namespaces they are in;
 * - another app's Deployment in the same namespace, and its Pods, are not in the tree;
 * - a scale-up shows the new Pods once the watch has seen them, and onChange tells about it;
 * - a namespace's watches stop once nobody asked for a tree there for idleMs, not while a stream holds it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { installCRDs } from "../../src/apps/index.js";
import { KubeClient } from "../../src/cluster/client.js";
import { Resources } from "../../src/cluster/resources.js";
import type { KubeObject } from "../../src/core/object.js";
import { withTracking } from "../../src/core/tracking.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { changeAffects } from "../../src/server/tree/build.js";
import { managedInformerFactory, ResourceTrees } from "../../src/server/tree/children.js";
import type { ApplicationTree, ResourceNode, TreeChange } from "../../src/server/tree/types.js";
import type { InformerFactory } from "../../src/cluster/informer.js";
import { waitFor } from "../helpers/wait.js";

const NS = "tree-shop";
const OTHER_NS = "tree-config";
const quiet = { info: () => {}, warn: () => {} };

function deployment(name: string, replicas: number): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "main", image: `registry.example/${name}:1` }] } },
    },
  };
}
const service: KubeObject = { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: NS }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } };
const job: KubeObject = {
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "migrate", namespace: NS },
  spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "migrate", image: "registry.example/migrate:1" }] } } },
};
const settings: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings", namespace: OTHER_NS }, data: { a: "1" } };

/** "Kind/name" of a node's parents. */
const parents = (n: ResourceNode): string[] => (n.parentRefs ?? []).map((p) => `${p.kind}/${p.name}`);

describe("resource tree on the local control plane", { timeout: 300_000 }, () => {
  let cluster: LocalCluster;
  let resources: Resources;
  let treeResources: Resources;
  let managed: InformerFactory;
  let trees: ResourceTrees;
  let app: KubeObject;

  before(async () => {
    cluster = await startLocalCluster({ name: "e2e-server-tree", nodes: 1 });
    resources = new Resources(await KubeClient.fromKubeConfig(cluster.kubeConfig));
    // The tree's watches on a client of their own, as the server is told to give it.
    treeResources = new Resources(await KubeClient.fromKubeConfig(cluster.kubeConfig, { maxSockets: 64 }));
    await installCRDs(resources);
    await resources.discovery.waitForKind("plumb.dev/v1alpha1", "Application");
    for (const name of ["plumb", NS, OTHER_NS]) await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
    for (const obj of [deployment("web", 2), service, job, settings]) await resources.apply(withTracking(obj, "shop"));
    await resources.apply(withTracking(deployment("intruder", 1), "other"));
    // The app's own object its status does not list (a summarised status), and one whose label was copied.
    await resources.apply(withTracking({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "unlisted", namespace: NS }, data: {} }, "shop"));
    await resources.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "copied-label", namespace: NS, labels: { "plumb.dev/app": "shop" } }, data: {} });
    // A second app, in the other namespace: a Service.
    await resources.apply(withTracking({ apiVersion: "v1", kind: "Service", metadata: { name: "cfg", namespace: OTHER_NS }, spec: { selector: { app: "cfg" }, ports: [{ port: 80 }] } }, "config"));
    await resources.apply({
      apiVersion: "plumb.dev/v1alpha1",
      kind: "Application",
      metadata: { name: "shop", namespace: "plumb" },
      spec: { project: "default", source: { repoURL: "https://git.example/shop.git", path: ".", targetRevision: "main" }, destination: { server: "https://kubernetes.default.svc", namespace: NS } },
    });
    const entry = (group: string, kind: string, namespace: string, name: string, status: string) => ({ group, version: "v1", kind, namespace, name, status });
    await resources.client.request({
      method: "PATCH",
      path: "/apis/plumb.dev/v1alpha1/namespaces/plumb/applications/shop/status",
      contentType: "application/merge-patch+json",
      body: {
        status: {
          resources: [
            entry("apps", "Deployment", NS, "web", "Synced"),
            entry("", "Service", NS, "web", "Synced"),
            entry("batch", "Job", NS, "migrate", "Synced"),
            // Recorded at a version the cluster does not serve (since removed): found at the served one.
            { ...entry("", "ConfigMap", OTHER_NS, "settings", "OutOfSync"), version: "v9" },
            entry("apps", "Deployment", NS, "ghost", "OutOfSync"),
          ],
        },
      },
    });
    app = (await resources.get({ apiVersion: "plumb.dev/v1alpha1", kind: "Application", namespace: "plumb", name: "shop" }))!;
    managed = managedInformerFactory(treeResources);
    trees = new ResourceTrees({ resources: treeResources, managed, log: quiet });
  });
  after(async () => {
    await trees?.stop();
    await managed?.stop();
    treeResources?.client.close();
    resources?.client.close();
    await cluster?.stop();
  });

  /** The tree once `pred` holds for it (trees are asked for again until then). */
  const treeWhen = (what: string, pred: (t: ApplicationTree, find: (kind: string, name?: string) => ResourceNode[]) => boolean, t = trees, a = app) =>
    waitFor(what, async () => {
      const tree = await t.tree(a);
      const find = (kind: string, name?: string) => tree.nodes.filter((n) => n.kind === kind && (name === undefined || n.name === name));
      return pred(tree, find) ? tree : undefined;
    }, 90_000, 200);

  it("shows Deployment → ReplicaSet → Pods, Service → EndpointSlice and Job → Pod, with health and sync status", async () => {
    const tree = await treeWhen("a healthy tree with 2 Pods of web and a completed Job", (_t, find) => {
      const webPods = find("Pod").filter((p) => p.name.startsWith("web-"));
      return find("Deployment", "web")[0]?.health?.status === "Healthy" && webPods.length === 2 && webPods.every((p) => p.health?.status === "Healthy") && find("Job", "migrate")[0]?.health?.status === "Healthy" && find("EndpointSlice").length > 0;
    });
    const by = (kind: string, name?: string) => tree.nodes.filter((n) => n.kind === kind && (name === undefined || n.name === name));
    const [rs] = by("ReplicaSet");
    assert.ok(rs && rs.name.startsWith("web-"), "the Deployment's ReplicaSet");
    assert.deepEqual(parents(rs), ["Deployment/web"]);
    assert.equal(rs.health?.status, "Healthy");
    assert.deepEqual(rs.info, [{ name: "Revision", value: "Rev:1" }]);
    for (const pod of by("Pod").filter((p) => p.name.startsWith("web-"))) {
      assert.deepEqual(parents(pod), [`ReplicaSet/${rs.name}`]);
      const info = Object.fromEntries((pod.info ?? []).map((i) => [i.name, i.value]));
      assert.equal(info["Containers"], "1/1");
      assert.equal(info["Status Reason"], "Running");
      assert.ok(info["Node"], "the Pod's node");
      assert.deepEqual(pod.images, ["registry.example/web:1"]);
      assert.ok(pod.uid && pod.resourceVersion && pod.createdAt);
    }
    assert.deepEqual(by("EndpointSlice").map(parents), [["Service/web"]]);
    const jobPods = by("Pod").filter((p) => p.name.startsWith("migrate-"));
    assert.equal(jobPods.length, 1);
    assert.deepEqual(parents(jobPods[0]!), ["Job/migrate"]);
    assert.equal(by("Deployment", "web")[0]?.status, "Synced");
    assert.equal(by("ConfigMap", "settings")[0]?.status, "OutOfSync");
    assert.equal(by("ConfigMap", "settings")[0]?.health, undefined, "a ConfigMap has no health");
    assert.deepEqual(by("Deployment", "ghost")[0]?.health?.status, "Missing");
  });

  it("watches only the child kinds the app's resources can own, only in their namespace", () => {
    assert.deepEqual(trees.watchedNamespaces(), [NS], "no watch where the app has only a ConfigMap");
    // Deployment → ReplicaSet → Pod; Job → Pod; Service → EndpointSlice. No Job watch: no CronJob owns one.
    assert.equal(trees.stats().watches, 3);
    assert.equal(managed.list().length, 4, "managed: one label-selected watch each of Deployments, Services, Jobs, ConfigMaps");
  });

  it("shows the app's own objects its status does not list, not those that only carry its label", async () => {
    const tree = await treeWhen("the unlisted ConfigMap", (_t, find) => find("ConfigMap", "unlisted").length === 1);
    assert.equal(tree.nodes.find((n) => n.name === "unlisted")?.status, undefined, "no sync verdict: the status does not list it");
    assert.equal(tree.nodes.some((n) => n.name === "copied-label"), false, "a copied label is not ownership");
  });

  it("leaves out another app's Deployment in the same namespace, and its Pods", async () => {
    // The namespace's Pod cache holds the intruder's Pod too: it is left out by ownership, not by absence.
    await waitFor("the intruder's Pod", async () => (await resources.list("v1", "Pod", { namespace: NS })).items.some((p) => p.metadata.name.startsWith("intruder-")) || undefined);
    const tree = await trees.tree(app);
    assert.deepEqual(tree.nodes.filter((n) => n.name.startsWith("intruder")).map((n) => `${n.kind}/${n.name}`), []);
    assert.ok(trees.stats().objects > tree.nodes.filter((n) => n.namespace === NS && !n.status && n.health?.status !== "Missing").length, "the caches hold more than the tree shows");
  });

  it("shows the new Pods of a scale-up once the watch sees them, and onChange says so", async () => {
    const changes: TreeChange[] = [];
    const off = trees.onChange((c) => changes.push(c));
    try {
      const before = await trees.tree(app);
      await resources.client.request({
        method: "PATCH",
        path: `/apis/apps/v1/namespaces/${NS}/deployments/web/scale`,
        contentType: "application/merge-patch+json",
        body: { spec: { replicas: 4 } },
      });
      const after = await treeWhen("4 healthy Pods of web", (_t, find) => {
        const pods = find("Pod").filter((p) => p.name.startsWith("web-"));
        return pods.length === 4 && pods.every((p) => p.health?.status === "Healthy");
      });
      assert.ok(changes.some((c) => c.app === "shop"), "the Deployment's change names the app");
      assert.ok(changes.some((c) => c.app === undefined && c.namespace === NS), "the Pods' changes name their namespace");
      assert.ok(changes.every((c) => c.app !== undefined || c.namespace === NS), "child changes come only from the watched namespace");
      assert.ok(changes.filter((c) => changeAffects(c, "shop", before)).length > 0);
      assert.equal(after.nodes.filter((n) => n.kind === "ReplicaSet").length, 1, "a scale is no rollout");
    } finally {
      off();
    }
  });

  it("watches at most maxNamespaces namespaces, dropping the least recently used", async () => {
    const config: KubeObject = { ...app, metadata: { ...app.metadata, name: "config" }, status: { resources: [{ group: "", version: "v1", kind: "Service", namespace: OTHER_NS, name: "cfg", status: "Synced" }] } };
    const small = new ResourceTrees({ resources: treeResources, managed, log: quiet, maxNamespaces: 1 });
    try {
      await small.tree(app);
      assert.deepEqual(small.watchedNamespaces(), [NS]);
      await small.tree(config);
      assert.deepEqual(small.watchedNamespaces(), [OTHER_NS], "the first namespace's watches stopped for the second's");
      const tree = await treeWhen("the Service's EndpointSlice", (_t, find) => find("EndpointSlice").length > 0, small, config);
      assert.deepEqual(tree.nodes.map((n) => n.kind).sort(), ["EndpointSlice", "Service"]);
    } finally {
      await small.stop();
    }
  });

  it("stops a namespace's watches after idleMs without a tree, but not while a stream holds them", async () => {
    const idle = new ResourceTrees({ resources: treeResources, managed, log: quiet, idleMs: 1000 });
    try {
      await idle.tree(app);
      assert.deepEqual(idle.watchedNamespaces(), [NS]);
      const release = idle.retain(app);
      await new Promise((r) => setTimeout(r, 2500));
      assert.deepEqual(idle.watchedNamespaces(), [NS], "held by a stream: kept past idleMs");
      release();
      await waitFor("the idle namespace's watches stopped", async () => idle.watchedNamespaces().length === 0 || undefined, 5000, 100);
      assert.equal(idle.stats().watches, 0);
      const again = await idle.tree(app);
      assert.ok(again.nodes.some((n) => n.kind === "Pod"), "asked again, the watches start again");
    } finally {
      await idle.stop();
    }
  });
});
