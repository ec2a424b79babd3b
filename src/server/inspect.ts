/**
 * What the API shows of an app's objects, each read on request (one app at a time, never a list of the
 * cluster's Applications): the managed resources with desired, live and predicted state and the diff
 * (the engine's comparison at the commits the controller last compared, every source's — render from the mirror, server-
 * side dry run — exactly what the controller acts on), the rendered manifests at a revision, one live
 * object the app manages or owns, and the events of the app or of one of its objects.
 *
 * Secret values never leave: the comparison's sides are already masked (diff/mask.ts), and every object
 * answered here passes maskSecretVersions once more.
 */
import { readApplication, sourcesOf, type ApplicationView } from "../apps/index.js";
import type { Resources } from "../cluster/resources.js";
import { resourcePath } from "../cluster/discovery.js";
import { checkoutSources } from "../controller/checkout.js";
import { engineAppForSources } from "../controller/engine-app.js";
import type { AppSpec } from "../engine/app.js";
import type { SourceRepos } from "../controller/sources.js";
import { isOwnedBy } from "../core/tracking.js";
import type { KubeObject } from "../core/object.js";
import { maskSecretVersions } from "../diff/index.js";
import { compareApp, renderDesired } from "../engine/compare.js";
import { RevisionPendingError } from "../git/errors.js";
import { ConflictError, InvalidRequestError, NotFoundError } from "./errors.js";

export interface InspectDeps {
  resources: Resources;
  repos: SourceRepos;
}

/** One managed resource as `managed-resources` answers it (Argo CD's ResourceDiff; states are JSON strings). */
export interface ManagedResource {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  status: string;
  targetState?: string;
  liveState?: string;
  predictedLiveState?: string;
  normalizedLiveState?: string;
  diff: string;
  modified: boolean;
  hook: boolean;
}

const json = (o: KubeObject | undefined): string | undefined => (o ? JSON.stringify(o) : undefined);

/**
 * Runs `fn` with the app as the engine sees it, every source checked out: at `revision` (a commit, branch
 * or tag; one source) or else at the revisions the controller last compared (status.sync.revision or
 * revisions), else the sources' targetRevisions.
 */
async function withTree<T>(deps: InspectDeps, view: ApplicationView, revision: string | undefined, fn: (app: AppSpec, revisions: string[]) => Promise<T>): Promise<T> {
  const spec = view.spec;
  const sources = spec ? sourcesOf(spec) : [];
  if (!spec || sources.length === 0) throw new ConflictError(`application "${view.name}" has no source to render`);
  const multi = (spec.sources?.length ?? 0) > 0;
  const compared = multi ? (view.status.sync?.revisions ?? []) : [view.status.sync?.revision];
  const wanted = sources.map((s, i) => (i === 0 && revision) || compared[i] || s.targetRevision || "HEAD");
  for (const s of sources) deps.repos.watch(s.repoURL);
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      const out = await checkoutSources(deps.repos, sources, wanted, true);
      try {
        return await fn(engineAppForSources(view.name, spec, out.checked, multi), out.revisions);
      } finally {
        out.release();
      }
    } catch (err) {
      // A fetch under way (the server's first look at this repository): wait for it, briefly.
      if (!(err instanceof RevisionPendingError)) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new ConflictError(`the repository of "${view.name}" is still being fetched`, "try again in a few seconds");
}

