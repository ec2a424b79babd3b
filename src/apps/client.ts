/**
 * Application objects read and written through the cluster's API: the one place that knows how to ask
 * the controller for something. The CLI in core mode (`plumb app … --core`) and the API server both go
 * through it, so a sync asked from either is the same write.
 *
 * A sync is asked for the way Argo CD does it: the Application's top-level `operation` field is set (a
 * merge patch, conditional on the resourceVersion read, so nobody started an operation in between); the
 * controller runs it, records it in `status.operationState` and clears the field. The request carries a
 * unique id in `operation.info` (plumb.dev/request), which the controller copies into
 * `operationState.operation`, so the asker can tell its operation's result from an older one. A request the
 * controller never started can be withdrawn atomically (a JSON patch that tests the id first).
 *
 * Terminating is a conditional status write (phase Terminating); deleting sets or removes the resources
 * finalizer first, so the controller deletes the app's objects (cascade) or leaves them (orphan).
 */
import { randomUUID } from "node:crypto";
import { ApiError } from "../cluster/client.js";
import { UnknownKindError } from "../cluster/discovery.js";
import type { Resources } from "../cluster/resources.js";
import { RESOURCES_FINALIZERS } from "../core/annotations.js";
import { ConflictError, NotFoundError, PlumbError, UsageError } from "../core/errors.js";
import type { KubeObject } from "../core/object.js";
import { analyzeApplication } from "./analyze.js";
import { API_GROUP, API_VERSION, ARGO_GROUP, isAutomated, type SyncOperation } from "./spec.js";
import { readApplication, type ApplicationView } from "./analyze.js";
import type { OperationState } from "./status.js";
import { appSyncWindows } from "./project.js";
import { blockedMessage, SyncWindowBlockedError, type SyncWindowState } from "./windows.js";

/** The `operation.info` entry naming a request. */
export const REQUEST_INFO = "plumb.dev/request";

/** The field manager of applies made on a person's behalf (the controller's is "plumb"). */
export const CLI_FIELD_MANAGER = "plumb-cli";

/** An Application that does not exist. */
export class AppNotFoundError extends NotFoundError {
  constructor(name: string, namespace: string, group: string) {
    super(`application "${name}" not found in namespace "${namespace}" (${group})`, `list them with: plumb app list -n ${namespace}${group === ARGO_GROUP ? " --argo" : ""}`);
  }
}

/** A request made: its id and when (ms since the epoch). */
export interface SyncRequest {
  id: string;
  at: number;
}

/** Who asked for an operation, as recorded in `operation.initiatedBy`. */
export interface Initiator {
  username: string;
}

/** Reads and writes Application objects of one group in one namespace. */
export class AppClient {
  readonly group: string;
  readonly apiVersion: string;

  constructor(
    readonly resources: Resources,
    readonly namespace: string,
    argo = false,
  ) {
    this.group = argo ? ARGO_GROUP : API_GROUP;
    this.apiVersion = `${this.group}/${API_VERSION}`;
  }

  /** The same client for another namespace. */
  in(namespace: string): AppClient {
    return new AppClient(this.resources, namespace, this.group === ARGO_GROUP);
  }

  /** The Application, or undefined when it does not exist. */
  async find(name: string): Promise<KubeObject | undefined> {
    return this.call(() => this.resources.get({ apiVersion: this.apiVersion, kind: "Application", namespace: this.namespace, name }));
  }

  /** The Application; throws AppNotFoundError when it does not exist. */
  async get(name: string): Promise<KubeObject> {
    const obj = await this.find(name);
    if (!obj) throw new AppNotFoundError(name, this.namespace, this.group);
    return obj;
  }

  /** The Application read as the controller reads it. */
  async view(name: string): Promise<ApplicationView> {
    return readApplication(await this.get(name));
  }

  /** Every Application in the namespace (or in all namespaces), sorted by namespace and name. */
  async list(allNamespaces = false): Promise<KubeObject[]> {
    const { items } = await this.call(() => this.resources.list(this.apiVersion, "Application", allNamespaces ? {} : { namespace: this.namespace }));
    return items.sort((a, b) => (a.metadata.namespace ?? "").localeCompare(b.metadata.namespace ?? "") || a.metadata.name.localeCompare(b.metadata.name));
  }

  /** A JSON merge patch (or a JSON patch) of the Application's main resource. */
  async patch(name: string, body: unknown, contentType = "application/merge-patch+json"): Promise<KubeObject> {
    return this.call(() => this.resources.client.request<KubeObject>({ method: "PATCH", path: this.path(name), contentType, body }), name);
  }

  /** Deletes the Application; false when it was already gone. */
  async delete(name: string): Promise<boolean> {
    return this.call(() => this.resources.delete({ apiVersion: this.apiVersion, kind: "Application", namespace: this.namespace, name }));
  }

  /** The URL path of an Application. */
  path(name: string, namespace = this.namespace): string {
    return `/apis/${this.group}/${API_VERSION}/namespaces/${namespace}/applications/${name}`;
  }

