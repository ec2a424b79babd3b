/**
 * SourceRepos over git/'s mirrors and poller, with repository credentials read from Kubernetes Secrets
 * declared like Argo CD's (label argocd.argoproj.io/secret-type or plumb.dev/secret-type: repository or
 * repo-creds) in one namespace, re-read at most every 10 seconds.
 *
 * resolve and checkout never wait for a fetch (the mirrors' `wait: false`): they throw RevisionPendingError
 * and onChange reports the end of the fetch they started or joined ("fetched" with `awaited`), so the
 * controller's worker is free while a server hangs.
 */
import { fromLabelledSecrets } from "./secrets.js";
import { credentialsFromSecrets, Mirrors, normalizeRepoURL, Poller, type CredentialSource, type MirrorOptions } from "../git/index.js";
import type { Resources } from "../cluster/resources.js";
import type { Logger } from "./reconcile.js";
import type { RevisionMetadata, SourceRepos, TreeLease } from "./sources.js";

export interface GitSourcesOptions {
  cacheDir: string;
  /** Poll interval per repository. Default 3 minutes (with ±10 % jitter). */
  pollIntervalMs?: number;
  /** Mirror settings (fetch limits, time limits, low-speed cut…); defaults: defaultMirrorOptions(). */
  mirrorOptions?: Partial<Omit<MirrorOptions, "cacheDir" | "credentials">>;
  /** Read repository Secrets from this namespace; none when undefined. */
  secretsNamespace?: string;
  resources: Resources;
  log: Logger;
}

export class GitSources implements SourceRepos {
  readonly mirrors: Mirrors;
  readonly poller: Poller;
  private readonly watched = new Map<string, () => void>();

  constructor(opts: GitSourcesOptions) {
    const credentials = secretCredentials(opts);
    this.mirrors = new Mirrors({ ...opts.mirrorOptions, cacheDir: opts.cacheDir, ...(credentials ? { credentials } : {}) });
    this.poller = new Poller(this.mirrors, opts.pollIntervalMs ? { intervalMs: opts.pollIntervalMs } : {});
    this.poller.on("fetchFailed", (f) => opts.log.warn({ repo: f.repoURL, error: f.error.message }, "git fetch failed"));
  }

  async resolve(repoURL: string, revision: string): Promise<string> {
    return (await this.mirrors.resolve(repoURL, revision, { wait: false })).sha;
  }

  checkout(repoURL: string, sha: string): Promise<TreeLease> {
    return this.mirrors.checkout(repoURL, sha, { wait: false });
  }

  async revisionMetadata(repoURL: string, revision: string): Promise<RevisionMetadata> {
    return this.mirrors.commitMetadata(repoURL, await this.resolve(repoURL, revision));
  }

  watch(repoURL: string): void {
    const key = normalizeRepoURL(repoURL);
    if (!this.watched.has(key)) this.watched.set(key, this.poller.subscribe(repoURL));
  }

  async refresh(repoURL: string): Promise<void> {
    await this.poller.refresh(repoURL);
  }

  lastError(repoURL: string): Error | undefined {
    return this.mirrors.status(repoURL).lastError;
  }

  onChange(listener: (repoURL: string) => void): void {
    this.poller.on("changed", (c) => listener(c.repoURL));
    // A fetch that starts failing, and the first good one after, change what the apps should report; a
    // fetch someone was told to wait for (RevisionPendingError) is worth asking again, whatever its end.
    const failing = new Set<string>();
    this.mirrors.on("fetched", (o) => {
      const wasFailing = failing.has(o.repoURL);
      if (o.error) failing.add(o.repoURL);
      else failing.delete(o.repoURL);
      if (o.awaited || wasFailing !== !!o.error) listener(o.repoURL);
    });
  }

  onRequest(listener: (r: { repoURL: string; request: "fetch"; ok: boolean; durationMs: number }) => void): void {
    this.mirrors.on("fetched", (o) => listener({ repoURL: o.repoURL, request: "fetch", ok: !o.error, durationMs: o.durationMs }));
  }

  async close(): Promise<void> {
    for (const unsubscribe of this.watched.values()) unsubscribe();
    this.poller.stop();
    await this.mirrors.close();
  }
}

function secretCredentials(opts: GitSourcesOptions): CredentialSource | undefined {
  const ns = opts.secretsNamespace;
  if (!ns) return undefined;
  const current = fromLabelledSecrets(opts.resources, ns, (secrets) => credentialsFromSecrets(secrets, { onProblem: (secret, problem) => opts.log.warn({ secret, problem }, "repository secret ignored") }));
  return async (repoURL) => (await current())(repoURL);
}
