/**
 * Repository mirrors: one bare repository per repository URL under `<cacheDir>/repos`, kept with the git
 * CLI, from which revisions are resolved and trees checked out (`<cacheDir>/trees`, see checkout.ts).
 *
 * Identity. URLs are normalized (url.ts): `https://Host/org/app.git/` and `https://host/org/app` are one
 * mirror, and events name the repository by that normal form. git is given the URL as first seen, minus
 * any credentials written in it.
 *
 * Fetch (bare.ts). Every branch and tag plus the remote's HEAD, deleted refs pruned, all updates applied
 * or none: a failed fetch leaves the last good state, and resolve keeps answering from it. The first fetch
 * of a repository fills a folder aside, renamed into place once it succeeded: a mirror folder always holds
 * a good fetch, and "no mirror" means "never fetched well". After each fetch the refs are read back once (annotated tags peeled) and kept in memory,
 * so resolving is a map look-up, not a process; the difference with the previous refs is emitted as a
 * "changed" event — only when a ref actually moved. Every fetch ends with a "fetched" event.
 *
 * Time limits. A fetch is cut when the server sends less than `lowSpeedLimit` bytes a second for
 * `lowSpeedTimeMs` (HTTP: curl's low-speed limit; SSH: connect timeout and keepalives), and killed — with
 * every helper process it started — at `fetchTimeoutMs` whatever it is doing (exec.ts). Either way it fails
 * as GitUnreachableError (timedOut).
 *
 * Coalescing. Per repository there is at most one fetch running and at most one waiting:
 *   - a caller joins the waiting fetch if there is one (it has not begun, so it will see everything that
 *     was pushed before the caller asked);
 *   - otherwise it creates the waiting fetch, which begins when the running one (if any) has ended and a
 *     slot is free.
 * A caller never joins a fetch that already began: that one may have read the refs before the push the
 * caller was told about (a webhook), so it gets the next one instead. Hence N concurrent requests cost one
 * fetch, or two if one was already under way. (The one exception: a caller with no mirror at all joins the
 * running fetch, since any finished fetch gives it something to answer from.)
 *
 * Pools. Fetches of different repositories run in parallel, in two pools of `maxConcurrentFetches` slots
 * each. A repository whose last fetch succeeded waits for a slot of the *healthy* pool; one whose last
 * fetch failed, or that was never fetched, waits in the *probation* pool. The pool is chosen when the
 * fetch is about to wait for a slot — after the repository's previous fetch ended, so its outcome decides.
 * Servers that hang (a slot held until the low-speed cut, over and over as they are retried) or fail can
 * therefore only hold probation slots, and a repository that fetched well last time never waits behind
 * them, however many there are. The costs: a brand-new repository may wait behind failing ones for its
 * first fetch; a healthy repository whose server starts hanging holds a healthy slot once, until its fetch
 * is cut, and then moves to probation; at most 2 × maxConcurrentFetches fetches run at once. Whether the
 * last fetch succeeded survives a restart as a marker file in the mirror (`plumb-fetch-ok`), so a restarted
 * process does not put every repository on probation at once.
 *
 * Waiting or not. resolve and checkout wait for a fetch when their answer needs one (no mirror yet; an
 * unknown revision and the last fetch older than `refetchUnknownAfterMs`) — what the CLI wants. With
 * `{ wait: false }` (the controller: a worker must never sit on the network) they start that fetch, or join
 * the one under way, and throw RevisionPendingError; the "fetched" event of that fetch has `awaited` set,
 * so the caller knows when to ask again. If instead the last fetch failed and none is under way, they throw
 * that failure: retrying failed fetches is the poller's business, with backoff (retry.ts), not every
 * caller's — else each failure's event would trigger the next fetch at once.
 *
 * Credentials come from the CredentialSource at every fetch (so a changed Secret applies at once) and reach
 * git through auth.ts; everything git prints is redacted.
 */
