/**
 * Templates to notifications through the real Go template tool (src/template): the data Argo CD gives a
 * template (.app, .context with argocdUrl, .notificationType/.serviceType, .recipient), the fields each
 * service type uses, several templates merged into one notification, and errors that fail only their own
 * notification. Needs `bash hack/tools.sh gotemplate`.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "../../../src/notifications/config.js";
import { buildNotifications, templateData } from "../../../src/notifications/render.js";

const app = { apiVersion: "argoproj.io/v1alpha1", kind: "Application", metadata: { name: "web", namespace: "plumb" }, spec: { source: { repoURL: "https://github.com/o/r.git" } }, status: { sync: { status: "Synced", revision: "abc123" }, operationState: { phase: "Succeeded", syncResult: { revision: "abc123" } } } };

describe("notification templates", () => {
  const cfg = parseConfig([
    {
      name: "cm",
      secretName: "s",
      secret: {},
      data: {
        context: "argocdUrl: https://plumb.example.com\nenv: prod\n",
        "template.a": "message: '{{.app.metadata.name}} {{.notificationType}} {{.serviceType}} to {{.recipient}} ({{.context.env}})'\nemail:\n  subject: 'Deployed {{.app.status.sync.revision}}'\n",
        "template.b": "title: 'T {{.app.metadata.name}}'\nwebhook:\n  hook:\n    method: PUT\n    path: '/apps/{{.app.metadata.name}}'\n    body: '{\"rev\":\"{{.app.status.operationState.syncResult.revision}}\"}'\nslack:\n  attachments: '[{\"title\":\"{{.app.metadata.name}}\"}]'\ngithub:\n  status:\n    state: success\n    label: 'plumb/{{.app.metadata.name}}'\n",
        "template.broken": "message: '{{.app.metadata.name'\n",
      },
    },
  ]);

  it("gives templates Argo CD's data and renders each service's fields; later templates win", async () => {
    const data = (type: "email" | "webhook" | "slack" | "github", recipient: string) => templateData(app, undefined, cfg.context, type, recipient);
    const [email, webhook, slack, github] = await buildNotifications(
      [
        { templates: ["a", "b"], serviceType: "email", service: "email", data: data("email", "ops@example.com") },
        { templates: ["a", "b"], serviceType: "webhook", service: "hook", data: data("webhook", "") },
        { templates: ["b"], serviceType: "slack", service: "slack", data: data("slack", "#ch") },
        { templates: ["b"], serviceType: "github", service: "github", data: data("github", "") },
      ],
      cfg.templates,
    );
    assert.ok(email?.ok && webhook?.ok && slack?.ok && github?.ok);
    assert.equal(email.notification.message, "web email email to ops@example.com (prod)");
    assert.equal(email.notification.email?.subject, "Deployed abc123");
    assert.equal(email.notification.title, "T web");
    assert.deepEqual(webhook.notification.webhook, { hook: { method: "PUT", path: "/apps/web", body: '{"rev":"abc123"}' } });
    assert.equal(email.notification.webhook, undefined, "webhook fields only for webhook services");
    assert.equal(slack.notification.slack?.attachments, '[{"title":"web"}]');
    assert.deepEqual(github.notification.status, { state: "success", label: "plumb/web", repoURL: "https://github.com/o/r.git", revision: "abc123" });
  });

  it("the built-in catalog templates render with the context's argocdUrl", async () => {
    const [r] = await buildNotifications([{ templates: ["app-sync-succeeded"], serviceType: "email", service: "email", data: templateData(app, undefined, cfg.context, "email", "x@y") }], cfg.templates);
    assert.ok(r?.ok);
    assert.match(r.notification.message, /web was synced .* to abc123/);
    assert.match(r.notification.message, /https:\/\/plumb\.example\.com\/applications\/plumb\/web/);
    assert.equal(r.notification.email?.subject, "Application web synced");
  });

  it("a broken or missing template fails its own notification only", async () => {
    const d = templateData(app, undefined, cfg.context, "email", "x@y");
    const [bad, missing, good] = await buildNotifications(
      [
        { templates: ["broken"], serviceType: "email", service: "email", data: d },
        { templates: ["nope"], serviceType: "email", service: "email", data: d },
        { templates: ["a"], serviceType: "email", service: "email", data: d },
      ],
      cfg.templates,
    );
    assert.equal(bad?.ok, false);
    assert.match(!missing?.ok ? missing!.error : "", /template "nope" not configured/);
    assert.equal(good?.ok, true);
  });
});
