/**
 * `plumb` over the API server, as a user drives it: `plumb login` with the admin password stores a context
 * (0600), then every `plumb app` verb goes through the server — create, list, get, sync, history, wait,
 * rollback, diff, resources, manifests, terminate-op, delete — and prints what the same verb prints with
 * --core on the same app (timestamps aside). API runs get a kubeconfig that does not exist, so nothing
 * reaches the cluster but through the server. Accounts: a password set, an API token generated, used with
 * --server/--auth-token, refused by RBAC (403), revoked (401: log in again); `can-i`; logout. TLS: a
 * self-signed server is refused with a hint and accepted with --insecure. SSO: `login --sso` through a
 * real OIDC provider on loopback, the browser driven by the test.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import type { Resources } from "../../src/cluster/resources.js";
import { startGitServer, type GitServer } from "../../src/gitserver/server.js";
import { WorkDir } from "../../src/gitserver/workdir.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/cluster.js";
import { resourcesFor } from "../helpers/cluster.js";
import { appStatus } from "../helpers/controller.js";
import { repoRoot } from "../helpers/paths.js";
import { Browser, DEFAULT_ACCOUNTS, startOidcProvider } from "../helpers/oidc-provider.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { waitFor } from "../helpers/wait.js";

const VALUE = `s3cret-${randomBytes(8).toString("hex")}`;
const wave = (w: number) => ({ "argocd.argoproj.io/sync-wave": String(w) });
const cm = (name: string, data: Record<string, string>, w = 0) => stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, annotations: wave(w) }, data });
const secret = stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "db" }, stringData: { password: VALUE } });
/** A LoadBalancer Service: Progressing for ever here (no cloud controller), so a sync waits at its wave. */
const lb = stringify({ apiVersion: "v1", kind: "Service", metadata: { name: "front", annotations: wave(0) }, spec: { type: "LoadBalancer", selector: { app: "front" }, ports: [{ port: 80 }] } });

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** What two runs of one verb may differ in: times of day, start/finish stamps, durations, ages. */
const timeless = (s: string): string =>
  s
    .replace(/^\d\d:\d\d:\d\d {2}/gm, "")
    .replace(/^(Start|Finished|Duration):.*\n/gm, "")
    .replace(/started \S+, finished \S+/g, "started …")
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g, "…");