import { EventEmitter } from "node:events";
import { existsSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { UsageError } from "../core/errors.js";
import { prepareAuth, type GitAuth } from "./auth.js";
import { TreeCache, type TreeLease } from "./checkout.js";
import type { CredentialSource, RepoCredentials } from "./credentials.js";
import { GitError, RevisionPendingError, UnknownRevisionError } from "./errors.js";
import { commitInfo, fetchInto, fetchNew, findCommit, isBareRepo, readRefs, type CommitInfo } from "./bare.js";
import { classifyFailure } from "./exec.js";
import { FetchQueue, type Job } from "./fetch-queue.js";
import { diffRefs, isCommitSHA, nearbyRevisions, resolveFromRefs, type RefChange, type RefMap } from "./resolve.js";
import { displayURL, mirrorDirName, normalizeRepoURL, splitCredentials } from "./url.js";

/** Options of Mirrors. */
export interface MirrorOptions {
  /** Cache folder: mirrors in `repos/`, trees in `trees/`. */
  cacheDir: string;
  /** Credentials per repository URL. Default: none (anonymous). */
  credentials?: CredentialSource;
  /**
   * Fetches of different repositories running at once in each pool — the healthy one and the probation
   * one (see "Pools" above) — so at most twice this in all. Default 4.
   */
  maxConcurrentFetches: number;
  /** A fetch is killed after this long, with the helpers it started, whatever it is doing (the backstop). Default 120 s. */
  fetchTimeoutMs: number;
  /**
   * HTTP(S): a fetch receiving fewer than this many bytes a second for `lowSpeedTimeMs` is cut (git's
   * http.lowSpeedLimit), which is how a server that accepts and never answers is noticed. 0 turns it off.
   * Default 1000.
   */
  lowSpeedLimit: number;
  /**
   * How long a fetch may stay under `lowSpeedLimit` (git's http.lowSpeedTime, in whole seconds: rounded
   * up). Over SSH, how long the server may stay silent, connecting or connected. Default 30 000.
   */
  lowSpeedTimeMs: number;
  /** Checked-out trees kept when unused (LRU). Default 50. */
  maxTrees: number;
  /**
   * An unknown revision triggers one fetch if the last one is older than this (a branch just pushed).
   * Keep it positive for `wait: false` callers that ask again at each fetch's end: 0 would make every ask
   * start another fetch. Default 15 s.
   */
  refetchUnknownAfterMs: number;
  /** known_hosts lines for SSH servers (Argo CD's argocd-ssh-known-hosts-cm). */
  knownHosts?: string;
  /** Where temporary SSH key files go. Default: the OS temp folder. */
  tempDir?: string;
}

/** The defaults, with `cacheDir` given. */
export function defaultMirrorOptions(cacheDir: string): MirrorOptions {
  return { cacheDir, maxConcurrentFetches: 4, fetchTimeoutMs: 120_000, lowSpeedLimit: 1000, lowSpeedTimeMs: 30_000, maxTrees: 50, refetchUnknownAfterMs: 15_000 };
}

/** The outcome of one fetch, shared by every caller that joined it. */
export interface FetchResult {
  /** Normalized repository URL. */
  repoURL: string;
  /** All refs after the fetch. */
  refs: RefMap;
  /** Refs that moved. */
  changes: RefChange[];
  fetchedAt: Date;
}

/** Event "changed": refs of a repository moved (new commits, new or deleted branches and tags). */
export interface RepoChange {
  /** Normalized repository URL: compare with normalizeRepoURL(app.spec.source.repoURL). */
  repoURL: string;
  changes: RefChange[];
}

/** Event "fetched": a fetch ended, well (`error` undefined) or not. */
export interface FetchOutcome {
  repoURL: string;
  error?: GitError;
  /** A non-blocking resolve or checkout threw RevisionPendingError waiting for this fetch: ask again now. */
  awaited: boolean;
  /** How long the fetch took (credentials, git fetch, reading the refs). */
  durationMs: number;
}

/** Options of Mirrors.resolve. */
export interface ResolveOptions {
  /** Fetch first, whatever the mirror holds. Default false. */
  refresh?: boolean;
  /**
   * Wait for a fetch the answer needs. false: start it (or join the one under way) and throw
   * RevisionPendingError — or the last fetch's error if it failed and none is under way. Default true.
   */
  wait?: boolean;
}

/** Options of Mirrors.checkout. */
export interface CheckoutOptions {
  /** As ResolveOptions.wait. Default true. */
  wait?: boolean;
}

/** What is known about one repository's mirror. */
export interface MirrorStatus {
  repoURL: string;
  lastFetchAt?: Date;
  lastSuccessAt?: Date;
  /** The error of the last fetch, cleared by a good one. */
  lastError?: GitError;
  fetching: boolean;
  /** Fetches run for this repository by this process. */
  fetches: number;
  /** The pool its next fetch waits in: "healthy" when its last fetch succeeded (see "Pools" above). */
  pool: "healthy" | "probation";
}

/** A revision resolved to a commit. */
export interface ResolvedRevision {
  repoURL: string;
  revision: string;
  sha: string;
  /** The ref it was found as ("refs/heads/main", "HEAD"); absent for a SHA. */
  ref?: string;
}

interface RepoState {
  key: string;
  url: string;
  embedded?: RepoCredentials;
  dir: string;
  refs?: Map<string, string>;
  commits: Set<string>;
  lastFetchAt?: Date;
  lastSuccessAt?: Date;
  lastError?: GitError;
  fetches: number;
  /** The last fetch succeeded (in this process, or as the marker file says): the healthy pool. */
  healthy: boolean;
}

/** In a mirror folder: its last fetch succeeded. */
const HEALTHY_MARKER = "plumb-fetch-ok";

/**
 * The mirrors of all repositories. Emits "changed" (refs moved) and "fetched" (a fetch ended). One
 * instance per cache folder: two processes must not share one.
 */
export class Mirrors extends EventEmitter<{ changed: [RepoChange]; fetched: [FetchOutcome] }> {
  readonly options: MirrorOptions;
  private readonly repos = new Map<string, RepoState>();
  private readonly queue: FetchQueue<FetchResult>;
  private readonly trees: TreeCache;
  private readonly abort = new AbortController();
  /** Fetches whose "fetched" event is out: one joined now would never announce its end again. */
  private readonly announced = new WeakSet<Job<FetchResult>>();
  /** Fetch processes started, all repositories together. */
  fetchCount = 0;

  constructor(options: Partial<MirrorOptions> & { cacheDir: string }) {
    super();
    this.options = { ...defaultMirrorOptions(options.cacheDir), ...options };
    this.queue = new FetchQueue(this.options.maxConcurrentFetches, (key) => (this.repos.get(key)?.healthy ? "healthy" : "probation"));
    this.trees = new TreeCache({ dir: join(this.options.cacheDir, "trees"), maxTrees: this.options.maxTrees });
  }

  /** Fetches all branches and tags of the repository, coalesced with concurrent requests (see above). */
  fetch(repoURL: string): Promise<FetchResult> {
    return this.nextFetch(this.state(repoURL)).promise;
  }

  /** The refs of the mirror; fetches first only if there is no mirror yet. */
  async refs(repoURL: string): Promise<RefMap> {
    const st = this.state(repoURL);
    if (!(await this.load(st))) await this.fetch(repoURL);
    return st.refs ?? new Map();
  }

  /**
   * Resolves a targetRevision (branch, tag, full or short SHA, HEAD or empty) to a commit SHA, from the
   * mirror as last fetched — or after a fetch if `refresh`, if there is no mirror yet, or once when the
   * revision is unknown and the last fetch is older than `refetchUnknownAfterMs`. Throws
   * UnknownRevisionError listing nearby branches and tags, or the fetch's error; with `wait: false`,
   * RevisionPendingError instead of waiting for a fetch (see "Waiting or not" above).
   */
  async resolve(repoURL: string, revision: string, opts: ResolveOptions = {}): Promise<ResolvedRevision> {
    const wait = opts.wait ?? true;
    const st = this.state(repoURL);
    let fetched = false;
    const mirrored = await this.load(st);
    if (opts.refresh || !mirrored) {
      if (!wait) throw this.notWaiting(st, revision, mirrored ? "refetch" : "first-fetch");
      await this.fetch(repoURL);
      fetched = true;
    }
    for (;;) {
      const refs = st.refs ?? new Map<string, string>();
      const r = resolveFromRefs(refs, revision);
      let detail: string | undefined;
      if (r.kind === "ref") return { repoURL: st.key, revision, sha: r.sha, ref: r.ref };
      if (r.kind === "sha") {
        const found = await this.findCommit(st, r.sha);
        if (typeof found === "string") return { repoURL: st.key, revision, sha: found };
        detail = found.detail;
      }
      if (fetched || this.fetchedRecently(st)) {
        throw new UnknownRevisionError(displayURL(st.url), revision, nearbyRevisions(refs, revision), detail);
      }
      if (!wait) throw this.notWaiting(st, revision, "refetch");
      await this.fetch(repoURL);
      fetched = true;
    }
  }

  /**
   * A lease on a read-only folder holding the tree of commit `sha` (full SHA). Release it when done. A
   * commit the mirror lacks costs one fetch if the last is older than `refetchUnknownAfterMs`; with
   * `wait: false`, RevisionPendingError instead of waiting for a fetch.
   */
  async checkout(repoURL: string, sha: string, opts: CheckoutOptions = {}): Promise<TreeLease> {
    const st = this.state(repoURL);
    return this.trees.acquire(st.dir, await this.locate(st, sha, opts.wait ?? true));
  }

  /**
   * The author, date, message and tags of a commit (a full SHA) the mirror holds — a fetch first only as
   * `checkout` would (never waited for: RevisionPendingError meanwhile). No tree is made: the commit is
   * only looked up in the mirror, so asking about many old commits cannot evict the trees in use.
   * Throws UnknownRevisionError when it is not there.
   */
  async commitMetadata(repoURL: string, sha: string): Promise<CommitInfo & { tags: string[] }> {
    const st = this.state(repoURL);
    const full = await this.locate(st, sha, false);
    const tags = [...(st.refs ?? new Map<string, string>()).entries()].filter(([ref, at]) => at === full && ref.startsWith("refs/tags/")).map(([ref]) => ref.slice("refs/tags/".length));
    return { ...(await commitInfo(st.dir, full)), tags: tags.sort() };
  }

  /**
   * The full SHA of a commit the mirror holds, checked: a commit it lacks costs one fetch if the last is
   * older than `refetchUnknownAfterMs` (with `wait: false`, RevisionPendingError instead of waiting), then
   * UnknownRevisionError.
   */
  private async locate(st: RepoState, sha: string, wait: boolean): Promise<string> {
    if (!isCommitSHA(sha)) throw new UsageError(`checkout needs a full commit SHA, got "${sha}"`, "resolve the revision first");
    const full = sha.toLowerCase();
    let fetched = false;
    if (!(await this.load(st))) {
      if (!wait) throw this.notWaiting(st, sha, "first-fetch");
      await this.nextFetch(st).promise;
      fetched = true;
    }
    let found = await this.findCommit(st, full);
    if (typeof found !== "string" && !fetched && !this.fetchedRecently(st)) {
      if (!wait) throw this.notWaiting(st, sha, "refetch");
      await this.nextFetch(st).promise;
      found = await this.findCommit(st, full);
    }
    if (typeof found !== "string") throw new UnknownRevisionError(displayURL(st.url), sha, nearbyRevisions(st.refs ?? new Map(), sha), found.detail);
    return found;
  }

  /** What is known about a repository's mirror. */
  status(repoURL: string): MirrorStatus {
    const st = this.state(repoURL);
    return {
      repoURL: st.key,
      fetching: !!this.queue.running(st.key),
      fetches: st.fetches,
      pool: st.healthy ? "healthy" : "probation",
      ...(st.lastFetchAt ? { lastFetchAt: st.lastFetchAt } : {}),
      ...(st.lastSuccessAt ? { lastSuccessAt: st.lastSuccessAt } : {}),
      ...(st.lastError ? { lastError: st.lastError } : {}),
    };
  }

  /** The trees cached, least recently used first (for tests and diagnostics). */
  cachedTrees(): Array<{ sha: string; leases: number }> {
    return this.trees.list();
  }

  /** Kills running git processes and waits for tree removals. The instance is unusable afterwards. */
  async close(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.queue.allRunning().map((job) => job.promise.catch(() => undefined)));
    await this.trees.close();
  }

  private state(repoURL: string): RepoState {
    if (this.abort.signal.aborted) throw new UsageError("the mirrors are closed");
    const split = splitCredentials(repoURL);
    const key = normalizeRepoURL(split.url);
    let st = this.repos.get(key);
    if (!st) {
      const dir = join(this.options.cacheDir, "repos", mirrorDirName(key));
      st = { key, url: split.url.replace(/\/+$/, ""), dir, commits: new Set(), fetches: 0, healthy: existsSync(join(dir, HEALTHY_MARKER)) };
      this.repos.set(key, st);
    }
    if (split.username !== undefined || split.password !== undefined) {
      st.embedded = { url: split.url, ...(split.username ? { username: split.username } : {}), ...(split.password ? { password: split.password } : {}) };
    }
    return st;
  }

  /** The waiting fetch of a repository, made if there is none (see "Coalescing" and "Pools" above). */
  private nextFetch(st: RepoState): Job<FetchResult> {
    return this.queue.next(st.key, (job) => this.runFetch(st, job));
  }

  /**
   * For a caller that will not wait for a fetch: a RevisionPendingError, the fetch joined (the running one
   * too when there is no mirror yet) or started and marked awaited — or the last fetch's error when it
   * failed and none is under way (see "Waiting or not" above).
   */
  private notWaiting(st: RepoState, revision: string, reason: "first-fetch" | "refetch"): GitError {
    const waiting = this.queue.waiting(st.key);
    let job = reason === "first-fetch" ? (this.queue.running(st.key) ?? waiting) : waiting;
    if (job && this.announced.has(job)) job = undefined; // it has just ended: the state says how
    if (!job && st.lastError) return st.lastError;
    job ??= this.nextFetch(st);
    job.promise.catch(() => undefined); // its error reaches the caller through "fetched" and lastError
    job.awaited = true;
    return new RevisionPendingError(displayURL(st.url), revision, reason);
  }

  /** The last fetch, good or bad, ended less than `refetchUnknownAfterMs` ago. */
  private fetchedRecently(st: RepoState): boolean {
    return Date.now() - (st.lastFetchAt?.getTime() ?? 0) < this.options.refetchUnknownAfterMs;
  }

  /** Loads the refs of a mirror left on disk (by this or an earlier process). False if there is none. */
  private async load(st: RepoState): Promise<boolean> {
    if (st.refs) return true;
    if (!isBareRepo(st.dir)) return false;
    const refs = await readRefs(st.dir);
    st.refs ??= refs; // a fetch that ended meanwhile has newer refs
    return true;
  }

  private async runFetch(st: RepoState, job: Job<FetchResult>): Promise<FetchResult> {
    st.fetches++;
    this.fetchCount++;
    let auth: GitAuth | undefined;
    let result: FetchResult;
    const first = !isBareRepo(st.dir);
    const startedAt = performance.now();
    try {
      const creds = (await this.options.credentials?.(st.url)) ?? st.embedded;
      const { tempDir, knownHosts, lowSpeedLimit, lowSpeedTimeMs, fetchTimeoutMs } = this.options;
      auth = await prepareAuth(st.url, creds, {
        ...(tempDir ? { tempDir } : {}),
        ...(knownHosts ? { knownHosts } : {}),
        ...(lowSpeedLimit > 0 ? { sshTimeoutSeconds: lowSpeedTimeMs / 1000 } : {}),
      });
      const before = !first && (await this.load(st)) ? st.refs! : new Map<string, string>();
      const how = { auth, timeoutMs: fetchTimeoutMs, lowSpeed: { bytesPerSecond: lowSpeedLimit, seconds: lowSpeedTimeMs / 1000 }, signal: this.abort.signal };
      await (first ? fetchNew(st.dir, st.url, st.key, how) : fetchInto(st.dir, st.url, how));
      const after = await readRefs(st.dir);
      st.refs = after;
      st.lastFetchAt = st.lastSuccessAt = new Date();
      st.lastError = undefined;
      await this.setHealthy(st, true);
      result = { repoURL: st.key, refs: after, changes: diffRefs(before, after), fetchedAt: st.lastFetchAt };
    } catch (err) {
      const error = classifyFailure(err, displayURL(st.url), auth?.hasCredentials ?? false);
      st.lastFetchAt = new Date();
      st.lastError = error;
      await this.setHealthy(st, false);
      this.announced.add(job);
      this.emit("fetched", { repoURL: st.key, error, awaited: job.awaited, durationMs: performance.now() - startedAt });
      throw error;
    } finally {
      await auth?.cleanup();
    }
    // Outside the try: a listener's exception is not a fetch failure.
    this.announced.add(job);
    this.emit("fetched", { repoURL: st.key, awaited: job.awaited, durationMs: performance.now() - startedAt });
    if (result.changes.length > 0) this.emit("changed", { repoURL: st.key, changes: result.changes });
    return result;
  }

  /** Records whether the last fetch succeeded, in memory and as the mirror's marker file (best effort). */
  private async setHealthy(st: RepoState, healthy: boolean): Promise<void> {
    if (st.healthy === healthy) return;
    st.healthy = healthy;
    const marker = join(st.dir, HEALTHY_MARKER);
    await (healthy ? writeFile(marker, "") : rm(marker, { force: true })).catch(() => undefined);
  }

  /** The full SHA of a commit the mirror holds (known commits answered without a process), or why not. */
  private async findCommit(st: RepoState, sha: string): Promise<string | { detail: string }> {
    if (isCommitSHA(sha) && (st.commits.has(sha) || [...(st.refs?.values() ?? [])].includes(sha))) return sha;
    const found = await findCommit(st.dir, sha);
    if (typeof found === "string") {
      if (st.commits.size > 10_000) st.commits.clear();
      st.commits.add(found);
    }
    return found;
  }
}
