/**
 * Chart sources: Helm chart repositories (index.yaml over HTTP(S)) and OCI registries — version
 * resolution (semver ranges, Argo CD/Helm semantics), chart downloads into a cache shared by all callers
 * (keyed by repository, chart and version, never downloaded twice), and credentials from Argo CD-style
 * repository Secrets (`type: helm`).
 *
 * Owns network I/O to chart repositories and registries and runs `helm pull` / `helm registry login` for
 * OCI. Must not import controller/ or cluster/ (except types); render/ does not import it (the controller
 * hands render a `chartArchive` callback backed by ChartRepos.fetchArchive). See docs/adr/0012.
 */
export { ChartError, type ChartErrorCode } from "./errors.js";
export { chartCredentialsFromSecrets, parseChartSecret, selectChartCredentials, staticChartCredentials, type ChartCredentialRecord, type ChartCredentials, type ChartCredentialSource } from "./credentials.js";
export { ChartRepos, type ChartRef, type ChartReposOptions } from "./repos.js";
export { selectVersion } from "./versions.js";
export { chartLocation, joinChartURL, normalizeChartRepoURL } from "./url.js";
