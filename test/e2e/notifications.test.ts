/**
 * Notifications, as a team lives them: an Application subscribes (annotations) to on-sync-succeeded and
 * on-deployed on a webhook, an email address and a GitHub commit status; a second one to on-sync-failed.
 * The receivers are real servers on loopback that record what they get: a node:http webhook receiver
 * (one route fails its first two requests), an SMTP server (npm smtp-server, with authentication), and a
 * server implementing GitHub's commit-status route. The story: one message per trigger per revision;
 * the controller restarted in-process sends nothing twice (a subscription added after the restart is
 * served, proving the new process did look); a new revision gives exactly one more of each; the failing
 * receiver gets the message once; HMAC signatures verify; a failed sync triggers on-sync-failed; a
 * receiver that never answers is a Warning Event without the Secret's values; an unsupported condition
 * is reported, not guessed.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SMTPServer } from "smtp-server";
import { stringify } from "yaml";
import type { KubeObject } from "../../src/core/object.js";
import { appStatus, runController, startGitOpsWorld, type GitOpsWorld } from "../helpers/controller.js";
import { waitFor } from "../helpers/wait.js";

const HMAC_KEY = "hmac-key-for-e2e";
const GITHUB_TOKEN = "ghp_e2e-token-value";
const SMTP_PASSWORD = "smtp-pass-e2e";
const DOWN_TOKEN = "down-service-token-e2e";

interface Received {
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  status: number;
}

/** A webhook receiver: records every request; `/flaky/*` answers 503 to its first `failFirst` requests. */
async function startReceiver(failFirst: number): Promise<{ url: string; got: Received[]; close(): Promise<void> }> {
  const got: Received[] = [];
  let flakyCalls = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let status = 200;
      if (req.url?.startsWith("/flaky") && flakyCalls++ < failFirst) status = 503;
      got.push({ path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), status });
      res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "try later");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, got, close: () => new Promise((r) => server.close(() => r())) };
}

interface StatusPost {
  owner: string;
  repo: string;
  sha: string;
  body: { state: string; context?: string; target_url?: string; description?: string };
}

/** GitHub's commit-status API route (POST /api/v3/repos/{owner}/{repo}/statuses/{sha}), with its token check and state validation. */
async function startGitHub(token: string): Promise<{ url: string; got: StatusPost[]; close(): Promise<void> }> {
  const got: StatusPost[] = [];
  let id = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const m = /^\/api\/v3\/repos\/([^/]+)\/([^/]+)\/statuses\/([0-9a-f]{40})$/.exec(req.url ?? "");
      const json = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (req.method !== "POST" || !m) return json(404, { message: "Not Found" });
      if (req.headers.authorization !== `Bearer ${token}`) return json(401, { message: "Bad credentials" });
      let body: StatusPost["body"];
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as StatusPost["body"];
      } catch {
        return json(400, { message: "Problems parsing JSON" });
      }
      if (!["error", "failure", "pending", "success"].includes(body.state)) return json(422, { message: "Validation Failed" });
      got.push({ owner: m[1]!, repo: m[2]!, sha: m[3]!, body });
      json(201, { id: ++id, state: body.state, context: body.context ?? "default", target_url: body.target_url ?? null, description: body.description ?? null });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, got, close: () => new Promise((r) => server.close(() => r())) };
}

interface Mail {
  to: string[];
  subject: string;
  raw: string;
}

/** An SMTP server that requires login and records every message. */
async function startSMTP(user: string, pass: string): Promise<{ port: number; got: Mail[]; close(): Promise<void> }> {
  const got: Mail[] = [];
  const server = new SMTPServer({
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    authMethods: ["PLAIN", "LOGIN"],
    onAuth(auth, _session, cb) {
      if (auth.username === user && auth.password === pass) cb(null, { user });
      else cb(new Error("Invalid username or password"));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const headers = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, " ");
        const subject = /^Subject: (.*)$/m.exec(headers)?.[1] ?? "";
        got.push({ to: session.envelope.rcptTo.map((r) => r.address), subject, raw });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { port: (server.server.address() as AddressInfo).port, got, close: () => new Promise((r) => server.close(() => r())) };
}

function guestbookApp(repoURL: string): KubeObject {
  return {
    apiVersion: "plumb.dev/v1alpha1",
    kind: "Application",
    metadata: {
      name: "guestbook",
      namespace: "plumb",
      annotations: {
        "plumb.dev/subscribe.on-sync-succeeded.hook": "",
        "plumb.dev/subscribe.on-sync-succeeded.flaky": "",
        "plumb.dev/subscribe.on-deployed.hook": "",
        "plumb.dev/subscribe.on-deployed.email": "team@example.com",
        "plumb.dev/subscribe.on-deployed.github": "",
      },
    },
    spec: {
      project: "default",
      source: { repoURL, targetRevision: "main", path: "guestbook", helm: { valueFiles: ["values.yaml"] } },
      destination: { server: "https://kubernetes.default.svc", namespace: "guestbook" },
      syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] },
    },
  };
}

