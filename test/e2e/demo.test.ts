/**
 * `plumb demo`, as a user meets it: the README's main command starts a cluster, a Git server and the
 * controller, deploys the guestbook chart and prints what to try. The printed commands are run as printed
 * (in bash, from a fresh folder): a pushed replicaCount is deployed by polling, the webhook curl is accepted,
 * a `kubectl scale` is reverted by self-heal; Ctrl-C then stops everything and exits 0. A busy port is
 * refused before anything starts.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { KubeClient } from "../../src/cluster/client.js";
import { Resources } from "../../src/cluster/resources.js";
import type { KubeObject } from "../../src/core/object.js";
import { browserSkip, launchBrowser, logIn } from "../helpers/browser.js";
import { appStatus } from "../helpers/controller.js";
import { repoRoot } from "../helpers/paths.js";
import { processAlive, waitFor } from "../helpers/wait.js";

const MAIN = join(repoRoot, "dist", "src", "cli", "main.js");
const web = { apiVersion: "apps/v1", kind: "Deployment", namespace: "guestbook", name: "guestbook-web" };
type Deploy = KubeObject & { spec: { replicas: number } };

/** The command line printed on its own line that matches `pattern` (without the indent). */
function printed(text: string, pattern: RegExp): string {
  const line = text.split("\n").find((l) => pattern.test(l.trim()));
  assert.ok(line, `no printed line matching ${pattern} in:\n${text}`);
  return line.trim();
}

