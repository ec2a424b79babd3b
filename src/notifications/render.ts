/**
 * From templates to a notification: every text field of the named templates (message, title,
 * email.subject, slack.text/attachments/blocks, webhook.<name>.method/path/body, github|gitlab|gitea
 * status fields and repoURLPath/revisionPath) is rendered with Go text/template and the Notifications
 * functions (src/template, one tool run for a whole batch), with the data Argo CD gives a template:
 * `.app` (the Application as stored), `.appProject`, `.context` (the ConfigMap's `context`, argocdUrl
 * defaulted), `.notificationType` and `.serviceType` (the service's type), `.recipient`. Several templates
 * of one trigger condition make one notification, later templates' fields winning (Argo CD's way).
 */
import { renderGoTemplates, type TemplateJob, type TemplateResult } from "../template/index.js";
import type { ServiceType, Template } from "./config.js";

export interface StatusFields {
  state?: string;
  label?: string;
  targetURL?: string;
  repoURL?: string;
  revision?: string;
}

/** A rendered notification. */
export interface Notification {
  message: string;
  title?: string;
  email?: { subject?: string };
  slack?: { text?: string; attachments?: string; blocks?: string; username?: string; icon?: string };
  webhook?: Record<string, { method?: string; path?: string; body?: string }>;
  status?: StatusFields;
}

/** The data a template sees. */
export function templateData(app: unknown, project: unknown, context: Record<string, unknown>, serviceType: ServiceType, recipient: string): Record<string, unknown> {
  return { app, ...(project ? { appProject: project } : {}), context: { ...context, notificationType: serviceType }, notificationType: serviceType, serviceType, recipient };
}

/** One field to render: where its result goes. */
interface Field {
  set: (n: Notification, v: string) => void;
  text: string;
}

/** The fields of `t` relevant to a service of `type` (`service`: its name, for webhook.<name>). */
function fieldsOf(t: Template, type: ServiceType, service: string): Field[] {
  const out: Field[] = [];
  const f = (text: string | undefined, set: Field["set"]) => {
    if (text !== undefined) out.push({ text, set });
  };
  f(t.message, (n, v) => (n.message = v));
  f(t.title, (n, v) => (n.title = v));
  f(t.email?.subject, (n, v) => (n.email = { ...n.email, subject: v }));
  if (type === "slack" && t.slack) {
    const s = t.slack;
    f(s.text, (n, v) => (n.slack = { ...n.slack, text: v }));
    f(s.attachments, (n, v) => (n.slack = { ...n.slack, attachments: v }));
    f(s.blocks, (n, v) => (n.slack = { ...n.slack, blocks: v }));
    f(s.username, (n, v) => (n.slack = { ...n.slack, username: v }));
    f(s.icon, (n, v) => (n.slack = { ...n.slack, icon: v }));
  }
  if (type === "webhook" && t.webhook?.[service]) {
    const w = t.webhook[service]!;
    const set = (k: "method" | "path" | "body") => (n: Notification, v: string) => (n.webhook = { ...n.webhook, [service]: { ...n.webhook?.[service], [k]: v } });
    f(w.method, set("method"));
    f(w.path, set("path"));
    f(w.body, set("body"));
  }
  if (type === "github" || type === "gitlab" || type === "gitea") {
    const s = t[type];
    const set = (k: keyof StatusFields) => (n: Notification, v: string) => (n.status = { ...n.status, [k]: v });
    f(s?.status?.state, set("state"));
    f(s?.status?.label, set("label"));
    f(s?.status?.targetURL, set("targetURL"));
    f(s?.repoURLPath ?? (s ? "{{.app.spec.source.repoURL}}" : undefined), set("repoURL"));
    f(s?.revisionPath ?? (s ? "{{.app.status.operationState.syncResult.revision}}" : undefined), set("revision"));
  }
  return out;
}

/** A notification to build: which templates, for which service, with which data. */
export interface BuildRequest {
  templates: string[];
  serviceType: ServiceType;
  service: string;
  data: Record<string, unknown>;
}

export type BuildResult = { ok: true; notification: Notification } | { ok: false; error: string };

/** Builds every request in one render batch. A missing template or a template error fails only its request. */
export async function buildNotifications(requests: readonly BuildRequest[], templates: ReadonlyMap<string, Template>, render: typeof renderGoTemplates = renderGoTemplates): Promise<BuildResult[]> {
  const jobs: TemplateJob[] = [];
  const plan: Array<{ error?: string; fields: Array<{ field: Field; job: number; template: string }> }> = [];
  for (const r of requests) {
    const missing = r.templates.filter((t) => !templates.has(t));
    if (missing.length) {
      plan.push({ error: `template ${missing.map((m) => `"${m}"`).join(", ")} not configured (add template.${missing[0]} to the notifications ConfigMap)`, fields: [] });
      continue;
    }
    const fields: Array<{ field: Field; job: number; template: string }> = [];
    for (const name of r.templates) {
      for (const field of fieldsOf(templates.get(name)!, r.serviceType, r.service)) {
        fields.push({ field, job: jobs.length, template: name });
        jobs.push({ text: field.text, data: r.data });
      }
    }
    plan.push({ fields });
  }
  const results: TemplateResult[] = jobs.length ? await render(jobs, { funcs: "notifications", missingKey: "default" }) : [];
  return plan.map((p) => {
    if (p.error) return { ok: false, error: p.error };
    const n: Notification = { message: "" };
    for (const { field, job, template } of p.fields) {
      const r = results[job]!;
      if (!r.ok) return { ok: false, error: `template "${template}": ${r.error}` };
      field.set(n, r.output);
    }
    return { ok: true, notification: n };
  });
}
