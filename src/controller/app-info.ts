/**
 * What the per-application metrics say of an app (Argo CD's argocd_app_info labels), read from its view:
 * pure, so it is tested on fixtures. Repository URLs lose any credentials (`https://user:token@host/x` →
 * `https://host/x`) and keep nothing else that varies per request, so a label never leaks a secret and the
 * series count stays one per app.
 */
import type { ApplicationView } from "../apps/analyze.js";
import { sourcesOf } from "../apps/spec.js";

/** The labels of plumb_app_info for one Application. */
export interface AppInfo {
  namespace: string;
  name: string;
  project: string;
  /** The first source's repository (Argo CD's `repo` label), without credentials. */
  repo: string;
  dest_server: string;
  dest_namespace: string;
  /** Synced, OutOfSync or Unknown (not yet compared). */
  sync_status: string;
  /** Healthy, Progressing, Degraded, Suspended, Missing or Unknown. */
  health_status: string;
}

/** A repository URL for a label: no user, no password, no query or fragment. */
export function repoLabel(url: string): string {
  const raw = url.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) return raw.replace(/^[^@/]*@/, ""); // scp-like git@host:path
  try {
    const u = new URL(raw);
    u.username = "";
    u.password = "";
    u.search = "";
    u.hash = "";
    return u.toString();
  } catch {
    return "invalid-url";
  }
}

/** The info labels of an app as its view reads. */
export function appInfoOf(view: ApplicationView): AppInfo {
  const spec = view.spec;
  const source = spec ? sourcesOf(spec)[0] : undefined;
  const dest = spec?.destination;
  return {
    namespace: view.namespace,
    name: view.name,
    project: spec?.project || "default",
    repo: source?.repoURL ? repoLabel(source.repoURL) : "",
    dest_server: dest?.server ?? dest?.name ?? "",
    dest_namespace: dest?.namespace ?? "",
    sync_status: view.status.sync?.status ?? "Unknown",
    health_status: view.status.health?.status ?? "Unknown",
  };
}
