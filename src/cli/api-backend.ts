/**
 * AppBackend over the plumb API server (Argo CD's REST paths under /api/v1/applications). The server makes
 * the same writes as core mode (it goes through apps/client.ts), so a request made here is followed the
 * same way: the answer of POST …/sync or …/rollback is the Application with its `operation` set, whose
 * `operation.info` entry plumb.dev/request names the request; the caller polls GET until the record of
 * that request is in `status.operationState`.
 *
 * Not-found answers become the same AppNotFoundError core mode throws, so both modes print the same. A
 * request cannot be withdrawn over the API (there is no such endpoint): `withdraw` says false and the
 * caller tells the user the controller carries on.
 */
import { AppNotFoundError, REQUEST_INFO, type Initiator, type SyncRequest } from "../apps/client.js";
import { analyzeApplication, API_GROUP, readApplication, type ApplicationView, type SyncOperation, type SyncWindowsAnswer } from "../apps/index.js";
import { ConflictError, NotFoundError, UsageError } from "../core/errors.js";
import type { KubeObject } from "../core/object.js";
import type { ApiClient } from "./api-client.js";
import type { AppBackend, UpsertResult } from "./backend.js";

/** A managed resource as GET …/managed-resources answers it (states are JSON strings, Secrets masked). */
export interface ManagedResource {
  group?: string;
  kind: string;
  namespace?: string;
  name: string;
  targetState?: string;
  liveState?: string;
  predictedLiveState?: string;
  normalizedLiveState?: string;
  diff?: string;
  hook?: boolean;
  requiresPruning?: boolean;
}

type Info = Array<{ name: string; value: string }>;

/**
 * The request id the server wrote into the answer's `operation.info`. Should the controller have taken the
 * request already (the field cleared before the server read the app back), the id is in the record it
 * started — a record started by a person no earlier than the request (timestamps have whole seconds).
 */
function requestOf(app: KubeObject, at: number): SyncRequest {
  const pending = (app.operation as { info?: Info } | undefined)?.info?.find((i) => i.name === REQUEST_INFO)?.value;
  if (pending) return { id: pending, at };
  const state = (app.status as { operationState?: { startedAt?: string; operation?: { info?: Info; initiatedBy?: { automated?: boolean } } } } | undefined)?.operationState;
  const started = state?.startedAt && Date.parse(state.startedAt) >= Math.floor(at / 1000) * 1000 && !state.operation?.initiatedBy?.automated;
  const recorded = started ? state.operation?.info?.find((i) => i.name === REQUEST_INFO)?.value : undefined;
  // Without an id (a server that does not set it) the record is matched by time, as isRecordOf does.
  return { id: recorded ?? "", at };
}

export class ApiBackend implements AppBackend {
  readonly mode = "api" as const;

  constructor(
    readonly api: ApiClient,
    readonly namespace: string,
  ) {}

  private path(name: string, sub = ""): string {
    return `/api/v1/applications/${encodeURIComponent(name)}${sub}`;
  }

