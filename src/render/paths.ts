/**
 * Keeping a render inside its repository. A repository is untrusted input: its app path, value files and
 * symlinks must not make plumb read files of the host (`../../etc/passwd`, `/root/.kube/config`, a link
 * to `/`). Every path is checked twice: lexically (no `..` or absolute path leaving the root) and after
 * resolving symlinks with realpath (no link, anywhere along the path, leading out). Argo CD applies the
 * same rules (value files "resolved to outside repository root", out-of-bounds symlinks).
 *
 * Paths in messages are repository-relative, so they read the same on any machine. The file system calls
 * are synchronous: each is microseconds on a local checkout, less than a thread-pool round trip, and a
 * controller rendering a thousand apps makes thousands of them.
 */
import { lstatSync, readdirSync, readlinkSync, realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { RenderError, type RenderProblem } from "./errors.js";

/** A repository root, as given and with symlinks resolved. */
export interface Repo {
  /** The root as given, made absolute. */
  root: string;
  /** The root with symlinks resolved. */
  realRoot: string;
}

/** A path checked to be inside the repository. */
export interface RepoPath {
  /** Absolute, symlinks resolved; use this to read. */
  real: string;
  /** Relative to the repository root, with `/` separators ("." for the root). */
  rel: string;
}

/** True if `p` is `root` or below it (both absolute and normalized). */
export function isInside(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** `/`-separated relative path ("." for the same folder). */
export function toPosix(rel: string): string {
  return (rel || ".").split(sep).join("/");
}

function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/** Opens a repository root: it must be an existing folder. */
export async function openRepo(repoRoot: string): Promise<Repo> {
  const root = resolve(repoRoot);
  let realRoot: string;
  try {
    realRoot = realpathSync.native(root);
  } catch (err) {
    if (isNotFound(err)) throw RenderError.of(`repository root ${root} does not exist`);
    throw err;
  }
  if (!statSync(realRoot).isDirectory()) throw RenderError.of(`repository root ${root} is not a folder`);
  return { root, realRoot };
}

/**
 * Resolves `p` (relative to `base`, an absolute path inside the repository) and checks that it stays in
 * the repository both lexically and after following symlinks. `what` names the path in messages
 * ("path", "value file"). Returns undefined for a missing path when `missingOk`; otherwise a missing path
 * is a RenderError too.
 */
export async function resolveInRepo(repo: Repo, base: string, p: string, what: string, missingOk = false): Promise<RepoPath | undefined> {
  const shown = `${what} "${p}"`;
  const outside = (detail: string) => RenderError.of(`${shown} ${detail}; only files inside the repository can be used`);
  const candidate = isAbsolute(p) ? resolve(p) : resolve(base, p);
  if (!isInside(repo.root, candidate) && !isInside(repo.realRoot, candidate)) {
    throw outside(isAbsolute(p) ? "is an absolute path outside the repository" : `is outside the repository (it leads out through "..")`);
  }
  let real: string;
  try {
    real = realpathSync.native(candidate);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    // A dangling link is reported as leading out if its target would be outside.
    const link = danglingLinkTarget(candidate);
    if (link && !isInside(repo.realRoot, link) && !isInside(repo.root, link)) throw outside(`is a symlink to ${link}, outside the repository`);
    if (missingOk) return undefined;
    throw RenderError.of(`${shown} does not exist in the repository (looked for ${toPosix(relative(repo.root, candidate))})`);
  }
  if (!isInside(repo.realRoot, real)) throw outside(`resolves through a symlink to ${real}, outside the repository`);
  return { real, rel: toPosix(relative(repo.realRoot, real)) };
}

function danglingLinkTarget(p: string): string | undefined {
  try {
    const st = lstatSync(p);
    if (!st.isSymbolicLink()) return undefined;
    return resolve(dirname(p), readlinkSync(p));
  } catch {
    return undefined;
  }
}

/**
 * Every symlink under `dir` (recursively, `.git` excepted) that leads out of the repository, as problems.
 * Links inside the repository are fine. Run on the app folder before any tool reads it, as Argo CD checks
 * a checkout for out-of-bounds symlinks.
 */
export async function outOfBoundsSymlinks(repo: Repo, dir: string): Promise<RenderProblem[]> {
  const problems: RenderProblem[] = [];
  const walk = (d: string): void => {
    const entries = readdirSync(d, { withFileTypes: true });
    for (const e of entries) {
      const full = join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== ".git") walk(full);
      } else if (e.isSymbolicLink()) {
        let target: string;
        try {
          target = realpathSync.native(full);
        } catch {
          target = resolve(d, readlinkSync(full));
        }
        if (!isInside(repo.realRoot, target) && !isInside(repo.root, target)) {
          problems.push({
            file: toPosix(relative(repo.realRoot, full)),
            message: `symlink to ${target} leads outside the repository; replace it with a copy of the file or a link inside the repository`,
          });
        }
      }
    }
  };
  walk(dir);
  return problems;
}
