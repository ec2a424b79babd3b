/**
 * The RBAC policy follows plumb-rbac-cm on a real control plane: a change to the ConfigMap is in force
 * within a few seconds; an invalid edit is logged with its line and the previous policy stays; deleting
 * the ConfigMap leaves the built-in policy alone; the AppProject hook applies project roles and logs the
 * policies it leaves out.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Resources } from "../../src/cluster/resources.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import type { Principal } from "../../src/server/auth/types.js";
import { Rbac, watchRbac, type RbacWatch } from "../../src/server/rbac/index.js";
import { RBAC_CONFIGMAP, Settings } from "../../src/server/settings.js";
import { resourcesFor } from "../helpers/cluster.js";
import { waitFor } from "../helpers/wait.js";

const NS = "plumb-rbac";
const person = (subject: string): Principal => ({ subject, username: subject, groups: [], via: "session", issuer: "plumb", issuedAt: 0 });
const alice = person("alice");
const admin = person("admin");

describe("RBAC reload from plumb-rbac-cm", { timeout: 300_000 }, () => {
  let cluster: LocalCluster;
  let resources: Resources;
  let settings: Settings;
  let rbac: Rbac;
  let watch: RbacWatch;
  const logged: Array<{ level: string; obj: object; msg: string }> = [];
  const log = {
    info: (obj: object, msg: string) => void logged.push({ level: "info", obj, msg }),
    warn: (obj: object, msg: string) => void logged.push({ level: "warn", obj, msg }),
    error: (obj: object, msg: string) => void logged.push({ level: "error", obj, msg }),
  };
  const writePolicy = (csv: string) =>
    resources.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: RBAC_CONFIGMAP, namespace: NS }, data: { "policy.csv": csv } });
  const until = (what: string, ok: () => boolean) => waitFor(what, async () => ok(), 5000, 20);

  before(async () => {
    cluster = await startLocalCluster({ name: "e2e-server-rbac", nodes: 1 });
    resources = await resourcesFor(cluster);
    await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
    settings = new Settings(resources, NS);
    await settings.start();
    rbac = await Rbac.create();
    watch = await watchRbac(settings, rbac, log);
  });
  after(async () => {
    await settings?.stop();
    resources?.client.close();
    await cluster?.stop();
  });

  it("a policy written to the ConfigMap is in force within seconds", async () => {
    assert.equal(rbac.enforce(alice, "applications", "sync", "team-a/web"), false, "nothing before the ConfigMap");
    const t0 = Date.now();
    await writePolicy("p, alice, applications, sync, team-a/*, allow");
    await until("alice may sync team-a/web", () => rbac.enforce(alice, "applications", "sync", "team-a/web"));
    assert.equal(rbac.enforce(alice, "applications", "sync", "team-b/web"), false);
    assert.ok(Date.now() - t0 < 5000);
  });

  it("an invalid edit is logged with its line and the previous policy stays", async () => {
    const errorsBefore = logged.filter((l) => l.level === "error").length;
    await writePolicy("p, alice, applications, sync, team-b/*, allow\np, alice, aplications, sync, team-a/*, allow");
    await until("the refusal is logged", () => logged.filter((l) => l.level === "error").length > errorsBefore);
    const refusal = logged.filter((l) => l.level === "error").at(-1)!;
    assert.match(refusal.msg, /policy\.csv line 2: unknown resource "aplications"/);
    assert.equal(rbac.enforce(alice, "applications", "sync", "team-a/web"), true, "the previous policy is in force");
    assert.equal(rbac.enforce(alice, "applications", "sync", "team-b/web"), false, "the refused policy is not");
  });

  it("a deny takes effect, and a deleted ConfigMap leaves the built-in policy", async () => {
    await writePolicy("p, alice, applications, sync, team-a/*, allow\np, alice, applications, sync, team-a/prod, deny");
    await until("alice may not sync team-a/prod", () => !rbac.enforce(alice, "applications", "sync", "team-a/prod"));
    assert.equal(rbac.enforce(alice, "applications", "sync", "team-a/web"), true);
    await resources.delete({ apiVersion: "v1", kind: "ConfigMap", namespace: NS, name: RBAC_CONFIGMAP });
    await until("alice has nothing", () => !rbac.enforce(alice, "applications", "sync", "team-a/web"));
    assert.equal(rbac.enforce(admin, "applications", "sync", "team-a/prod"), true, "the built-in admin");
  });

  it("the AppProject hook applies project roles and warns once about a policy that reaches out", async () => {
    const token: Principal = { ...person("proj:team-a:ci"), via: "projectToken" };
    const proj = {
      apiVersion: "plumb.dev/v1alpha1",
      kind: "AppProject",
      metadata: { name: "team-a", namespace: NS },
      spec: { roles: [{ name: "ci", policies: ["p, proj:team-a:ci, applications, sync, team-a/*, allow", "p, proj:team-a:ci, applications, sync, team-b/*, allow"] }] },
    };
    await watch.setProjects([proj]);
    await watch.setProjects([proj]);
    assert.equal(rbac.enforce(token, "applications", "sync", "team-a/web"), true);
    assert.equal(rbac.enforce(token, "applications", "sync", "team-b/web"), false);
    const warnings = logged.filter((l) => l.level === "warn" && /team-a role ci policy 2/.test(l.msg));
    assert.equal(warnings.length, 1, "logged once, not on every call");
  });
});