  /** Runs a call about app `name`, turning "not found" into AppNotFoundError. */
  private async about<T>(name: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof NotFoundError && /application/i.test(err.message)) throw new AppNotFoundError(name, this.namespace, API_GROUP);
      throw err;
    }
  }

  async find(name: string): Promise<KubeObject | undefined> {
    try {
      return await this.api.get<KubeObject>(this.path(name), { appNamespace: this.namespace });
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  async get(name: string): Promise<KubeObject> {
    const obj = await this.find(name);
    if (!obj) throw new AppNotFoundError(name, this.namespace, API_GROUP);
    return obj;
  }

  async view(name: string): Promise<ApplicationView> {
    return readApplication(await this.get(name));
  }

  async list(allNamespaces: boolean): Promise<KubeObject[]> {
    const { items } = await this.api.get<{ items?: KubeObject[] | null }>("/api/v1/applications", allNamespaces ? {} : { appNamespace: this.namespace });
    const all = items ?? [];
    const kept = allNamespaces ? all : all.filter((o) => (o.metadata.namespace ?? this.namespace) === this.namespace);
    return kept.sort((a, b) => (a.metadata.namespace ?? "").localeCompare(b.metadata.namespace ?? "") || a.metadata.name.localeCompare(b.metadata.name));
  }

  async upsert(obj: KubeObject, opts: { upsert: boolean }): Promise<UpsertResult> {
    const { problems } = analyzeApplication(obj);
    const invalid = problems.filter((p) => p.type === "InvalidSpecError");
    if (invalid.length) throw new UsageError(`application "${obj.metadata.name}" is invalid:\n${invalid.map((p) => `  ${p.message}`).join("\n")}`);
    const ns = obj.metadata.namespace ?? this.namespace;
    const before = await this.inNamespace(ns).find(obj.metadata.name);
    if (before && !opts.upsert) throw new ConflictError(`application "${obj.metadata.name}" already exists in namespace "${ns}"`, "use --upsert (API: ?upsert=true) to update it");
    const live = await this.api.request<KubeObject>("POST", "/api/v1/applications", { query: { upsert: opts.upsert ? "true" : "false" }, body: { ...obj, metadata: { ...obj.metadata, namespace: ns } } });
    const result = !before ? "created" : before.metadata.resourceVersion === live.metadata.resourceVersion ? "unchanged" : "updated";
    return { result, live, warnings: problems.map((p) => p.message) };
  }

  /** The same backend for another namespace. */
  inNamespace(namespace: string): ApiBackend {
    return namespace === this.namespace ? this : new ApiBackend(this.api, namespace);
  }

  async requestSync(name: string, sync: SyncOperation, _by: Initiator): Promise<SyncRequest> {
    const at = Date.now();
    const body = {
      appNamespace: this.namespace,
      ...(sync.revision ? { revision: sync.revision } : {}),
      ...(sync.prune ? { prune: true } : {}),
      ...(sync.dryRun ? { dryRun: true } : {}),
      ...(sync.syncOptions?.length ? { syncOptions: { items: sync.syncOptions } } : {}),
      ...(sync.resources?.length ? { resources: sync.resources.map((r) => ({ group: r.group ?? "", kind: r.kind, name: r.name, ...(r.namespace ? { namespace: r.namespace } : {}) })) } : {}),
    };
    const app = await this.about(name, () => this.api.request<KubeObject>("POST", this.path(name, "/sync"), { body }));
    return requestOf(app, at);
  }

  async requestRollback(name: string, id: number, opts: { prune?: boolean; dryRun?: boolean }, _by: Initiator): Promise<SyncRequest> {
    const at = Date.now();
    const body = { appNamespace: this.namespace, id, ...(opts.prune ? { prune: true } : {}), ...(opts.dryRun ? { dryRun: true } : {}) };
    const app = await this.about(name, () => this.api.request<KubeObject>("POST", this.path(name, "/rollback"), { body }));
    return requestOf(app, at);
  }

  async syncWindows(name: string): Promise<SyncWindowsAnswer> {
    return this.about(name, () => this.api.get<SyncWindowsAnswer>(this.path(name, "/syncwindows"), { appNamespace: this.namespace }));
  }

  async requestTerminate(name: string): Promise<void> {
    await this.about(name, () => this.api.request("DELETE", this.path(name, "/operation"), { query: { appNamespace: this.namespace } }));
  }

  withdraw(_name: string, _req: SyncRequest): Promise<boolean> {
    return Promise.resolve(false);
  }

  async deleteApp(name: string, cascade: boolean): Promise<boolean> {
    await this.about(name, () => this.api.request("DELETE", this.path(name), { query: { cascade: cascade ? "true" : "false", appNamespace: this.namespace } }));
    return true;
  }

  /** The app's managed resources with their target and live states (GET …/managed-resources), rendered at `revision` when given. */
  async managedResources(name: string, revision?: string): Promise<ManagedResource[]> {
    return (await this.managedAt(name, revision)).items;
  }

  /** The managed resources and the commit their desired states were rendered at. */
  async managedAt(name: string, revision?: string): Promise<{ items: ManagedResource[]; revision?: string }> {
    const query = { appNamespace: this.namespace, ...(revision ? { revision } : {}) };
    const r = await this.about(name, () => this.api.get<{ items?: ManagedResource[] | null; revision?: string }>(this.path(name, "/managed-resources"), query));
    return { items: r.items ?? [], ...(r.revision ? { revision: r.revision } : {}) };
  }

  /** One live object of the app (GET …/resource; masked by the server), or undefined when it is gone. */
  async liveResource(name: string, ref: { group: string; version?: string; kind: string; namespace?: string; name: string }): Promise<KubeObject | undefined> {
    try {
      const query = { appNamespace: this.namespace, resourceName: ref.name, kind: ref.kind, group: ref.group, ...(ref.namespace ? { namespace: ref.namespace } : {}), ...(ref.version ? { version: ref.version } : {}) };
      const { manifest } = await this.api.get<{ manifest: string }>(this.path(name, "/resource"), query);
      return JSON.parse(manifest) as KubeObject;
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  /** The app's manifests rendered at `revision` (default: the server's choice, the target revision). */
  async manifests(name: string, revision?: string): Promise<{ manifests: KubeObject[]; revision?: string }> {
    const r = await this.about(name, () => this.api.get<{ manifests?: string[] | null; revision?: string }>(this.path(name, "/manifests"), { appNamespace: this.namespace, ...(revision ? { revision } : {}) }));
    return { manifests: (r.manifests ?? []).map((m) => JSON.parse(m) as KubeObject), ...(r.revision ? { revision: r.revision } : {}) };
  }

  close(): void {}
}
