/**
 * The shapes of the sync planner: what it reads (PlanInput), what it returns (SyncPlan) and how it fails
 * (PlanError). All plain data, so a plan can be logged, stored in an operation's status, printed by the CLI
 * or sent to the UI as JSON.
 *
 * Pure: imports nothing that does I/O.
 */
import { PlumbError } from "../core/errors.js";
import type { SkipReason } from "../core/changeset.js";
import { keyDisplay, type KubeObject, type ResourceKey } from "../core/object.js";

// ---------------------------------------------------------------------------------------------------------
// Input

/** The comparison result of one desired object against the cluster (from the diff module). */
export type CompareStatus = "Synced" | "OutOfSync" | "Missing";

/** One rendered manifest with what the comparison found for it. */
export interface DesiredResource {
  /** The desired object as rendered from Git. */
  object: KubeObject;
  /** Its live counterpart, if the cluster has one. */
  live?: KubeObject;
  /** `Missing` when there is no live object; ignored for hooks, which are never compared. */
  status: CompareStatus;
}

/** Options of one sync operation. */
export interface PlanOptions {
  /** Delete live objects that are no longer desired. When false they are planned as `skip` (reported as extra). */
  prune: boolean;
  /** Plan for a dry run: the executor sends every request with dryRun=All and changes nothing. */
  dryRun: boolean;
  /** Allow a sync that would leave the application with no resources at all (see the empty-render guard). */
  allowEmpty: boolean;
  /**
   * The application's sync options in Argo CD's spelling, one `Name=value` per entry
   * (`CreateNamespace=true`, `ApplyOutOfSyncOnly=true`, `Replace=true`, `Validate=false`, `PruneLast=true`,
   * `ServerSideApply=true`, `Force=true`, `PrunePropagationPolicy=background`, ...). Unknown names are ignored:
   * they may belong to other modules (RespectIgnoreDifferences belongs to diff).
   */
  syncOptions: string[];
  /**
   * A selective sync (Argo CD's `operation.sync.resources`): only these objects are applied, and only these
   * are pruned; hooks do not run. Undefined or empty: the whole application.
   */
  resources?: ResourceSelector[];
}

/** One object a selective sync names: group ("" or absent for the core group), kind, name, and optionally namespace. */
export interface ResourceSelector {
  group?: string;
  kind: string;
  name: string;
  /** Absent: any namespace (Argo CD's rule). */
  namespace?: string;
}

/** Argo CD's defaults for a manual sync: no prune, no dry run, no empty sync, no options. */
export function defaultPlanOptions(): PlanOptions {
  return { prune: false, dryRun: false, allowEmpty: false, syncOptions: [] };
}

/** Everything the planner needs; built by the controller from render, match and diff results. */
export interface PlanInput {
  /** The desired objects, hooks included, in any order. */
  desired: DesiredResource[];
  /** Live objects owned by the application that are no longer desired. Hooks among them are ignored. */
  toPrune: KubeObject[];
  /** The destination namespace ("" if the application has none). */
  namespace: string;
  /** Whether the destination namespace exists in the cluster (only read with CreateNamespace=true). */
  namespaceExists: boolean;
  options: PlanOptions;
}

// ---------------------------------------------------------------------------------------------------------
// Output

/** The phases of a sync, in the order they run; SyncFail runs only when an earlier phase fails. */
export type SyncPhase = "PreSync" | "Sync" | "PostSync" | "SyncFail";
export const SYNC_PHASES: readonly SyncPhase[] = ["PreSync", "Sync", "PostSync", "SyncFail"];

/**
 * What the executor does with a task:
 * - `create`: the object is missing; create it (server-side apply creates too).
 * - `apply`: the object exists; apply it (the executor reports it unchanged if nothing changed).
 * - `replace`: the object exists and Replace=true; replace it (delete and re-create when `force`).
 * - `prune`: delete the live object.
 * - `hook`: create the hook object for this phase, honouring its delete policies, and wait for it.
 * - `skip`: do nothing and report the task as skipped with its message.
 */
export type TaskAction = "create" | "apply" | "replace" | "prune" | "hook" | "skip";

