/**
 * Comparing an application with the cluster:
 *
 * 1. Render the source (render/), with the cluster's version, API versions and scopes from discovery.
 * 2. Give every object the app's tracking label and annotation, as it will be applied.
 * 3. Read the live side: the objects the app owns (inventory.ts), and for desired objects not among them
 *    that the dry run (4) finds existing, a GET, which finds objects to adopt and objects owned by another
 *    application (a conflict, reported).
 * 4. Predict each desired object with a server-side dry-run apply, so the comparison sees the object as the
 *    API server would store it — defaults from the API server and from CRD schemas included — and never
 *    reports them as drift. An answer for the same desired and live object is remembered
 *    (predictions.ts), so an unchanged object costs no request. An object whose kind comes from a CRD in the same set, or whose namespace the
 *    sync creates, cannot be dry-run yet: it is compared against the desired manifest (it is Missing
 *    anyway). So is an object of a kind the cluster does not serve (yet) that says
 *    SkipDryRunOnMissingResource=true (its annotation or the app's option), e.g. a CR whose CRD another
 *    application or an operator installs.
 * 5. Compare (diff/) each desired object with its live object, and list owned objects no longer desired
 *    as Extra (to prune).
 *
 * Every problem (an unknown kind, an invalid object, a conflict) is collected and reported together as one
 * ComparisonError before anything can be applied.
 */
import { mapLimit } from "../core/concurrency.js";
import { PlumbError } from "../core/errors.js";
import { keyDisplay, keyOf, keyString, parseApiVersion, type KubeObject } from "../core/object.js";
import { isOwnedBy, ownerOf, withTracking } from "../core/tracking.js";
import { ApiError } from "../cluster/client.js";
import { UnknownKindError } from "../cluster/discovery.js";
import type { Resources } from "../cluster/resources.js";
import { compareObject, summarize, type JqPathEvaluator, type ResourceDiff, type SyncSummary } from "../diff/index.js";
import type { HealthOverrides } from "../health/index.js";
import { render, type RenderRequest, type RenderResult, type SourceType } from "../render/index.js";
import { classifyHook, parseAppSyncOptions } from "../sync/index.js";
import { taskOptionsFor } from "../sync/options.js";
import { refusedInPlace, type ClusterOps } from "../sync/execute.js";
import { partsOf, type AppSpec, type RenderPart } from "./app.js";
import { ownedObjects } from "./inventory.js";
import type { Predictions, WriteMode } from "./predictions.js";

/** The comparison could not be completed; each problem names its object. Nothing was applied. */
export class ComparisonError extends PlumbError {
  constructor(readonly problems: string[]) {
    super(`cannot compare the application with the cluster:\n${problems.map((p) => `  ${p}`).join("\n")}`, "fix the manifests (or install the missing CRDs) and try again; nothing was applied");
  }
}

export interface EngineContext {
  resources: Resources;
  /** Needed only when an ignoreDifferences rule uses jqPathExpressions. */
  jq?: JqPathEvaluator;
  /** Requests in flight at once. Default 16. */
  concurrency?: number;
  /** Renders a source (`part`: its index in the app's parts); the controller passes a cached one. Default: render/ itself. */
  render?: (req: RenderRequest, part: number) => Promise<RenderResult>;
  /**
   * The live objects an app owns; the controller answers from its watch caches (and starts watching the
   * kinds of `desired` first). Default: list every resource type by label.
   */
  liveObjects?: (app: string, desired: readonly KubeObject[]) => Promise<KubeObject[]>;
  /** Whether a namespace exists; the controller answers from a watch. Default: a GET. */
  namespaceExists?: (name: string) => Promise<boolean>;
  /** Remembered dry-run answers (predictions.ts); none kept when undefined. */
  predictions?: Predictions;
  /** Objects as the watch caches hold them, for a sync waiting for health (ClusterOps.observe). */
  observe?: ClusterOps["observe"];
  /** Health checks that win over the built-in ones (users' Lua scripts, health/lua). */
  health?: HealthOverrides;
}

/** Whether a namespace exists, by a GET (what the controller falls back to when its watch has not seen one). */
export function namespaceByGet(resources: Resources): (name: string) => Promise<boolean> {
  return async (name) => (await resources.get({ apiVersion: "v1", kind: "Namespace", name })) !== undefined;
}

