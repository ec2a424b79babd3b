/**
 * The Application's desired state — `spec` and the top-level `operation` — as zod schemas in Argo CD's field
 * names (https://argo-cd.readthedocs.io/en/stable/user-guide/application-specification/), so an Application
 * written for Argo CD is read unchanged. The schemas are the source of the TypeScript types and of the CRD's
 * OpenAPI schema (crd.ts).
 *
 * Every object is strict: an unknown key is an issue, which analyze.ts turns into a problem naming the field
 * (a typo is never dropped in silence). Argo CD fields plumb does not implement yet are declared all the same
 * — so that they are recognised — and reported by unsupported.ts when set.
 *
 * plumb's extension: `spec.dependsOn`, the Applications that must be Synced and Healthy before this one syncs.
 *
 * Pure: imports nothing that does I/O.
 */
import { z } from "zod";
import { IgnoreDifference } from "../diff/ignore.js";
import { SourceOptions } from "../render/schema.js";

/** plumb's API group. */
export const API_GROUP = "plumb.dev";
/** Argo CD's API group, served by the compatibility CRDs. */
export const ARGO_GROUP = "argoproj.io";
/** The version of both groups. */
export const API_VERSION = "v1alpha1";
/** The destination server that means "the cluster plumb runs against" (Argo CD's in-cluster URL). */
export const LOCAL_SERVER = "https://kubernetes.default.svc";
/** The destination name that means the same (Argo CD's name for the in-cluster destination). */
export const LOCAL_NAME = "in-cluster";
/** The project every Application belongs to unless it names another. */
export const DEFAULT_PROJECT = "default";

/**
 * Where manifests come from: a Git repository, a revision and a folder, with the folder's render options
 * (directory, kustomize, helm — the shared schema of render/schema.ts).
 */
export const ApplicationSource = SourceOptions.extend({
  /** The Git repository URL (Argo CD also accepts a Helm repository URL with `chart`; plumb does not yet). */
  repoURL: z.string().min(1),
  /** Branch, tag, commit SHA or HEAD (the default). An empty string also means HEAD. */
  targetRevision: z.string().default("HEAD"),
  /** The app folder in the repository ("" or "." is the root). */
  path: z.string().optional(),
  /** A chart of a Helm repository: declared, not supported yet. */
  chart: z.string().optional(),
  /** Names this source so another one can use its files as `$ref/values.yaml`: not supported yet. */
  ref: z.string().optional(),
  /** A display name for the source. */
  name: z.string().optional(),
});
export type ApplicationSource = z.infer<typeof ApplicationSource>;

/** The cluster and namespace to deploy to: `server` (a URL) or `name`, not both. */
export const ApplicationDestination = z.strictObject({
  /** The API server URL; `https://kubernetes.default.svc` is the cluster plumb runs against. */
  server: z.string().optional(),
  /** A cluster's name; `in-cluster` is the cluster plumb runs against. */
  name: z.string().optional(),
  /** The namespace of namespaced objects that name none. */
  namespace: z.string().optional(),
});
export type ApplicationDestination = z.infer<typeof ApplicationDestination>;

/** Automated sync: sync on every new commit; optionally prune and revert manual changes. */
export const SyncPolicyAutomated = z.strictObject({
  /** Delete objects no longer in Git (default false). */
  prune: z.boolean().default(false),
  /** Sync again when the live state drifts from Git although Git did not change (default false). */
  selfHeal: z.boolean().default(false),
  /** Allow a sync that would leave the application with no objects (default false). */
  allowEmpty: z.boolean().default(false),
  /** false turns automated sync off while keeping its settings; absent or null means on (Argo CD 3). */
  enabled: z.boolean().nullable().optional(),
});
export type SyncPolicyAutomated = z.infer<typeof SyncPolicyAutomated>;

/** The delay between sync retries: `duration × factor^attempt`, at most `maxDuration`. */
export const Backoff = z.strictObject({
  /** The first delay, as a Go duration ("5s", "1m30s"); a bare number is seconds. */
  duration: z.string().default("5s"),
  /** The multiplier per failed attempt. */
  factor: z.number().int().positive().default(2),
  /** The longest delay. */
  maxDuration: z.string().default("3m"),
});
export type Backoff = z.infer<typeof Backoff>;

/** How a failed sync is retried. */
export const RetryStrategy = z.strictObject({
  /** Retries after the first attempt; a negative number retries forever (default 0). */
  limit: z.number().int().default(0),
  backoff: Backoff.prefault({}),
  /** Argo CD 3: use the latest revision on each retry. Declared, not supported yet. */
  refresh: z.boolean().optional(),
});
export type RetryStrategy = z.infer<typeof RetryStrategy>;