/** A PreSync hook Job that can never run (no node matches) and gives up after 2 s: the sync fails. */
function failingHook(): string {
  return stringify({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "migrate", annotations: { "argocd.argoproj.io/hook": "PreSync" } },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: 2,
      template: { spec: { restartPolicy: "Never", nodeSelector: { "plumb.dev/no-such-node": "true" }, containers: [{ name: "migrate", image: "busybox:1.36", command: ["true"] }] } },
    },
  });
}

const hookBody = (trigger: string) => `{"trigger":"${trigger}","app":"{{.app.metadata.name}}","revision":"{{.app.status.operationState.syncResult.revision}}","phase":"{{.app.status.operationState.phase}}"}`;

describe("notifications", { timeout: 400_000 }, () => {
  let world: GitOpsWorld;
  let hook: Awaited<ReturnType<typeof startReceiver>>;
  let github: Awaited<ReturnType<typeof startGitHub>>;
  let smtp: Awaited<ReturnType<typeof startSMTP>>;
  const logLines: string[] = [];
  const opts = { notifications: { namespace: "plumb", retry: { attempts: 3, baseMs: 200, maxMs: 1000 }, failureCooldownMs: 600_000 }, logLevel: "info" as const, logDestination: { write: (l: string) => void logLines.push(l) } };
  let sha1 = "";
  let sha2 = "";

  const requests = (path: string, revision?: string) => hook.got.filter((r) => r.path === path && r.status === 200 && (!revision || (JSON.parse(r.body) as { revision: string }).revision === revision));
  const statusOf = async (name: string) => appStatus(world.resources, name);
  const events = async (name: string, reason: string) =>
    (await world.resources.list("v1", "Event", { namespace: "plumb" })).items.filter((e) => (e.involvedObject as { name?: string }).name === name && e.reason === reason).map((e) => e.message as string);

  before(async () => {
    hook = await startReceiver(2);
    github = await startGitHub(GITHUB_TOKEN);
    smtp = await startSMTP("plumb", SMTP_PASSWORD);
    world = await startGitOpsWorld("e2e-notifications", opts);
    mkdirSync(join(world.wd.dir, "broken"));
    writeFileSync(join(world.wd.dir, "broken", "settings.yaml"), stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings" }, data: { a: "1" } }));
    writeFileSync(join(world.wd.dir, "broken", "migrate.yaml"), failingHook());
    sha1 = await world.wd.commit("broken app");
    await world.wd.push("main");
    await world.resources.apply({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "plumb-notifications-secret", namespace: "plumb" },
      stringData: { hmac: HMAC_KEY, "github-token": GITHUB_TOKEN, "smtp-password": SMTP_PASSWORD, "down-token": DOWN_TOKEN },
    } as KubeObject);
    await world.resources.apply({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "plumb-notifications-cm", namespace: "plumb" },
      data: {
        context: "argocdUrl: https://plumb.example.com\n",
        "service.webhook.hook": stringify({ url: `${hook.url}/hook`, headers: [{ name: "X-Team", value: "web" }], hmacSecret: "$hmac" }),
        "service.webhook.flaky": stringify({ url: `${hook.url}/flaky` }),
        "service.webhook.down": stringify({ url: "http://127.0.0.1:9/down", headers: [{ name: "Authorization", value: "Bearer $down-token" }] }),
        "service.email": stringify({ host: "127.0.0.1", port: smtp.port, from: "plumb@example.com", username: "plumb", password: "$smtp-password" }),
        "service.github": stringify({ token: "$github-token", apiURL: `${github.url}/api/v3` }),
        "template.app-sync-succeeded": stringify({
          message: "{{.app.metadata.name}} synced",
          webhook: { hook: { method: "POST", path: "/sync-succeeded", body: hookBody("on-sync-succeeded") }, flaky: { method: "POST", path: "/sync-succeeded", body: hookBody("on-sync-succeeded") } },
        }),
        "template.app-deployed": stringify({
          message: "{{.app.metadata.name}} is running {{.app.status.sync.revision}}",
          email: { subject: "Deployed {{.app.metadata.name}} at {{.app.status.sync.revision}}" },
          webhook: { hook: { method: "POST", path: "/deployed", body: hookBody("on-deployed") } },
          github: { status: { state: "success", label: "plumb/{{.app.metadata.name}}", targetURL: "{{.context.argocdUrl}}/applications/{{.app.metadata.name}}" }, repoURLPath: "https://github.example.com/team/guestbook" },
        }),
        "template.app-sync-failed": stringify({ message: "{{.app.metadata.name}} failed", webhook: { hook: { method: "POST", path: "/sync-failed", body: hookBody("on-sync-failed") } } }),
        "trigger.on-name-matches": "- when: app.metadata.name matches '^bro'\n  send: [app-sync-failed]\n",
      },
    });
  });
  after(async () => {
    await world?.close();
    await hook?.close();
    await github?.close();
    await smtp?.close();
  });

  it("on-sync-succeeded and on-deployed: one message each for the deployed revision, to the webhook, the email address and the commit status", async () => {
    await world.resources.apply(guestbookApp(world.repoURL));
    await waitFor("guestbook Synced and Healthy", async () => {
      const s = await statusOf("guestbook");
      return s?.sync?.status === "Synced" && s.sync.revision === sha1 && s.health?.status === "Healthy" && s.operationState?.phase === "Succeeded" ? s : undefined;
    }, 120_000);
    await waitFor("on-sync-succeeded and on-deployed at the webhook", async () => requests("/hook/sync-succeeded", sha1).length === 1 && requests("/hook/deployed", sha1).length === 1, 30_000);
    await waitFor("the email", async () => smtp.got.length >= 1, 30_000);
    await waitFor("the commit status", async () => github.got.length >= 1, 30_000);
    await waitFor("the state annotation to hold what was sent", async () => {
      const app = await world.resources.get({ apiVersion: "plumb.dev/v1alpha1", kind: "Application", namespace: "plumb", name: "guestbook" });
      const state = JSON.parse(app?.metadata.annotations?.["plumb.dev/notified"] ?? "{}") as Record<string, number>;
      return Object.keys(state).filter((k) => k.startsWith(`${sha1}:`)).length === 5 || undefined;
    }, 30_000);
    // Later reconciles (status writes) look at the app again: nothing more is sent.
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(requests("/hook/sync-succeeded").length, 1);
    assert.equal(requests("/hook/deployed").length, 1);
    assert.equal(smtp.got.length, 1);
    assert.deepEqual(smtp.got[0]!.to, ["team@example.com"]);
    assert.equal(smtp.got[0]!.subject, `Deployed guestbook at ${sha1}`);
    assert.equal(github.got.length, 1);
    assert.deepEqual(github.got[0], {
      owner: "team",
      repo: "guestbook",
      sha: sha1,
      body: { state: "success", context: "plumb/guestbook", description: `guestbook is running ${sha1}`, target_url: "https://plumb.example.com/applications/guestbook" },
    });
  });

  it("a receiver failing twice then succeeding gets the message once", async () => {
    const flaky = hook.got.filter((r) => r.path === "/flaky/sync-succeeded");
    assert.deepEqual(flaky.map((r) => r.status), [503, 503, 200], "two failed attempts, then one delivered — and no more");
    assert.equal(JSON.parse(flaky[2]!.body).revision, sha1);
    assert.deepEqual(await events("guestbook", "NotificationFailed"), [], "a delivery that succeeded on retry is no failure");
  });

  it("every webhook request carries an HMAC-SHA256 signature of its body that verifies", async () => {
    const signed = hook.got.filter((r) => r.path.startsWith("/hook/"));
    assert.ok(signed.length >= 2);
    for (const r of signed) {
      assert.equal(r.headers["x-plumb-signature-256"], `sha256=${createHmac("sha256", HMAC_KEY).update(r.body).digest("hex")}`);
      assert.equal(r.headers["x-team"], "web");
    }
    for (const r of hook.got.filter((x) => x.path.startsWith("/flaky"))) assert.equal(r.headers["x-plumb-signature-256"], undefined, "no secret, no signature");
  });

  it("after a controller restart nothing is sent twice, and a subscription added meanwhile is served", async () => {
    await world.ctrl.stop();
    world.ctrl = await runController(world.resources, opts);
    await world.resources.client.request({
      method: "PATCH",
      path: "/apis/plumb.dev/v1alpha1/namespaces/plumb/applications/guestbook",
      contentType: "application/merge-patch+json",
      body: { metadata: { annotations: { "plumb.dev/subscribe.on-deployed.email": "team@example.com;late@example.com" } } },
    });
    await waitFor("the new subscriber's email", async () => smtp.got.some((m) => m.to.includes("late@example.com")), 30_000);
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(requests("/hook/sync-succeeded").length, 1);
    assert.equal(requests("/hook/deployed").length, 1);
    assert.deepEqual(smtp.got.map((m) => m.to.join(",")).sort(), ["late@example.com", "team@example.com"]);
    assert.equal(github.got.length, 1);
    assert.equal(hook.got.filter((r) => r.path.startsWith("/flaky")).length, 3);
  });

  it("a new revision: exactly one more message per trigger, and the commit status of the new SHA", async () => {
    world.editValues((v) => (v.web!.replicaCount = 3));
    sha2 = await world.wd.commit("three replicas");
    await world.wd.push("main");
    await waitFor("guestbook at the new revision", async () => {
      const s = await statusOf("guestbook");
      return s?.sync?.revision === sha2 && s.health?.status === "Healthy" && s.operationState?.phase === "Succeeded" && s.operationState.syncResult?.revision === sha2 ? s : undefined;
    }, 120_000);
    await waitFor("both triggers for the new revision", async () => requests("/hook/sync-succeeded", sha2).length === 1 && requests("/hook/deployed", sha2).length === 1, 30_000);
    await waitFor("the new commit status", async () => github.got.some((g) => g.sha === sha2), 30_000);
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(requests("/hook/sync-succeeded").length, 2);
    assert.equal(requests("/hook/deployed").length, 2);
    assert.equal(requests("/hook/deployed", sha1).length, 1);
    assert.deepEqual(github.got.map((g) => `${g.sha}:${g.body.state}`), [`${sha1}:success`, `${sha2}:success`]);
    assert.equal(smtp.got.filter((m) => m.subject === `Deployed guestbook at ${sha2}`).length, 2, "both subscribers, once each");
  });

  it("a failed sync triggers on-sync-failed once; an unreachable receiver and an unsupported condition are Warning Events without Secret values", async () => {
    await world.resources.apply({
      apiVersion: "plumb.dev/v1alpha1",
      kind: "Application",
      metadata: {
        name: "broken",
        namespace: "plumb",
        annotations: {
          "notifications.argoproj.io/subscribe.on-sync-failed.hook": "",
          "notifications.argoproj.io/subscribe.on-sync-failed.down": "",
          "notifications.argoproj.io/subscribe.on-name-matches.hook": "",
        },
      },
      spec: {
        project: "default",
        source: { repoURL: world.repoURL, targetRevision: "main", path: "broken" },
        destination: { server: "https://kubernetes.default.svc", namespace: "broken" },
        syncPolicy: { automated: {}, syncOptions: ["CreateNamespace=true"] },
      },
    });
    await waitFor("the sync to fail", async () => (await statusOf("broken"))?.operationState?.phase === "Failed" || undefined, 120_000);
    await waitFor("on-sync-failed at the webhook", async () => requests("/hook/sync-failed").length === 1, 30_000);
    const body = JSON.parse(requests("/hook/sync-failed")[0]!.body) as Record<string, string>;
    assert.equal(body.app, "broken");
    assert.equal(body.phase, "Failed");
    const failed = await waitFor("the failed delivery's Event", async () => {
      const e = await events("broken", "NotificationFailed");
      return e.length ? e : undefined;
    }, 30_000);
    assert.match(failed[0]!, /down/);
    assert.match(failed[0]!, /after 3 attempts/);
    const unsupported = await waitFor("the unsupported trigger's Event", async () => {
      const e = await events("broken", "NotificationTriggerUnsupported");
      return e.length ? e : undefined;
    }, 30_000);
    assert.match(unsupported[0]!, /matches/);
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(requests("/hook/sync-failed").length, 1, "once, not once per look");
    const everything = [...logLines, ...(await world.resources.list("v1", "Event", { namespace: "plumb" })).items.map((e) => String(e.message))].join("\n");
    for (const secret of [HMAC_KEY, GITHUB_TOKEN, SMTP_PASSWORD, DOWN_TOKEN]) assert.ok(!everything.includes(secret), "no Secret value in a log line or Event");
  });
});
