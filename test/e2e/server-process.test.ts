/**
 * `plumb server` as a user starts it: a process against a kubeconfig, HTTPS with its generated self-signed
 * certificate by default, the controller and its metrics beside the API, the generated admin password
 * printed once; SIGTERM stops it cleanly.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { request as httpsRequest } from "node:https";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { repoRoot } from "../helpers/paths.js";
import { waitFor } from "../helpers/wait.js";

/** A GET over HTTPS that accepts the server's self-signed certificate (as `plumb login --insecure` does). */
function getInsecure(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { rejectUnauthorized: false, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("plumb server as a process", { timeout: 180_000 }, () => {
  let cluster: LocalCluster;
  let child: ChildProcess;
  let stderr = "";
  const cache = mkdtempSync(join(tmpdir(), "plumb-server-proc-"));

  before(async () => {
    cluster = await startLocalCluster({ name: "e2e-server-process" });
    child = spawn(process.execPath, [join(repoRoot, "dist", "src", "cli", "main.js"), "server", "--kubeconfig", cluster.kubeconfigPath, "--port", "0", "--metrics-port", "0", "--cache-dir", cache, "--log-level", "warn"], { stdio: ["ignore", "ignore", "pipe"] });
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    await waitFor("the server to listen", async () => /server listening at https:\/\/\S+/.test(stderr), 90_000, 100);
  });
  after(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await cluster?.stop();
    rmSync(cache, { recursive: true, force: true });
  });

  it("serves HTTPS with a self-signed certificate, prints the admin password once, and logs it in", async () => {
    const url = /server listening at (https:\/\/\S+)/.exec(stderr)![1]!;
    const password = /initial password of "admin" is: (\S+)/.exec(stderr)?.[1];
    assert.ok(password, `the password is printed: ${stderr}`);
    const version = await getInsecure(`${url}/api/version`);
    assert.equal(version.status, 200);
    assert.ok(JSON.parse(version.body).Version);
    assert.equal((await getInsecure(`${url}/api/v1/applications`)).status, 401);
    const login = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest(`${url}/api/v1/session`, { method: "POST", rejectUnauthorized: false, headers: { "content-type": "application/json" } }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve(body));
      });
      req.on("error", reject);
      req.end(JSON.stringify({ username: "admin", password }));
    });
    const token = (JSON.parse(login) as { token: string }).token;
    const list = await getInsecure(`${url}/api/v1/applications`, { authorization: `Bearer ${token}` });
    assert.equal(list.status, 200, list.body);
  });

  it("stops cleanly on SIGTERM", async () => {
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    assert.equal(await exited, 0, stderr);
  });
});
