/**
 * The controller's writes to an Application: the status (one merge patch of what changed, through the
 * status subresource), clearing the `operation` field, the finalizer. Every write remembers the
 * resourceVersion it left (`written`), so that a reconcile can wait for the watch cache to catch up with
 * it. A status write that fails is never silent: it is logged, recorded as a Warning Event on the
 * Application, and thrown, so the work queue retries it with backoff — a stale status with no word about
 * why (an Application that keeps saying Synced at the previous commit) is what this prevents. And every
 * status is made to fit first (apps/budget.ts): an app of many thousand objects keeps its most telling
 * entries and counts the rest, and a `ResourcesSummarized` condition says so.
 */
import type { ApplicationStatus, ApplicationView } from "../apps/index.js";
import { fitStatus, setConditions, statusPatch } from "../apps/index.js";
import type { KubeObject } from "../core/object.js";
import type { Resources } from "../cluster/resources.js";
import type { Logger } from "./reconcile.js";

/** What the writes need. */
export interface WriteDeps {
  resources: Resources;
  /** Where Applications live, when `resources` is the app's destination cluster (another one). */
  home?: Resources;
  log: Logger;
  event(app: KubeObject, type: "Normal" | "Warning", reason: string, message: string): void;
  /** The resourceVersion each write left, by app key. */
  written: Map<string, string>;
  /** The most a status may hold of resource lists, in JSON bytes (default: apps/budget.ts's). */
  statusBudgetBytes?: number;
}

/** The condition that says a status lists only part of the app's resources or results. */
export const SUMMARIZED = "ResourcesSummarized";

/**
 * Patches the status from `view.status` — which must be what the API server holds, so a later write of the
 * same reconcile passes the status the earlier one returned — to `wanted`; nothing when they are equal.
 * Returns the status as it now stands (fitted to the budget).
 */
export async function patchStatus(deps: WriteDeps, view: ApplicationView, wanted: ApplicationStatus): Promise<ApplicationStatus> {
  const fitted = fitStatus(wanted, deps.statusBudgetBytes);
  const note = fitted.summarized ? [{ type: SUMMARIZED, message: fitted.message ?? "the status lists only part of the resources" }] : [];
  const status = { ...fitted.status, conditions: setConditions(fitted.status.conditions, note, [SUMMARIZED]) };
  const patch = statusPatch(view.status, status);
  if (!patch) return view.status;
  try {
    await appRequest(deps, view, "/status", patch);
    return status;
  } catch (err) {
    const message = err instanceof Error ? err.message.split("\n")[0]! : String(err);
    const size = JSON.stringify(patch).length;
    deps.log.error({ app: view.key, error: message, bytes: size }, "status update failed");
    deps.event(view.object, "Warning", "StatusUpdateFailed", `the controller could not write the status (${size} bytes): ${message}; it retries with backoff`);
    throw err;
  }
}

/** Removes the `operation` field (the operation has been taken on). */
export async function clearOperation(deps: WriteDeps, view: ApplicationView): Promise<void> {
  await appRequest(deps, view, "", { operation: null });
}

/** A merge patch of the Application (or of one of its subresources). */
export async function appRequest(deps: WriteDeps, view: ApplicationView, sub: string, body: unknown): Promise<void> {
  const updated = await (deps.home ?? deps.resources).client.request<KubeObject>({
    method: "PATCH",
    path: `/apis/${view.group}/v1alpha1/namespaces/${view.namespace}/applications/${view.name}${sub}`,
    contentType: "application/merge-patch+json",
    body,
  });
  if (updated?.metadata?.resourceVersion) deps.written.set(view.key, updated.metadata.resourceVersion);
}
