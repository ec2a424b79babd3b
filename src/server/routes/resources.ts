/**
 * An app's objects (Argo CD's paths): the resource tree, the managed resources with their diffs, one live
 * object's manifest, the rendered manifests at a revision, and events — each needing `applications, get`
 * on the app. The work is in server/inspect.ts and server/tree/.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { SourceRepos } from "../../controller/sources.js";
import type { KubeObject } from "../../core/object.js";
import type { Api } from "../app.js";
import { ApplicationTree } from "../tree/types.js";
import { eventsOf, liveResource, managedResources, manifestsOf, type ResourceRef } from "../inspect.js";
import { sourcesOf } from "../../apps/spec.js";
import { NotFoundError } from "../../core/errors.js";
import { RevisionPendingError, UnknownRevisionError } from "../../git/errors.js";
import { splitCredentials } from "../../git/url.js";
import { InvalidRequestError, UnavailableError } from "../errors.js";
import { appFor, json, KubeObjectSchema, Name, readApplication, type RouteDeps } from "./common.js";

/** The resource tree of an app (server/tree/). */
export interface TreeSource {
  tree(app: KubeObject): Promise<{ nodes: Array<{ group?: string; kind: string; namespace?: string; name: string }> }>;
}

export interface ResourceRouteDeps extends RouteDeps {
  repos: SourceRepos;
  trees: TreeSource;
}

const AppQuery = z.object({ appNamespace: z.string().optional() });
const ResourceQuery = AppQuery.extend({ namespace: z.string().optional(), resourceName: z.string().min(1), version: z.string().optional(), kind: z.string().min(1), group: z.string().optional() });
const EventsQuery = AppQuery.extend({ resourceNamespace: z.string().optional(), resourceName: z.string().optional(), resourceUID: z.string().optional() });
const ManifestsQuery = AppQuery.extend({ revision: z.string().max(256).optional() });
const NameParam = z.object({ name: Name });

const Tree = ApplicationTree.openapi("ApplicationTree");
/** One managed resource (inspect.ts ManagedResource; the states are JSON documents in strings, as Argo CD's). */
const ManagedResource = z
  .object({
    group: z.string(),
    kind: z.string(),
    namespace: z.string(),
    name: z.string(),
    status: z.string(),
    targetState: z.string().optional().openapi({ description: "The desired object as rendered from the source (JSON), Secret values masked" }),
    liveState: z.string().optional().openapi({ description: "The live side as compared (JSON): the object in the cluster normalized, the fields ignoreDifferences names removed, Secret values masked — not the object as the cluster holds it (GET .../resource has that)" }),
    predictedLiveState: z.string().optional().openapi({ description: "The desired side as compared (JSON): the result of a server-side apply dry run of the desired object (or the desired object itself when none could be made), normalized, ignoreDifferences applied, Secret values masked" }),
    normalizedLiveState: z.string().optional().openapi({ description: "The same as liveState (Argo CD's field)" }),
    diff: z.string().openapi({ description: "A unified diff of the two sides as compared: liveState → predictedLiveState, as YAML; empty when Synced" }),
    modified: z.boolean(),
    hook: z.boolean(),
  })
  .openapi("ManagedResource");
const Managed = z
  .object({
    items: z.array(ManagedResource),
    revision: z.string().optional().openapi({ description: "The commit the desired states were rendered at (the first source's, with several)" }),
    revisions: z.array(z.string()).optional().openapi({ description: "With several sources (spec.sources): each source's revision, in order" }),
  })
  .openapi("ManagedResourcesResponse");
const Manifest = z.object({ manifest: z.string() }).openapi("ApplicationResourceResponse");
const Manifests = z.object({ manifests: z.array(z.string()), revision: z.string(), revisions: z.array(z.string()).optional().openapi({ description: "With several sources: each source's revision, in order" }) }).openapi("ManifestResponse");
/** A core/v1 Event, the fields the API's readers use. */
const Event = KubeObjectSchema.extend({
  type: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
  count: z.number().optional(),
  firstTimestamp: z.string().nullable().optional(),
  lastTimestamp: z.string().nullable().optional(),
  eventTime: z.string().nullable().optional(),
  involvedObject: z.looseObject({ kind: z.string().optional(), name: z.string().optional(), namespace: z.string().optional(), uid: z.string().optional() }).optional(),
  source: z.looseObject({ component: z.string().optional() }).optional(),
}).openapi("Event");
const Events = z.object({ items: z.array(Event) }).openapi("EventList");
const RevisionParams = NameParam.extend({ revision: z.string().min(1).max(256) });
const RevisionQuery = AppQuery.extend({ sourceIndex: z.coerce.number().int().min(0).max(100).optional() });
/** Argo CD's RevisionMetadata. */
const RevisionMetadata = z
  .object({ author: z.string().openapi({ description: "Name <email>" }), date: z.string().openapi({ description: "The author date (RFC 3339)" }), message: z.string(), tags: z.array(z.string()) })
  .openapi("RevisionMetadata");