export interface AppComparison {
  app: AppSpec;
  renderType: SourceType;
  /** Each part's source type (one per source that is rendered). */
  renderTypes: SourceType[];
  /** Every rendered object, tracked, hooks included. */
  desired: KubeObject[];
  /** The live counterpart of each desired object, by keyString. */
  live: Map<string, KubeObject>;
  /** One result per compared object: desired non-hooks, then Extra objects. */
  resources: ResourceDiff[];
  /** Owned live objects no longer desired (hooks excluded). */
  toPrune: KubeObject[];
  summary: SyncSummary;
  /** Whether the destination namespace exists; checked only with CreateNamespace=true (true otherwise). */
  namespaceExists: boolean;
}

function isHook(obj: KubeObject): boolean {
  const c = classifyHook(obj);
  return c.type === "hook" || c.type === "skip";
}

/**
 * Renders an app for the cluster it goes to (its version, API versions and scopes from discovery) and
 * tracks every object as it will be applied. Each part (source) is rendered; their objects are merged,
 * and an object two sources both render is a ComparisonError naming both (nothing is applied or pruned).
 * `ctx.render` gets the part's index as its second argument (the controller's cache keys on it).
 */
export async function renderDesired(ctx: Pick<EngineContext, "resources" | "render">, app: AppSpec): Promise<{ rendered: RenderResult; desired: KubeObject[]; types: SourceType[] }> {
  const { discovery } = ctx.resources;
  const info = await discovery.serverInfo();
  const parts = partsOf(app);
  const results = await Promise.all(
    parts.map((part, i) =>
      (ctx.render ?? render)(
        {
          repoRoot: part.repoRoot,
          path: part.path,
          source: part.source,
          appName: app.name,
          destinationNamespace: app.namespace,
          kubeVersion: info.gitVersion.replace(/^v/, "").split("+")[0],
          apiVersions: info.apiVersions,
          isNamespaced: (g, k) => discovery.isNamespaced(g, k),
          ...(part.refRoots ? { refRoots: part.refRoots } : {}),
        },
        i,
      ),
    ),
  );
  const rendered = results.length === 1 ? results[0]! : mergeRenders(parts, results);
  return { rendered, desired: rendered.objects.map((o) => withTracking(o, app.name)), types: results.map((r) => r.type) };
}

/** The objects of several renders as one; an object rendered by two parts is a ComparisonError naming both. */
export function mergeRenders(parts: ReadonlyArray<Pick<RenderPart, "label">>, results: readonly RenderResult[]): RenderResult {
  const seen = new Map<string, number>();
  const problems: string[] = [];
  const objects: KubeObject[] = [];
  results.forEach((r, i) => {
    for (const o of r.objects) {
      const key = keyOf(o);
      const id = keyString(key);
      const first = seen.get(id);
      if (first !== undefined) {
        problems.push(`${keyDisplay(key)}: rendered by both ${parts[first]!.label} and ${parts[i]!.label}; an object must come from one source (remove it from one of them)`);
        continue;
      }
      seen.set(id, i);
      objects.push(o);
    }
  });
  if (problems.length > 0) throw new ComparisonError(problems.sort());
  return { objects, type: results[0]?.type ?? "directory", files: results.flatMap((r) => r.files ?? []) };
}

