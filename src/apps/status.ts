/**
 * The Application's observed state — `status` — as zod schemas in Argo CD's field names, so that tools and
 * habits built on Argo CD's status (`.status.sync.status`, `.status.health.status`, `.status.operationState`,
 * `.status.history`) carry over. Only the controller writes it, through the status subresource.
 *
 * Pure: imports nothing that does I/O.
 */
import { z } from "zod";
import { IgnoreDifference } from "../diff/ignore.js";
import { HEALTH_ORDER, type HealthStatus } from "../health/types.js";
import { SYNC_PHASES, type SyncPhase } from "../sync/types.js";
import { ApplicationDestination, ApplicationSource, Operation, OperationInitiator } from "./spec.js";

/** Whether the live state equals Git: Synced, OutOfSync, or Unknown (not compared, e.g. the render failed). */
export const SyncStatusCode = z.enum(["Synced", "OutOfSync", "Unknown"]);
export type SyncStatusCode = z.infer<typeof SyncStatusCode>;

/** Healthy, Suspended, Progressing, Missing, Degraded or Unknown (health/types.ts). */
export const HealthStatusCode = z.enum(HEALTH_ORDER as [HealthStatus, ...HealthStatus[]]);

/** The phase of an operation or of a hook. */
export const OperationPhase = z.enum(["Running", "Succeeded", "Failed", "Error", "Terminating"]);
export type OperationPhase = z.infer<typeof OperationPhase>;

/** The phase of a sync in which an object was handled. */
export const SyncPhaseName = z.enum(SYNC_PHASES as [SyncPhase, ...SyncPhase[]]);

/** The outcome for one object of a sync (Argo CD's ResultCode). */
export const ResultCode = z.enum(["Synced", "SyncFailed", "Pruned", "PruneSkipped"]);
export type ResultCode = z.infer<typeof ResultCode>;

/** How many of the objects left out of a summarised `status.resources` share a group, kind, status and health. */
export const ResourceStatusCount = z.strictObject({
  group: z.string(),
  kind: z.string(),
  status: SyncStatusCode.optional(),
  health: HealthStatusCode.optional(),
  count: z.number().int().positive(),
});
export type ResourceStatusCount = z.infer<typeof ResourceStatusCount>;

/** Set when `status.resources` lists only some objects, to fit the status in its budget (budget.ts). */
export const ResourcesSummary = z.strictObject({
  /** The application's objects. */
  total: z.number().int().nonnegative(),
  /** How many of them `status.resources` lists. */
  listed: z.number().int().nonnegative(),
  /** The others, counted per group, kind, sync status and health. */
  counts: z.array(ResourceStatusCount),
});
export type ResourcesSummary = z.infer<typeof ResourcesSummary>;

/** How many of the results left out of a summarised sync result share a group, kind and result. */
export const ResourceResultCount = z.strictObject({
  group: z.string(),
  kind: z.string(),
  status: ResultCode.optional(),
  count: z.number().int().positive(),
});
export type ResourceResultCount = z.infer<typeof ResourceResultCount>;

/** Set when a sync result lists only some objects' results, to fit the status in its budget (budget.ts). */
export const ResourceResultsSummary = z.strictObject({
  /** The objects the sync handled. */
  total: z.number().int().nonnegative(),
  /** How many of their results `resources` lists. */
  listed: z.number().int().nonnegative(),
  /** The others, counted per group, kind and result. */
  counts: z.array(ResourceResultCount),
});
export type ResourceResultsSummary = z.infer<typeof ResourceResultsSummary>;

/** What the last comparison compared with. */
export const ComparedTo = z.strictObject({
  source: ApplicationSource.optional(),
  sources: z.array(ApplicationSource).optional(),
  destination: ApplicationDestination,
  ignoreDifferences: z.array(IgnoreDifference.strict()).optional(),
});

/** The sync verdict of the whole application. */
export const SyncStatus = z.strictObject({
  status: SyncStatusCode,
  /** The commit compared with (one source). */
  revision: z.string().optional(),
  /** The commits compared with, per source (several sources). */
  revisions: z.array(z.string()).optional(),
  comparedTo: ComparedTo.optional(),
});
export type SyncStatus = z.infer<typeof SyncStatus>;

/** A health verdict: the application's (the worst of its objects') or one object's. */
export const AppHealth = z.strictObject({
  status: HealthStatusCode,
  message: z.string().optional(),
  lastTransitionTime: z.string().optional(),
});
export type AppHealth = z.infer<typeof AppHealth>;

/**
 * Something wrong or worth knowing, e.g. `InvalidSpecError`, `UnsupportedField`, `ComparisonError`,
 * `SyncError`, `OrphanedResourceWarning`. Several conditions may share a type (one per unsupported field).
 */
export const ApplicationCondition = z.strictObject({
  type: z.string().min(1),
  message: z.string(),
  lastTransitionTime: z.string().optional(),
});
export type ApplicationCondition = z.infer<typeof ApplicationCondition>;

/** What happened to one object in a sync. */
export const ResourceResult = z.strictObject({
  group: z.string().default(""),
  version: z.string().default(""),
  kind: z.string(),
  namespace: z.string().default(""),
  name: z.string(),
  status: ResultCode.optional(),
  message: z.string().optional(),
  /** Set for hooks: the hook's phase annotation (PreSync, Sync, PostSync, SyncFail). */
  hookType: z.string().optional(),
  /** Set for hooks: how the hook object is doing. */
  hookPhase: OperationPhase.optional(),
  syncPhase: SyncPhaseName.optional(),
  /** plumb: the sync wave the object was handled in. */
  syncWave: z.number().int().optional(),
  images: z.array(z.string()).optional(),
});
export type ResourceResult = z.infer<typeof ResourceResult>;

