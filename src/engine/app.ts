/**
 * engine/ — everything plumb does for one application, without the controller loop: render its source,
 * find what it owns in the cluster, compare (server-side dry-run + diff), plan and execute a sync. The
 * pipeline of STYLE.md, with I/O only at its ends:
 *
 *     desired = render(source)                 render/   (files, helm, kustomize)
 *     live    = inventory(app)                 cluster/  (lists by tracking label)
 *     diffs   = compare(dry-run(desired), live) diff/    (pure)
 *     plan    = planSync(diffs, options)       sync/     (pure)
 *     result  = executePlan(plan)              sync/ executor through cluster/ → ChangeSet
 *
 * This file: the application as the engine sees it.
 */
import type { IgnoreDifference } from "../diff/index.js";
import type { SourceOptions } from "../render/index.js";

/** One rendered source of an application with several (multi-source). */
export interface RenderPart {
  /** The checked-out tree and the folder inside it. */
  repoRoot: string;
  path: string;
  source: SourceOptions;
  /** Names the source in messages ("spec.sources[1] (https://…/values.git)"). */
  label: string;
  /** Trees of the `ref` sources, by ref name, for `$ref/…` value files. */
  refRoots?: Record<string, string>;
}

export interface AppSpec {
  /** The application's name: the tracking label's value and Helm's default release name. */
  name: string;
  /** The destination namespace for namespaced objects that name none. */
  namespace: string;
  /** The checked-out repository and the app folder inside it. */
  repoRoot: string;
  path: string;
  /** Source options in Argo CD's shape (directory, kustomize, helm). */
  source: SourceOptions;
  ignoreDifferences: IgnoreDifference[];
  /** Argo CD's syncOptions strings (CreateNamespace=true, ApplyOutOfSyncOnly=true, ...). */
  syncOptions: string[];
  /** Delete what is no longer desired. */
  prune: boolean;
  /** Allow a sync that leaves the application empty. */
  allowEmpty: boolean;
  /**
   * Several sources: each part is rendered and the objects merged (repoRoot/path/source are then the
   * first part's, for display). Absent: the one source above.
   */
  parts?: RenderPart[];
}

/** What an app renders: its parts, or its one source as a part. */
export function partsOf(app: AppSpec): RenderPart[] {
  return app.parts ?? [{ repoRoot: app.repoRoot, path: app.path, source: app.source, label: "the source" }];
}

/** An AppSpec with Argo CD's defaults for everything but the name, namespace and source location. */
export function appSpec(fields: Pick<AppSpec, "name" | "namespace" | "repoRoot" | "path"> & Partial<AppSpec>): AppSpec {
  return { source: {}, ignoreDifferences: [], syncOptions: [], prune: false, allowEmpty: false, ...fields };
}
