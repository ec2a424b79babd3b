/**
 * Reading the notifications ConfigMap/Secret: Argo CD's keys, `$key` references resolved from the Secret,
 * problems that name the key and never a Secret value, plumb's ConfigMap winning over Argo CD's.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig, redact } from "../../../src/notifications/config.js";

const secretValue = "s3cr3t-token-value";
const data = {
  "service.webhook.hook": "url: https://hooks.example.com/x\nheaders:\n- name: Authorization\n  value: Bearer $hook-token\nhmacSecret: $hmac\n",
  "service.email": "host: smtp.example.com\nport: 587\nfrom: plumb@example.com\nusername: plumb\npassword: $mail-password\nstartTLS: true\n",
  "service.github": "token: $missing-token\n",
  "service.teams": "recipientUrls: {}\n",
  "template.my": "message: hi {{.app.metadata.name}}\nteams:\n  title: x\nwebhook:\n  hook:\n    method: POST\n    body: '{}'\n",
  "trigger.on-x": "- when: app.status.sync.status == 'Synced'\n  send: [my]\n",
  "trigger.on-bad": "- when: app.metadata.name matches 'x'\n  send: [my]\n",
  defaultTriggers: "- on-x\n",
  "defaultTriggers.hook": "- on-deployed\n",
  subscriptions: "- recipients: [hook]\n  triggers: [on-x]\n  selector: env=prod\n",
  context: "argocdUrl: https://plumb.example.com\n",
  "bogus.key": "x",
};
const secret = { "hook-token": secretValue, hmac: "hmac-key-123", "mail-password": "mail-pass-456" };

describe("notifications configuration", () => {
  const cfg = parseConfig([{ name: "argocd-notifications-cm", data, secretName: "argocd-notifications-secret", secret }]);
  it("resolves $key references from the Secret", () => {
    const hook = cfg.services.get("hook")!;
    assert.equal(hook.type, "webhook");
    assert.deepEqual((hook.settings as { headers: unknown }).headers, [{ name: "Authorization", value: `Bearer ${secretValue}` }]);
    assert.equal((cfg.services.get("email")!.settings as { password: string }).password, "mail-pass-456");
    assert.ok(cfg.secretValues.includes(secretValue));
  });
  it("reports a missing $key by name and leaves the service out", () => {
    assert.equal(cfg.services.has("github"), false);
    assert.ok(cfg.problems.some((p) => p.includes("service.github") && p.includes("$missing-token") && p.includes("argocd-notifications-secret")));
  });
  it("reports unsupported service types, template sections and keys", () => {
    assert.ok(cfg.problems.some((p) => p.includes("service.teams") && p.includes("not supported")));
    assert.ok(cfg.problems.some((p) => p.includes("template.my") && p.includes("teams")));
    assert.equal(cfg.templates.get("my")?.message, "hi {{.app.metadata.name}}");
    assert.ok(cfg.problems.some((p) => p.includes("bogus.key")));
  });
  it("triggers: custom ones, catalog ones built in, unsupported ones marked", () => {
    assert.equal(cfg.triggers.get("on-x")?.unsupported, undefined);
    assert.ok(cfg.triggers.get("on-bad")?.unsupported);
    assert.ok(cfg.triggers.has("on-deployed") && cfg.templates.has("app-deployed"));
  });
  it("defaultTriggers, subscriptions, context", () => {
    assert.deepEqual(cfg.defaultTriggers, ["on-x"]);
    assert.deepEqual(cfg.serviceDefaultTriggers.get("hook"), ["on-deployed"]);
    assert.equal(cfg.subscriptions[0]?.selector, "env=prod");
    assert.equal(cfg.context.argocdUrl, "https://plumb.example.com");
  });
  it("no problem holds a Secret value", () => {
    const all = parseConfig([{ name: "cm", data: { "service.webhook.x": "url: $u\n" }, secretName: "s", secret: { u: "not a url secret" } }]);
    assert.equal(all.services.has("x"), false);
    for (const p of [...cfg.problems, ...all.problems]) for (const v of [...Object.values(secret), "not a url secret"]) assert.ok(!p.includes(v), p);
  });
  it("plumb's ConfigMap wins over Argo CD's", () => {
    const both = parseConfig([
      { name: "argocd-notifications-cm", data: { context: "argocdUrl: https://argo\n" }, secretName: "s", secret: {} },
      { name: "plumb-notifications-cm", data: { context: "argocdUrl: https://plumb\n" }, secretName: "s", secret: {} },
    ]);
    assert.equal(both.context.argocdUrl, "https://plumb");
  });
  it("redact masks every Secret value", () => {
    assert.equal(redact(`POST failed: Bearer ${secretValue}`, cfg.secretValues), "POST failed: Bearer ***");
  });
});
