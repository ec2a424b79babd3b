/**
 * The git commands on one bare mirror: create it, fetch into it (the first time aside, then renamed), read
 * its refs, find a commit in it. mirror.ts decides when; this file knows how.
 *
 * The fetch: `git fetch --prune --atomic --no-write-fetch-head -- <url> +refs/heads/*:refs/heads/*
 * +refs/tags/*:refs/tags/* +HEAD:refs/plumb/HEAD` — every branch and tag, deleted ones pruned (a wildcard
 * destination is pruned, the HEAD record is not), the remote's default branch recorded as refs/plumb/HEAD,
 * and all ref updates applied or none, so a failed fetch leaves the last good state.
 *
 * Over HTTP(S) the fetch also carries curl's low-speed limit (`-c http.lowSpeedLimit=B -c
 * http.lowSpeedTime=S`): a server that accepts the connection and then sends fewer than B bytes a second
 * for S seconds — one that hangs — is cut after about S seconds instead of at the command's time limit.
 */
import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { GitAuth } from "./auth.js";
import { GitCommandFailure, runGit } from "./exec.js";
import { isCommitSHA, parseForEachRef } from "./resolve.js";

const REFSPECS = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"];
const HEAD_REFSPEC = "+HEAD:refs/plumb/HEAD";
const FOR_EACH_REF = "--format=%(objectname) %(objecttype) %(*objectname) %(*objecttype) %(refname)";

/** True if `dir` holds a bare repository. */
export function isBareRepo(dir: string): boolean {
  return existsSync(join(dir, "HEAD"));
}

/** Creates a bare repository at `dir` (a new folder), recording `name` as plumb.url. */
export async function initBare(dir: string, name: string): Promise<void> {
  await mkdir(dirname(dir), { recursive: true });
  await runGit(["init", "--bare", "--quiet", dir]);
  await runGit(["--git-dir", dir, "config", "plumb.url", name]);
}

/** Options of fetchInto. */
export interface FetchIntoOptions {
  auth: GitAuth;
  /** The whole fetch is killed after this long. */
  timeoutMs: number;
  /** HTTP(S): cut the fetch when fewer than `bytesPerSecond` arrive for `seconds` seconds. Absent: no limit. */
  lowSpeed?: { bytesPerSecond: number; seconds: number };
  signal?: AbortSignal;
}

/** The `-c` options of curl's low-speed limit; none when either number is not positive. */
export function lowSpeedArgs(lowSpeed: FetchIntoOptions["lowSpeed"]): string[] {
  if (!lowSpeed || !(lowSpeed.bytesPerSecond > 0) || !(lowSpeed.seconds > 0)) return [];
  return ["-c", `http.lowSpeedLimit=${Math.ceil(lowSpeed.bytesPerSecond)}`, "-c", `http.lowSpeedTime=${Math.ceil(lowSpeed.seconds)}`];
}

/** Fetches all branches, tags and the remote HEAD of `url` into the bare repository `dir`. */
export async function fetchInto(dir: string, url: string, opts: FetchIntoOptions): Promise<void> {
  const run = (specs: string[]): Promise<string> =>
    runGit([...lowSpeedArgs(opts.lowSpeed), "--git-dir", dir, "fetch", "--quiet", "--prune", "--atomic", "--no-write-fetch-head", "--", url, ...specs], {
      env: opts.auth.env,
      secrets: opts.auth.secrets,
      timeoutMs: opts.timeoutMs,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  try {
    await run([...REFSPECS, HEAD_REFSPEC]);
  } catch (err) {
    // An empty repository, or a HEAD naming an unborn branch: fetch without it and forget the old HEAD.
    if (!(err instanceof GitCommandFailure && /couldn't find remote ref HEAD/i.test(err.stderr))) throw err;
    await run(REFSPECS);
    await runGit(["--git-dir", dir, "update-ref", "-d", "refs/plumb/HEAD"]).catch(() => undefined);
  }
}

/**
 * The first fetch of a mirror: into a new bare repository made aside, renamed to `dir` only once the fetch
 * succeeded (a failed one leaves nothing), so a mirror folder always holds a good fetch.
 */
export async function fetchNew(dir: string, url: string, name: string, opts: FetchIntoOptions): Promise<void> {
  const aside = `${dir}.new-${process.pid}`;
  await rm(aside, { recursive: true, force: true });
  try {
    await initBare(aside, name);
    await fetchInto(aside, url, opts);
    await rename(aside, dir);
  } catch (err) {
    await rm(aside, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
}

/** Branches, tags and the remote HEAD (as "HEAD") of a mirror, peeled to commits. */
export async function readRefs(dir: string): Promise<Map<string, string>> {
  const out = await runGit(["--git-dir", dir, "for-each-ref", FOR_EACH_REF, "refs/heads", "refs/tags", "refs/plumb/HEAD"]);
  const { refs, unpeeled } = parseForEachRef(out);
  for (const ref of unpeeled) {
    const sha = await runGit(["--git-dir", dir, "rev-parse", "--verify", "--quiet", `${ref}^{commit}`]).catch(() => "");
    if (sha.trim()) refs.set(ref, sha.trim());
  }
  const head = refs.get("refs/plumb/HEAD");
  refs.delete("refs/plumb/HEAD");
  if (head) refs.set("HEAD", head);
  return refs;
}

/** The full SHA of the commit `sha` (full or abbreviated) names in the mirror, or why there is none. */
export async function findCommit(dir: string, sha: string): Promise<string | { detail: string }> {
  try {
    const full = (await runGit(["--git-dir", dir, "rev-parse", "--verify", "--end-of-options", `${sha}^{commit}`])).trim();
    if (isCommitSHA(full)) return full;
  } catch (err) {
    const text = err instanceof GitCommandFailure ? err.stderr : String(err);
    if (/ambiguous/i.test(text)) return { detail: `the short SHA ${sha} is ambiguous: give more digits` };
  }
  return { detail: "no such commit in the fetched branches and tags" };
}

/** What a commit says of itself: author, date, message (Argo CD's RevisionMetadata). */
export interface CommitInfo {
  /** "Name <email>". */
  author: string;
  /** The author date, RFC 3339. */
  date: string;
  /** The whole message (subject and body). */
  message: string;
}

/** The author, date and message of commit `sha` (a full SHA the repository holds). */
export async function commitInfo(dir: string, sha: string): Promise<CommitInfo> {
  const out = await runGit(["--git-dir", dir, "log", "-1", "--no-show-signature", "--format=%an <%ae>%x00%aI%x00%B", "--end-of-options", sha]);
  const [author = "", date = "", ...rest] = out.split("\0");
  return { author, date, message: rest.join("\0").trimEnd() };
}
