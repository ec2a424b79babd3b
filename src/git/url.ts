/**
 * Repository URLs: one normal form per repository, so that `https://GitHub.com/org/app.git/` and
 * `https://github.com/org/app` share one mirror and one credential lookup; credentials written into a URL
 * taken out of it, so that they never reach git's argv, a folder name or an error message.
 *
 * Pure: no I/O.
 */
import { createHash } from "node:crypto";

/** An scp-like SSH address: `[user@]host:path` (no scheme, no slash before the colon). */
const SCP_LIKE = /^(?:([^@/:]+)@)?([^/:]+):(?!\/\/)(.*)$/;

/** True for `ssh://…` and scp-like `git@host:org/app` addresses. */
export function isSshURL(url: string): boolean {
  return /^ssh:\/\//i.test(url) || (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && SCP_LIKE.test(url));
}

function trimSuffixes(path: string): string {
  let p = path;
  for (;;) {
    const next = p.replace(/\/+$/, "").replace(/\.git$/, "");
    if (next === p) return p;
    p = next;
  }
}

/**
 * The normal form of a repository URL: host lowercased; trailing `/` and `.git` dropped; for HTTP(S), the
 * user and password dropped (they are credentials, not identity); for SSH the user kept (`git@` is part of
 * the address). The path keeps its case: many servers are case-sensitive.
 */
export function normalizeRepoURL(url: string): string {
  const raw = url.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    const scp = SCP_LIKE.exec(raw);
    if (scp) return `${scp[1] ? `${scp[1]}@` : ""}${scp[2]!.toLowerCase()}:${trimSuffixes(scp[3]!)}`;
    return trimSuffixes(raw);
  }
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return trimSuffixes(raw);
  }
  const scheme = u.protocol.toLowerCase();
  const user = scheme === "http:" || scheme === "https:" || !u.username ? "" : `${u.username}@`;
  const port = u.port ? `:${u.port}` : "";
  return `${scheme}//${user}${u.hostname.toLowerCase()}${port}${trimSuffixes(u.pathname)}${u.search}`;
}

/** A URL with its embedded credentials taken out. */
export interface SplitURL {
  /** The URL git is given: no password; for HTTP(S) no user either. */
  url: string;
  username?: string;
  password?: string;
}

/**
 * Takes credentials out of a URL (`https://user:token@host/app`), so they can be handed to git through
 * the environment instead of its argv. URLs without credentials come back unchanged.
 */
export function splitCredentials(url: string): SplitURL {
  const raw = url.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) return { url: raw };
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return { url: raw };
  }
  if (!u.username && !u.password) return { url: raw };
  const username = u.username ? decodeURIComponent(u.username) : undefined;
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  const http = u.protocol === "http:" || u.protocol === "https:";
  u.password = "";
  if (http) u.username = "";
  return { url: u.toString(), ...(username !== undefined ? { username } : {}), ...(password !== undefined ? { password } : {}) };
}

/** The URL safe to show: any password replaced by `***`. */
export function displayURL(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, "$1:***@");
}

/** A folder name for the mirror of a normalized URL: readable, and unique through a hash. */
export function mirrorDirName(normalizedURL: string): string {
  const slug = normalizedURL
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, "")
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^[._]+/, "")
    .slice(-60);
  const hash = createHash("sha256").update(normalizedURL).digest("hex").slice(0, 12);
  return `${slug || "repo"}-${hash}.git`;
}
