/**
 * The registry of destination clusters. It watches the cluster Secrets of the clusters namespace (both
 * labels, secret.ts), resolves an Application's destination to one (resolve.ts), and holds, per cluster
 * some app targets, a client built from the Secret's config and its watch caches (caches.ts) — started
 * when the first app targets it, stopped when the last stops.
 *
 * Each remote cluster is checked (GET /version, short time limit) when it is first used, then every
 * `checkIntervalMs`, and at once when one of its requests cannot connect. Its connection state gates its
 * apps: while it is Failed their reconciles fail at once with ClusterUnavailableError (ComparisonError:
 * nothing applied, nothing pruned) without a request to it, its watches are stopped, and it is checked
 * again with a backoff; when it answers again its caches are rebuilt (fresh discovery and lists) and its
 * apps enqueued. A cluster never holds more than `maxConcurrent` workers at once (further reconciles of
 * its apps are put back on the queue at once), and its requests have their own time limit: a hanging
 * cluster cannot take the worker pool the other clusters' apps need.
 *
 * The in-cluster destination is the controller's own cluster and caches, never gated nor stopped.
 *
 * Connection states are recorded in the status ConfigMap (state.ts) when they change, for the CLI and API.
 */
import { ApiError, KubeClient } from "../cluster/client.js";
import { InformerFactory, type Informer } from "../cluster/informer.js";
import { Resources } from "../cluster/resources.js";
import type { KubeObject } from "../core/object.js";
import { ClusterCaches, ClusterUnavailableError } from "./caches.js";
import { credentialsOf, resolveDestination, type Destination } from "./resolve.js";
import { IN_CLUSTER_NAME, IN_CLUSTER_SERVER, parseClusterSecret, type ClusterSpec } from "./secret.js";
import { CLUSTER_STATUS_CONFIGMAP, CLUSTER_STATUS_LABEL, clusterStatusKey, readClusterStates, stateChanged, type ClusterState } from "./state.js";
import { SECRET_TYPE_LABELS } from "../git/credentials.js";

export interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface ClusterRegistryOptions {
  /** The controller's own cluster (Applications, Secrets, the status record). */
  home: Resources;
  /** The in-cluster destination's caches (the controller's). */
  homeCaches: ClusterCaches;
  /** Where cluster Secrets and the status ConfigMap live; none: only the in-cluster destination, state kept in memory. */
  namespace?: string;
  log: Logger;
  /** A cluster came back or its Secret changed: the apps with these keys should be reconciled. */
  onAppsAffected(keys: string[]): void;
  /** A managed object changed in a remote cluster. */
  onManagedChange(obj: KubeObject): void;
  /** How often a healthy remote cluster is checked. Default 10 s. */
  checkIntervalMs?: number;
  /** The longest wait between checks of a failed cluster (the backoff starts at 1 s). Default 10 s. */
  maxRetryMs?: number;
  /** Time limit of a remote cluster's requests (connecting included). Default 10 s. */
  requestTimeoutMs?: number;
  /** Time limit of the connection check. Default 5 s. */
  checkTimeoutMs?: number;
  /** Reconciles of one remote cluster's apps at once. Default 8. */
  maxConcurrent?: number;
}

/** What a reconcile gets for its app's destination. */
export type Lease =
  | { kind: "ready"; server: string; name: string; inCluster: boolean; caches: ClusterCaches; release(): void }
  /** The destination names no registered cluster, or names it badly: InvalidSpecError. */
  | { kind: "invalid"; message: string; release(): void }
  /** The cluster does not answer: ComparisonError. */
  | { kind: "unavailable"; error: ClusterUnavailableError; release(): void }
  /** The cluster's share of workers is in use: try again shortly. */
  | { kind: "busy"; release(): void };

interface Entry {
  spec: ClusterSpec;
  client?: KubeClient;
  caches?: ClusterCaches;
  state: ClusterState;
  apps: Set<string>;
  inflight: number;
  timer?: NodeJS.Timeout;
  checking?: Promise<void>;
  failures: number;
  /** The caches are being rebuilt after a failure. */
  stopped: boolean;
}

const noop = (): void => undefined;

export class ClusterRegistry {
  private readonly secrets: InformerFactory;
  private readonly statusCm: InformerFactory;
  private secretInformers: Informer[] = [];
  private specs: ClusterSpec[] = [];
  /** Remote clusters some app targets, by server. */
  private readonly entries = new Map<string, Entry>();
  /** The server each app key targets (the in-cluster one included). */
  private readonly uses = new Map<string, string>();
  private readonly inClusterApps = new Set<string>();
  private inClusterState: ClusterState;
  private recorded = new Map<string, ClusterState>();
  private writing: Promise<void> = Promise.resolve();
  private stopped = false;
  private problemsLogged = new Set<string>();
  private inClusterTimer?: NodeJS.Timeout;

