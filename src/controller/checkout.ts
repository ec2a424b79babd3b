/**
 * The trees of an application's sources for one reconcile: each source's revision resolved and its tree
 * leased (a Git checkout), never waiting on the network (SourceRepos). What the engine renders is built
 * from them (engine-app.ts engineAppForSources).
 *
 * Pure of the loop: the controller passes its SourceRepos; every lease taken is released by `release()`,
 * also when a later source fails.
 */
import type { ApplicationSource } from "../apps/index.js";
import type { ChartRepos } from "../charts/index.js";
import { checkoutChart } from "./chart-sources.js";
import type { CheckedOutSource } from "./engine-app.js";
import type { SourceRepos, TreeLease } from "./sources.js";

const FULL_SHA = /^[0-9a-f]{40}$/i;

export interface CheckedOut {
  /** One per source, in order. */
  checked: CheckedOutSource[];
  /** Each source's revision: a commit SHA. */
  revisions: string[];
  /** The error of a source's last fetch when it failed but a sync under way, pinned to a commit, goes on. */
  fetchError?: Error;
  release(): void;
}

/**
 * Resolves and leases every source at its wanted revision. Throws what SourceRepos throws (RevisionPendingError
 * included), and a repository's last fetch error unless `pinned` (a sync under way) and the revision is a full SHA.
 */
export async function checkoutSources(repos: SourceRepos, sources: readonly ApplicationSource[], wanted: readonly string[], pinned: boolean, charts?: { repos: ChartRepos; fresh: boolean }): Promise<CheckedOut> {
  const leases: TreeLease[] = [];
  const release = () => {
    for (const l of leases.splice(0)) l.release();
  };
  try {
    let fetchError: Error | undefined;
    const checked: CheckedOutSource[] = [];
    const revisions: string[] = [];
    for (const [i, source] of sources.entries()) {
      const revision = wanted[i] || "HEAD";
      if (source.chart) {
        // A chart source: a version of a chart repository or OCI registry, not a Git tree.
        if (!charts) throw new Error(`${source.repoURL} chart ${source.chart}: chart sources are not available here (no chart cache configured)`);
        const c = await checkoutChart(charts.repos, source, revision, charts.fresh);
        checked.push(c.checked);
        revisions.push(c.revision);
        continue;
      }
      // The mirror still serves its last good state when Git is unreachable; the app must say so and
      // change nothing until Git is back — unless a sync under way is pinned to a commit the mirror holds.
      const err = repos.lastError(source.repoURL);
      if (err && !(pinned && FULL_SHA.test(revision))) throw err;
      fetchError ??= err;
      const sha = await repos.resolve(source.repoURL, revision);
      const lease = await repos.checkout(source.repoURL, sha);
      leases.push(lease);
      checked.push({ source, dir: lease.dir });
      revisions.push(sha);
    }
    return { checked, revisions, ...(fetchError ? { fetchError } : {}), release };
  } catch (err) {
    release();
    throw err;
  }
}
