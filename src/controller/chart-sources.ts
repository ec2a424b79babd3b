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
import { fromLabelledSecrets } from "./secrets.js";

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
  const current = ns ? fromLabelledSecrets(opts.resources, ns, (secrets) => chartCredentialsFromSecrets(secrets, { onProblem: (secret, problem) => opts.log.warn({ secret, problem }, "chart repository secret ignored") })) : undefined;
  const credentials: ChartCredentialSource | undefined = current ? async (repoURL) => (await current())(repoURL) : undefined;
  return new ChartRepos({ cacheDir: opts.cacheDir, ...(credentials ? { credentials } : {}) });
}
