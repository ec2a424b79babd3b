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

/**
 * Git as a reconcile sees it. resolve and checkout never wait for the network — a worker must not sit on
 * a server that hangs — so they can throw RevisionPendingError (git/errors.ts, code "pending"): the answer
 * needs a fetch that has not ended; it has been started (or joined), and onChange will be called for the
 * repository when it ends. A reconcile that gets it requeues the app without reporting an error.
 */
export interface SourceRepos {
  /**
   * The commit SHA a revision (branch, tag, SHA, HEAD) points at, from the last fetch. Throws
   * RevisionPendingError when there is no fetch to answer from yet, or when the revision is unknown and
   * the last fetch is more than a few seconds old (a branch just pushed); UnknownRevisionError when the
   * revision is not there; and, when the answer needs a fetch but the last one failed and none is under
   * way, that fetch's error (the mirrors retry failed fetches themselves, with backoff).
   */
  resolve(repoURL: string, revision: string): Promise<string>;
  /** The tree at `sha`, leased until release(). Throws as resolve does (RevisionPendingError for a commit a fetch may bring). */
  checkout(repoURL: string, sha: string): Promise<TreeLease>;
  /** Keep this repository fetched (polling; failed fetches retried with backoff by kind); idempotent. */
  watch(repoURL: string): void;
  /** Fetch now (webhooks, refresh annotation). Waits for the fetch. */
  refresh(repoURL: string): Promise<void>;
  /** The error of the repository's last fetch, if it failed (the last good state is still served). */
  lastError(repoURL: string): Error | undefined;
  /**
   * Calls `listener` with the repository URL (normalized) when its refs move; when its fetches start or
   * stop failing; and when a fetch ends — well or not, whether or not a ref moved — that a resolve or
   * checkout threw RevisionPendingError for. At least once per such event; possibly more (the queue
   * de-duplicates).
   */
  onChange(listener: (repoURL: string) => void): void;
  /** Calls `listener` at the end of every Git request (for metrics). Optional: not every source has Git requests. */
  onRequest?(listener: (r: { repoURL: string; request: "fetch"; ok: boolean; durationMs: number }) => void): void;
  /**
   * What a revision's commit says of itself (author "Name <email>", RFC 3339 date, message, tags at it),
   * from the mirror — for people (the UI's summary, Argo CD's revision metadata). Optional: sources
   * without commits (a chart repository) have none. Throws as resolve does.
   */
  revisionMetadata?(repoURL: string, revision: string): Promise<RevisionMetadata>;
}

/** Argo CD's RevisionMetadata. */
export interface RevisionMetadata {
  author: string;
  date: string;
  message: string;
  tags: string[];
}