  constructor(private readonly opts: ClusterRegistryOptions) {
    this.secrets = new InformerFactory(opts.home, opts.namespace ? { namespace: opts.namespace } : {});
    this.statusCm = new InformerFactory(opts.home, opts.namespace ? { namespace: opts.namespace, labelSelector: CLUSTER_STATUS_LABEL } : {});
    this.inClusterState = newState({ server: IN_CLUSTER_SERVER, name: IN_CLUSTER_NAME }, "Unknown", "not checked yet");
  }

  /** Starts watching cluster Secrets (when a namespace is set) and checks the in-cluster destination. */
  async start(): Promise<void> {
    if (this.opts.namespace) {
      this.secretInformers = await Promise.all(SECRET_TYPE_LABELS.map((l) => this.secrets.ensure("v1", "Secret", { labelSelector: `${l}=cluster` })));
      const changed = (): void => this.secretsChanged();
      this.secrets.on("add", changed);
      this.secrets.on("update", changed);
      this.secrets.on("delete", changed);
      const cm = await this.statusCm.ensure("v1", "ConfigMap");
      await Promise.all([...this.secretInformers.map((i) => i.synced), cm.synced]);
      this.recorded = readClusterStates(cm.list().find((c) => c.metadata.name === CLUSTER_STATUS_CONFIGMAP));
      this.secretsChanged();
    }
    await this.checkInCluster();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.inClusterTimer);
    for (const e of this.entries.values()) {
      clearTimeout(e.timer);
      await e.caches?.stop();
      e.client?.close();
    }
    this.entries.clear();
    await Promise.all([this.secrets.stop(), this.statusCm.stop()]);
    await this.writing;
  }

  /** The registered clusters (parsed cluster Secrets; problems are logged once). */
  clusters(): ClusterSpec[] {
    return this.specs;
  }

  /** Connection states: the in-cluster destination, then every registered cluster. */
  states(): ClusterState[] {
    const out = [{ ...this.inClusterState, applicationsCount: this.inClusterApps.size }];
    for (const spec of this.specs) {
      if (spec.server === IN_CLUSTER_SERVER) continue;
      const e = this.entries.get(spec.server);
      out.push(e ? { ...e.state, name: spec.name, applicationsCount: e.apps.size, cached: !!e.caches && !e.stopped, watchedKinds: e.caches?.watchedKinds() ?? 0 } : notMonitored(spec));
    }
    return out;
  }

  /**
   * The destination's cluster for app `key`, for one reconcile: call `release()` when done. Remembers that
   * the app targets it (the first app starts the cluster's caches; forget() or another destination lets go).
   */
  async acquire(key: string, destination: Destination): Promise<Lease> {
    const r = resolveDestination(destination, this.specs);
    if (!r.ok) {
      this.use(key, undefined);
      return { kind: "invalid", message: r.message, release: noop };
    }
    if (r.inCluster) {
      this.use(key, IN_CLUSTER_SERVER);
      return { kind: "ready", server: IN_CLUSTER_SERVER, name: r.cluster.name, inCluster: true, caches: this.opts.homeCaches, release: noop };
    }
    const server = r.cluster.server;
    this.use(key, server);
    const e = this.entries.get(server)!;
    if (e.checking && e.state.connectionState.status === "Unknown") await e.checking;
    if (e.state.connectionState.status === "Failed" || !e.caches || e.stopped) {
      return { kind: "unavailable", error: new ClusterUnavailableError(`cluster ${e.spec.name} (${server}) is unreachable: ${e.state.connectionState.message}`), release: noop };
    }
    if (e.inflight >= (this.opts.maxConcurrent ?? 8)) return { kind: "busy", release: noop };
    e.inflight++;
    let released = false;
    return {
      kind: "ready",
      server,
      name: e.spec.name,
      inCluster: false,
      caches: e.caches,
      release: () => {
        if (released) return;
        released = true;
        e.inflight--;
      },
    };
  }

  /** App `key` is gone: its cluster may be let go. */
  forget(key: string): void {
    this.use(key, undefined);
  }

  /** Records that `key` targets `server` (undefined: none), starting and stopping clusters as their first and last app come and go. */
  private use(key: string, server: string | undefined): void {
    const before = this.uses.get(key);
    if (before === server) return;
    if (before === IN_CLUSTER_SERVER) this.inClusterApps.delete(key);
    else if (before) {
      const e = this.entries.get(before);
      e?.apps.delete(key);
      if (e && e.apps.size === 0) void this.drop(before);
    }
    if (server === undefined) {
      this.uses.delete(key);
      return;
    }
    this.uses.set(key, server);
    if (server === IN_CLUSTER_SERVER) {
      this.inClusterApps.add(key);
      return;
    }
    let e = this.entries.get(server);
    if (!e) {
      const spec = this.specs.find((s) => s.server === server)!;
      e = { spec, state: newState(spec, "Unknown", "not checked yet"), apps: new Set(), inflight: 0, failures: 0, stopped: true };
      this.entries.set(server, e);
      this.opts.log.info({ cluster: spec.name, server }, "cluster caches starting: an application targets it");
      this.connect(e);
      e.checking = this.check(e);
    }
    e.apps.add(key);
  }

  /** The last app left: stop the cluster's caches and checks. */
  private async drop(server: string): Promise<void> {
    const e = this.entries.get(server);
    if (!e) return;
    this.entries.delete(server);
    clearTimeout(e.timer);
    this.opts.log.info({ cluster: e.spec.name, server }, "cluster caches stopped: no application targets it");
    const caches = e.caches;
    e.caches = undefined;
    await caches?.stop();
    e.client?.close();
    this.record(notMonitored(e.spec));
  }

  /** A client and fresh caches (new discovery, new lists) for the entry's cluster. */
  private connect(e: Entry): void {
    e.client?.close();
    e.client = KubeClient.fromCredentials(e.spec.server, credentialsOf(e.spec), {
      timeoutMs: this.opts.requestTimeoutMs ?? 10_000,
      onConnectionError: () => this.checkSoon(e),
    });
    e.caches = new ClusterCaches(new Resources(e.client), {
      syncTimeoutMs: this.opts.requestTimeoutMs ?? 10_000,
      onManagedChange: (o) => this.opts.onManagedChange(o),
      label: `cluster ${e.spec.name} (${e.spec.server})`,
      strict: true,
      predictions: e.caches?.predictions,
    });
    e.stopped = false;
  }

  private checkSoon(e: Entry): void {
    if (e.checking || this.stopped || this.entries.get(e.spec.server) !== e) return;
    clearTimeout(e.timer);
    e.checking = this.check(e);
  }

  /** GET /version with a short limit; updates the state, gates the apps, schedules the next check. */
  private async check(e: Entry): Promise<void> {
    const client = e.client!;
    const at = new Date().toISOString();
    let next: ClusterState;
    try {
      const v = await client.request<{ major?: string; minor?: string; gitVersion?: string }>({ path: "/version", timeoutMs: this.opts.checkTimeoutMs ?? 5000 });
      next = { ...newState(e.spec, "Successful", ""), serverVersion: serverVersion(v), connectionState: { status: "Successful", message: "", attemptedAt: at } };
    } catch (err) {
      const message = err instanceof ApiError && err.status === 401 ? "the cluster refuses the credentials (401 Unauthorized): update the cluster Secret's config" : err instanceof Error ? err.message : String(err);
      next = { ...e.state, connectionState: { status: "Failed", message, attemptedAt: at } };
    }
    e.checking = undefined;
    if (this.stopped || this.entries.get(e.spec.server) !== e) return;
    const was = e.state.connectionState.status;
    e.state = { ...next, name: e.spec.name, applicationsCount: e.apps.size, cached: true };
    const now = next.connectionState.status;
    if (now === "Failed") {
      e.failures++;
      if (was !== "Failed") {
        this.opts.log.warn({ cluster: e.spec.name, server: e.spec.server, error: next.connectionState.message }, "cluster unreachable: its applications wait, nothing is applied or pruned");
        // Its watches only retry in vain meanwhile; rebuilt fresh when it answers again.
        e.stopped = true;
        void e.caches?.stop();
        this.opts.onAppsAffected([...e.apps]);
      }
    } else {
      e.failures = 0;
      if (e.stopped) {
        if (was === "Failed") this.opts.log.info({ cluster: e.spec.name, server: e.spec.server }, "cluster reachable again: watches restarted");
        if (was === "Failed") this.connect(e);
        else e.stopped = false;
        this.opts.onAppsAffected([...e.apps]);
      }
    }
    this.record(e.state);
    const delay = now === "Failed" ? Math.min(this.opts.maxRetryMs ?? 10_000, 1000 * 2 ** Math.min(e.failures - 1, 10)) : (this.opts.checkIntervalMs ?? 10_000);
    clearTimeout(e.timer);
    e.timer = setTimeout(() => this.checkSoon(e), delay);
    e.timer.unref();
  }

  private async checkInCluster(): Promise<void> {
    const at = new Date().toISOString();
    try {
      const v = await this.opts.home.client.request<{ major?: string; minor?: string }>({ path: "/version", timeoutMs: this.opts.checkTimeoutMs ?? 5000 });
      this.inClusterState = { ...this.inClusterState, serverVersion: serverVersion(v), connectionState: { status: "Successful", message: "", attemptedAt: at }, cached: true };
    } catch (err) {
      this.inClusterState = { ...this.inClusterState, connectionState: { status: "Failed", message: err instanceof Error ? err.message : String(err), attemptedAt: at } };
    }
    this.record({ ...this.inClusterState, applicationsCount: this.inClusterApps.size });
    if (this.stopped) return;
    this.inClusterTimer = setTimeout(() => void this.checkInCluster(), 3 * (this.opts.checkIntervalMs ?? 10_000));
    this.inClusterTimer.unref();
  }

  /** Cluster Secrets changed: re-read them; clusters whose spec changed reconnect, and their apps are enqueued. */
  private secretsChanged(): void {
    const specs: ClusterSpec[] = [];
    const seen = new Set<string>();
    for (const inf of this.secretInformers) {
      for (const s of inf.list()) {
        const id = `${s.metadata.namespace}/${s.metadata.name}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const parsed = parseClusterSecret(s);
        if (!parsed) continue;
        for (const p of parsed.problems) {
          const line = `${id}: ${p}`;
          if (!this.problemsLogged.has(line)) {
            this.problemsLogged.add(line);
            this.opts.log.warn({ secret: id, problem: p }, "cluster Secret");
          }
        }
        if (parsed.cluster) specs.push(parsed.cluster);
      }
    }
    this.specs = specs;
    if (this.inClusterState.name !== (specs.find((s) => s.server === IN_CLUSTER_SERVER)?.name ?? IN_CLUSTER_NAME)) {
      this.inClusterState = { ...this.inClusterState, name: specs.find((s) => s.server === IN_CLUSTER_SERVER)?.name ?? IN_CLUSTER_NAME };
    }
    const affected: string[] = [];
    for (const [server, e] of this.entries) {
      const spec = specs.find((s) => s.server === server);
      if (!spec) {
        // Unregistered: its apps now fail to resolve, and let go of it when reconciled.
        affected.push(...e.apps);
        continue;
      }
      if (JSON.stringify(spec.config) !== JSON.stringify(e.spec.config)) {
        e.spec = spec;
        void e.caches?.stop();
        this.connect(e);
        this.checkSoon(e);
      } else e.spec = spec;
      affected.push(...e.apps);
    }
    // Apps whose destination did not resolve may resolve now: every app reconciles again (cheap: a Secret change is rare).
    for (const [key, server] of this.uses) if (server !== IN_CLUSTER_SERVER) affected.push(key);
    if (affected.length > 0) this.opts.onAppsAffected([...new Set(affected)]);
  }

  /** Writes a cluster's state to the status ConfigMap when it changed (in order; failures logged). */
  private record(state: ClusterState): void {
    const ns = this.opts.namespace;
    if (!ns || this.stopped) return;
    const before = this.recorded.get(state.server);
    if (!stateChanged(before, state, 60_000)) return;
    this.recorded.set(state.server, state);
    const data = { [clusterStatusKey(state.server)]: JSON.stringify(state) };
    this.writing = this.writing.then(async () => {
      const path = `/api/v1/namespaces/${encodeURIComponent(ns)}/configmaps/${CLUSTER_STATUS_CONFIGMAP}`;
      try {
        await this.opts.home.client.request({ method: "PATCH", path, contentType: "application/merge-patch+json", body: { data } });
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) {
          await this.opts.home.client
            .request({ method: "POST", path: `/api/v1/namespaces/${encodeURIComponent(ns)}/configmaps`, body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: CLUSTER_STATUS_CONFIGMAP, namespace: ns, labels: { [CLUSTER_STATUS_LABEL]: "true" } }, data } })
            .catch((e: unknown) => this.opts.log.warn({ error: e instanceof Error ? e.message : String(e) }, "could not record the cluster state"));
        } else this.opts.log.warn({ error: err instanceof Error ? err.message : String(err) }, "could not record the cluster state");
      }
    });
  }
}

function newState(spec: { server: string; name: string }, status: ClusterState["connectionState"]["status"], message: string): ClusterState {
  return { server: spec.server, name: spec.name, connectionState: { status, message, attemptedAt: new Date().toISOString() }, cached: false, applicationsCount: 0 };
}

/** Argo CD's words for a cluster nothing targets. */
export function notMonitored(spec: { server: string; name: string }): ClusterState {
  return newState(spec, "Unknown", "no application targets this cluster: it is not monitored");
}

/** "major.minor" as Argo CD shows a server version (from gitVersion when major/minor are odd, e.g. "1+"). */
function serverVersion(v: { major?: string; minor?: string; gitVersion?: string }): string | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(v.gitVersion ?? "");
  if (m) return `${m[1]}.${m[2]}`;
  return v.major && v.minor ? `${v.major}.${v.minor.replace(/\D+$/, "")}` : undefined;
}