  /** Runs an API call, turning "no such CRD" and "not found" into errors a person can act on. */
  async call<T>(fn: () => Promise<T>, name?: string): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof UnknownKindError) {
        throw new PlumbError(
          `the cluster serves no ${this.apiVersion} Applications (their CustomResourceDefinition is not installed)`,
          this.group === ARGO_GROUP ? "run `plumb controller --argo-compat` against this cluster once: it installs the CRDs" : "run `plumb controller` against this cluster once: it installs the CRDs",
        );
      }
      if (name && err instanceof ApiError && err.status === 404) throw new AppNotFoundError(name, this.namespace, this.group);
      throw err;
    }
  }

  /**
   * Server-side applies an Application (refused when it is invalid as the controller would read it, or
   * exists and `upsert` is false); "created", "updated" or "unchanged", with the live object and the
   * warnings (fields the controller will report as unsupported).
   */
  async upsert(obj: KubeObject, opts: { upsert: boolean; fieldManager?: string }): Promise<{ result: "created" | "updated" | "unchanged"; live: KubeObject; warnings: string[] }> {
    const { problems } = analyzeApplication(obj);
    const invalid = problems.filter((p) => p.type === "InvalidSpecError");
    if (invalid.length) throw new UsageError(`application "${obj.metadata.name}" is invalid:\n${invalid.map((p) => `  ${p.message}`).join("\n")}`);
    const ref = { apiVersion: obj.apiVersion, kind: "Application", namespace: obj.metadata.namespace, name: obj.metadata.name };
    const before = await this.call(() => this.resources.get(ref));
    if (before && !opts.upsert) throw new ConflictError(`application "${obj.metadata.name}" already exists in namespace "${obj.metadata.namespace}"`, "use --upsert (API: ?upsert=true) to update it");
    let live: KubeObject;
    try {
      live = await this.call(() => this.resources.apply(obj, { fieldManager: opts.fieldManager ?? CLI_FIELD_MANAGER, force: true }));
    } catch (err) {
      const ns = obj.metadata.namespace ?? "";
      if (!before && err instanceof Error && /namespaces? "?[^"]*"? not found/.test(err.message)) {
        throw new PlumbError(`namespace "${ns}" does not exist`, `create it (kubectl create namespace ${ns}) or choose another with -n`);
      }
      throw err;
    }
    const result = !before ? "created" : before.metadata.resourceVersion === live.metadata.resourceVersion ? "unchanged" : "updated";
    return { result, live, warnings: problems.map((p) => p.message) };
  }

  /** Sets the Application's `operation` to a sync; refuses (ConflictError) while another operation is pending or running. */
  async requestSync(name: string, sync: SyncOperation, by: Initiator): Promise<SyncRequest> {
    const id = randomUUID();
    for (let attempt = 0; ; attempt++) {
      const obj = await this.get(name);
      const phase = readApplication(obj).status.operationState?.phase;
      if (obj.operation || phase === "Running" || phase === "Terminating") {
        throw new ConflictError(`another operation is already in progress on application "${name}"`, `wait for it: plumb app wait ${name} --operation -n ${this.namespace}`);
      }
      // A sync window that blocks manual syncs refuses the request before anything is written (the
      // controller would refuse the operation too: this says so at once, and why).
      const windows = await this.syncWindows(obj);
      if (!windows.manual.allowed) {
        throw new SyncWindowBlockedError(`cannot sync application "${name}": ${blockedMessage(windows.manual, "manual sync")}`, `see the windows: plumb proj windows list ${projectName(obj)}`);
      }
      const at = Date.now();
      const operation = { sync, initiatedBy: { username: by.username }, info: [{ name: REQUEST_INFO, value: id }] };
      try {
        // resourceVersion makes the patch conditional: nobody started an operation since we looked.
        await this.patch(name, { metadata: { resourceVersion: obj.metadata.resourceVersion }, operation });
        return { id, at };
      } catch (err) {
        if (err instanceof ApiError && err.status === 409 && attempt < 5) continue;
        throw err;
      }
    }
  }

  /** The sync-window state of an Application under its AppProject (read from the cluster; none: no windows). */
  async syncWindows(obj: KubeObject, now = Date.now()): Promise<SyncWindowState> {
    const view = readApplication(obj);
    let project: KubeObject | undefined;
    try {
      project = await this.resources.get({ apiVersion: this.apiVersion, kind: "AppProject", namespace: obj.metadata.namespace ?? this.namespace, name: projectName(obj) });
    } catch (err) {
      if (!(err instanceof UnknownKindError)) throw err;
    }
    return appSyncWindows({ name: obj.metadata.name, destination: view.spec?.destination ?? {} }, project, now);
  }

  /**
   * Asks the controller to stop the running operation, as `argocd app terminate-op` does: the status'
   * phase becomes Terminating (conditional, so an operation that ended meanwhile is not touched).
   */
  async requestTerminate(name: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const obj = await this.get(name);
      const phase = readApplication(obj).status.operationState?.phase;
      if (phase === "Terminating") return;
      if (phase !== "Running") throw new ConflictError(`application "${name}" has no operation in progress${phase ? ` (the last one ${phase})` : ""}; nothing to terminate`);
      try {
        await this.call(() => this.resources.client.request({ method: "PATCH", path: `${this.path(name)}/status`, contentType: "application/merge-patch+json", body: { metadata: { resourceVersion: obj.metadata.resourceVersion }, status: { operationState: { phase: "Terminating" } } } }), name);
        return;
      } catch (err) {
        if (err instanceof ApiError && err.status === 409 && attempt < 5) continue;
        throw err;
      }
    }
  }

  /** Removes a request the controller has not started; false when it had started it meanwhile. */
  async withdraw(name: string, req: SyncRequest): Promise<boolean> {
    try {
      const obj = await this.get(name);
      const i = ((obj.operation as { info?: Array<{ name: string; value: string }> } | undefined)?.info ?? []).findIndex((e) => e.name === REQUEST_INFO && e.value === req.id);
      if (i < 0) return false;
      await this.patch(name, [{ op: "test", path: `/operation/info/${i}/value`, value: req.id }, { op: "remove", path: "/operation" }], "application/json-patch+json");
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Deletes the Application, first setting (cascade: the controller deletes its resources, then the app)
   * or removing (orphan: they stay) the resources finalizer. False when it was already gone.
   */
  async deleteApp(name: string, cascade: boolean): Promise<boolean> {
    await this.setFinalizer(name, cascade);
    return this.delete(name);
  }

  /** Sets (cascade) or removes (orphan) the resources finalizer, retrying on a concurrent update. */
  private async setFinalizer(name: string, cascade: boolean): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const obj = await this.get(name);
      const current = obj.metadata.finalizers ?? [];
      const has = current.some((x) => RESOURCES_FINALIZERS.includes(x));
      // No finalizer may be added to an object already being deleted; it keeps what it has.
      if (cascade === has || (cascade && obj.metadata.deletionTimestamp)) return;
      const own = this.group === ARGO_GROUP ? RESOURCES_FINALIZERS[0]! : RESOURCES_FINALIZERS[1]!;
      const finalizers = cascade ? [...current, own] : current.filter((x) => !RESOURCES_FINALIZERS.includes(x));
      try {
        await this.patch(name, { metadata: { resourceVersion: obj.metadata.resourceVersion, finalizers } });
        return;
      } catch (err) {
        if (err instanceof ApiError && err.status === 409 && attempt < 5) continue;
        throw err;
      }
    }
  }
}

