/**
 * `plumb app …` as a user drives it: the CLI (a child process with the cluster's kubeconfig) creates an
 * Application without automated sync, syncs it, reads it back, syncs a second commit, rolls back to the
 * first, waits for states (and times out on an impossible one), deletes it with its resources — with the
 * controller running in-process and a real Git server.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml, parseAllDocuments, stringify } from "yaml";
import type { Resources } from "../../src/cluster/resources.js";
import type { KubeObject } from "../../src/core/object.js";
import { startGitServer, type GitServer } from "../../src/gitserver/server.js";
import { git as runGitCli } from "../../src/gitserver/git.js";
import { WorkDir } from "../../src/gitserver/workdir.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { resourcesFor } from "../helpers/cluster.js";
import { appStatus, runController, type RunningController } from "../helpers/controller.js";
import { repoRoot } from "../helpers/paths.js";
import { waitFor } from "../helpers/wait.js";

const NS = "guestbook";
const web = { apiVersion: "apps/v1", kind: "Deployment", namespace: NS, name: "guestbook-web" };
type Deploy = KubeObject & { spec: { template: { spec: { containers: Array<{ image: string }> } } } };

describe("plumb app: the CLI against the cluster", { timeout: 240_000 }, () => {
  let cluster: LocalCluster;
  let resources: Resources;
  let git: GitServer;
  let wd: WorkDir;
  let ctrl: RunningController;
  let repoURL: string;
  const shas: string[] = [];
  const temp = mkdtempSync(join(tmpdir(), "plumb-app-cli-"));

  /** Runs `plumb app …` asynchronously (the controller shares this event loop). */
  const app = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile(process.execPath, [join(repoRoot, "dist", "src", "cli", "main.js"), "app", ...args, "--kubeconfig", cluster.kubeconfigPath], { env: { ...process.env, NO_COLOR: "1" } }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
      });
    });
  const ok = async (...args: string[]): Promise<string> => {
    const r = await app(...args);
    assert.equal(r.code, 0, `plumb app ${args.join(" ")} → ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  const image = async (): Promise<string | undefined> => ((await resources.get(web)) as Deploy | undefined)?.spec.template.spec.containers[0]?.image;

  before(async () => {
    cluster = await startLocalCluster({ name: "e2e-app-cli", nodes: 1 });
    resources = await resourcesFor(cluster);
    await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "plumb" } });
    git = await startGitServer({ root: join(temp, "git") });
    repoURL = await git.createRepo("apps");
    wd = await WorkDir.clone(repoURL);
    cpSync(join(repoRoot, "examples", "guestbook"), join(wd.dir, "guestbook"), { recursive: true });
    shas.push(await wd.commit("guestbook"));
    await wd.push("main");
    ctrl = await runController(resources);
  });
  after(async () => {
    await ctrl?.stop();
    wd?.dispose();
    await git?.close();
    resources?.client.close();
    await cluster?.stop();
    rmSync(temp, { recursive: true, force: true });
  });

  it("create without automated sync → listed OutOfSync; a second create without --upsert is refused", async () => {
    const args = ["create", "guestbook", "--repo", repoURL, "--path", "guestbook", "--revision", "main", "--dest-namespace", NS, "--values", "values.yaml", "--sync-option", "CreateNamespace=true"];
    assert.match(await ok(...args), /application "guestbook" created/);
    const again = await app(...args);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists.*--upsert/s);
    assert.match(await ok(...args, "--upsert"), /application "guestbook" (unchanged|updated)/);
    await waitFor("compared: OutOfSync", async () => (await appStatus(resources, "guestbook"))?.sync?.status === "OutOfSync" || undefined, 60_000);
    const [list, wide] = await Promise.all([ok("list"), ok("list", "-o", "wide")]);
    assert.match(list, /^NAME\s+SYNC\s+HEALTH\s+REVISION\s+REPO\s+PATH\s+TARGET$/m);
    assert.match(list, new RegExp(`^guestbook\\s+OutOfSync\\s+\\S+\\s+${shas[0]!.slice(0, 7)}\\s+\\S+\\s+guestbook\\s+main$`, "m"));
    assert.match(wide, /DESTINATION\s+PROJECT\s+AGE[\s\S]*kubernetes\.default\.svc\/guestbook\s+default/);
    assert.equal(await resources.get(web), undefined, "nothing deployed without a sync");
  });

  it("sync → exit 0 with the result table, then Synced and Healthy; get -o json has the fields", async () => {
    const out = await ok("sync", "guestbook", "--timeout", "90");
    assert.match(out, /Phase:\s+Succeeded/);
    assert.match(out, /^Deployment\s+guestbook\s+guestbook-web\s+Synced/m);
    await ok("wait", "guestbook", "--sync", "--health", "--timeout", "60");
    const [json, text] = await Promise.all([ok("get", "guestbook", "-o", "json"), ok("get", "guestbook")]);
    const obj = JSON.parse(json) as KubeObject & { spec: { source: { repoURL: string; targetRevision: string } }; status: Record<string, { status?: string; revision?: string } & unknown[]> };
    assert.equal(obj.spec.source.repoURL, repoURL);
    assert.equal(obj.spec.source.targetRevision, "main");
    assert.equal(obj.status.sync?.status, "Synced");
    assert.equal(obj.status.sync?.revision, shas[0]);
    assert.equal(obj.status.health?.status, "Healthy");
    assert.equal((obj.status.history as unknown[]).length, 1);
    assert.equal(obj.metadata.managedFields, undefined);
    assert.match(text, /Sync Policy:\s+Manual/);
    assert.match(text, new RegExp(`Sync Status:\\s+Synced to main \\(${shas[0]!.slice(0, 7)}\\)`));
    assert.match(text, /^Deployment\s+guestbook\s+guestbook-web\s+Synced\s+Healthy$/m);
    assert.equal(await image(), "nginx:1.27");
  });

  it("a second commit, synced → two history entries; rollback 0 deploys the first revision again", async () => {
    const path = join(wd.dir, "guestbook", "values.yaml");
    const values = parseYaml(readFileSync(path, "utf8")) as { web: { tag: string } };
    values.web.tag = "1.28";
    writeFileSync(path, stringify(values));
    shas.push(await wd.commit("web 1.28"));
    await wd.push();
    await ok("sync", "guestbook", "--revision", "main", "--timeout", "90");
    assert.equal(await image(), "nginx:1.28");
    const [json, text] = await Promise.all([ok("history", "guestbook", "-o", "json"), ok("history", "guestbook")]);
    const history = JSON.parse(json) as Array<{ id: number; revision: string }>;
    assert.deepEqual(history.map((h) => [h.id, h.revision]), [[0, shas[0]], [1, shas[1]]]);
    assert.match(text, new RegExp(`^1\\s+\\S+\\s+main \\(${shas[1]!.slice(0, 7)}\\)$`, "m"));

    const out = await ok("rollback", "guestbook", "0", "--timeout", "90");
    assert.match(out, new RegExp(`Sync Revision:\\s+${shas[0]}`));
    assert.equal(await image(), "nginx:1.27");
  });

  it("after the rollback: diff exits 1 naming the Deployment; wait --sync times out with exit 1 and the last state", async () => {
    await waitFor("OutOfSync with main again", async () => (await appStatus(resources, "guestbook"))?.sync?.status === "OutOfSync" || undefined, 30_000);
    const [diff, git, local, waited] = await Promise.all([
      app("diff", "guestbook"),
      app("diff", "guestbook", "--git"),
      app("diff", "guestbook", "--local", join(wd.dir, "guestbook")),
      app("wait", "guestbook", "--sync", "--timeout", "2"),
    ]);
    assert.equal(diff.code, 1, diff.stderr);
    assert.match(diff.stdout, /^OutOfSync\s+Deployment\s+guestbook\s+guestbook-web/m);
    assert.equal(git.code, 1, git.stderr);
    assert.match(git.stdout, /^-\s+image: nginx:1\.27$/m);
    assert.match(git.stdout, /^\+\s+image: nginx:1\.28$/m);
    assert.equal(local.code, 1, local.stderr);
    assert.match(local.stdout, /from the local folder: OutOfSync \(3 synced, 1 out of sync, 0 missing, 0 extra\)/);
    assert.equal(waited.code, 1);
    assert.match(waited.stderr, /timed out after 2s waiting for "guestbook" to be Synced; last: OutOfSync, Healthy/);
    assert.match(waited.stdout, /guestbook: OutOfSync, Healthy/);
  });

  it("a pull request's preview: diff --revision of an unmerged branch shows exactly the changed field; -o markdown is the comment", async () => {
    // The branch starts at the live revision (the rollback's) and changes one value.
    await runGitCli(["checkout", "--quiet", "-b", "pr-scale", shas[0]!], { cwd: wd.dir });
    const path = join(wd.dir, "guestbook", "values.yaml");
    const values = parseYaml(readFileSync(path, "utf8")) as { web: { replicaCount: number } };
    values.web.replicaCount = 4;
    writeFileSync(path, stringify(values));
    const pr = await wd.commit("web: four replicas");
    await wd.push("pr-scale");
    await runGitCli(["checkout", "--quiet", "main"], { cwd: wd.dir });
    const [text, md] = await Promise.all([app("diff", "guestbook", "--revision", "pr-scale"), app("diff", "guestbook", "--revision", "pr-scale", "-o", "markdown")]);
    assert.equal(text.code, 1, text.stderr);
    const changed = text.stdout.split("\n").filter((l) => /^[-+]/.test(l) && !/^(---|\+\+\+) /.test(l)).map((l) => l.replace(/\s+/g, " "));
    assert.deepEqual(changed, ["- replicas: 2", "+ replicas: 4"], `only the replicas line:\n${text.stdout}`);
    assert.match(text.stdout, /^OutOfSync\s+Deployment\s+guestbook\s+guestbook-web$/m);
    assert.match(text.stdout, new RegExp(`guestbook at ${pr.slice(0, 7)}: OutOfSync \\(3 synced, 1 out of sync`));
    assert.equal(md.code, 1, md.stderr);
    assert.match(md.stdout, new RegExp(`^### plumb: \`guestbook\` at \`${pr.slice(0, 7)}\` \\(pr-scale\\)$`, "m"));
    assert.match(md.stdout, /^\| change \| Deployment \| guestbook \| guestbook-web \|$/m);
    assert.match(md.stdout, /```diff\n[\s\S]*^-\s+replicas: 2$[\s\S]*^\+\s+replicas: 4$[\s\S]*```/m);
    assert.equal((await resources.get(web))?.spec && ((await resources.get(web)) as unknown as { spec: { replicas: number } }).spec.replicas, 2, "a preview changes nothing");
  });

  it("manifests: the live objects by tracking label, and the Git ones rendered at a revision", async () => {
    const live = parseAllDocuments(await ok("manifests", "guestbook")).map((d) => d.toJS() as KubeObject);
    assert.ok(live.some((o) => o.kind === "Deployment" && o.metadata.name === "guestbook-web"));
    assert.ok(live.every((o) => o.metadata.labels?.["plumb.dev/app"] === "guestbook"));
    const desired = JSON.parse(await ok("manifests", "guestbook", "--source", "git", "--revision", shas[1]!, "-o", "json")) as { items: Deploy[] };
    assert.equal(desired.items.find((o) => o.kind === "Deployment" && o.metadata.name === "guestbook-web")?.spec.template.spec.containers[0]?.image, "nginx:1.28");
  });

  it("rollback is refused (exit 2) for an app with automated sync", async () => {
    const file = join(temp, "auto.yaml");
    const manifest = { apiVersion: "plumb.dev/v1alpha1", kind: "Application", metadata: { name: "auto" }, spec: { source: { repoURL, path: "nowhere", targetRevision: "main" }, destination: { server: "https://kubernetes.default.svc", namespace: "auto" }, syncPolicy: { automated: {} } } };
    writeFileSync(file, stringify(manifest));
    assert.match(await ok("create", "-f", file), /application "auto" created/);
    const r = await app("rollback", "auto", "0");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /rollback cannot be performed against an application with automated sync enabled/);
  });

  it("a missing app is an error naming it and its namespace (exit 1)", async () => {
    const cmds = [["get", "nope"], ["sync", "nope"], ["delete", "nope", "-n", "elsewhere"]];
    const results = await Promise.all(cmds.map((cmd) => app(...cmd)));
    cmds.forEach((cmd, i) => {
      const r = results[i]!;
      assert.equal(r.code, 1, `${cmd.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`application "nope" not found in namespace "${cmd.includes("elsewhere") ? "elsewhere" : "plumb"}"`), cmd.join(" "));
    });
  });

  it("delete (cascade) removes the app's resources, then the Application", async () => {
    assert.match(await ok("delete", "guestbook", "--wait", "--timeout", "60"), /application "guestbook" deleted with its resources/);
    assert.equal(await resources.get({ apiVersion: "plumb.dev/v1alpha1", kind: "Application", namespace: "plumb", name: "guestbook" }), undefined);
    await waitFor("the Deployment gone", async () => (await resources.get(web)) === undefined || undefined, 30_000);
    assert.equal(await resources.get({ apiVersion: "v1", kind: "Service", namespace: NS, name: "guestbook-web" }), undefined);
  });
});
