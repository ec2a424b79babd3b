/**
 * The render cache of `plumb validate`: a render's result on disk, keyed by a hash of everything that
 * decides it, so a CI run over an unchanged app costs a hash of its files instead of a helm or kustomize
 * process.
 *
 * The key (renderKey) hashes, as one JSON document:
 *   - a format number (bumped when RenderResult's shape changes), and the helm and kustomize binaries used
 *     (their paths and the pinned versions: another helm may render differently);
 *   - the source options, the app name, the destination namespace and the Kubernetes version Helm sees;
 *   - where the source is: for this repository's working tree, the path and the content hash of every input
 *     file (inputs.ts, the same set `--changed-since` uses), each with its repository-relative name; for
 *     another repository, its normalized URL and the commit SHA, which fixes every byte already.
 * A failed render is never stored (it may fail for a reason outside the key: a timeout, a missing tool), and
 * an entry that does not parse is a miss. Entries are written to a temporary name and renamed, so a reader
 * never sees half a file, and parallel runs sharing a cache folder do not corrupt it.
 *
 * Location: `--cache-dir`, else `$XDG_CACHE_HOME/plumb/validate`, else `~/.cache/plumb/validate`.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, relative } from "node:path";
import type { RenderResult, SourceOptions } from "../render/index.js";
import { toPosix } from "../render/paths.js";
import type { AppInputs } from "./inputs.js";

/** Bump when a stored RenderResult would no longer be read correctly. */
const CACHE_FORMAT = 1;

/** The default cache folder. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "plumb", "validate");
}

const sha256 = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");

/** Content hashes of files, each file read once per run however many apps share it (a base, a chart). */
export class FileHasher {
  private readonly hashes = new Map<string, string>();

  /** The hash of a file's content ("missing" when it cannot be read). */
  hash(abs: string): string {
    let h = this.hashes.get(abs);
    if (h === undefined) {
      try {
        h = sha256(readFileSync(abs));
      } catch {
        h = "missing";
      }
      this.hashes.set(abs, h);
    }
    return h;
  }

  /** One hash over the inputs: every file of every folder (`.git` excepted) and every file, by name. */
  inputsHash(repoRoot: string, inputs: AppInputs): string {
    const entries: string[] = [];
    const walk = (dir: string): void => {
      let list;
      try {
        list = readdirSync(dir, { withFileTypes: true });
      } catch {
        entries.push(`${toPosix(relative(repoRoot, dir))}\0missing`);
        return;
      }
      for (const e of list) {
        const full = join(dir, e.name);
        if (e.isDirectory()) {
          if (e.name !== ".git") walk(full);
        } else {
          entries.push(`${toPosix(relative(repoRoot, full))}\0${this.hash(full)}`);
        }
      }
    };
    for (const d of inputs.dirs) walk(join(repoRoot, d));
    for (const f of inputs.files) entries.push(`${f}\0${this.hash(join(repoRoot, f))}`);
    return sha256(entries.sort().join("\n"));
  }
}

/** Everything that decides a render's output (see the module comment). */
export interface RenderKeyParts {
  tools: Record<string, string>;
  source: SourceOptions;
  path: string;
  appName: string;
  namespace: string;
  kubeVersion: string;
  /** The working tree's input hash, or `${normalizedRepoURL}@${sha}` for another repository. */
  content: string;
}

/** The cache key of a render. */
export function renderKey(parts: RenderKeyParts): string {
  return sha256(JSON.stringify({ format: CACHE_FORMAT, ...parts }));
}

/** Renders stored on disk by key; `dir` undefined keeps nothing (`--no-cache`). */
export class RenderCache {
  hits = 0;
  misses = 0;
  /** Renders run (misses, and every render without a cache). */
  renders = 0;

  constructor(readonly dir: string | undefined) {}

  private file(key: string): string {
    return join(this.dir!, key.slice(0, 2), `${key}.json`);
  }

  /** The stored result, or undefined. */
  get(key: string): RenderResult | undefined {
    if (!this.dir) return undefined;
    try {
      const value = JSON.parse(readFileSync(this.file(key), "utf8")) as RenderResult;
      if (!Array.isArray(value.objects) || typeof value.type !== "string") throw new Error("not a render");
      this.hits++;
      return value;
    } catch {
      this.misses++;
      return undefined;
    }
  }

  /** Stores a successful render. Failing to write is not an error: the cache is an optimisation. */
  put(key: string, result: RenderResult): void {
    if (!this.dir) return;
    const file = this.file(key);
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      mkdirSync(join(this.dir, key.slice(0, 2)), { recursive: true });
      writeFileSync(tmp, JSON.stringify(result));
      renameSync(tmp, file);
    } catch {
      // A read-only or full disk: the next run renders again.
    }
  }
}