export function mountResources(api: Api, deps: ResourceRouteDeps): void {
  api.openapi(
    createRoute({ method: "get", path: "/api/v1/applications/{name}/revisions/{revision}/metadata", tags: ["resources"], summary: "Author, date, message and tags of a revision of the app's repository", request: { params: RevisionParams, query: RevisionQuery }, responses: json(RevisionMetadata, "the commit's metadata") }),
    async (c) => {
      const { name, revision } = c.req.valid("param");
      const q = c.req.valid("query");
      const app = appFor(deps, c.get("principal"), name, q.appNamespace, "get");
      const spec = readApplication(app).spec;
      const sources = spec ? sourcesOf(spec) : [];
      const source = sources[q.sourceIndex ?? 0];
      if (!source) throw new InvalidRequestError(`sourceIndex=${q.sourceIndex}: the app has ${sources.length} source(s)`);
      // The repository as shown to people: a URL may carry credentials (https://user:token@host/…).
      if (!deps.repos.revisionMetadata || source.chart) throw new InvalidRequestError(`the source ${splitCredentials(source.repoURL).url} is not a Git repository: its revisions have no commit metadata`);
      try {
        return c.json(await deps.repos.revisionMetadata(source.repoURL, revision), 200);
      } catch (err) {
        if (err instanceof UnknownRevisionError) throw new NotFoundError(err.message);
        // The mirror has not fetched (yet, or since the revision appeared): the fetch is under way.
        if (err instanceof RevisionPendingError) {
          const what = err.reason === "first-fetch" ? `${err.repoURL} has not been fetched yet` : `a fetch of ${err.repoURL} is looking for revision "${err.revision}"`;
          throw new UnavailableError(what, "try again in a few seconds");
        }
        throw err;
      }
    },
  );

  api.openapi(createRoute({ method: "get", path: "/api/v1/applications/{name}/resource-tree", tags: ["resources"], summary: "The app's resources and their children", request: { params: NameParam, query: AppQuery }, responses: json(Tree, "the tree") }), async (c) => {
    const app = appFor(deps, c.get("principal"), c.req.valid("param").name, c.req.valid("query").appNamespace, "get");
    return c.json((await deps.trees.tree(app)) as never, 200);
  });

  api.openapi(createRoute({ method: "get", path: "/api/v1/applications/{name}/managed-resources", tags: ["resources"], summary: "Desired, live and predicted state and the diff of each managed resource; with revision, the desired states rendered at that branch, tag or commit (a pull request's preview)", request: { params: NameParam, query: ManifestsQuery }, responses: json(Managed, "the managed resources") }), async (c) => {
    const q = c.req.valid("query");
    const app = appFor(deps, c.get("principal"), c.req.valid("param").name, q.appNamespace, "get");
    return c.json((await managedResources(deps, app, q.revision)) as never, 200);
  });

  api.openapi(createRoute({ method: "get", path: "/api/v1/applications/{name}/resource", tags: ["resources"], summary: "One live object of the app", request: { params: NameParam, query: ResourceQuery }, responses: json(Manifest, "the live manifest (Secrets masked)") }), async (c) => {
    const q = c.req.valid("query");
    const app = appFor(deps, c.get("principal"), c.req.valid("param").name, q.appNamespace, "get");
    const ref: ResourceRef = { group: q.group ?? "", kind: q.kind, name: q.resourceName, ...(q.namespace ? { namespace: q.namespace } : {}), ...(q.version ? { version: q.version } : {}) };
    const inTree = async (r: ResourceRef): Promise<boolean> => (await deps.trees.tree(app)).nodes.some((n) => (n.group ?? "") === r.group && n.kind === r.kind && (n.namespace ?? "") === (r.namespace ?? "") && n.name === r.name);
    const obj = await liveResource(deps, app, ref, inTree);
    return c.json({ manifest: JSON.stringify(obj) }, 200);
  });

  api.openapi(createRoute({ method: "get", path: "/api/v1/applications/{name}/manifests", tags: ["resources"], summary: "The app's rendered manifests at a revision", request: { params: NameParam, query: ManifestsQuery }, responses: json(Manifests, "the manifests (Secrets masked)") }), async (c) => {
    const q = c.req.valid("query");
    const app = appFor(deps, c.get("principal"), c.req.valid("param").name, q.appNamespace, "get");
    return c.json(await manifestsOf(deps, app, q.revision), 200);
  });

  api.openapi(createRoute({ method: "get", path: "/api/v1/applications/{name}/events", tags: ["resources"], summary: "Events of the app or of one of its resources", request: { params: NameParam, query: EventsQuery }, responses: json(Events, "the events") }), async (c) => {
    const q = c.req.valid("query");
    const app = appFor(deps, c.get("principal"), c.req.valid("param").name, q.appNamespace, "get");
    // One of the app's own objects: the node of its tree, by uid (never a client's uid, never by name alone).
    let resource: { namespace?: string; name: string; uid?: string } | undefined;
    if (q.resourceName) {
      const node = (await deps.trees.tree(app)).nodes.find((n) => n.name === q.resourceName && (n.namespace ?? "") === (q.resourceNamespace ?? "") && (!q.resourceUID || (n as { uid?: string }).uid === q.resourceUID)) as { namespace?: string; name: string; uid?: string } | undefined;
      if (!node?.uid) return c.json({ items: [] } as never, 200);
      resource = { name: node.name, uid: node.uid, ...(node.namespace ? { namespace: node.namespace } : {}) };
    }
    return c.json({ items: await eventsOf(deps, app, resource) } as never, 200);
  });
}
