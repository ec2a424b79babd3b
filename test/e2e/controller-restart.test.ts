/**
 * (j) The controller is killed with SIGKILL in the middle of a three-wave sync and started again: the
 * operation it had recorded as Running is resumed from its recorded step and completes — never left
 * silently half-done, and never starting over: what the record says was applied (the PreSync hook, the
 * earlier waves) is not written again, which the API server's audit log tells, write by write.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Resources } from "../../src/cluster/resources.js";
import { startGitServer, type GitServer } from "../../src/gitserver/server.js";
import { WorkDir } from "../../src/gitserver/workdir.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { fakeIngressController, resourcesFor } from "../helpers/cluster.js";
import { appStatus } from "../helpers/controller.js";
import { readAudit, writesTo } from "../helpers/audit.js";
import { fixture, repoRoot } from "../helpers/paths.js";
import { waitFor } from "../helpers/wait.js";

function startController(kubeconfig: string, cacheDir: string): { child: ChildProcess; output: () => string; ready: Promise<void> } {
  const child = spawn(process.execPath, [join(repoRoot, "dist", "src", "cli", "main.js"), "controller", "--kubeconfig", kubeconfig, "--poll-interval", "2", "--cache-dir", cacheDir], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      if (out.includes('"msg":"caches ready"')) {
        clearInterval(t);
        resolve();
      }
    }, 50);
    child.once("exit", (code) => {
      clearInterval(t);
      reject(new Error(`controller exited early (${code}): ${out}`));
    });
  });
  return { child, output: () => out, ready };
}

describe("controller: killed mid-sync and restarted", { timeout: 300_000 }, () => {
  let cluster: LocalCluster;
  let resources: Resources;
  let git: GitServer;
  let stopIngress: () => Promise<void>;
  const cacheDir = mkdtempSync(join(tmpdir(), "plumb-ctrl-cache-"));
  const children: ChildProcess[] = [];

  before(async () => {
    cluster = await startLocalCluster({ name: "e2e-restart", auditLog: true });
    resources = await resourcesFor(cluster);
    await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "plumb" } });
    git = await startGitServer();
    const url = await git.createRepo("shop");
    const wd = await WorkDir.clone(url);
    cpSync(fixture("e2e", "shop-chart"), join(wd.dir, "shop"), { recursive: true });
    await wd.commit("shop");
    await wd.push("main");
    wd.dispose();
    stopIngress = fakeIngressController(resources, "shop");
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    await stopIngress?.();
    await git?.close();
    resources?.client.close();
    await cluster?.stop();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it("(j) resumes the interrupted three-wave sync and completes it", async () => {
    const first = startController(cluster.kubeconfigPath, cacheDir);
    children.push(first.child);
    await first.ready;
    await resources.apply({
      apiVersion: "plumb.dev/v1alpha1",
      kind: "Application",
      metadata: { name: "shop", namespace: "plumb" },
      spec: {
        source: { repoURL: git.repoUrl("shop"), targetRevision: "main", path: "shop" },
        destination: { server: "https://kubernetes.default.svc", namespace: "shop" },
        syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] },
      },
    });
    const web = { apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "web" };
    type Recorded = { phase?: string; startedAt?: string; resumedAt?: string; progress?: { step?: { phase: string; wave: number } }; syncResult?: { resources?: Array<{ group: string; kind: string; namespace: string; name: string; status?: string; hookType?: string; syncWave?: number }> } };
    const op = async (): Promise<Recorded | undefined> => (await appStatus(resources, "shop"))?.operationState as Recorded | undefined;
    // Killed once the record says a wave of the Sync phase before the last was applied, the last not yet.
    const atKill = await waitFor("the sync to be recorded at Sync wave 0 or 1 (wave 2 not applied)", async () => {
      const s = await op();
      const step = s?.progress?.step;
      return s?.phase === "Running" && step?.phase === "Sync" && step.wave < 2 && !(await resources.get(web)) ? s : undefined;
    }, 60_000, 10);
    first.child.kill("SIGKILL");
    await new Promise((r) => first.child.once("exit", r));
    const interrupted = await op();
    assert.equal(interrupted?.phase, "Running", "the interrupted operation is on record");
    assert.equal(await resources.get(web), undefined, "the last wave had not been applied");
    const applied = (interrupted?.syncResult?.resources ?? []).filter((r) => r.status === "Synced");
    assert.ok(applied.length >= 2, `the record lists what was applied (${JSON.stringify(interrupted?.syncResult?.resources)})`);
    assert.ok(applied.some((r) => r.hookType === "PreSync"), "the PreSync hook is on record as run");

    const second = startController(cluster.kubeconfigPath, cacheDir);
    children.push(second.child);
    await second.ready;
    const done = await waitFor("the resumed sync to complete", async () => {
      const s = await appStatus(resources, "shop");
      return s?.operationState?.phase === "Succeeded" && s.sync?.status === "Synced" && s.health?.status === "Healthy" ? s : undefined;
    }, 120_000);
    assert.ok(await resources.get(web), "the last wave is deployed");
    assert.equal(done.history?.length, 1);
    const final = (done.operationState ?? {}) as Recorded;
    assert.equal(final.startedAt, atKill.startedAt, "the resumed operation is the recorded one: it keeps its start time");
    assert.ok(final.resumedAt, "the record says it was resumed");
    const lines = second.output().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { msg?: string; trigger?: string });
    assert.ok(lines.some((l) => l.msg === "sync resumed" && l.trigger === "resumed"), `the second controller resumed it (trigger resumed): ${second.output()}`);
    assert.ok(!lines.some((l) => l.msg === "sync started"), "it did not start a sync of its own");
    assert.ok(lines.some((l) => l.msg === "sync succeeded" && l.trigger === "resumed"), "the resumed sync succeeded");

    // Every object the record said was applied when the first controller died was written once, by it.
    const audit = readAudit(cluster.auditLogPath!);
    const plural = async (group: string, kind: string) => (await resources.discovery.resourceForGroupKind(group, kind))!.resource;
    for (const r of applied) {
      const n = writesTo(audit, { group: r.group, resource: await plural(r.group, r.kind), namespace: r.namespace, name: r.name });
      assert.equal(n, 1, `${r.kind} ${r.namespace}/${r.name} (${r.hookType ?? `wave ${r.syncWave}`}) was written ${n} times; waves already applied must not be applied again`);
    }
    assert.ok(writesTo(audit, { group: "apps", resource: "deployments", namespace: "shop", name: "web" }) >= 1, "the audit log sees the writes of the resumed sync (the count above can fail)");
    second.child.kill("SIGTERM");
    const code = await new Promise((r) => second.child.once("exit", r));
    assert.equal(code, 0, "a clean stop on SIGTERM");
  });
});
