/**
 * What `plumb app …` needs of wherever Applications live, as one interface with two implementations, so
 * every verb is written once and prints the same in both modes:
 *
 *   CoreBackend  the cluster's API through the kubeconfig (apps/client.ts's AppClient), as `argocd --core`
 *   ApiBackend   the plumb API server (api-backend.ts), with the token of a context
 *
 * Both read and return Application objects as the cluster stores them; a sync or rollback request returns
 * the request's id (`operation.info` plumb.dev/request), which the caller follows by reading the app until
 * its `operationState` is the record of that request (isRecordOf). The verbs that need the cluster itself
 * (a local diff, rendering with the cluster's discovery) ask for `core`, which only CoreBackend has.
 */
import { AppClient, rollbackSync, type Initiator, type SyncRequest } from "../apps/client.js";
import { readApplication, syncWindowsAnswer, type ApplicationView, type SyncOperation, type SyncWindowsAnswer } from "../apps/index.js";
import type { KubeObject } from "../core/object.js";

/** The outcome of a create or upsert. */
export interface UpsertResult {
  result: "created" | "updated" | "unchanged";
  live: KubeObject;
  warnings: string[];
}

/** Applications of one namespace, wherever they are kept. */
export interface AppBackend {
  readonly mode: "core" | "api";
  /** The namespace of the Applications addressed. */
  readonly namespace: string;
  /** The AppClient of core mode; undefined over the API. */
  readonly core?: AppClient;
  /** The Application, or undefined when it does not exist. */
  find(name: string): Promise<KubeObject | undefined>;
  /** The Application; AppNotFoundError when it does not exist. */
  get(name: string): Promise<KubeObject>;
  /** The Application read as the controller reads it. */
  view(name: string): Promise<ApplicationView>;
  /** The Applications of the namespace (or of every namespace), sorted by namespace and name. */
  list(allNamespaces: boolean): Promise<KubeObject[]>;
  /** Creates the Application, or updates it with `upsert`; ConflictError when it exists without. */
  upsert(obj: KubeObject, opts: { upsert: boolean }): Promise<UpsertResult>;
  /** Asks for a sync; ConflictError while another operation is pending or running. */
  requestSync(name: string, sync: SyncOperation, by: Initiator): Promise<SyncRequest>;
  /** Asks for a sync to the revision of history entry `id`. */
  requestRollback(name: string, id: number, opts: { prune?: boolean; dryRun?: boolean }, by: Initiator): Promise<SyncRequest>;
  /** Asks the controller to stop the running operation. */
  requestTerminate(name: string): Promise<void>;
  /** The sync windows that apply to the app, and whether it may sync now (API: GET …/syncwindows). */
  syncWindows(name: string): Promise<SyncWindowsAnswer>;
  /** Withdraws a request the controller has not started; false when it cannot (started, or not over the API). */
  withdraw(name: string, req: SyncRequest): Promise<boolean>;
  /** Deletes the Application; with `cascade` the controller deletes its resources first. */
  deleteApp(name: string, cascade: boolean): Promise<boolean>;
  /** Releases connections. */
  close(): void;
}

/** The history entry a rollback goes to: `id`, or the previous deployment; refused as rollbackSync refuses. */
export function rollbackEntry(view: ApplicationView, id: number | undefined): number {
  rollbackSync(view, id);
  return id ?? view.status.history!.at(-2)!.id;
}

/** AppBackend over the kubeconfig. */
export class CoreBackend implements AppBackend {
  readonly mode = "core" as const;
  constructor(readonly core: AppClient) {}

  get namespace(): string {
    return this.core.namespace;
  }
  find(name: string): Promise<KubeObject | undefined> {
    return this.core.find(name);
  }
  get(name: string): Promise<KubeObject> {
    return this.core.get(name);
  }
  view(name: string): Promise<ApplicationView> {
    return this.core.view(name);
  }
  async syncWindows(name: string): Promise<SyncWindowsAnswer> {
    return syncWindowsAnswer(await this.core.syncWindows(await this.core.get(name)));
  }
  list(allNamespaces: boolean): Promise<KubeObject[]> {
    return this.core.list(allNamespaces);
  }
  upsert(obj: KubeObject, opts: { upsert: boolean }): Promise<UpsertResult> {
    return this.core.upsert(obj, opts);
  }
  requestSync(name: string, sync: SyncOperation, by: Initiator): Promise<SyncRequest> {
    return this.core.requestSync(name, sync, by);
  }
  async requestRollback(name: string, id: number, opts: { prune?: boolean; dryRun?: boolean }, by: Initiator): Promise<SyncRequest> {
    return this.core.requestSync(name, rollbackSync(readApplication(await this.core.get(name)), id, opts), by);
  }
  requestTerminate(name: string): Promise<void> {
    return this.core.requestTerminate(name);
  }
  withdraw(name: string, req: SyncRequest): Promise<boolean> {
    return this.core.withdraw(name, req);
  }
  deleteApp(name: string, cascade: boolean): Promise<boolean> {
    return this.core.deleteApp(name, cascade);
  }
  close(): void {
    this.core.resources.client.close();
  }
}
