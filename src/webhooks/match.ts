/**
 * Which Applications a push concerns: the same repository, and a targetRevision the pushed ref can move.
 *
 * One repository has many spellings — `https://github.com/org/repo`, `https://user@github.com/org/repo.git/`,
 * `ssh://git@github.com:22/org/repo.git`, `git@github.com:org/repo.git` — so URLs are reduced to a canonical
 * `host/path` before comparing:
 *
 * - scheme, userinfo and port are dropped (a self-hosted server's SSH port is not its HTTPS port, yet it is
 *   the same repository);
 * - scp-like `user@host:path` is read as host and path;
 * - trailing slashes and one `.git` suffix are dropped;
 * - the whole result is lower-cased. GitHub, GitLab, Gitea and Bitbucket all treat owner and repository
 *   names case-insensitively, and Argo CD's `NormalizeGitURL` lower-cases too. The trade-off is deliberate:
 *   a false match costs one needless refresh (reconciles are level-based), a missed match costs a deploy.
 *
 * This is a matching key, looser than git/url.ts's `normalizeRepoURL` (which names one mirror and keeps
 * scheme, user and path case): two spellings of one repository must compare equal here even when they
 * need different mirrors or credentials.
 *
 * Pure: no I/O.
 */
import type { PushEvent } from "./types.js";

const schemeURL = /^[a-z][a-z0-9+.-]*:\/\//i;
const scpLike = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/\/)(.*)$/;

/**
 * Reduces a Git repository URL to `host/path` (lower case, no scheme, userinfo, port, `.git` or trailing
 * slash). A local path (`/srv/git/repo.git`, `file:///srv/git/repo.git`) becomes `/srv/git/repo`.
 */
export function repoMatchKey(url: string): string {
  const raw = url.trim();
  let host = "";
  let path = raw;
  if (schemeURL.test(raw)) {
    try {
      const u = new URL(raw);
      host = u.hostname;
      path = u.pathname;
    } catch {
      path = raw.replace(schemeURL, "").replace(/^[^@/]*@/, "");
    }
  } else {
    const scp = scpLike.exec(raw);
    if (scp) {
      host = scp[1] as string;
      path = scp[2] as string;
    }
  }
  path = path.replace(/\/+$/, "").replace(/\.git$/i, "").replace(/\/+$/, "");
  if (host !== "") path = path.replace(/^\/+/, "");
  const joined = host === "" ? path : `${host.replace(/^\[|\]$/g, "")}/${path}`;
  return joined.toLowerCase();
}

/** Whether two URLs name the same Git repository (see the module comment for what counts as the same). */
export function sameRepository(a: string, b: string): boolean {
  const na = repoMatchKey(a);
  return na !== "" && na === repoMatchKey(b);
}

/** Whether a targetRevision is a version constraint (`1.2.*`, `>=1.0.0`, `~1.2`) rather than a plain ref. */
function isConstraint(rev: string): boolean {
  return /[*^~<>=|]/.test(rev) || /(^|\.)[xX](\.|$)/.test(rev);
}

/**
 * Whether an Application with this `targetRevision` can be affected by the push:
 *
 * - empty or `HEAD`: a push to the default branch (any branch push when the payload does not name it);
 * - the full ref (`refs/heads/main`), the short name (`main`, `v1.0.0`) or `heads/…`/`tags/…`;
 * - a version constraint: any tag push (the constraint may now resolve to the new tag);
 * - a commit SHA never moves, so it matches nothing.
 *
 * Unlike Argo CD, `refs/tags/x` does not match a push to branch `x`; a bare `x` matches both, as it is
 * ambiguous.
 */
export function tracksRevision(event: PushEvent, targetRevision: string | undefined): boolean {
  const rev = (targetRevision ?? "").trim();
  if (rev === "" || rev === "HEAD") {
    if (event.branch === undefined) return false;
    return event.defaultBranch === undefined || event.branch === event.defaultBranch;
  }
  if (rev === event.ref) return true;
  if (event.branch !== undefined && (rev === event.branch || rev === `heads/${event.branch}`)) return true;
  if (event.tag !== undefined && (rev === event.tag || rev === `tags/${event.tag}`)) return true;
  return event.tag !== undefined && isConstraint(rev);
}

/** Whether the push concerns a source `{repoURL, targetRevision}`: same repository and a matching revision. */
export function pushMatchesSource(event: PushEvent, source: { repoURL: string; targetRevision?: string }): boolean {
  return (
    event.repoURLs.some((u) => sameRepository(u, source.repoURL)) && tracksRevision(event, source.targetRevision)
  );
}