/** Runs a shell snippet in bash; resolves with stdout, rejects with stderr. */
function bash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("bash", ["-euo", "pipefail", "-c", script], { cwd, env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${script}\n${stderr || err.message}`)) : resolve(stdout),
    );
  });
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("plumb demo: the README's main command", { timeout: 240_000 }, () => {
  let demo: ChildProcess;
  let stdout = "";
  let stderr = "";
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  let resources: Resources | undefined;
  let kubeconfig = "";
  let env: NodeJS.ProcessEnv = {};
  const work = mkdtempSync(join(tmpdir(), "plumb-demo-user-"));

  before(async () => {
    demo = spawn(process.execPath, [MAIN, "demo"], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    demo.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
    demo.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    exited = new Promise((resolve) => demo.once("exit", (code, signal) => resolve({ code, signal })));
    await waitFor(
      "the demo to print what to try",
      async () => {
        if (demo.exitCode !== null) throw new Error(`plumb demo exited with ${demo.exitCode}:\n${stderr}`);
        return stdout.includes("Press Ctrl-C to stop");
      },
      120_000,
      200,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n--- stderr:\n${stderr}`);
    });
    kubeconfig = /export KUBECONFIG=(\S+)/.exec(stdout)?.[1] ?? "";
    const pathExport = /export PATH=(\S+):\$PATH/.exec(stdout)?.[1];
    env = { KUBECONFIG: kubeconfig, ...(pathExport ? { PATH: `${pathExport}:${process.env.PATH ?? ""}` } : {}) };
    resources = new Resources(await KubeClient.fromKubeconfigFile(kubeconfig));
  });
  after(async () => {
    resources?.client.close();
    if (demo.exitCode === null && demo.signalCode === null) {
      demo.kill("SIGKILL"); // the cluster's watchdog removes what is left
      await exited;
    }
    rmSync(work, { recursive: true, force: true });
  });

  it("prints a kubeconfig for a cluster where guestbook is Synced and Healthy", async () => {
    assert.ok(existsSync(kubeconfig), `kubeconfig ${kubeconfig} exists`);
    const s = await appStatus(resources!, "guestbook");
    assert.equal(s?.sync?.status, "Synced");
    assert.equal(s?.health?.status, "Healthy");
    const d = (await resources!.get(web)) as Deploy | undefined;
    assert.equal(d?.spec.replicas, 2);
    assert.match(stderr, /guestbook: synced to [0-9a-f]{7}: .*created Deployment\/guestbook-web/);
  });

  it("the printed git commands push replicaCount 3, and the controller deploys it by polling within 30 s", async () => {
    const script = [
      printed(stdout, /^git clone \S+ plumb-demo && cd plumb-demo$/),
      ...(stdout.includes("git config user.name") ? [printed(stdout, /^git config user\.name /)] : []),
      printed(stdout, /^sed -i /),
      printed(stdout, /^git commit -am /),
    ].join("\n");
    await bash(script, work, env);
    await waitFor("guestbook-web at 3 replicas", async () => ((await resources!.get(web)) as Deploy).spec.replicas === 3, 30_000, 200);
    await waitFor("a sync line for the push", async () => /synced to [0-9a-f]{7}: configured Deployment\/guestbook-web/.test(stderr), 10_000, 100);
  });

  it("the printed webhook curl is accepted and refreshes the app", { skip: spawnSync("curl", ["--version"]).status !== 0 && "no curl" }, async () => {
    const out = await bash(printed(stdout, /^curl /), work, env);
    assert.deepEqual(JSON.parse(out), { refreshed: 1 });
  });

  it("the printed REST calls log in as admin and list guestbook through the API server", { skip: spawnSync("curl", ["--version"]).status !== 0 && "no curl" }, async () => {
    const script = [printed(stdout, /^TOKEN=\$\(curl /), printed(stdout, /^curl -s \S+\/api\/v1\/applications /)].join("\n");
    const list = JSON.parse(await bash(script, work, env)) as { items: Array<{ metadata: { name: string }; status?: { sync?: { status?: string } } }> };
    assert.deepEqual(list.items.map((a) => a.metadata.name), ["guestbook"]);
    assert.equal(list.items[0]!.status?.sync?.status, "Synced");
  });

  it("the printed web UI address, logged in as admin with the printed password, shows guestbook Synced and Healthy", { skip: browserSkip }, async () => {
    const ui = /web UI\s+(\S+)/.exec(stdout)?.[1];
    const password = /user admin, password (\S+);/.exec(stdout)?.[1];
    assert.ok(ui && password, `the demo prints the UI's address and the admin password:\n${stdout}`);
    const browser = await launchBrowser();
    try {
      const page = await browser.page();
      await logIn(page, ui.replace(/\/$/, ""), "admin", password);
      const tile = page.locator('[data-app="guestbook"]').first();
      await waitFor("guestbook Synced and Healthy in the UI", async () => (await tile.count()) > 0 && /Synced/.test(await tile.innerText()) && /Healthy/.test(await tile.innerText()), 30_000, 250);
      browser.assertClean("the demo's UI");
    } finally {
      await browser.close();
    }
  });

  it("the printed kubectl scale is reverted by self-heal", async () => {
    await bash(printed(stdout, /^kubectl scale deployment guestbook-web/), work, env);
    await waitFor("guestbook-web back at 3 replicas", async () => ((await resources!.get(web)) as Deploy).spec.replicas === 3, 30_000, 100);
    await waitFor("a self-heal line", async () => stderr.includes("guestbook: self-heal at"), 10_000, 100);
  });

  it("the printed Application command shows guestbook", async () => {
    const line = printed(stdout, /(app get guestbook -n plumb|kubectl get application guestbook -n plumb -o yaml)$/);
    const out = await bash(line, work, env);
    assert.match(out, /guestbook/);
    assert.match(out, /Synced/);
  });

  it("Ctrl-C stops the controller, the Git server and the cluster, removes their folders and exits 0", async () => {
    resources?.client.close();
    resources = undefined;
    const state = /\(state in (\S+)\)/.exec(stdout)?.[1] ?? "";
    const gitPort = Number(/Git\s+http:\/\/127\.0\.0\.1:(\d+)\//.exec(stdout)?.[1]);
    const apiPort = Number(/cluster\s+https:\/\/127\.0\.0\.1:(\d+)/.exec(stdout)?.[1]);
    const pids = [...(/control plane processes: (.*)/.exec(stderr)?.[1] ?? "").matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
    assert.equal(pids.length, 5, `five control-plane pids in:\n${stderr}`);
    assert.ok(existsSync(state));

    demo.kill("SIGINT");
    const timer = setTimeout(() => demo.kill("SIGKILL"), 45_000);
    const { code, signal } = await exited;
    clearTimeout(timer);
    assert.equal(signal, null, `exited by itself, not killed:\n${stderr}`);
    assert.equal(code, 0, stderr);
    assert.equal(existsSync(dirname(kubeconfig)), false, "the cluster folder is removed");
    assert.equal(existsSync(state), false, "the state folder is removed");
    assert.deepEqual(pids.filter(processAlive), [], "no control-plane process is left");
    assert.equal(await portAnswers(apiPort), false, "the kube-apiserver port is closed");
    assert.equal(await portAnswers(gitPort), false, "the Git server port is closed");
  });
});

describe("plumb demo: bad input", () => {
  it("a port in use is refused with a clear message before anything starts", async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", () => r()));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = spawnSync(process.execPath, [MAIN, "demo", "--git-port", String(port)], { encoding: "utf8", timeout: 30_000 });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`--git-port \\(Git server\\): port ${port} on 127\\.0\\.0\\.1 is already in use`));
      assert.doesNotMatch(r.stderr, /starting/);
    } finally {
      await new Promise<void>((r) => busy.close(() => r()));
    }
  });
});
