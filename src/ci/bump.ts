/**
 * A tag bump committed and pushed to a GitOps repository, safe against racing pipelines: the edit
 * (image-edit.ts) is applied to the file and committed; when the push is refused because the branch moved
 * (another pipeline pushed first — non-fast-forward), the branch is fetched, the commit dropped, the edit
 * applied again to the new head's file, committed and pushed again, a bounded number of times. So two
 * pipelines bumping at once both end in the history, one after the other, and neither loses its bump. An
 * edit that changes nothing (the tag is already there) commits and pushes nothing.
 *
 * Works in an existing work tree (its `origin`) or in a fresh clone of a URL. A work tree's unrelated
 * uncommitted changes are kept (`git reset --keep`); the bumped file itself must be clean.
 */
import { mkdtemp, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve, sep } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { PlumbError, UsageError } from "../core/errors.js";
import { prepareAuth, type GitAuth } from "../git/auth.js";
import type { RepoCredentials } from "../git/credentials.js";
import { GitCommandFailure, runGit } from "../git/exec.js";
import { splitCredentials } from "../git/url.js";
import type { EditResult } from "./image-edit.js";

export interface BumpOptions {
  /** An existing work tree (pushes to its `origin`). One of workTree and repoURL. */
  workTree?: string;
  /** A repository to clone into a temporary folder (removed afterwards). */
  repoURL?: string;
  /** The branch to push to. Default: the work tree's current branch; for a clone, the remote's default. */
  branch?: string;
  /** The file to edit, relative to the repository's root. */
  file: string;
  /** The change to make to the file's text. */
  edit: (text: string) => EditResult;
  message: string;
  /** The commit's author (and committer); default git's configured identity, else "plumb <plumb@localhost>". */
  author?: { name: string; email: string };
  /** Push after committing (default true). */
  push?: boolean;
  /** How many times a refused push is tried again on the new head (default 5). */
  retries?: number;
  credentials?: RepoCredentials;
  /** Told each step, for people. */
  log?: (line: string) => void;
}

export interface BumpResult {
  /** False when the file already said so: nothing committed. */
  changed: boolean;
  /** The commit made (full SHA). */
  commit?: string;
  /** Tries of the push (1 when the first one went through). */
  attempts: number;
  where: string[];
  branch: string;
}

/** Whether git refused a push because the remote branch moved (another push came first). */
export function isRaceRejection(err: unknown): boolean {
  const text = err instanceof GitCommandFailure ? `${err.stderr}\n${err.message}` : String(err);
  // A branch that moved: refused by the client's check ("[rejected] … (fetch first)", "non-fast-forward"), or
  // by the server when another push updated the ref between its check and its write ("cannot lock ref").
  return /\[rejected\]|non-fast-forward|fetch first|cannot lock ref|incorrect old value|failed to update ref/i.test(text);
}

