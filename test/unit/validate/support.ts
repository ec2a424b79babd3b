/** Fixture repositories for plumb validate's tests: a fixture folder copied into a fresh git repository. */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture } from "../../helpers/paths.js";

/** The URL the fixtures' Applications use for their own repository. */
export const REPO_URL = "https://git.example.com/acme/gitops.git";

export function git(dir: string, ...args: string[]): string {
  return execFileSync("git", ["-C", dir, "-c", "user.email=test@example.com", "-c", "user.name=test", ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Commits everything in `dir`. */
export function commitAll(dir: string, message: string): void {
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "--allow-empty", "-m", message);
}

/** Replaces `from` by `to` in every YAML file under `dir`. */
function substitute(dir: string, from: string, to: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory() && e.name !== ".git") substitute(p, from, to);
    else if (e.isFile() && /\.ya?ml$/.test(e.name)) {
      const text = readFileSync(p, "utf8");
      if (text.includes(from)) writeFileSync(p, text.split(from).join(to));
    }
  }
}

/** A temp folder that `cleanup` removes. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * test/fixtures/validate/<name> as a git repository (branch main, one commit, origin = REPO_URL) in
 * `parent`. `__REMOTE__` in its YAML files becomes `remote` when given.
 */
export function fixtureRepo(name: string, parent: string, opts: { remote?: string } = {}): string {
  const dir = join(parent, name);
  cpSync(fixture("validate", name), dir, { recursive: true });
  if (opts.remote) substitute(dir, "__REMOTE__", opts.remote);
  git(dir, "init", "-q", "-b", "main");
  git(dir, "remote", "add", "origin", REPO_URL);
  commitAll(dir, "init");
  return dir;
}

/** The `remote` fixture as a git repository tagged v1, and its file:// URL. */
export function remoteRepo(parent: string): string {
  const dir = join(parent, "remote");
  cpSync(fixture("validate", "remote"), dir, { recursive: true });
  git(dir, "init", "-q", "-b", "main");
  commitAll(dir, "init");
  git(dir, "tag", "v1");
  return `file://${dir}`;
}
