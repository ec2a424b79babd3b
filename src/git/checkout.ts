/**
 * Trees at a commit, on disk, shared and cached: `<dir>/<sha>` holds the files of commit `sha`, read-only
 * (files lose their write bits, folders are 0555), for renderers to read.
 *
 * How a tree is made: `git read-tree --reset -u <sha>` with a throw-away index (GIT_INDEX_FILE) and
 * `--work-tree` pointing at a fresh `.tmp-*` folder — a real checkout, so symlinks, executable bits and
 * `.gitattributes` behave as in a clone (unlike `git archive`, which applies export-ignore/export-subst) —
 * then the folder is renamed to its final name, so a `<sha>` folder is always complete.
 *
 * Sharing: callers `acquire` a lease and `release` it when done reading. Many leases of one SHA share one
 * folder; two callers asking for a SHA being made wait for the same work.
 *
 * Cap: at most `maxTrees` trees are kept, least recently used evicted first — but never a tree with a
 * lease out; if all are leased the cache runs over its cap until leases come back. Folders left by an
 * earlier process are adopted (oldest first) and half-made `.tmp-*` folders removed, on first use.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, lstat, mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { runGit } from "./exec.js";

/** A tree lent out: read files under `dir`, then `release()` (safe to call twice). */
export interface TreeLease {
  readonly sha: string;
  readonly dir: string;
  release(): void;
}

/** Options of TreeCache. */
export interface TreeCacheOptions {
  /** Folder holding the trees. */
  dir: string;
  /** Trees kept when nobody reads them. Default 50. */
  maxTrees?: number;
}

interface Entry {
  sha: string;
  dir: string;
  leases: number;
  ready: Promise<void>;
  done: boolean;
}

const TREE_NAME = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** Makes files read-only and folders 0555, depth first. Symlinks are left alone. */
export async function makeReadOnly(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isSymbolicLink()) continue;
    if (e.isDirectory()) await makeReadOnly(full);
    else await chmod(full, (await lstat(full)).mode & 0o555);
  }
  await chmod(dir, 0o555);
}

/** Removes a tree made read-only by makeReadOnly (folders get their write bit back first). */
export async function removeTree(dir: string): Promise<void> {
  const unlock = async (d: string): Promise<void> => {
    await chmod(d, 0o755);
    for (const e of await readdir(d, { withFileTypes: true })) if (e.isDirectory()) await unlock(join(d, e.name));
  };
  await unlock(dir).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}

/** The shared, capped cache of trees. */
export class TreeCache {
  private readonly entries = new Map<string, Entry>();
  /** Trees being removed, by SHA: a new tree of that SHA waits for its removal. */
  private readonly removals = new Map<string, Promise<void>>();
  private readonly maxTrees: number;
  private started?: Promise<void>;

  constructor(private readonly opts: TreeCacheOptions) {
    this.maxTrees = Math.max(1, opts.maxTrees ?? 50);
  }

  /** A lease on the tree of commit `sha` (a full SHA) of the bare repository `gitDir`. */
  async acquire(gitDir: string, sha: string): Promise<TreeLease> {
    if (!TREE_NAME.test(sha)) throw new Error(`not a full commit SHA: "${sha}"`);
    await (this.started ??= this.adopt());
    let entry = this.entries.get(sha);
    if (entry) this.entries.delete(sha); // re-inserted below: Map order is the LRU order
    else entry = this.make(gitDir, sha);
    this.entries.set(sha, entry);
    entry.leases++;
    try {
      await entry.ready;
    } catch (err) {
      entry.leases--;
      if (this.entries.get(sha) === entry) this.entries.delete(sha);
      throw err;
    }
    this.evict();
    let released = false;
    const e = entry;
    return {
      sha,
      dir: e.dir,
      release: () => {
        if (released) return;
        released = true;
        e.leases--;
        this.evict();
      },
    };
  }

  /** SHAs held, least recently used first, with their lease counts. */
  list(): Array<{ sha: string; leases: number }> {
    return [...this.entries.values()].map((e) => ({ sha: e.sha, leases: e.leases }));
  }

  /** Waits for folders being removed. */
  async close(): Promise<void> {
    await Promise.all([...this.removals.values()]);
  }

  private make(gitDir: string, sha: string): Entry {
    const dir = join(this.opts.dir, sha);
    const entry: Entry = { sha, dir, leases: 0, done: false, ready: Promise.resolve() };
    entry.ready = (async () => {
      await this.removals.get(sha);
      if (existsSync(dir)) return;
      const tmp = join(this.opts.dir, `.tmp-${sha}-${randomBytes(4).toString("hex")}`);
      const index = `${tmp}.index`;
      try {
        await mkdir(tmp, { recursive: true });
        await runGit(["--git-dir", gitDir, "--work-tree", tmp, "read-tree", "--reset", "-u", sha], { env: { GIT_INDEX_FILE: index } });
        await makeReadOnly(tmp);
        await rename(tmp, dir);
      } finally {
        await rm(index, { force: true });
        if (existsSync(tmp)) await removeTree(tmp);
      }
    })().finally(() => {
      entry.done = true;
    });
    return entry;
  }

  /** Evicts least recently used trees without leases until the cap is met. */
  private evict(): void {
    if (this.entries.size <= this.maxTrees) return;
    for (const e of [...this.entries.values()]) {
      if (this.entries.size <= this.maxTrees) break;
      if (e.leases > 0 || !e.done) continue;
      this.entries.delete(e.sha);
      const p = this.discard(e.dir).finally(() => {
        if (this.removals.get(e.sha) === p) this.removals.delete(e.sha);
      });
      this.removals.set(e.sha, p);
    }
  }

  /** Renames the folder out of the way at once (a new acquire makes it afresh), then removes it. */
  private async discard(dir: string): Promise<void> {
    const gone = join(this.opts.dir, `.tmp-evicted-${randomBytes(4).toString("hex")}`);
    try {
      await rename(dir, gone);
    } catch {
      return;
    }
    await removeTree(gone);
  }

  /** First use: remove half-made folders, adopt complete ones from an earlier run (oldest first). */
  private async adopt(): Promise<void> {
    await mkdir(this.opts.dir, { recursive: true });
    const found: Array<{ sha: string; mtime: number }> = [];
    for (const name of await readdir(this.opts.dir)) {
      const full = join(this.opts.dir, name);
      if (name.startsWith(".tmp-")) await removeTree(full);
      else if (TREE_NAME.test(name)) found.push({ sha: name, mtime: (await stat(full)).mtimeMs });
    }
    found.sort((a, b) => a.mtime - b.mtime);
    for (const f of found) {
      if (!this.entries.has(f.sha)) this.entries.set(f.sha, { sha: f.sha, dir: join(this.opts.dir, f.sha), leases: 0, done: true, ready: Promise.resolve() });
    }
    this.evict();
  }
}
