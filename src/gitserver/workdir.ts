/**
 * A working copy for tests and the demo: write files, commit, branch, tag and push with the git CLI, the
 * way a developer would. Commits get a fixed identity so nothing depends on the machine's git config.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { git } from "./git.js";

const IDENTITY = {
  GIT_AUTHOR_NAME: "plumb test",
  GIT_AUTHOR_EMAIL: "test@plumb.dev",
  GIT_COMMITTER_NAME: "plumb test",
  GIT_COMMITTER_EMAIL: "test@plumb.dev",
};

export class WorkDir {
  private constructor(
    readonly dir: string,
    readonly remote: string,
  ) {}

  /** Clones `remote` (possibly empty) into a new temp folder. Credentials may be in the URL. */
  static async clone(remote: string, dir?: string): Promise<WorkDir> {
    const target = dir ?? mkdtempSync(join(tmpdir(), "plumb-wd-"));
    await git(["clone", "--quiet", remote, target]);
    await git(["checkout", "--quiet", "-B", "main"], { cwd: target }).catch(() => undefined);
    return new WorkDir(target, remote);
  }

  /** Creates a repository on `remote` holding a copy of folder `from`, committed and pushed to main. */
  static async fromFolder(remote: string, from: string, message = "initial commit"): Promise<WorkDir> {
    const wd = await WorkDir.clone(remote);
    cpSync(from, wd.dir, { recursive: true });
    await wd.commit(message);
    await wd.push("main");
    return wd;
  }

  /** Writes files (path relative to the work tree → content); parent folders are created. */
  write(files: Record<string, string>): this {
    for (const [path, content] of Object.entries(files)) {
      const full = join(this.dir, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
    }
    return this;
  }

  /** Removes files from the work tree. */
  remove(...paths: string[]): this {
    for (const p of paths) unlinkSync(join(this.dir, p));
    return this;
  }

  /** Stages everything and commits; returns the new commit's SHA. */
  async commit(message: string): Promise<string> {
    await git(["add", "--all"], { cwd: this.dir });
    await git(["commit", "--quiet", "--allow-empty", "-m", message], { cwd: this.dir, env: IDENTITY });
    return this.head();
  }

  /** The SHA of HEAD. */
  async head(): Promise<string> {
    return (await git(["rev-parse", "HEAD"], { cwd: this.dir })).trim();
  }

  /** Creates (or resets) branch `name` at HEAD and switches to it. */
  async branch(name: string): Promise<void> {
    await git(["checkout", "--quiet", "-B", name], { cwd: this.dir });
  }

  /** Switches to an existing branch. */
  async checkout(ref: string): Promise<void> {
    await git(["checkout", "--quiet", ref], { cwd: this.dir });
  }

  /** Creates an annotated tag at HEAD. */
  async tag(name: string, message = name): Promise<void> {
    await git(["tag", "-a", name, "-m", message], { cwd: this.dir, env: IDENTITY });
  }

  /** Reverts a commit (default HEAD) with a new commit; returns its SHA. */
  async revert(ref = "HEAD"): Promise<string> {
    await git(["revert", "--no-edit", ref], { cwd: this.dir, env: IDENTITY });
    return this.head();
  }

  /** Pushes the named refs (default: the current branch) and tags. */
  async push(...refs: string[]): Promise<void> {
    const targets = refs.length > 0 ? refs : [(await git(["branch", "--show-current"], { cwd: this.dir })).trim()];
    await git(["push", "--quiet", "--follow-tags", "origin", ...targets], { cwd: this.dir });
  }

  /** Pushes tags. */
  async pushTags(): Promise<void> {
    await git(["push", "--quiet", "--tags", "origin"], { cwd: this.dir });
  }

  /** Removes the work tree. */
  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
