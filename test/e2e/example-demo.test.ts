/**
 * `plumb demo --example visit-counter` as a user runs it (the built CLI in a child process): it starts the
 * cluster, the Git server and plumb server in compat mode, runs the example until its Argo CD Application
 * is Synced and Healthy, prints the README's "What to try" with the local Git URL in place of GitHub's, and
 * Ctrl-C stops everything and exits 0. Without a name, `--example` lists the examples; an unknown name is
 * refused before anything starts.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { KubeClient } from "../../src/cluster/client.js";
import { Resources } from "../../src/cluster/resources.js";
import { appStatus } from "../helpers/controller.js";
import { repoRoot } from "../helpers/paths.js";
import { processAlive, waitFor } from "../helpers/wait.js";

const MAIN = join(repoRoot, "dist", "src", "cli", "main.js");

describe("plumb demo --example visit-counter", { timeout: 110_000 }, () => {
  let demo: ChildProcess;
  let stdout = "";
  let stderr = "";
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  let resources: Resources | undefined;

  before(async () => {
    demo = spawn(process.execPath, [MAIN, "demo", "--example", "visit-counter"], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    demo.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
    demo.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    exited = new Promise((resolve) => demo.once("exit", (code, signal) => resolve({ code, signal })));
    await waitFor(
      "the demo to print what to try",
      async () => {
        if (demo.exitCode !== null) throw new Error(`plumb demo exited with ${demo.exitCode}`);
        return stdout.includes("Press Ctrl-C to stop");
      },
      90_000,
      200,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n--- stderr:\n${stderr}`);
    });
    resources = new Resources(await KubeClient.fromKubeconfigFile(/export KUBECONFIG=(\S+)/.exec(stdout)?.[1] ?? ""));
  });
  after(async () => {
    resources?.client.close();
    if (demo.exitCode === null && demo.signalCode === null) {
      demo.kill("SIGKILL"); // the cluster's watchdog removes what is left
      await exited;
    }
  });

  it("runs the Argo CD Application in compat mode until Synced and Healthy", async () => {
    const s = await appStatus(resources!, "visit-counter", "argocd", "argoproj.io");
    assert.equal(s?.sync?.status, "Synced");
    assert.equal(s?.health?.status, "Healthy");
    assert.match(stdout, /Applications argocd\/visit-counter \(argoproj\.io\): Synced and Healthy/);
    assert.match(stderr, /visit-counter: synced to [0-9a-f]{7}: .*Deployment\/visit-counter-web/);
  });

  it("prints the README's What to try, the GitHub URL replaced by the local Git server's", () => {
    const gitURL = /Git\s+(http:\/\/127\.0\.0\.1:\d+\/visit-counter\.git)/.exec(stdout)?.[1];
    assert.ok(gitURL, stdout);
    assert.ok(stdout.includes(`git clone ${gitURL} visit-counter && cd visit-counter`), stdout);
    assert.ok(stdout.includes("kubectl scale deployment visit-counter-web -n visit-counter --replicas=5"), stdout);
    assert.doesNotMatch(stdout, /github\.com\/plumb-examples\/visit-counter\.git/);
  });

  it("Ctrl-C stops everything it started, removes its folders and exits 0", async () => {
    resources?.client.close();
    resources = undefined;
    const state = /\(state in (\S+)\)/.exec(stdout)?.[1] ?? "";
    const kubeconfig = /export KUBECONFIG=(\S+)/.exec(stdout)?.[1] ?? "";
    const pids = [...(/control plane processes: (.*)/.exec(stderr)?.[1] ?? "").matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
    assert.equal(pids.length, 5, stderr);
    demo.kill("SIGINT");
    const timer = setTimeout(() => demo.kill("SIGKILL"), 45_000);
    const { code, signal } = await exited;
    clearTimeout(timer);
    assert.equal(signal, null, `exited by itself, not killed:\n${stderr}`);
    assert.equal(code, 0, stderr);
    assert.equal(existsSync(state), false, "the state folder is removed");
    assert.equal(existsSync(dirname(kubeconfig)), false, "the cluster folder is removed");
    assert.deepEqual(pids.filter(processAlive), [], "no control-plane process is left");
  });
});

describe("plumb demo --example: the list and a bad name", () => {
  it("--example alone lists every example with its description and starts nothing", () => {
    const r = spawnSync(process.execPath, [MAIN, "demo", "--example"], { encoding: "utf8", timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^ {2}app-of-apps {2,}App of apps/m);
    assert.match(r.stdout, /^ {2}visit-counter {2,}A Flask web app/m);
    assert.doesNotMatch(r.stderr, /starting/);
  });
  it("an unknown name exits 2 naming the examples, before anything starts", () => {
    const r = spawnSync(process.execPath, [MAIN, "demo", "--example", "nosuch"], { encoding: "utf8", timeout: 30_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /no example "nosuch"[\s\S]*app-of-apps, .*visit-counter/);
    assert.doesNotMatch(r.stderr, /starting/);
  });
});
