/**
 * A repository tree for the git generators, read through the controller's mirrors (SourceRepos): never a
 * clone of its own, never a wait on the network. The listing of a commit is kept (by repository and SHA),
 * so a set re-run at the same commit walks nothing.
 *
 * A repository whose last fetch failed is an error here, although the mirror still serves its last good
 * state: an ApplicationSet must not act on a repository it cannot see now (the Applications are then left
 * untouched and ErrorOccurred says why). A fetch still pending throws PendingError: the reconcile waits for
 * the mirror's change notice, also touching nothing.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { SourceRepos, TreeLease } from "../controller/sources.js";
import { GeneratorError, PendingError } from "./params.js";
import { MAX_FILE_BYTES, type GitTree } from "./generators.js";

/** The most entries a tree listing may have. */
export const MAX_TREE_ENTRIES = 200_000;

interface Listing {
  dirs: string[];
  files: string[];
}

async function list(root: string): Promise<Listing> {
  const dirs: string[] = [];
  const files: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(root, rel), { withFileTypes: true });
    for (const e of entries) {
      if (e.name === ".git") continue;
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        dirs.push(path);
        await walk(path);
      } else if (e.isFile()) files.push(path);
      if (dirs.length + files.length > MAX_TREE_ENTRIES) throw new GeneratorError(`the repository has more than ${MAX_TREE_ENTRIES} files and folders`);
    }
  };
  await walk("");
  return { dirs: dirs.sort(), files: files.sort() };
}

function isPending(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === "pending";
}

/** Opens trees through `repos`; release() the leases when the reconcile is done. */
export class TreeReader {
  private readonly leases: TreeLease[] = [];
  /** Repositories read, with the SHA (for logs and triggers). */
  readonly read = new Map<string, string>();

  constructor(
    private readonly repos: SourceRepos,
    private readonly listings: Map<string, Listing>,
  ) {}

  async open(repoURL: string, revision: string): Promise<GitTree> {
    this.repos.watch(repoURL);
    const failed = this.repos.lastError(repoURL);
    if (failed) throw new GeneratorError(`repository ${repoURL} cannot be read: ${failed.message}`);
    let sha: string;
    let lease: TreeLease;
    try {
      sha = await this.repos.resolve(repoURL, revision);
      lease = await this.repos.checkout(repoURL, sha);
    } catch (err) {
      if (isPending(err)) throw new PendingError(`a fetch of ${repoURL}`);
      throw new GeneratorError(`repository ${repoURL} at ${JSON.stringify(revision)}: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.leases.push(lease);
    this.read.set(repoURL, sha);
    const key = `${repoURL}@${sha}`;
    let listing = this.listings.get(key);
    if (!listing) {
      listing = await list(lease.dir);
      this.listings.set(key, listing);
      // A few commits per repository are enough: the newest is the one asked for again.
      if (this.listings.size > 64) this.listings.delete(this.listings.keys().next().value!);
    }
    const dir = lease.dir;
    const l = listing;
    return {
      sha,
      dirs: () => l.dirs,
      files: () => l.files,
      async read(path: string): Promise<string> {
        const file = join(dir, path);
        const s = await stat(file);
        if (s.size > MAX_FILE_BYTES) throw new GeneratorError(`${path} is ${s.size} bytes, more than the ${MAX_FILE_BYTES} a parameter file may have`);
        return readFile(file, "utf8");
      },
    };
  }

  release(): void {
    for (const l of this.leases.splice(0)) l.release();
  }
}