/** Renders, reads the live state and compares. Throws RenderError or ComparisonError; changes nothing. */
export async function compareApp(ctx: EngineContext, app: AppSpec): Promise<AppComparison> {
  const { resources } = ctx;
  const concurrency = ctx.concurrency ?? 16;
  const { rendered, desired, types } = await renderDesired(ctx, app);

  const owned = ctx.liveObjects ? (await ctx.liveObjects(app.name, desired)).filter((o) => isOwnedBy(o, app.name)) : await ownedObjects(resources, app.name, concurrency);
  const live = new Map<string, KubeObject>();
  for (const o of owned) live.set(keyString(keyOf(o)), o);

  // Kinds and namespaces this very sync brings, which a dry run cannot know about yet.
  const crdKinds = new Set<string>();
  const namespaces = new Set<string>();
  for (const o of desired) {
    if (o.kind === "CustomResourceDefinition") {
      const spec = o.spec as { group?: string; names?: { kind?: string } } | undefined;
      if (spec?.group && spec.names?.kind) crdKinds.add(`${spec.group}/${spec.names.kind}`);
    }
    if (o.kind === "Namespace" && parseApiVersion(o.apiVersion).group === "") namespaces.add(o.metadata.name);
  }
  const syncOptions = parseAppSyncOptions(app.syncOptions);
  if (syncOptions.createNamespace && app.namespace) namespaces.add(app.namespace);
  // Only CreateNamespace=true needs to know (the sync then creates it when absent).
  const namespaceExists = syncOptions.createNamespace && app.namespace ? await (ctx.namespaceExists ?? namespaceByGet(resources))(app.namespace) : true;

  const problems: string[] = [];
  const compared = await mapLimit(desired, concurrency, async (obj): Promise<ResourceDiff | undefined> => {
    if (isHook(obj)) return undefined;
    const key = keyOf(obj);
    const id = keyString(key);
    const where = keyDisplay(key);
    // The dry run is the write the sync will make — a server-side apply, or with Replace=true a PUT or
    // create — validated the same way: strictly, unless Validate=false (app or object). A server-side
    // apply always needs a schema-valid object, whatever the validation level.
    const options = taskOptionsFor(syncOptions, obj);
    const mode: WriteMode = { replace: options.replace, validation: options.validate ? "Strict" : "Ignore" };
    const predict = (current: KubeObject | undefined): Promise<KubeObject | undefined> => {
      const opts = { dryRun: true, fieldValidation: mode.validation };
      const dryRun = () =>
        (mode.replace ? resources.replace(obj, current, opts) : resources.apply(obj, opts)).catch((err: unknown) => {
          const ns = obj.metadata.namespace;
          // Its CRD comes with this sync, or SkipDryRunOnMissingResource=true says the kind may be unknown yet.
          if (err instanceof UnknownKindError && (options.skipDryRunOnMissingResource || crdKinds.has(`${parseApiVersion(obj.apiVersion).group}/${obj.kind}`))) return undefined;
          if (err instanceof ApiError && err.status === 404 && ns && namespaces.has(ns) && !current) return undefined;
          // Force=true: an existing object the API server refuses to change in place (422, an immutable
          // field) is deleted and created again by the sync; it is compared against the desired manifest.
          if (err instanceof ApiError && options.force && current && refusedInPlace(err)) return undefined;
          throw err;
        });
      return current && ctx.predictions ? ctx.predictions.predict(mode, obj, current, dryRun) : dryRun();
    };
    // An object the watch caches do not hold as this app's: not there, not ours yet (adopted by the sync),
    // another application's (a conflict), or written a moment ago.
    const lookUp = () =>
      resources.get({ apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name }).catch((err: unknown) => {
        if (err instanceof UnknownKindError) return undefined;
        throw err;
      });
    try {
      let current = live.get(id);
      let predicted: KubeObject | undefined;
      // A replace needs the live object to write over; an apply does not, and its dry run says whether
      // the object exists (a prediction of a create has no resourceVersion), which saves a GET per new object.
      if (!current && !mode.replace) predicted = await predict(undefined);
      if (!current && (mode.replace || predicted?.metadata.resourceVersion)) {
        current = await lookUp();
        if (current) {
          const owner = ownerOf(current);
          if (owner && owner !== app.name) {
            problems.push(`${where}: owned by application "${owner}"; two applications must not manage one object (remove it from one of them)`);
            return undefined;
          }
          live.set(id, current);
        }
      }
      if (current || mode.replace) predicted = await predict(current);
      return compareObject({ desired: obj, predicted, live: current, ignore: app.ignoreDifferences, jq: ctx.jq });
    } catch (err) {
      problems.push(`${where}: ${err instanceof UnknownKindError ? `unknown kind: ${err.message.split("\n")[0]}` : err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
      return undefined;
    }
  });
  if (problems.length > 0) throw new ComparisonError(problems.sort());

  const desiredIds = new Set(desired.map((o) => keyString(keyOf(o))));
  const toPrune = owned.filter((o) => !desiredIds.has(keyString(keyOf(o))) && !isHook(o));
  const extras = toPrune.map((o) => compareObject({ live: o }));
  const results = [...compared.filter((r): r is ResourceDiff => r !== undefined), ...extras];
  return { app, renderType: rendered.type, renderTypes: types, desired, live, resources: results, toPrune, summary: summarize(results), namespaceExists };
}
