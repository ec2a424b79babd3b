/**
 * Renders cached by everything that decides their output — repository, commit, path, source options,
 * app name, destination namespace and the cluster's version — so an unchanged commit is never rendered
 * twice (DESIGN.md). Least recently used entries go first past `capacity`. Failures are not cached: a
 * Helm error is retried on the next reconcile, where a fix may have landed in the cluster (a CRD) or the
 * tool may have been repaired.
 */
import { createHash } from "node:crypto";
import { render, type RenderRequest, type RenderResult } from "../render/index.js";

export interface RenderCacheStats {
  hits: number;
  misses: number;
  size: number;
}

export class RenderCache {
  private readonly entries = new Map<string, Promise<RenderResult>>();
  readonly stats: RenderCacheStats = { hits: 0, misses: 0, size: 0 };

  constructor(
    private readonly capacity = 500,
    private readonly renderFn: typeof render = render,
  ) {}

  /**
   * A render function keyed on `identity` (repository URL and commit SHA: a checked-out tree's folder name
   * is not enough, trees are shared and may be recreated elsewhere).
   */
  forCommit(repoURL: string, sha: string, fresh = false): typeof render {
    return (req: RenderRequest) => this.get(repoURL, sha, req, fresh);
  }

  /**
   * A render function for an app of several sources, keyed on every source's repository and revision (a
   * part reads its own tree and, through `$ref/…` value files, the others') and on the part's index.
   */
  forSources(sources: ReadonlyArray<{ repoURL: string; revision: string }>, fresh = false): (req: RenderRequest, part: number) => Promise<RenderResult> {
    const identity = JSON.stringify(sources.map((s) => [s.repoURL, s.revision]));
    return (req, part) => this.get(identity, String(part), req, fresh);
  }

  /** The render of `req` at the commit; `fresh` (a hard refresh) renders again and keeps the new result. */
  async get(repoURL: string, sha: string, req: RenderRequest, fresh = false): Promise<RenderResult> {
    const key = createHash("sha256")
      .update(JSON.stringify([repoURL, sha, req.path, req.source ?? {}, req.appName, req.destinationNamespace, req.kubeVersion ?? "", req.apiVersions ?? [], req.targetRevision ?? "", req.project ?? "", (req.plugins ?? []).map((p) => JSON.stringify(p)), Object.keys(req.refRoots ?? {}).sort(), req.kustomizeBuildOptions ?? []]))
      .digest("hex");
    const hit = fresh ? undefined : this.entries.get(key);
    if (hit) {
      this.stats.hits++;
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    this.stats.misses++;
    const p = this.renderFn(req);
    this.entries.delete(key);
    this.entries.set(key, p);
    p.catch(() => this.entries.delete(key));
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    this.stats.size = this.entries.size;
    return p;
  }
}
