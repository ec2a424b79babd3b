/**
 * Built-in templates named as Argo CD's catalog names them (app-created, app-deployed…), so the catalog
 * triggers work out of the box; a `template.<name>` key replaces one. Wording is plumb's own. Each has a
 * `message`, a `title` and an `email.subject`; the commit-status services fall back to the app's state
 * when a template has no `github`/`gitlab`/`gitea` section (services/commit-status.ts).
 */
import type { Template } from "./config.js";

const link = "{{.context.argocdUrl}}/applications/{{.app.metadata.namespace}}/{{.app.metadata.name}}";

function tpl(title: string, body: string): Template {
  return { title, email: { subject: title }, message: `${body}\n${link}` };
}

export const CATALOG_TEMPLATES: Record<string, Template> = {
  "app-created": tpl("Application {{.app.metadata.name}} created", "Application {{.app.metadata.name}} was created."),
  "app-deleted": tpl("Application {{.app.metadata.name}} deleted", "Application {{.app.metadata.name}} was deleted."),
  "app-deployed": tpl(
    "Application {{.app.metadata.name}} deployed",
    "Application {{.app.metadata.name}} runs revision {{.app.status.sync.revision}} and is healthy.",
  ),
  "app-health-degraded": tpl("Application {{.app.metadata.name}} degraded", "Application {{.app.metadata.name}} is degraded: {{.app.status.health.message}}"),
  "app-sync-failed": tpl(
    "Application {{.app.metadata.name}} sync failed",
    "The sync of {{.app.metadata.name}} failed at {{.app.status.operationState.finishedAt}}: {{.app.status.operationState.message}}",
  ),
  "app-sync-running": tpl("Application {{.app.metadata.name}} syncing", "The sync of {{.app.metadata.name}} started at {{.app.status.operationState.startedAt}}."),
  "app-sync-status-unknown": tpl(
    "Application {{.app.metadata.name}} sync status unknown",
    "The sync status of {{.app.metadata.name}} is Unknown.{{range .app.status.conditions}}\n- {{.type}}: {{.message}}{{end}}",
  ),
  "app-sync-succeeded": tpl(
    "Application {{.app.metadata.name}} synced",
    "Application {{.app.metadata.name}} was synced at {{.app.status.operationState.finishedAt}} to {{.app.status.operationState.syncResult.revision}}.",
  ),
};