/** Labels and annotations for a namespace made by CreateNamespace=true: declared, not supported yet. */
export const ManagedNamespaceMetadata = z.strictObject({
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

/** When and how the application syncs. */
export const SyncPolicy = z.strictObject({
  /** Present: sync automatically. Absent: sync only when asked (the `operation` field). */
  automated: SyncPolicyAutomated.optional(),
  /** Application-wide sync options (`CreateNamespace=true`, `ServerSideApply=true`, ...); see sync/options.ts. */
  syncOptions: z.array(z.string()).optional(),
  retry: RetryStrategy.optional(),
  managedNamespaceMetadata: ManagedNamespaceMetadata.optional(),
});
export type SyncPolicy = z.infer<typeof SyncPolicy>;

/** A name/value pair shown with the application (Argo CD's `info`). */
export const InfoEntry = z.strictObject({ name: z.string(), value: z.string() });
export type InfoEntry = z.infer<typeof InfoEntry>;

/** plumb's extension: an Application that must be Synced and Healthy first (namespace: this app's by default). */
export const Dependency = z.strictObject({
  name: z.string().min(1),
  namespace: z.string().optional(),
});
export type Dependency = z.infer<typeof Dependency>;

/** An Application's spec. */
export const ApplicationSpec = z.strictObject({
  /** The single source; ignored when `sources` is set, as in Argo CD. */
  source: ApplicationSource.optional(),
  /** Several sources, rendered together into one application. */
  sources: z.array(ApplicationSource).optional(),
  destination: ApplicationDestination,
  /** The AppProject that restricts this application (default "default", which permits everything). */
  project: z.string().default(DEFAULT_PROJECT),
  syncPolicy: SyncPolicy.optional(),
  /** Fields left out of the comparison (diff/ignore.ts). Unknown keys are reported like everywhere else. */
  ignoreDifferences: z.array(IgnoreDifference.strict()).optional(),
  /** How many entries `status.history` keeps (default 10). */
  revisionHistoryLimit: z.number().int().nonnegative().default(10),
  info: z.array(InfoEntry).optional(),
  dependsOn: z.array(Dependency).optional(),
  /** Argo CD 3's source hydrator: declared, not supported. */
  sourceHydrator: z.unknown().optional(),
});
export type ApplicationSpec = z.infer<typeof ApplicationSpec>;
/** The spec as written, before defaults. */
export type ApplicationSpecInput = z.input<typeof ApplicationSpec>;

/** One object a manual sync is limited to. */
export const SyncOperationResource = z.strictObject({
  group: z.string().optional(),
  kind: z.string().min(1),
  name: z.string().min(1),
  namespace: z.string().optional(),
});

/** How a manual sync applies: Argo CD's `syncStrategy` (`apply` or `hook`, each with `force`). */
export const SyncStrategy = z.strictObject({
  apply: z.strictObject({ force: z.boolean().optional() }).optional(),
  hook: z.strictObject({ force: z.boolean().optional() }).optional(),
});

/** A sync asked for (Argo CD's SyncOperation). */
export const SyncOperation = z.strictObject({
  /** The revision to sync (default: the source's targetRevision). */
  revision: z.string().optional(),
  /** Per source, with `sources`. */
  revisions: z.array(z.string()).optional(),
  /** Delete objects no longer in Git. */
  prune: z.boolean().optional(),
  /** Plan and dry-run only. */
  dryRun: z.boolean().optional(),
  /** Sync options for this sync only; they replace the application's. */
  syncOptions: z.array(z.string()).optional(),
  /** Only these objects (a partial sync). */
  resources: z.array(SyncOperationResource).optional(),
  /** Overrides the source (what a rollback uses). */
  source: ApplicationSource.optional(),
  sources: z.array(ApplicationSource).optional(),
  syncStrategy: SyncStrategy.optional(),
  /** Manifests given inline instead of rendered: declared, not supported. */
  manifests: z.array(z.string()).optional(),
  autoHealAttemptsCount: z.number().int().optional(),
  selfHealAttemptsCount: z.number().int().optional(),
});
export type SyncOperation = z.infer<typeof SyncOperation>;

/** Who started an operation. */
export const OperationInitiator = z.strictObject({
  username: z.string().optional(),
  /** True when the controller started it (automated sync, self-heal). */
  automated: z.boolean().optional(),
});

/**
 * The top-level `operation` field: a sync someone asked for. The controller runs it, records it in
 * `status.operationState` and removes the field, as Argo CD does.
 */
export const Operation = z.strictObject({
  sync: SyncOperation.optional(),
  initiatedBy: OperationInitiator.optional(),
  info: z.array(InfoEntry).optional(),
  retry: RetryStrategy.optional(),
});
export type Operation = z.infer<typeof Operation>;

/** The application's sources: `sources` when set, else `[source]`, else none. */
export function sourcesOf(spec: Pick<ApplicationSpec, "source" | "sources">): ApplicationSource[] {
  if (spec.sources && spec.sources.length > 0) return spec.sources;
  return spec.source ? [spec.source] : [];
}

/** Whether automated sync is on: `automated` present and `enabled` not false. */
export function isAutomated(spec: Pick<ApplicationSpec, "syncPolicy">): boolean {
  const a = spec.syncPolicy?.automated;
  return a !== undefined && a.enabled !== false;
}
