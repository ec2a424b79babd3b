/**
 * Sync options: the application's `syncOptions` list and each object's sync-options annotation
 * (`plumb.dev/sync-options`, else `argocd.argoproj.io/sync-options`), read into typed values. An object's
 * annotation overrides the application for the options both accept, as in Argo CD
 * (https://argo-cd.readthedocs.io/en/stable/user-guide/sync-options/).
 *
 * Pure: imports nothing that does I/O.
 */
import { Annotation, parseOptionList, readAnnotation } from "../core/annotations.js";
import type { KubeObject } from "../core/object.js";
import type { PropagationPolicy, TaskOptions } from "./types.js";

/** The application-level sync options the planner acts on. */
export interface AppSyncOptions {
  /** CreateNamespace=true: create the destination namespace first if it is missing. */
  createNamespace: boolean;
  /** ApplyOutOfSyncOnly=true: skip objects that are already Synced. */
  applyOutOfSyncOnly: boolean;
  /** PruneLast=true: prune after PostSync rather than right after the Sync phase. */
  pruneLast: boolean;
  /** RespectIgnoreDifferences=true: a sync keeps the live values of the fields ignoreDifferences ignores. */
  respectIgnoreDifferences: boolean;
  /** Defaults for every task, each overridable by the object's annotation. */
  task: TaskOptions;
}

/** The task options when nothing is set: validate, client-side apply, no replace, foreground deletion. */
export function defaultTaskOptions(): TaskOptions {
  return {
    validate: true,
    replace: false,
    serverSide: false,
    force: false,
    skipDryRunOnMissingResource: false,
    propagationPolicy: "foreground",
  };
}

/** Reads a boolean option: undefined when absent or not a boolean, so the caller keeps its default. */
function flag(options: Map<string, string>, name: string): boolean | undefined {
  const v = options.get(name)?.toLowerCase();
  if (v === "true") return true;
  if (v === "false") return false;
  return undefined;
}

function propagation(options: Map<string, string>): PropagationPolicy | undefined {
  const v = options.get("PrunePropagationPolicy")?.toLowerCase();
  return v === "foreground" || v === "background" || v === "orphan" ? v : undefined;
}

/** Overlays the boolean task options set in `options` on `base`. */
function overlayTaskOptions(base: TaskOptions, options: Map<string, string>): TaskOptions {
  return {
    validate: flag(options, "Validate") ?? base.validate,
    replace: flag(options, "Replace") ?? base.replace,
    serverSide: flag(options, "ServerSideApply") ?? base.serverSide,
    force: flag(options, "Force") ?? base.force,
    skipDryRunOnMissingResource: flag(options, "SkipDryRunOnMissingResource") ?? base.skipDryRunOnMissingResource,
    propagationPolicy: base.propagationPolicy,
  };
}

/** Parses the application's sync options (`["CreateNamespace=true", "Validate=false"]`). */
export function parseAppSyncOptions(syncOptions: readonly string[]): AppSyncOptions {
  const options = parseOptionList(syncOptions.join(","));
  const task = overlayTaskOptions(defaultTaskOptions(), options);
  task.propagationPolicy = propagation(options) ?? task.propagationPolicy;
  return {
    createNamespace: flag(options, "CreateNamespace") ?? false,
    applyOutOfSyncOnly: flag(options, "ApplyOutOfSyncOnly") ?? false,
    pruneLast: flag(options, "PruneLast") ?? false,
    respectIgnoreDifferences: flag(options, "RespectIgnoreDifferences") ?? false,
    task,
  };
}

/** The object's own sync options, from its sync-options annotation. */
export function resourceSyncOptions(obj: KubeObject): Map<string, string> {
  return parseOptionList(readAnnotation(obj, Annotation.syncOptions));
}

/** The options of a task for `obj`: the application's, overridden by the object's annotation. */
export function taskOptionsFor(app: AppSyncOptions, obj: KubeObject): TaskOptions {
  return overlayTaskOptions(app.task, resourceSyncOptions(obj));
}

/** What the object's annotation says about pruning it. */
export interface PruneOptions {
  /** Prune=false: never delete it. */
  never: boolean;
  /** Prune=confirm: delete it only after a person confirms (not planned automatically). */
  confirm: boolean;
  /** PruneLast=true on the object. */
  last: boolean;
}

/** Reads Prune and PruneLast from a live object's annotation. */
export function pruneOptionsFor(obj: KubeObject): PruneOptions {
  const options = resourceSyncOptions(obj);
  const prune = options.get("Prune")?.toLowerCase();
  return { never: prune === "false", confirm: prune === "confirm", last: flag(options, "PruneLast") === true };
}

/**
 * Whether deleting the application leaves the object in the cluster: `Delete=false` in its annotation
 * (Argo CD's "no resource deletion"). It is about the application's cascade delete only; whether a sync
 * prunes the object is Prune's business (pruneOptionsFor), as in Argo CD.
 */
export function keptOnAppDeletion(obj: KubeObject): boolean {
  return resourceSyncOptions(obj).get("Delete")?.toLowerCase() === "false";
}
