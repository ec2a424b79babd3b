/**
 * Where an app's source is, for `plumb validate`:
 *   - a repoURL naming this repository — one of its git remotes, or `--repo-url`, compared in Argo CD's
 *     normal form (apps/project.ts normalizeRepoURL) — is read from the working tree: what CI checks is the
 *     change itself, not the commit targetRevision names (which does not hold the change yet);
 *   - another repository is fetched through git/ (Mirrors, in a temporary cache folder removed at the end,
 *     with a time limit) and checked out at targetRevision.
 * Failures become `app-repo` findings: a repository that is not found, refuses the credentials or lacks
 * the revision is an error; one that cannot be reached at all (DNS, connection, time-out — the network is
 * down, or CI runs without one) is a warning, since nothing can be said about it, and its app is not
 * rendered.
 *
 * Then the source's own files: `app-path` (the path is not a folder of the repository), `app-value-files`
 * (a Helm value file is missing and ignoreMissingValueFiles is not set) — checked before rendering so they
 * are reported with the field that names them; an app failing them is not rendered.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { normalizeRepoURL, type ApplicationSource } from "../apps/index.js";
import { GitError, GitUnreachableError, Mirrors, UnknownRevisionError } from "../git/index.js";
import { isInside } from "../render/paths.js";
import type { Finding } from "./findings.js";

/** The git top level of `dir`, or undefined outside a work tree. */
export function gitTopLevel(dir: string): string | undefined {
  const r = spawnSync("git", ["-C", dir, "rev-parse", "--show-toplevel"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const top = r.status === 0 ? r.stdout.trim() : "";
  return top || undefined;
}

/** The fetch URLs of the work tree's remotes. */
export function remoteURLs(root: string): string[] {
  const r = spawnSync("git", ["-C", root, "remote", "-v"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  if (r.status !== 0) return [];
  return [...new Set(r.stdout.split("\n").map((l) => l.split(/\s+/)[1] ?? "").filter(Boolean))];
}

/** A source folder to render from. */
export interface LocatedSource {
  /** The repository root to render in (the work tree, or a checked-out tree). */
  root: string;
  local: boolean;
  /** For another repository: `${normalized URL}@${sha}` (what fixes its content). */
  pinned?: string;
  release(): void;
}

export interface LocatorOptions {
  /** This repository's work tree. */
  root: string;
  /** The URLs that name this repository. */
  repoURLs: readonly string[];
  /** Time limit of one fetch. */
  fetchTimeoutMs: number;
}

/** Finds sources: the work tree for this repository, a throw-away mirror for the others. */
export class SourceLocator {
  private readonly own: Set<string>;
  private mirrors?: Mirrors;
  private cacheDir?: string;

  constructor(private readonly opts: LocatorOptions) {
    this.own = new Set(opts.repoURLs.map(normalizeRepoURL));
  }

  /** Whether repoURL names this repository. */
  isLocal(repoURL: string): boolean {
    return this.own.has(normalizeRepoURL(repoURL));
  }

  private mirrorsFor(): Mirrors {
    if (!this.mirrors) {
      this.cacheDir = mkdtempSync(join(tmpdir(), "plumb-validate-git-"));
      this.mirrors = new Mirrors({ cacheDir: this.cacheDir, fetchTimeoutMs: this.opts.fetchTimeoutMs, lowSpeedTimeMs: Math.min(15_000, this.opts.fetchTimeoutMs), maxTrees: 1000 });
    }
    return this.mirrors;
  }

  /** The source's repository at its revision, or the `app-repo` finding saying why not. */
  async locate(source: ApplicationSource, field: string): Promise<LocatedSource | Finding> {
    if (this.isLocal(source.repoURL)) return { root: this.opts.root, local: true, release: () => undefined };
    const mirrors = this.mirrorsFor();
    const revision = source.targetRevision || "HEAD";
    try {
      const { sha } = await mirrors.resolve(source.repoURL, revision);
      const lease = await mirrors.checkout(source.repoURL, sha);
      return { root: lease.dir, local: false, pinned: `${normalizeRepoURL(source.repoURL)}@${sha}`, release: () => lease.release() };
    } catch (err) {
      if (!(err instanceof GitError)) throw err;
      const message = err.message.split("\n")[0]!;
      if (err instanceof GitUnreachableError) {
        return { check: "app-repo", severity: "warning", message: `${message}; the source was not checked (pass --repo-url if this is the repository being validated)`, path: `${field}.repoURL` };
      }
      if (err instanceof UnknownRevisionError) return { check: "app-repo", severity: "error", message, path: `${field}.targetRevision` };
      return { check: "app-repo", severity: "error", message, path: `${field}.repoURL` };
    }
  }

  async close(): Promise<void> {
    await this.mirrors?.close();
    if (this.cacheDir) rmSync(this.cacheDir, { recursive: true, force: true });
  }
}

const REMOTE = /^[a-z][a-z0-9+.-]*:\/\//i;

/** `app-path` and `app-value-files` findings of a source in the repository at `root`. */
export function sourceFileFindings(root: string, source: ApplicationSource, field: string): Finding[] {
  const path = source.path ?? ".";
  const app = resolve(root, path || ".");
  if (!isInside(resolve(root), app) || !existsSync(app) || !statSync(app).isDirectory()) {
    const what = existsSync(app) && isInside(resolve(root), app) ? "is a file, not a folder" : "does not exist in the repository";
    return [{ check: "app-path", severity: "error", message: `path "${path}" ${what}${source.targetRevision && source.targetRevision !== "HEAD" ? ` (at ${source.targetRevision})` : ""}; fix spec.source.path`, path: `${field}.path` }];
  }
  const helm = source.helm;
  if (!helm?.valueFiles || helm.ignoreMissingValueFiles) return [];
  const out: Finding[] = [];
  helm.valueFiles.forEach((f, i) => {
    if (REMOTE.test(f)) return; // the render refuses URLs with its own message
    const abs = resolve(app, f);
    if (isInside(resolve(root), abs) && !existsSync(abs)) {
      out.push({ check: "app-value-files", severity: "error", message: `value file "${f}" does not exist (looked for it relative to ${path}); add it, fix the name, or set helm.ignoreMissingValueFiles`, path: `${field}.helm.valueFiles[${i}]` });
    }
  });
  return out;
}
