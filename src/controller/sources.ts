/**
 * What the controller needs from Git, as an interface: resolve a revision to a commit, lease the tree at
 * a commit, subscribe a repository to polling. git/ implements it with bare mirrors; the controller
 * never runs git itself.
 */
export interface TreeLease {
  /** A read-only folder holding the tree at the commit. */
  dir: string;
  release(): void;
}

export interface SourceRepos {
  /** The commit SHA a revision (branch, tag, SHA, HEAD) points at, from the last fetch. */
  resolve(repoURL: string, revision: string): Promise<string>;
  /** The tree at `sha`, leased until release(). */
  checkout(repoURL: string, sha: string): Promise<TreeLease>;
  /** Keep this repository fetched (polling); idempotent. */
  watch(repoURL: string): void;
  /** Fetch now (webhooks, refresh annotation). */
  refresh(repoURL: string): Promise<void>;
  /** The error of the repository's last fetch, if it failed (the last good state is still served). */
  lastError(repoURL: string): Error | undefined;
  /** Calls `listener` when a watched repository's refs move, or its fetches start or stop failing. */
  onChange(listener: (repoURL: string) => void): void;
}
