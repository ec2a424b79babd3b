/**
 * git/ — repository mirrors for the controller: one bare mirror per repository URL, fetched with the git
 * CLI (coalesced, bounded, polled once per interval however many apps use it), revisions resolved to
 * commits with Argo CD's semantics, trees checked out read-only and shared, credentials handed to git
 * without ever appearing in argv, URLs or messages.
 *
 *   mirror.ts       Mirrors: fetch, resolve, checkout, status; "changed" / "fetched" events
 *   fetch-queue.ts  when fetches run: per-repository coalescing, healthy and probation pools of slots
 *   retry.ts        pure: how long to wait before trying again, by kind of failure
 *   bare.ts         the git commands on one bare mirror: init, fetch, read refs, find a commit
 *   resolve.ts      pure: revision → ref or SHA, nearby revisions, ref diffs
 *   checkout.ts     TreeCache: trees at a commit, leased, LRU-capped
 *   poller.ts       Poller: once-per-interval fetch per subscribed repository, refresh()
 *   credentials.ts  pure: credential records, Argo CD's repository Secrets → CredentialSource
 *   auth.ts         credentials → environment of one git process (helper, GIT_SSH_COMMAND, key file)
 *   exec.ts         running git, redaction, error classification
 *   url.ts          pure: URL normal form, credentials taken out of URLs
 *
 * Must not import: controller, cluster, render (this folder is below them).
 */
export { Mirrors, defaultMirrorOptions } from "./mirror.js";
export type { MirrorOptions, FetchResult, RepoChange, FetchOutcome, MirrorStatus, ResolvedRevision, ResolveOptions, CheckoutOptions } from "./mirror.js";
export { gitRetryDelayMs } from "./retry.js";
export { Poller, defaultPollerOptions } from "./poller.js";
export type { PollerOptions, FetchFailure } from "./poller.js";
export type { TreeLease } from "./checkout.js";
export type { RefChange, RefMap } from "./resolve.js";
export { resolveFromRefs, nearbyRevisions, isCommitSHA } from "./resolve.js";
export {
  credentialsFromSecrets,
  parseCredentialSecret,
  selectCredentials,
  staticCredentials,
  SECRET_TYPE_LABELS,
} from "./credentials.js";
export type { CredentialSource, RepoCredentials, ParsedSecret, SecretCredentialOptions } from "./credentials.js";
export { GitError, GitAuthError, GitHostKeyError, GitUnreachableError, RepositoryNotFoundError, RevisionPendingError, UnknownRevisionError } from "./errors.js";
export type { GitErrorCode } from "./errors.js";
export { normalizeRepoURL, displayURL } from "./url.js";