export async function bumpAndPush(opts: BumpOptions): Promise<BumpResult> {
  if (!opts.workTree === !opts.repoURL) throw new UsageError("give either a work tree or a repository URL", "--work-tree DIR or --repo URL");
  if (opts.repoURL && opts.push === false) throw new UsageError("--no-push with --repo would commit in a clone that is then removed", "use --work-tree DIR to commit without pushing");
  const log = opts.log ?? (() => undefined);
  const retries = opts.retries ?? 5;
  let temp: string | undefined;
  let auth: GitAuth | undefined;
  try {
    let dir: string;
    if (opts.repoURL) {
      // No credentials given: git's own configuration (a CI runner's credential helper) applies unchanged.
      auth = opts.credentials ? await prepareAuth(opts.repoURL, opts.credentials) : undefined;
      temp = await mkdtemp(join(tmpdir(), "plumb-bump-"));
      dir = join(temp, "repo");
      log(`cloning ${splitCredentials(opts.repoURL).url}`);
      await git(["clone", "--quiet", ...(opts.branch ? ["--branch", opts.branch] : []), "--", opts.repoURL, dir], temp, auth);
    } else {
      dir = await realpath(resolve(opts.workTree!)).catch(() => {
        throw new UsageError(`no such folder: ${opts.workTree}`, "--work-tree DIR: a clone of the GitOps repository");
      });
      const origin = (await git(["remote", "get-url", "origin"], dir, undefined)).trim();
      auth = opts.credentials ? await prepareAuth(origin, opts.credentials) : undefined;
    }
    const root = await realpath((await git(["rev-parse", "--show-toplevel"], dir, auth)).trim());
    const file = relative(root, resolve(dir, opts.file));
    if (file.startsWith(`..${sep}`) || file === "..") throw new UsageError(`${opts.file} is outside the repository`, "give the file's path inside the repository");
    const current = (await git(["rev-parse", "--abbrev-ref", "HEAD"], root, auth)).trim();
    const branch = opts.branch ?? current;
    if (current === "HEAD") throw new UsageError("the work tree is not on a branch (detached HEAD)", "check out the branch to bump first");
    if (current !== branch) throw new UsageError(`the work tree is on ${current}, not ${branch}`, `check out ${branch} first (the commit is made on the branch checked out)`);
    // A retry drops our commit and takes the remote's head: local commits not on the remote would go too.
    await git(["fetch", "--quiet", "origin", `refs/heads/${branch}`], root, auth).catch(() => undefined);
    const ahead = (await git(["rev-list", "--count", "FETCH_HEAD..HEAD"], root, auth).catch(() => "0")).trim();
    if (ahead !== "0") throw new UsageError(`${branch} has ${ahead} commit(s) that origin does not have`, "push or drop them first: the bump is one commit on top of origin's branch");
    if ((await git(["status", "--porcelain", "--", file], root, auth)).trim() !== "") throw new UsageError(`${file} has uncommitted changes`, "commit or stash them first");
    const identity = opts.author ?? (await configuredIdentity(root)) ?? { name: "plumb", email: "plumb@localhost" };
    const ident = ["-c", `user.name=${identity.name}`, "-c", `user.email=${identity.email}`];

    for (let attempt = 1; ; attempt++) {
      const path = join(root, file);
      let text: string;
      try {
        text = await readFile(path, "utf8");
      } catch {
        throw new UsageError(`${file}: no such file on ${branch}`, "check --file (a path inside the repository)");
      }
      const r = opts.edit(text);
      if (!r.changed) {
        log(`${file}: already set (${r.where.join(", ")}); nothing to commit`);
        return { changed: false, attempts: attempt, where: r.where, branch };
      }
      await writeFile(path, r.text);
      await git([...ident, "commit", "--quiet", "-m", opts.message, "--", file], root, auth);
      const commit = (await git(["rev-parse", "HEAD"], root, auth)).trim();
      if (opts.push === false) return { changed: true, commit, attempts: attempt, where: r.where, branch };
      try {
        await git(["push", "--quiet", "origin", `HEAD:refs/heads/${branch}`], root, auth);
        log(`pushed ${commit.slice(0, 7)} to ${branch}${attempt > 1 ? ` (try ${attempt})` : ""}`);
        return { changed: true, commit, attempts: attempt, where: r.where, branch };
      } catch (err) {
        if (!isRaceRejection(err)) throw new PlumbError(`pushing ${branch} failed: ${err instanceof GitCommandFailure ? err.stderr.trim() : String(err)}`, "check the credentials (PLUMB_GIT_*) and that the branch accepts pushes; the commit is local only");
        if (attempt > retries) throw new PlumbError(`${branch} kept moving: the push was refused ${attempt} times`, "try again, or raise --retries");
        log(`${branch} moved while pushing (try ${attempt}); applying the change again on its new head`);
        await git(["fetch", "--quiet", "origin", `refs/heads/${branch}`], root, auth);
        await git(["reset", "--quiet", "--keep", "FETCH_HEAD"], root, auth);
        await sleep(50 + Math.floor(Math.random() * 200 * attempt));
      }
    }
  } finally {
    await auth?.cleanup();
    if (temp) await rm(temp, { recursive: true, force: true });
  }
}

function git(args: string[], cwd: string, auth: GitAuth | undefined): Promise<string> {
  return runGit(args, { cwd, ...(auth ? { env: auth.env, secrets: auth.secrets } : {}) });
}

async function configuredIdentity(dir: string): Promise<{ name: string; email: string } | undefined> {
  const read = (key: string) => runGit(["config", "--get", key], { cwd: dir }).then((s) => s.trim(), () => "");
  const [name, email] = await Promise.all([read("user.name"), read("user.email")]);
  return name && email ? { name, email } : undefined;
}