/** Whether `state` is the record of `req` (`pending`: the request is still in the operation field). */
export function isRecordOf(state: OperationState | undefined, pending: boolean, req: SyncRequest): boolean {
  if (!state) return false;
  const info = state.operation.info;
  if (info?.some((i) => i.name === REQUEST_INFO)) return info.some((i) => i.name === REQUEST_INFO && i.value === req.id);
  // A controller that does not keep the id: matched by time (timestamps have whole seconds).
  return !pending && !state.operation.initiatedBy?.automated && Date.parse(state.startedAt) >= Math.floor(req.at / 1000) * 1000;
}

/** Whether the Application still holds request `req` in its operation field. */
export function isPending(view: ApplicationView, req: SyncRequest): boolean {
  return (view.operation?.info ?? []).some((i) => i.name === REQUEST_INFO && i.value === req.id);
}

/**
 * The sync a rollback asks for: the revision of history entry `id` (default: the previous deployment).
 * Refused for an app with automated sync, as Argo CD refuses it.
 */
export function rollbackSync(view: ApplicationView, id: number | undefined, opts: { prune?: boolean; dryRun?: boolean } = {}): SyncOperation {
  if (view.spec && isAutomated(view.spec)) {
    throw new UsageError("rollback cannot be performed against an application with automated sync enabled", "turn automated sync off first (plumb app create --upsert without --sync-policy), as Argo CD requires");
  }
  const history = view.status.history ?? [];
  const entry = id === undefined ? history.at(-2) : history.find((h) => h.id === id);
  if (!entry) {
    const ids = history.map((h) => h.id).join(", ");
    throw new UsageError(id === undefined ? `application "${view.name}" has no previous deployment to roll back to` : `application "${view.name}" has no history entry ${id}`, ids ? `its history IDs: ${ids}` : "it has no history yet");
  }
  const flags = { ...(opts.prune ? { prune: true } : {}), ...(opts.dryRun ? { dryRun: true } : {}) };
  // Several sources: every source goes back to its revision and spec of that deployment.
  if (entry.revisions?.length) return { revisions: entry.revisions, ...(entry.sources ? { sources: entry.sources } : {}), ...flags };
  if (!entry.revision) throw new UsageError(`history entry ${entry.id} records no revision to roll back to`);
  return { revision: entry.revision, ...(opts.prune ? { prune: true } : {}), ...(opts.dryRun ? { dryRun: true } : {}) };
}

/** The project an Application names ("default" when none). */
function projectName(obj: KubeObject): string {
  return (obj.spec as { project?: string } | undefined)?.project || "default";
}
