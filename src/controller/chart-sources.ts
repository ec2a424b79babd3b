/**
 * Application sources with `chart` (a Helm chart repository or an OCI registry): the version
 * `targetRevision` selects (exact or a semver range, src/charts ChartRepos.resolve) is the source's
 * revision, and the pulled chart's folder its tree — rendered as a helm source at path ".". A ChartError
 * (credentials refused, chart or version not there, repository unreachable) is thrown as it is, so the
 * reconcile reports it as a ComparisonError and keeps the last state (nothing applied or pruned).
 */
import type { ApplicationSource } from "../apps/index.js";
import { ChartRepos, chartCredentialsFromSecrets, type ChartCredentialSource } from "../charts/index.js";
import type { Resources } from "../cluster/resources.js";
import type { Logger } from "./reconcile.js";
import type { CheckedOutSource } from "./engine-app.js";

/** A chart source resolved and pulled: its tree (path ".") and its revision (the chart version). */
export async function checkoutChart(charts: ChartRepos, source: ApplicationSource, revision: string, fresh: boolean): Promise<{ checked: CheckedOutSource; revision: string }> {
  const ref = { repoURL: source.repoURL, chart: source.chart! };
  // A version already resolved (a sync under way, a rollback) is used as it is; a range is resolved.
  // While the repository's last index fetch failed (refused credentials, unreachable), every reconcile
  // asks it again rather than answering from the index cached before: the error stays in the status
  // (nothing applied or pruned meanwhile) until the repository answers, as a failing Git fetch does.
  const failing = charts.lastError(source.repoURL) !== undefined;
  const version = await charts.resolve(ref, revision === "HEAD" ? "" : revision, { fresh: fresh || failing });
  const { dir } = await charts.pull(ref, version);
  return { checked: { source, dir, path: "." }, revision: version };
}

export interface ChartSourcesOptions {
  cacheDir: string;
  /** Read repository Secrets (`type: helm`) from this namespace; none when undefined. */
  secretsNamespace?: string;
  resources: Resources;
  log: Logger;
}

/** ChartRepos with credentials from repository Secrets of `type: helm`, re-read at most every 10 seconds (as GitSources reads Git's). */
export function chartSources(opts: ChartSourcesOptions): ChartRepos {
  const ns = opts.secretsNamespace;
  let cached: { at: number; source: ChartCredentialSource } | undefined;
  const credentials: ChartCredentialSource | undefined = ns
    ? async (repoURL) => {
        if (!cached || Date.now() - cached.at > 10_000) {
          const lists = await Promise.all(
            ["argocd.argoproj.io/secret-type", "plumb.dev/secret-type"].map((label) => opts.resources.list("v1", "Secret", { namespace: ns, labelSelector: label }).then((l) => l.items, () => [])),
          );
          cached = { at: Date.now(), source: chartCredentialsFromSecrets(lists.flat(), { onProblem: (secret, problem) => opts.log.warn({ secret, problem }, "chart repository secret ignored") }) };
        }
        return cached.source(repoURL);
      }
    : undefined;
  return new ChartRepos({ cacheDir: opts.cacheDir, ...(credentials ? { credentials } : {}) });
}