describe("plumb over the API server: the same verbs, the same output as --core", { timeout: 400_000 }, () => {
  let cluster: LocalCluster;
  let resources: Resources;
  let git: GitServer;
  let wd: WorkDir;
  let srv: TestServer;
  let host: string;
  let repoURL: string;
  const shas: string[] = [];
  const temp = mkdtempSync(join(tmpdir(), "plumb-cli-api-"));
  const CONFIG = join(temp, "plumb", "config");

  /** The CLI as a child process: its own contexts file; over the API no usable kubeconfig at all. */
  const plumb = (args: string[], opts: { stdin?: string; core?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<Run> =>
    new Promise((resolve) => {
      const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", PLUMB_CONFIG: CONFIG, KUBECONFIG: opts.core ? cluster.kubeconfigPath : join(temp, "no-kubeconfig"), ...opts.env };
      for (const k of ["PLUMB_SERVER", "PLUMB_AUTH_TOKEN", "PLUMB_CONTEXT", "FORCE_COLOR"]) delete env[k];
      const child = execFile(process.execPath, [join(repoRoot, "dist", "src", "cli", "main.js"), ...args, ...(opts.core ? ["--core"] : [])], { env }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
      });
      child.stdin?.end(opts.stdin ?? "");
    });
  const ok = async (args: string[], opts: { stdin?: string; core?: boolean } = {}): Promise<string> => {
    const r = await plumb(args, opts);
    assert.equal(r.code, 0, `plumb ${args.join(" ")}${opts.core ? " --core" : ""} → ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  /** Runs `app …` over the API and with --core until both print the same (the server's cache may lag a moment). */
  const same = async (args: string[], code = 0): Promise<string> => {
    let last = "";
    return waitFor(`plumb app ${args.join(" ")}: the same over the API and --core`, async () => {
      const [api, core] = await Promise.all([plumb(["app", ...args]), plumb(["app", ...args], { core: true })]);
      assert.equal(api.code, code, `over the API: ${api.stdout}\n${api.stderr}`);
      assert.equal(core.code, code, `--core: ${core.stdout}\n${core.stderr}`);
      last = `API:\n${api.stdout}\n--core:\n${core.stdout}`;
      return api.stdout === core.stdout ? api.stdout : undefined;
    }, 20_000).catch((err: Error) => assert.fail(`${err.message}\n${last}`));
  };
  const phase = async (): Promise<string | undefined> => ((await appStatus(resources, "web")) as { operationState?: { phase?: string } } | undefined)?.operationState?.phase;

  before(async () => {
    cluster = await startLocalCluster({ name: "e2e-cli-api", nodes: 1 });
    resources = await resourcesFor(cluster);
    await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "plumb" } });
    await resources.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "plumb-cm", namespace: "plumb" }, data: { "accounts.dev": "apiKey, login" } });
    git = await startGitServer({ root: join(temp, "git") });
    repoURL = await git.createRepo("apps");
    wd = await WorkDir.clone(repoURL);
    wd.write({ "web/settings.yaml": cm("settings", { v: "1" }), "web/secret.yaml": secret });
    shas.push(await wd.commit("first"));
    await wd.push("main");
    srv = await startTestServer(resources);
    host = new URL(srv.url).host;
  });
  after(async () => {
    await srv?.stop();
    wd?.dispose();
    await git?.close();
    resources?.client.close();
    await cluster?.stop();
    rmSync(temp, { recursive: true, force: true });
  });

  it("login: a wrong password is refused; the admin password stores a current context, mode 0600", async () => {
    const wrong = await plumb(["login", host, "--plaintext", "--username", "admin", "--password-stdin"], { stdin: "not-the-password\n" });
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /invalid user name or password/);
    assert.equal(existsSync(CONFIG), false, "nothing stored");
    const out = await ok(["login", host, "--plaintext", "--username", "admin", "--password-stdin"], { stdin: `${srv.adminPassword}\n` });
    assert.equal(out, `'admin' logged in to http://${host}; context '${host}' is current\n`);
    assert.equal(statSync(CONFIG).mode & 0o777, 0o600);
    assert.match(readFileSync(CONFIG, "utf8"), /token: \S+/);
    assert.ok(!readFileSync(CONFIG, "utf8").includes(srv.adminPassword), "the password is not stored");
    assert.match(await ok(["account", "get-user-info"]), /Logged In:\s+true\nUsername:\s+admin/);
    assert.match(await ok(["context"]), new RegExp(`^\\*\\s+${host.replace(/\./g, "\\.")}\\s+http://\\S+\\s+admin\\s+yes$`, "m"));
  });

  it("create over the API; list and get print the same as --core; a second create without --upsert is refused alike", async () => {
    const args = ["app", "create", "web", "--repo", repoURL, "--path", "web", "--revision", "main", "--dest-namespace", "web", "--sync-option", "CreateNamespace=true"];
    assert.equal(await ok(args), 'application "web" created\n');
    const [api, core] = await Promise.all([plumb(args), plumb(args, { core: true })]);
    assert.equal(api.code, 1);
    assert.equal(api.stderr, core.stderr);
    assert.match(api.stderr, /already exists.*--upsert/s);
    await waitFor("compared: OutOfSync", async () => (await appStatus(resources, "web"))?.sync?.status === "OutOfSync" || undefined, 60_000);
    assert.match(await same(["list"]), /^web\s+OutOfSync\s+\S+\s+[0-9a-f]{7}\s+\S+\s+web\s+main$/m);
    assert.match(await same(["get", "web"]), /Sync Status:\s+OutOfSync from main/);
    const [apiJson, coreJson] = await Promise.all([ok(["app", "get", "web", "-o", "json"]), ok(["app", "get", "web", "-o", "json"], { core: true })]);
    assert.deepEqual(JSON.parse(apiJson), JSON.parse(coreJson));
  });

  it("sync, history, wait and rollback over the API report as --core does", async () => {
    const first = await ok(["app", "sync", "web", "--timeout", "90"]);
    assert.match(first, /Phase:\s+Succeeded/);
    assert.match(first, /^ConfigMap\s+web\s+settings\s+Synced\s+created$/m);
    // Once in sync, a sync from either side reports the same.
    const coreSync = await ok(["app", "sync", "web", "--timeout", "90"], { core: true });
    assert.match(coreSync, /^ConfigMap\s+web\s+settings\s+Synced\s+in sync$/m);
    assert.equal(timeless(await ok(["app", "sync", "web", "--timeout", "90"])), timeless(coreSync));
    wd.write({ "web/settings.yaml": cm("settings", { v: "2" }) });
    shas.push(await wd.commit("v2"));
    await wd.push();
    assert.match(await ok(["app", "sync", "web", "--revision", "main", "--timeout", "90"]), new RegExp(`Sync Revision:\\s+${shas[1]}`));
    const history = await same(["history", "web"]);
    assert.deepEqual(history.trim().split("\n").slice(1).map((l) => l.split(/\s+/)[0]), ["0", "1", "2", "3"]);
    assert.equal(timeless(await ok(["app", "wait", "web", "--sync", "--health", "--timeout", "30"])), timeless(await ok(["app", "wait", "web", "--sync", "--health", "--timeout", "30"], { core: true })));

    const apiBack = await ok(["app", "rollback", "web", "0", "--timeout", "90"]);
    assert.match(apiBack, new RegExp(`Sync Revision:\\s+${shas[0]}`));
    assert.match(apiBack, /^ConfigMap\s+web\s+settings\s+Synced\s+configured$/m);
    // Forward to main again, and the same rollback from --core reports the same.
    await ok(["app", "sync", "web", "--revision", "main", "--timeout", "90"], { core: true });
    assert.equal(timeless(await ok(["app", "rollback", "web", "0", "--timeout", "90"], { core: true })), timeless(apiBack));
    assert.deepEqual((await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "web", name: "settings" }))?.data, { v: "1" });
  });

  it("after the rollback: diff (status and --git), resources and manifests print the same; no Secret value in any", async () => {
    await waitFor("OutOfSync with main again", async () => (await appStatus(resources, "web"))?.sync?.status === "OutOfSync" || undefined, 30_000);
    assert.match(await same(["diff", "web"], 1), /^OutOfSync\s+ConfigMap\s+web\s+settings/m);
    const lines = await same(["diff", "web", "--git"], 1);
    assert.match(lines, /^-\s+v: "1"$/m);
    assert.match(lines, /^\+\s+v: "2"$/m);
    assert.match(await same(["resources", "web"]), /^\s+Secret\s+web\s+db\s+Synced/m);
    const manifests = await same(["manifests", "web"]);
    assert.match(manifests, /password: \+{8}/);
    const gitManifests = await ok(["app", "manifests", "web", "--source", "git", "-o", "json"]);
    for (const text of [lines, manifests, gitManifests, await ok(["app", "manifests", "web", "--show-secrets"])]) {
      assert.ok(!text.includes(VALUE) && !text.includes(Buffer.from(VALUE).toString("base64")), "a Secret value is shown");
    }
    const local = await plumb(["app", "diff", "web", "--local", wd.dir]);
    assert.equal(local.code, 2);
    assert.match(local.stderr, /diff --local is not available over the plumb server[\s\S]*--core/);
  });

  it("a pull request's preview over the API: diff --revision of an unmerged branch is rendered by the server and prints what --core prints", async () => {
    await wd.branch("pr-settings");
    wd.write({ "web/settings.yaml": cm("settings", { v: "3" }) });
    const pr = await wd.commit("settings: v3");
    await wd.push("pr-settings");
    await wd.checkout("main");
    const preview = await same(["diff", "web", "--revision", "pr-settings"], 1);
    const changed = preview.split("\n").filter((l) => /^[-+]/.test(l) && !/^(---|\+\+\+) /.test(l)).map((l) => l.replace(/\s+/g, " "));
    assert.deepEqual(changed, ['- v: "1"', '+ v: "3"'], `only the changed value:\n${preview}`);
    assert.match(preview, new RegExp(`^web at ${pr.slice(0, 7)}: OutOfSync`, "m"));
    const markdown = await same(["diff", "web", "--revision", "pr-settings", "-o", "markdown"], 1);
    assert.match(markdown, new RegExp(`^### plumb: \`web\` at \`${pr.slice(0, 7)}\` \\(pr-settings\\)$`, "m"));
    assert.ok(!markdown.includes(VALUE), "no Secret value in the comment");
  });

  it("terminate-op stops a running sync in both modes alike; a second sync meanwhile is refused alike", async () => {
    wd.write({ "web/front.yaml": lb, "web/after.yaml": cm("after", { v: "1" }, 1) });
    shas.push(await wd.commit("a wave that waits"));
    await wd.push();
    const outputs: string[] = [];
    for (const core of [false, true]) {
      assert.match(await ok(["app", "sync", "web", "--async"], { core }), /sync of "web" requested/);
      await waitFor("the sync to wait at wave 0", async () => (await phase()) === "Running" || undefined, 60_000);
      const again = await plumb(["app", "sync", "web", "--timeout", "5"], { core });
      assert.equal(again.code, 1);
      assert.match(again.stderr, /another operation is already in progress on application "web"/);
      outputs.push(await ok(["app", "terminate-op", "web", "--wait", "--timeout", "60"], { core }));
    }
    assert.equal(outputs[0], 'operation of application "web" ended Failed: terminated\n');
    assert.equal(outputs[1], outputs[0]);
    const [api, core] = await Promise.all([plumb(["app", "terminate-op", "web"]), plumb(["app", "terminate-op", "web"], { core: true })]);
    assert.equal(api.code, 1);
    assert.equal(api.stderr, core.stderr);
    assert.match(api.stderr, /no operation in progress/);
  });

  it("accounts: a password set, an API token used with --server/--auth-token, refused by RBAC, revoked", async () => {
    assert.match(await ok(["account", "list"]), /^admin\s+true\s+login[\s\S]*^dev\s+true\s+apiKey, login$/m);
    await ok(["account", "update-password", "--account", "dev", "--current-password", srv.adminPassword, "--new-password", "dev-password-1"]);
    const token = (await ok(["account", "generate-token", "--account", "dev", "--expires-in", "1h", "--id", "ci-1"])).trim();
    assert.ok(token.length > 20);
    assert.match(await ok(["account", "get", "dev"]), /^ci-1\s+\S+Z\s+\S+Z$/m);
    const asDev = ["--server", host, "--plaintext", "--auth-token", token];
    assert.equal((await ok(["account", "get-user-info", ...asDev])).match(/Username:\s+(\S+)/)?.[1], "dev");
    const denied = await plumb(["app", "sync", "web", ...asDev]);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /permission denied: .*applications, sync, plumb\/web/);
    const [adminCan, devCan] = await Promise.all([ok(["account", "can-i", "sync", "applications", "default/web"]), ok(["account", "can-i", "sync", "applications", "default/web", ...asDev])]);
    assert.deepEqual([adminCan, devCan], ["yes\n", "no\n"]);
    assert.equal(await ok(["account", "delete-token", "ci-1", "--account", "dev"]), "token 'ci-1' of account 'dev' deleted\n");
    const refused = await waitFor("the revoked token to be refused", async () => {
      const r = await plumb(["account", "get-user-info", ...asDev]);
      return r.code === 1 ? r : undefined;
    }, 10_000);
    assert.match(refused.stderr, new RegExp(`log in again: plumb login ${host.replace(/\./g, "\\.")}`));
  });

  it("delete over the API with its resources; then a get fails alike in both modes", async () => {
    assert.equal(await ok(["app", "delete", "web", "--wait", "--timeout", "60"]), 'application "web" deleted with its resources\n');
    await waitFor("the ConfigMap gone", async () => (await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "web", name: "settings" })) === undefined || undefined, 30_000);
    const [api, core] = await Promise.all([plumb(["app", "get", "web"]), plumb(["app", "get", "web"], { core: true })]);
    assert.equal(api.code, 1);
    assert.equal(api.stderr, core.stderr);
    assert.match(api.stderr, /application "web" not found in namespace "plumb"/);
  });

  it("logout ends the session: the API asks to log in again, --core still works", async () => {
    assert.equal(await ok(["logout"]), `logged out of '${host}' (http://${host})\n`);
    assert.doesNotMatch(readFileSync(CONFIG, "utf8"), /token:/);
    const r = await plumb(["app", "list"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`not logged in[\\s\\S]*log in again: plumb login ${host.replace(/\./g, "\\.")}`));
    assert.equal((await plumb(["app", "list"], { core: true })).code, 0);
  });

  it("a server with a self-signed certificate is refused with a hint, and accepted with --insecure", async () => {
    const tls = await startTestServer(resources, { tls: "self-signed", controller: false });
    try {
      const tlsHost = new URL(tls.url).host;
      const refused = await plumb(["login", tlsHost, "--username", "admin", "--password-stdin"], { stdin: srv.adminPassword });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /TLS certificate is not trusted[\s\S]*--insecure/);
      await ok(["login", tlsHost, "--insecure", "--username", "admin", "--password-stdin", "--name", "tls"], { stdin: srv.adminPassword });
      assert.equal((await plumb(["app", "list"])).code, 0, "the context keeps --insecure");
      assert.match(await ok(["context"]), /^\*\s+tls\s+https:/m);
    } finally {
      await tls.stop();
    }
  });

  it("login --sso: the browser ($BROWSER) logs in at the identity provider, the CLI gets the token", async () => {
    const idp = await startOidcProvider({ redirectUris: [`${srv.url}/auth/callback`] });
    try {
      const patch = (path: string, body: unknown) => resources.client.request({ method: "PATCH", path, contentType: "application/merge-patch+json", body });
      await patch("/api/v1/namespaces/plumb/configmaps/plumb-cm", { data: { "oidc.config": `name: Test IdP\nissuer: ${idp.issuer}\nclientID: ${idp.clientId}\nclientSecret: $oidc.clientSecret\n` } });
      await patch("/api/v1/namespaces/plumb/secrets/plumb-secret", { stringData: { "oidc.clientSecret": idp.clientSecret } });
      await waitFor("the server to offer SSO", async () => ((await srv.call("GET", "/api/v1/settings")).body as { oidcConfig?: unknown }).oidcConfig, 20_000);
      // The "browser" the CLI opens writes down the URL; this test's browser then signs in there.
      const urlFile = join(temp, "browser-url");
      const opener = join(temp, "browser.sh");
      writeFileSync(opener, `#!/bin/sh\nprintf '%s' "$1" > ${JSON.stringify(urlFile)}\n`, { mode: 0o755 });
      const login = plumb(["login", host, "--plaintext", "--sso", "--name", "sso", "--sso-timeout", "60"], { env: { BROWSER: opener } });
      const url = await waitFor("the CLI to open the browser", async () => existsSync(urlFile) && readFileSync(urlFile, "utf8"), 20_000);
      assert.match(url, new RegExp(`^${srv.url}/auth/login\\?cli_port=\\d+&cli_challenge=`));
      const b = new Browser();
      const first = await b.get(url);
      assert.match(first.body, /Sign in/);
      const consent = await b.submit(first, { login: "alice", password: DEFAULT_ACCOUNTS.alice!.password });
      const end = consent.body.includes("Authorize") ? await b.submit(consent, {}) : consent;
      assert.match(end.body, /logged in to plumb/);
      const r = await login;
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^'alice\\S*' logged in to ${srv.url}; context 'sso' is current\n$`));
      assert.match(await ok(["account", "get-user-info"]), /Logged In:\s+true\nUsername:\s+alice/);
      assert.ok(!b.visited.some((v) => v.includes(readFileSync(CONFIG, "utf8").match(/token: (\S+)/)?.[1] ?? "no token")), "the token never reached the browser");
    } finally {
      await idp.close();
    }
  });

  // util-linux `script` gives the CLI a pseudo-terminal, as a person's shell would.
  const hasScript = spawnSync("script", ["--version"], { stdio: "ignore" }).status === 0;
  it("on a terminal the password is asked for and never echoed", { skip: !hasScript && "no util-linux script(1)" }, async () => {
    const cmd = [process.execPath, join(repoRoot, "dist", "src", "cli", "main.js"), "login", host, "--plaintext", "--username", "admin", "--name", "pty"].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
    const child = spawn("script", ["-qec", cmd, "/dev/null"], { env: { ...process.env, PLUMB_CONFIG: CONFIG, NO_COLOR: "1", TERM: "xterm" } });
    let screen = "";
    let typed = false;
    child.stdout.on("data", (d: Buffer) => {
      screen += d.toString();
      if (!typed && screen.includes("Password: ")) {
        typed = true;
        child.stdin.write(`${srv.adminPassword}\r`);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    assert.equal(code, 0, screen);
    assert.ok(typed, `no password prompt: ${screen}`);
    assert.match(screen, /'admin' logged in to .*; context 'pty' is current/);
    assert.ok(!screen.includes(srv.adminPassword), "the password was echoed");
  });
});