/** The result of a sync operation so far. */
export const SyncOperationResult = z.strictObject({
  revision: z.string(),
  revisions: z.array(z.string()).optional(),
  source: ApplicationSource.optional(),
  sources: z.array(ApplicationSource).optional(),
  /** plumb: the destination synced to, so that a change of it at the same commit syncs again. */
  destination: ApplicationDestination.optional(),
  resources: z.array(ResourceResult).optional(),
  /** Set when `resources` lists only some results (budget.ts). */
  resourcesSummary: ResourceResultsSummary.optional(),
});
export type SyncOperationResult = z.infer<typeof SyncOperationResult>;

/** plumb: a step of a sync by name — phase, stage (apply or prune) and wave — and when it was applied. */
export const SyncStepRecord = z.strictObject({
  phase: SyncPhaseName,
  stage: z.enum(["apply", "prune"]),
  wave: z.number().int(),
  appliedAt: z.string(),
});
export type SyncStepRecord = z.infer<typeof SyncStepRecord>;

/**
 * plumb: where a running sync is, so that any controller can go on from there (controller/operation.ts):
 * the attempt's start, the last step applied, and — once the attempt failed — why (its SyncFail hooks run).
 */
export const OperationProgress = z.strictObject({
  /** When this attempt started: the operation's start, or its latest retry's. */
  attemptStartedAt: z.string(),
  /** The last step applied; the sync waits until its objects are healthy before the next one. */
  step: SyncStepRecord.optional(),
  /** The attempt failed, for this reason; its SyncFail steps are under way. */
  failure: z.string().optional(),
});
export type OperationProgress = z.infer<typeof OperationProgress>;

/** The state of the current or last operation; kept so a restarted controller can resume or report it. */
export const OperationState = z.strictObject({
  operation: Operation,
  phase: OperationPhase,
  message: z.string().optional(),
  syncResult: SyncOperationResult.optional(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  /** Failed attempts so far. */
  retryCount: z.number().int().nonnegative().optional(),
  /** plumb: the running sync's position (absent once it ended, and while a retry waits for its backoff). */
  progress: OperationProgress.optional(),
  /** plumb: when a controller last took the running operation over from another one (restart, failover). */
  resumedAt: z.string().optional(),
  /** plumb: when the operation was terminated (`plumb app terminate-op`); self-heal does not start it again. */
  terminatedAt: z.string().optional(),
});
export type OperationState = z.infer<typeof OperationState>;

/** One deployed revision, newest last. */
export const RevisionHistory = z.strictObject({
  /** Increasing; a rollback names an entry by it. */
  id: z.number().int().nonnegative(),
  revision: z.string().optional(),
  revisions: z.array(z.string()).optional(),
  deployedAt: z.string(),
  deployStartedAt: z.string().optional(),
  source: ApplicationSource.optional(),
  sources: z.array(ApplicationSource).optional(),
  initiatedBy: OperationInitiator.optional(),
});
export type RevisionHistory = z.infer<typeof RevisionHistory>;

/** One object of the application, as last compared. */
export const ResourceStatus = z.strictObject({
  group: z.string().default(""),
  version: z.string().default(""),
  kind: z.string(),
  namespace: z.string().default(""),
  name: z.string(),
  status: SyncStatusCode.optional(),
  /** Absent for kinds without health. */
  health: z.strictObject({ status: HealthStatusCode, message: z.string().optional() }).optional(),
  /** A hook (not part of the compared state). */
  hook: z.boolean().optional(),
  /** Live but no longer in Git. */
  requiresPruning: z.boolean().optional(),
  syncWave: z.number().int().optional(),
});
export type ResourceStatus = z.infer<typeof ResourceStatus>;

/** Argo CD's source type names. */
export const ApplicationSourceType = z.enum(["Directory", "Kustomize", "Helm", "Plugin"]);
export type ApplicationSourceType = z.infer<typeof ApplicationSourceType>;

/** Extras for display: links and images found in the objects. */
export const ApplicationSummary = z.strictObject({
  externalURLs: z.array(z.string()).optional(),
  images: z.array(z.string()).optional(),
});

/** An Application's status. */
export const ApplicationStatus = z.strictObject({
  sync: SyncStatus.optional(),
  health: AppHealth.optional(),
  conditions: z.array(ApplicationCondition).optional(),
  operationState: OperationState.optional(),
  history: z.array(RevisionHistory).optional(),
  resources: z.array(ResourceStatus).optional(),
  /** Set when `resources` lists only some objects (budget.ts). */
  resourcesSummary: ResourcesSummary.optional(),
  /** When the last comparison finished (RFC 3339). */
  reconciledAt: z.string().optional(),
  /** When the live state was last observed (Argo CD keeps it for compatibility). */
  observedAt: z.string().optional(),
  sourceType: ApplicationSourceType.optional(),
  /** Per source, with `sources`. */
  sourceTypes: z.array(ApplicationSourceType).optional(),
  summary: ApplicationSummary.optional(),
  /** The namespace of the controller that manages the application. */
  controllerNamespace: z.string().optional(),
});
export type ApplicationStatus = z.infer<typeof ApplicationStatus>;

/** Argo CD's name for a source type from render's ("directory" → "Directory"). */
export function sourceTypeName(type: "directory" | "kustomize" | "helm"): ApplicationSourceType {
  return type === "helm" ? "Helm" : type === "kustomize" ? "Kustomize" : "Directory";
}
