/**
 * ApplicationSets as a user lives them, on one local control plane with the controller running (its
 * ApplicationSet controller inside) and the loopback Git server: a git-directories set over `apps/*`
 * creates one Application per folder, which the app controller syncs; a new folder is a new app; a removed
 * folder deletes its app under the default `sync` policy and keeps it under `create-update`; a folder whose
 * app would be invalid is reported while the others are created; a cluster generator × list matrix makes an
 * app per (cluster, env); goTemplate with missingkey=error; an unreachable repository deletes and changes
 * nothing and shows ErrorOccurred; deleting a set deletes its apps through the garbage collector.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Resources } from "../../src/cluster/resources.js";
import type { KubeObject } from "../../src/core/object.js";
import { startGitServer } from "../../src/gitserver/server.js";
import { startGitOpsWorld, type GitOpsWorld } from "../helpers/controller.js";
import { waitFor } from "../helpers/wait.js";

const NS = "plumb";
const TARGET = "appset-e2e";
const V = "plumb.dev/v1alpha1";

interface SetStatus {
  conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  resources?: Array<{ name: string; status?: string }>;
  invalidApplications?: Array<{ name?: string; message: string }>;
}

function configMap(name: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${name.toLowerCase()}\ndata:\n  app: ${name}\n`;
}

function gitSet(name: string, repoURL: string, o: { prefix?: string; policy?: string; automated?: boolean; namespace?: string } = {}): KubeObject {
  return {
    apiVersion: V,
    kind: "ApplicationSet",
    metadata: { name, namespace: NS },
    spec: {
      generators: [{ git: { repoURL, revision: "main", directories: [{ path: "apps/*" }, { path: "apps/skipped", exclude: true }] } }],
      ...(o.policy ? { syncPolicy: { applicationsSync: o.policy } } : {}),
      template: {
        metadata: { name: `${o.prefix ?? ""}{{path.basename}}`, labels: { folder: "{{path.basename}}" } },
        spec: {
          project: "default",
          source: { repoURL, targetRevision: "main", path: "{{path}}" },
          destination: { server: "https://kubernetes.default.svc", namespace: o.namespace ?? TARGET },
          ...(o.automated ? { syncPolicy: { automated: { prune: true } } } : {}),
        },
      },
    },
  };
}

describe("ApplicationSets", { timeout: 600_000 }, () => {
  let world: GitOpsWorld;
  let resources: Resources;

  const app = (name: string) => resources.get({ apiVersion: V, kind: "Application", namespace: NS, name });
  const set = (name: string) => resources.get({ apiVersion: V, kind: "ApplicationSet", namespace: NS, name });
  const setStatus = async (name: string) => ((await set(name))?.status ?? {}) as SetStatus;
  const condition = (s: SetStatus, type: string) => s.conditions?.find((c) => c.type === type);
  const ownedApps = async (setName: string) => {
    const s = await set(setName);
    const { items } = await resources.list(V, "Application", { namespace: NS });
    return items.filter((a) => a.metadata.ownerReferences?.some((r) => r.uid === s?.metadata.uid)).map((a) => a.metadata.name).sort();
  };
  const waitApps = (setName: string, want: string[], timeoutMs = 60_000) =>
    waitFor(`${setName}'s apps to be ${want.join(",")}`, async () => {
      const got = await ownedApps(setName);
      return JSON.stringify(got) === JSON.stringify([...want].sort()) ? got : false;
    }, timeoutMs);

  before(async () => {
    world = await startGitOpsWorld("appset", { pollIntervalMs: 1000, argoCompat: true, applicationSets: { statusDelayMs: 500 } });
    resources = world.resources;
    await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: TARGET } });
    await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "keep" } });
    world.wd.write({ "apps/alpha/cm.yaml": configMap("alpha"), "apps/beta/cm.yaml": configMap("beta"), "apps/skipped/cm.yaml": configMap("skipped") });
    await world.wd.commit("three folders");
    await world.wd.push("main");
  });

  after(async () => {
    await world?.close();
  });

  it("a git-directories set creates one app per folder (excluded ones left out), with an owner reference; they sync", async () => {
    await resources.apply(gitSet("folders", world.repoURL, { automated: true }), { fieldManager: "e2e" });
    await resources.apply(gitSet("kept", world.repoURL, { prefix: "keep-", policy: "create-update", namespace: "keep" }), { fieldManager: "e2e" });
    await waitApps("folders", ["alpha", "beta"]);
    await waitApps("kept", ["keep-alpha", "keep-beta"]);
    const alpha = (await app("alpha"))!;
    const owner = (await set("folders"))!;
    assert.deepEqual(alpha.metadata.ownerReferences, [{ apiVersion: V, kind: "ApplicationSet", name: "folders", uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    assert.equal(alpha.metadata.labels?.folder, "alpha");
    assert.ok(alpha.metadata.finalizers?.includes("plumb.dev/resources-finalizer"), "the cascade finalizer");
    await waitFor("alpha and beta Synced, their ConfigMaps deployed", async () => {
      for (const n of ["alpha", "beta"]) {
        const st = (await app(n))?.status as { sync?: { status?: string } } | undefined;
        if (st?.sync?.status !== "Synced") return false;
        if (!(await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: TARGET, name: `cm-${n}` }))) return false;
      }
      return true;
    }, 90_000);
    const s = await waitFor("status.resources to show both Synced", async () => {
      const st = await setStatus("folders");
      return st.resources?.length === 2 && st.resources.every((r) => r.status === "Synced") ? st : false;
    });
    assert.equal(condition(s, "ResourcesUpToDate")?.status, "True");
    assert.equal(condition(s, "ErrorOccurred")?.status, "False");
    const { items: events } = await resources.list("v1", "Event", { namespace: NS });
    assert.ok(events.some((e) => (e.involvedObject as { name?: string }).name === "folders" && e.reason === "ApplicationCreated"), "an Event for the created apps");
  });

  it("adding a folder creates an app; an invalid one is reported while the others are created", async () => {
    world.wd.write({ "apps/gamma/cm.yaml": configMap("gamma"), "apps/Bad_Folder/cm.yaml": configMap("bad") });
    await world.wd.commit("gamma and a folder whose app name is invalid");
    await world.wd.push("main");
    await waitApps("folders", ["alpha", "beta", "gamma"]);
    const s = await waitFor("the invalid app reported", async () => {
      const st = await setStatus("folders");
      return st.invalidApplications?.some((i) => i.name === "Bad_Folder") ? st : false;
    });
    assert.match(s.invalidApplications!.find((i) => i.name === "Bad_Folder")!.message, /not a valid Kubernetes name/);
    assert.equal(condition(s, "ResourcesUpToDate")?.status, "False");
    assert.match(condition(s, "ErrorOccurred")?.message ?? "", /Bad_Folder/);
  });

  it("removing a folder deletes its app under sync, keeps it under create-update", async () => {
    await waitApps("kept", ["keep-alpha", "keep-beta", "keep-gamma"]);
    world.wd.remove("apps/gamma/cm.yaml", "apps/Bad_Folder/cm.yaml");
    await world.wd.commit("gamma removed");
    await world.wd.push("main");
    await waitApps("folders", ["alpha", "beta"], 90_000);
    const st = await waitFor("the invalid app no longer reported", async () => {
      const s = await setStatus("folders");
      return s.invalidApplications === undefined && condition(s, "ResourcesUpToDate")?.status === "True" ? s : false;
    });
    assert.equal(condition(st, "ErrorOccurred")?.status, "False");
    assert.deepEqual(await ownedApps("kept"), ["keep-alpha", "keep-beta", "keep-gamma"], "create-update deletes nothing");
  });

  it("a cluster generator × list matrix creates an app per (cluster, env)", async () => {
    for (const [name, server] of [["east", "https://east.example:6443"], ["west", "https://west.example:6443"]] as const) {
      await resources.apply({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: `cluster-${name}`, namespace: NS, labels: { "argocd.argoproj.io/secret-type": "cluster", fleet: "e2e" } },
        stringData: { name, server, config: "{}" },
      });
    }
    await resources.apply(
      {
        apiVersion: V,
        kind: "ApplicationSet",
        metadata: { name: "fleet", namespace: NS },
        spec: {
          // Their clusters do not exist: without the cascade finalizer, deleting the set needs none of them.
          syncPolicy: { preserveResourcesOnDeletion: true },
          generators: [{ matrix: { generators: [{ clusters: { selector: { matchLabels: { fleet: "e2e" } } } }, { list: { elements: [{ env: "dev" }, { env: "prod" }] } }] } }],
          template: {
            metadata: { name: "{{name}}-{{env}}" },
            spec: { project: "default", source: { repoURL: world.repoURL, targetRevision: "main", path: "apps/alpha" }, destination: { server: "{{server}}", namespace: "{{env}}" } },
          },
        },
      },
      { fieldManager: "e2e" },
    );
    await waitApps("fleet", ["east-dev", "east-prod", "west-dev", "west-prod"]);
    const westProd = (await app("west-prod"))!.spec as { destination: { server: string; namespace: string } };
    assert.deepEqual(westProd.destination, { server: "https://west.example:6443", namespace: "prod" });
  });

  it("goTemplate with missingkey=error: the app with a missing key is reported, the other created", async () => {
    await resources.apply(
      {
        apiVersion: V,
        kind: "ApplicationSet",
        metadata: { name: "gotpl", namespace: NS },
        spec: {
          goTemplate: true,
          goTemplateOptions: ["missingkey=error"],
          generators: [{ list: { elements: [{ name: "go-one", env: "keep" }, { name: "go-two" }] } }],
          template: {
            metadata: { name: "{{ .name }}" },
            spec: { project: "default", source: { repoURL: world.repoURL, targetRevision: "main", path: "apps/{{ .name | trimPrefix \"go-\" | replace \"one\" \"alpha\" }}" }, destination: { server: "https://kubernetes.default.svc", namespace: "{{ .env }}" } },
          },
        },
      },
      { fieldManager: "e2e" },
    );
    await waitApps("gotpl", ["go-one"]);
    assert.equal(((await app("go-one"))!.spec as { source: { path: string } }).source.path, "apps/alpha");
    const s = await waitFor("go-two reported", async () => {
      const st = await setStatus("gotpl");
      return st.invalidApplications?.length ? st : false;
    });
    assert.match(s.invalidApplications![0]!.message, /env/);
  });

  it("an Argo CD ApplicationSet (argoproj.io, compat mode) makes Argo CD Applications; unsupported fields are reported", async () => {
    const A = "argoproj.io/v1alpha1";
    await resources.apply(
      {
        apiVersion: A,
        kind: "ApplicationSet",
        metadata: { name: "argo", namespace: NS },
        spec: {
          strategy: { type: "RollingSync" },
          generatorz: [],
          generators: [{ list: { elements: [{ app: "argo-alpha" }] } }],
          template: {
            metadata: { name: "{{app}}" },
            spec: { project: "default", source: { repoURL: world.repoURL, targetRevision: "main", path: "apps/alpha" }, destination: { server: "https://kubernetes.default.svc", namespace: "keep" } },
          },
        },
      },
      { fieldManager: "e2e" },
    );
    const made = await waitFor("the Argo CD Application", () => resources.get({ apiVersion: A, kind: "Application", namespace: NS, name: "argo-alpha" }));
    assert.deepEqual(made.metadata.finalizers, ["resources-finalizer.argocd.argoproj.io"]);
    const st = await waitFor("the UnsupportedField condition", async () => {
      const s = ((await resources.get({ apiVersion: A, kind: "ApplicationSet", namespace: NS, name: "argo" }))?.status ?? {}) as SetStatus;
      return condition(s, "UnsupportedField") ? s : false;
    });
    assert.match(condition(st, "UnsupportedField")!.message!, /spec\.generatorz is not a known field.*spec\.strategy/s);
  });

  it("an unreachable repository deletes and changes nothing and shows ErrorOccurred; it recovers", async () => {
    const before = await ownedApps("folders");
    const port = world.git.port;
    await world.git.close();
    const s = await waitFor("ErrorOccurred from the generator", async () => {
      const st = await setStatus("folders");
      const c = condition(st, "ErrorOccurred");
      return c?.status === "True" && c.reason === "ApplicationGenerationFromParamsError" ? st : false;
    }, 90_000);
    assert.equal(condition(s, "ParametersGenerated")?.status, "False");
    // A spec change while the repository is down reconciles the set again: still nothing is touched.
    const changed = gitSet("folders", world.repoURL, { automated: true });
    ((changed.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels).extra = "yes";
    await resources.apply(changed, { fieldManager: "e2e" });
    await waitFor("the new generation observed", async () => ((await set("folders"))?.status as { observedGeneration?: number } | undefined)?.observedGeneration === (await set("folders"))?.metadata.generation || false);
    assert.deepEqual(await ownedApps("folders"), before, "no app deleted");
    assert.equal((await app("alpha"))?.metadata.labels?.extra, undefined, "no app updated");
    world.git = await startGitServer({ root: world.gitRoot, port });
    await waitFor("recovered: the update applied", async () => (await app("alpha"))?.metadata.labels?.extra === "yes" || false, 90_000);
    // The status is written after the applies: wait for it rather than read it once.
    await waitFor("ErrorOccurred False again", async () => condition(await setStatus("folders"), "ErrorOccurred")?.status === "False" || false);
  });

  it("deleting a set deletes its apps (owner references, Kubernetes' garbage collector)", async () => {
    await resources.delete({ apiVersion: V, kind: "ApplicationSet", namespace: NS, name: "fleet" });
    await waitFor("fleet's apps gone", async () => {
      for (const n of ["east-dev", "east-prod", "west-dev", "west-prod"]) if (await app(n)) return false;
      return true;
    }, 90_000);
  });
});