/** When a hook object is deleted (https://argo-cd.readthedocs.io/en/stable/user-guide/resource_hooks/). */
export type HookDeletePolicy = "BeforeHookCreation" | "HookSucceeded" | "HookFailed";

/** How a deletion cascades (Kubernetes' propagationPolicy); Argo CD's PrunePropagationPolicy, default foreground. */
export type PropagationPolicy = "foreground" | "background" | "orphan";

/** Per-task options, from the application's sync options overridden by the object's sync-options annotation. */
export interface TaskOptions {
  /** Let the API server validate the object (Validate=false turns it off). */
  validate: boolean;
  /** Replace rather than apply (Replace=true); a missing object is still created. */
  replace: boolean;
  /** Use server-side apply (ServerSideApply=true). */
  serverSide: boolean;
  /** Force=true: with replace, delete and re-create; with apply, delete and re-create an object refused in place (422). */
  force: boolean;
  /** Skip the dry run when the object's kind is not known yet, e.g. its CRD is in the same sync. */
  skipDryRunOnMissingResource: boolean;
  /** How a prune cascades to dependents. */
  propagationPolicy: PropagationPolicy;
}

/** Hook details of a `hook` task. */
export interface HookInfo {
  /** Every phase the hook runs in (the task is one of them). */
  phases: SyncPhase[];
  /** When to delete the hook object; BeforeHookCreation when none is given. */
  deletePolicies: HookDeletePolicy[];
  /** Where the hook came from: plumb's or Argo CD's annotation, or Helm's. */
  source: "annotation" | "helm";
}

/** One thing the executor does to one object. */
export interface SyncTask {
  key: ResourceKey;
  /** keyString(key), for maps and logs. */
  id: string;
  /** The object to send: the desired object, or for a prune the live object. */
  object: KubeObject;
  /** The live object, when there is one. */
  live?: KubeObject;
  phase: SyncPhase;
  /** The object's sync wave (for prunes: the wave it was applied in). */
  wave: number;
  action: TaskAction;
  /** Why the task is skipped, or a note on how the planner decided. */
  message?: string;
  /** Set on `skip` tasks: why, typed. */
  reason?: SkipReason;
  options: TaskOptions;
  /** Set on `hook` tasks. */
  hook?: HookInfo;
}

/**
 * One wave of one phase. `apply` waves create, apply, replace or run hooks and are run in ascending order;
 * `prune` waves delete and follow all apply waves of their phase, in descending order. The executor runs a
 * wave's tasks together and waits until they are healthy (hooks: complete) before the next wave.
 */
export interface PlanWave {
  wave: number;
  stage: "apply" | "prune";
  tasks: SyncTask[];
}

/** One phase: its waves in execution order. */
export interface PhasePlan {
  phase: SyncPhase;
  waves: PlanWave[];
}

/** The plan of one sync operation. */
export interface SyncPlan {
  /** PreSync, Sync and PostSync, always all three and in that order (a phase may have no waves). */
  phases: PhasePlan[];
  /** Run only if the sync fails. */
  syncFail: PhasePlan;
  dryRun: boolean;
  /** The destination namespace. */
  namespace: string;
}

// ---------------------------------------------------------------------------------------------------------
// Errors

/** The desired state cannot be planned (bad annotations, an empty render that would prune everything). */
export class PlanError extends PlumbError {
  constructor(
    message: string,
    /** The objects at fault, if any. */
    readonly objects: readonly ResourceKey[] = [],
    hint?: string,
  ) {
    super(message, hint);
  }
}

/** A problem with one object, collected so that one PlanError can list them all. */
export interface ObjectProblem {
  key: ResourceKey;
  problem: string;
}

/** Builds one PlanError listing every problem found, one object per line. */
export function problemsError(problems: readonly ObjectProblem[]): PlanError {
  const lines = problems.map((p) => `  ${keyDisplay(p.key)}: ${p.problem}`);
  const count = problems.length === 1 ? "1 object" : `${problems.length} objects`;
  return new PlanError(
    `cannot plan the sync: ${count} cannot be synced as written\n${lines.join("\n")}`,
    problems.map((p) => p.key),
    "fix the manifests in Git and sync again",
  );
}
