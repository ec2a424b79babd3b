/**
 * Typed errors of the repository mirrors. Every message names the repository (without any credential) and
 * says what to do; `code` lets the controller pick a condition and a requeue policy without parsing text.
 * Text that came from git has been through `redact` before it reaches one of these.
 */
import { PlumbError } from "../core/errors.js";

/** Why a Git operation failed. */
export type GitErrorCode = "auth" | "host-key" | "not-found" | "unreachable" | "unknown-revision" | "pending" | "failed";

/** Base class of the errors of src/git. */
export class GitError extends PlumbError {
  constructor(
    readonly code: GitErrorCode,
    /** The repository URL, credentials stripped. */
    readonly repoURL: string,
    message: string,
    hint?: string,
  ) {
    super(message, hint);
  }
}

/** The server refused the credentials (or asked for some and none are configured). */
export class GitAuthError extends GitError {
  constructor(repoURL: string, detail: string, hasCredentials: boolean) {
    super(
      "auth",
      repoURL,
      `authentication failed for ${repoURL}: check the repository credentials (${detail})`,
      hasCredentials
        ? "the configured username/password, token or SSH key was refused: update the repository Secret"
        : "no credentials are configured for this URL: add a repository Secret (argocd.argoproj.io/secret-type: repository) with its url",
    );
  }
}

/** SSH could not verify the server's host key. */
export class GitHostKeyError extends GitError {
  constructor(repoURL: string, detail: string) {
    super(
      "host-key",
      repoURL,
      `host key verification failed for ${repoURL} (${detail})`,
      "add the server's key to knownHosts (ssh-keyscan <host>), or set insecureIgnoreHostKey on the credentials",
    );
  }
}

/** The server answered but has no such repository. */
export class RepositoryNotFoundError extends GitError {
  constructor(repoURL: string, detail: string) {
    super(
      "not-found",
      repoURL,
      `repository ${repoURL} not found (${detail})`,
      "check repoURL; a private repository can also answer 'not found' when the credentials lack access",
    );
  }
}

/** The server could not be reached (DNS, connection refused, TLS), or stopped answering (`timedOut`). */
export class GitUnreachableError extends GitError {
  constructor(
    repoURL: string,
    detail: string,
    /** True when the server did not answer in time (low-speed limit or the command's time limit). */
    readonly timedOut = false,
  ) {
    super(
      "unreachable",
      repoURL,
      `cannot reach ${repoURL}: ${detail}`,
      "check the URL, the network and that the Git server is up; plumb keeps using the last fetched commit meanwhile",
    );
  }
}

/** A targetRevision that is no branch, tag or commit of the repository. */
export class UnknownRevisionError extends GitError {
  constructor(
    repoURL: string,
    readonly revision: string,
    /** Branches and tags that exist, the closest to `revision` first. */
    readonly nearby: string[],
    detail?: string,
  ) {
    super(
      "unknown-revision",
      repoURL,
      `unknown revision "${revision}" in ${repoURL}${detail ? ` (${detail})` : ""}` +
        (nearby.length > 0 ? `; revisions nearby: ${nearby.join(", ")}` : "; the repository has no branches or tags"),
      "set targetRevision to an existing branch, tag or commit SHA (HEAD or empty for the default branch), or push it first",
    );
  }
}

/**
 * Not a failure: the answer needs a fetch that has not ended yet (the first fetch of a repository, or one
 * more fetch to look for a revision pushed since the last). Thrown by the non-blocking resolve and checkout
 * (`{ wait: false }`), which start that fetch — or join the one under way — instead of waiting for it.
 * Whoever asked should try again when the fetch ends (SourceRepos.onChange says when), without reporting
 * an error meanwhile.
 */
export class RevisionPendingError extends GitError {
  constructor(
    repoURL: string,
    readonly revision: string,
    /** "first-fetch": there is no mirror yet; "refetch": a fetch may bring the revision. */
    readonly reason: "first-fetch" | "refetch",
  ) {
    super(
      "pending",
      repoURL,
      reason === "first-fetch" ? `waiting for the first fetch of ${repoURL}` : `waiting for a fetch of ${repoURL} to look for revision "${revision}"`,
      "nothing to do: the application is compared again as soon as that fetch ends",
    );
  }
}
