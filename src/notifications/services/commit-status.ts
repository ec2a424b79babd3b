/**
 * Commit statuses: the app's state posted to the commit it deployed, on the forge's own API.
 *   GitHub  POST {apiURL}/repos/{owner}/{repo}/statuses/{sha}     {state, target_url, description, context}
 *           states error | failure | pending | success; `Authorization: Bearer <token>`;
 *           apiURL https://api.github.com, or Argo CD's enterpriseBaseURL (https://host/api/v3).
 *   Gitea   POST {apiURL}/api/v1/repos/{owner}/{repo}/statuses/{sha} {state, target_url, description, context}
 *           states pending | success | error | failure | warning; `Authorization: token <token>`.
 *   GitLab  POST {apiURL}/api/v4/projects/{url-encoded path}/statuses/{sha} {state, name, target_url, description}
 *           states pending | running | success | failed | canceled; `PRIVATE-TOKEN: <token>`;
 *           apiURL https://gitlab.com.
 * The template's `github|gitea|gitlab.status` gives state, label (the status context/name) and targetURL,
 * `repoURLPath`/`revisionPath` where the repository and commit come from (Argo CD's github service fields;
 * defaults `.app.spec.source.repoURL` and `.app.status.operationState.syncResult.revision`). Without such a
 * section the state follows the operation (Running → pending, Succeeded → success, Failed → failure,
 * Error → error) with label `plumb/<app>`. GitHub's words are translated for GitLab (failure/error →
 * failed). The description is the message, cut to 140 characters (GitHub's limit).
 */
import type { CommitStatusSettings } from "../config.js";
import type { Notification, StatusFields } from "../render.js";
import { DeliveryError, send } from "./http.js";

export type Forge = "github" | "gitlab" | "gitea";

/** Owner/repository path of a Git URL (https, ssh://, scp-like), without `.git`. */
export function repoPath(repoURL: string): string | undefined {
  const m = /^[a-z+]+:\/\/(?:[^@/]+@)?[^/]+(?::\d+)?\/(.+?)(?:\.git)?\/?$/.exec(repoURL) ?? /^[^@/]+@[^:]+:(.+?)(?:\.git)?\/?$/.exec(repoURL);
  const path = m?.[1];
  return path && path.split("/").length >= 2 ? path : undefined;
}

/** The state an operation phase maps to, for the forge. */
export function stateForPhase(phase: string | undefined): string | undefined {
  return phase === "Running" ? "pending" : phase === "Succeeded" ? "success" : phase === "Failed" ? "failure" : phase === "Error" ? "error" : undefined;
}

const GITLAB_STATE: Record<string, string> = { failure: "failed", error: "failed", success: "success", pending: "pending", running: "running", failed: "failed", canceled: "canceled" };
const STATES: Record<Forge, string[]> = { github: ["error", "failure", "pending", "success"], gitea: ["pending", "success", "error", "failure", "warning"], gitlab: Object.keys(GITLAB_STATE) };

export interface CommitStatusRequest {
  method: "POST";
  url: string;
  headers: Record<string, string>;
  body: Record<string, string>;
}

/** The request that posts `fields` (missing ones from `fallback`). Throws a DeliveryError when something is missing. */
export function commitStatusRequest(forge: Forge, s: CommitStatusSettings, n: Notification, fallback: StatusFields): CommitStatusRequest {
  const f = { ...fallback, ...Object.fromEntries(Object.entries(n.status ?? {}).filter(([, v]) => v !== undefined && v !== "" && v !== "<no value>")) };
  const path = f.repoURL ? repoPath(f.repoURL) : undefined;
  if (!path) throw new DeliveryError(`${forge} commit status: no owner/repository in the repository URL "${f.repoURL ?? ""}"`, false);
  if (!f.revision || !/^[0-9a-f]{7,64}$/i.test(f.revision)) throw new DeliveryError(`${forge} commit status: no commit SHA to post to (got "${f.revision ?? ""}"; the app has not synced a revision yet)`, false);
  if (!f.state || !STATES[forge].includes(f.state)) throw new DeliveryError(`${forge} commit status: state "${f.state ?? ""}" is not one of ${STATES[forge].join(", ")}`, false);
  const description = n.message.trim().slice(0, 140);
  const label = f.label || "plumb";
  if (forge === "github") {
    const base = (s.apiURL ?? s.enterpriseBaseURL ?? "https://api.github.com").replace(/\/+$/, "");
    const [owner, repo] = [path.split("/")[0]!, path.split("/").slice(1).join("/")];
    return {
      method: "POST",
      url: `${base}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/statuses/${f.revision}`,
      headers: { Accept: "application/vnd.github+json", Authorization: `Bearer ${s.token}`, "Content-Type": "application/json", "X-GitHub-Api-Version": "2022-11-28" },
      body: { state: f.state, context: label, description, ...(f.targetURL ? { target_url: f.targetURL } : {}) },
    };
  }
  if (forge === "gitea") {
    if (!s.apiURL) throw new DeliveryError("gitea commit status: the service needs apiURL (the Gitea server's base URL)", false);
    const [owner, repo] = [path.split("/")[0]!, path.split("/").slice(1).join("/")];
    return {
      method: "POST",
      url: `${s.apiURL.replace(/\/+$/, "")}/api/v1/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/statuses/${f.revision}`,
      headers: { Authorization: `token ${s.token}`, "Content-Type": "application/json" },
      body: { state: f.state, context: label, description, ...(f.targetURL ? { target_url: f.targetURL } : {}) },
    };
  }
  const base = (s.apiURL ?? "https://gitlab.com").replace(/\/+$/, "");
  return {
    method: "POST",
    url: `${base}/api/v4/projects/${encodeURIComponent(path)}/statuses/${f.revision}`,
    headers: { "PRIVATE-TOKEN": s.token, "Content-Type": "application/json" },
    body: { state: GITLAB_STATE[f.state]!, name: label, description, ...(f.targetURL ? { target_url: f.targetURL } : {}) },
  };
}

export async function sendCommitStatus(forge: Forge, s: CommitStatusSettings, n: Notification, fallback: StatusFields, signal?: AbortSignal): Promise<void> {
  const r = commitStatusRequest(forge, s, n, fallback);
  await send({ method: r.method, url: r.url, headers: r.headers, body: JSON.stringify(r.body), ...(signal ? { signal } : {}) });
}