/** The managed resources of the app with desired, live and predicted state and the diff. */
export async function managedResources(deps: InspectDeps, app: KubeObject, revision?: string): Promise<{ items: ManagedResource[]; revision: string; revisions?: string[] }> {
  const view = readApplication(app);
  return withTree(deps, view, revision, async (engineApp, revisions) => {
    const cmp = await compareApp({ resources: deps.resources }, engineApp);
    const desiredByKey = new Map(cmp.desired.map((o) => [`${o.apiVersion.includes("/") ? o.apiVersion.split("/")[0] : ""}/${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`, o]));
    const items = cmp.resources.map((r) => {
      const desired = desiredByKey.get(`${r.key.group}/${r.key.kind}/${r.key.namespace}/${r.key.name}`);
      const [target, predicted, live] = maskSecretVersions([desired, r.predicted, r.live]);
      return {
        group: r.key.group,
        kind: r.key.kind,
        namespace: r.key.namespace,
        name: r.key.name,
        status: r.status,
        ...(target ? { targetState: json(target) } : {}),
        ...(live ? { liveState: json(live), normalizedLiveState: json(live) } : {}),
        ...(predicted ? { predictedLiveState: json(predicted) } : {}),
        diff: r.diff,
        modified: r.status !== "Synced",
        hook: false,
      };
    });
    return { items, ...revisionFields(engineApp, revisions) };
  });
}

/** `revision` (the first source's commit) and, with several sources, every source's in `revisions`. */
function revisionFields(app: AppSpec, revisions: string[]): { revision: string; revisions?: string[] } {
  return { revision: revisions[0] ?? "", ...(app.parts ? { revisions } : {}) };
}

/** The app's rendered manifests at `revision` (default: the compared commit), Secrets masked. */
export async function manifestsOf(deps: InspectDeps, app: KubeObject, revision?: string): Promise<{ manifests: string[]; revision: string; revisions?: string[] }> {
  const view = readApplication(app);
  return withTree(deps, view, revision, async (engineApp, revisions) => {
    const { desired } = await renderDesired({ resources: deps.resources }, engineApp);
    return { manifests: desired.map((o) => JSON.stringify(maskSecretVersions([o])[0])), ...revisionFields(engineApp, revisions) };
  });
}

export interface ResourceRef {
  group: string;
  version?: string;
  kind: string;
  namespace?: string;
  name: string;
}

/**
 * One live object of the app: one it manages (tracking label) or one owned, through ownerReferences, by
 * something it manages (`inTree` says whether the resource tree holds it). Masked.
 */
export async function liveResource(deps: InspectDeps, app: KubeObject, ref: ResourceRef, inTree: (ref: ResourceRef) => Promise<boolean>): Promise<KubeObject> {
  const info = await deps.resources.discovery.resourceForGroupKind(ref.group, ref.kind);
  if (!info) throw new InvalidRequestError(`the cluster serves no kind ${ref.group ? `${ref.group}/` : ""}${ref.kind}`);
  const obj = await deps.resources.client.request<KubeObject>({ path: resourcePath(info, ref.namespace, ref.name) }).catch(() => undefined);
  const notHis = new NotFoundError(`application "${app.metadata.name}" has no ${ref.kind} "${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}"`);
  if (!obj) throw notHis;
  if (!isOwnedBy(obj, app.metadata.name) && !(await inTree(ref))) throw notHis;
  const { managedFields: _m, ...metadata } = obj.metadata;
  return maskSecretVersions([{ ...obj, apiVersion: info.group ? `${info.group}/${info.version}` : info.version, kind: info.kind, metadata }])[0]!;
}

/** Events about the app, or about one of its objects (by namespace, name and uid when given). */
export async function eventsOf(deps: InspectDeps, app: KubeObject, resource?: { namespace?: string; name: string; uid?: string }): Promise<KubeObject[]> {
  const target = resource ?? { namespace: app.metadata.namespace, name: app.metadata.name, uid: app.metadata.uid };
  // By uid when known: a name alone would match other objects of that name (in every namespace, for a
  // cluster-scoped one).
  const selector = target.uid ? `involvedObject.uid=${target.uid}` : `involvedObject.name=${target.name}`;
  const ns = target.namespace ? `/namespaces/${encodeURIComponent(target.namespace)}` : "";
  const list = await deps.resources.client.request<{ items: KubeObject[] }>({ path: `/api/v1${ns}/events?fieldSelector=${encodeURIComponent(selector)}&limit=500` });
  return list.items.sort((a, b) => String((a as { lastTimestamp?: string }).lastTimestamp ?? "").localeCompare(String((b as { lastTimestamp?: string }).lastTimestamp ?? "")));
}
