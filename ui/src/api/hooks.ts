/**
 * The UI's server state: one TanStack Query cache, fed by the API and kept live by the SSE streams — no
 * second store that could disagree with it. Components read through these hooks only.
 *
 * - `useApps()`: every app the caller may see, as the list's summary (live.ts LIST_FIELDS), kept live by
 *   the apps feed (feed.ts: the list, then the stream, events applied in batches; relists and retries).
 * - `useApp(ns, name)`: one whole app, live from the stream filtered by name.
 * - `useTree(ns, name)`: the app's resource tree, live from its own stream.
 * - the rest are plain queries (projects, settings, user, permissions, managed resources, events, ...).
 */
import { useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect, useSyncExternalStore } from "react";
import { api, appKey, call } from "./client";
import { AppsFeed, APPS_KEY, type AppsData, type Connection } from "./feed";
import { resourceKey } from "./keys";
import { LIST_FIELDS, type AppMap, type WatchEvent } from "./live";
import { openStream, query } from "./stream";
import type { Application, ApplicationTree, ResourceNode } from "./types";

export type { AppsData, Connection };

export const keys = {
  apps: APPS_KEY,
  app: (ns: string, name: string) => ["app", ns, name] as const,
  appDeleted: (ns: string, name: string) => ["app-deleted", ns, name] as const,
  tree: (ns: string, name: string) => ["tree", ns, name] as const,
  managed: (ns: string, name: string) => ["managed", ns, name] as const,
  events: (ns: string, name: string, uid?: string) => ["events", ns, name, uid ?? ""] as const,
  resource: (ns: string, name: string, ref: string) => ["resource", ns, name, ref] as const,
  projects: ["projects"] as const,
  project: (name: string) => ["project", name] as const,
  settings: ["settings"] as const,
  user: ["user"] as const,
  version: ["version"] as const,
  can: (resource: string, action: string, object: string) => ["can", resource, action, object] as const,
};

/**
 * One EventSource per stream however many components follow it (the app page's parts each call useApp
 * and useTree): opened by the first, closed with the last. Keyed per QueryClient and stream URL.
 */
const streams = new WeakMap<QueryClient, Map<string, { users: number; close: () => void }>>();
function retainStream(qc: QueryClient, url: string, open: () => () => void): () => void {
  let mine = streams.get(qc);
  if (!mine) streams.set(qc, (mine = new Map()));
  const entry = mine.get(url) ?? { users: 0, close: () => undefined };
  if (entry.users++ === 0) entry.close = open();
  mine.set(url, entry);
  return () => {
    if (--entry.users > 0) return;
    entry.close();
    mine.delete(url);
  };
}
const feeds = new WeakMap<QueryClient, AppsFeed>();
function feedOf(qc: QueryClient): AppsFeed {
  let f = feeds.get(qc);
  if (!f) feeds.set(qc, (f = new AppsFeed(qc, { list: fetchAppList, open: openStream })));
  return f;
}

/** Ends every live feed of this cache at once and forgets what they held (logout, login as someone else). */
export function endSession(qc: QueryClient): void {
  feeds.get(qc)?.reset();
  qc.removeQueries({ predicate: (q) => q.queryKey[0] !== keys.user[0] });
}

async function fetchAppList(): Promise<AppsData> {
  const list = await call(api.GET("/api/v1/applications", { params: { query: { fields: LIST_FIELDS.join(",") } } }));
  return { apps: new Map((list.items ?? []).map((a): [string, Application] => [appKey(a), a])), resourceVersion: list.metadata.resourceVersion };
}

/** Every app the caller may see (the list's summary of each), kept live. */
export function useApps(): { apps: AppMap; conn: Connection; error: unknown; loading: boolean } {
  const qc = useQueryClient();
  const feed = feedOf(qc);
  useEffect(() => feed.retain(), [feed]);
  const q = useQuery({ queryKey: keys.apps, queryFn: fetchAppList, staleTime: Infinity, structuralSharing: false, enabled: false });
  const conn = useSyncExternalStore(feed.subscribe, feed.conn);
  return { apps: q.data?.apps ?? EMPTY, conn, error: q.error, loading: q.data === undefined && !q.error };
}
const EMPTY: AppMap = new Map();

/** Whether the stream said the app was deleted (its page keeps the last state it had). */
export function useAppDeleted(namespace: string, name: string): boolean {
  return useQuery({ queryKey: keys.appDeleted(namespace, name), queryFn: () => false, initialData: false, staleTime: Infinity }).data;
}

/** One whole app, kept live (undefined while loading; the query's error when it cannot be read). */
export function useApp(namespace: string, name: string) {
  const qc = useQueryClient();
  const q = useQuery(appQuery(namespace, name));
  const loaded = q.data !== undefined;
  useEffect(() => {
    if (!loaded) return;
    const url = `/api/v1/stream/applications${query({ name, appNamespace: namespace })}`;
    return retainStream(qc, url, () =>
      openStream<WatchEvent>(url, {
        onResult: (e) => {
          if (e.application?.metadata?.name !== name) return;
          // Deleted: the last state stays on the page, marked gone (asking for it again would be a 404).
          if (e.type === "DELETED") qc.setQueryData(keys.appDeleted(namespace, name), true);
          else {
            qc.setQueryData(keys.app(namespace, name), e.application);
            qc.setQueryData(keys.appDeleted(namespace, name), false);
          }
        },
      }, { resumeParam: "resourceVersion" }),
    );
  }, [qc, namespace, name, loaded]);
  return q;
}

/** The app's resource tree, kept live from its stream. */
export function useTree(namespace: string, name: string) {
  const qc = useQueryClient();
  const q = useQuery(treeQuery(namespace, name));
  useEffect(() => {
    const url = `/api/v1/stream/applications/${encodeURIComponent(name)}/resource-tree${query({ appNamespace: namespace })}`;
    return retainStream(qc, url, () => openStream<ApplicationTree>(url, { onResult: (tree) => qc.setQueryData(keys.tree(namespace, name), tree) }));
  }, [qc, namespace, name]);
  return q;
}

/** Desired, live and predicted state of each managed resource, with its diff (read on demand: it renders). */
export function useManaged(namespace: string, name: string, enabled = true) {
  return useQuery({ ...managedQuery(namespace, name), enabled });
}

/** The queries of one app's page (also for prefetching them: prefetchAppPage). */
export function appQuery(namespace: string, name: string) {
  return { queryKey: keys.app(namespace, name), queryFn: () => call(api.GET("/api/v1/applications/{name}", { params: { path: { name }, query: { appNamespace: namespace } } })), staleTime: Infinity, retry: false } as const;
}
export function treeQuery(namespace: string, name: string) {
  return { queryKey: keys.tree(namespace, name), queryFn: () => call(api.GET("/api/v1/applications/{name}/resource-tree", { params: { path: { name }, query: { appNamespace: namespace } } })), staleTime: Infinity, retry: false } as const;
}
export function managedQuery(namespace: string, name: string) {
  return { queryKey: keys.managed(namespace, name), queryFn: () => call(api.GET("/api/v1/applications/{name}/managed-resources", { params: { path: { name }, query: { appNamespace: namespace } } })), staleTime: 5_000, retry: false } as const;
}

/**
 * Starts an app page's requests at once, side by side, while its code is still loading (the page is a lazy
 * chunk: waiting for it, then for the app, then for the tree before the diff, would chain three round
 * trips). The managed resources too — a comparison on the server, the slowest answer (a render and a
 * dry run) — when a diff is likely to be opened: at once when the link asks for one (a selected resource,
 * the Diff section), else as soon as the app turns out OutOfSync; a diff opened later then finds it ready.
 */
export function prefetchAppPage(qc: QueryClient, namespace: string, name: string, search: URLSearchParams): void {
  const managed = () => void qc.prefetchQuery(managedQuery(namespace, name));
  if (search.get("node") || search.get("section") === "diff") managed();
  void qc.prefetchQuery(treeQuery(namespace, name));
  void qc.prefetchQuery(appQuery(namespace, name)).then(() => {
    if (qc.getQueryData<Application>(keys.app(namespace, name))?.status?.sync?.status === "OutOfSync") managed();
  });
}

/** A resource as the API names it (a tree node's reference: group, kind and name; version, namespace, uid when known). */
export type ResourceRef = Pick<ResourceNode, "group" | "kind" | "name"> & Partial<Pick<ResourceNode, "version" | "namespace" | "uid">>;

/** One live object of the app (Secrets masked), as YAML-ready JSON text. */
export function useLiveResource(namespace: string, name: string, ref: ResourceRef | undefined) {
  const id = ref ? resourceKey(ref) : "";
  return useQuery({
    queryKey: keys.resource(namespace, name, id),
    queryFn: () =>
      call(
        api.GET("/api/v1/applications/{name}/resource", {
          params: { path: { name }, query: { appNamespace: namespace, resourceName: ref!.name, kind: ref!.kind, group: ref!.group, ...(ref!.namespace ? { namespace: ref!.namespace } : {}), ...(ref!.version ? { version: ref!.version } : {}) } },
        }),
      ),
    enabled: ref !== undefined,
    retry: false,
  });
}

/** Events of the app, or of one of its resources (namespace+name, and its uid when known: the server needs the name to find the node). */
export function useEvents(namespace: string, name: string, ref?: ResourceRef) {
  return useQuery({
    queryKey: keys.events(namespace, name, ref ? (ref.uid ?? `${ref.namespace}/${ref.name}`) : undefined),
    queryFn: () =>
      call(
        api.GET("/api/v1/applications/{name}/events", {
          params: { path: { name }, query: { appNamespace: namespace, ...(ref ? { resourceName: ref.name, ...(ref.namespace ? { resourceNamespace: ref.namespace } : {}), ...(ref.uid ? { resourceUID: ref.uid } : {}) } : {}) } },
        }),
      ),
    refetchInterval: 10_000,
    retry: false,
  });
}

export function useProjects() {
  return useQuery({ queryKey: keys.projects, queryFn: () => call(api.GET("/api/v1/projects")), staleTime: 30_000 });
}

export function useProject(name: string) {
  return useQuery({ queryKey: keys.project(name), queryFn: () => call(api.GET("/api/v1/projects/{name}", { params: { path: { name } } })), retry: false });
}

export function useSettings() {
  return useQuery({ queryKey: keys.settings, queryFn: () => call(api.GET("/api/v1/settings")), staleTime: 60_000 });
}

export function useVersion() {
  return useQuery({ queryKey: keys.version, queryFn: () => call(api.GET("/api/version")), staleTime: Infinity });
}

/** Who is logged in ({loggedIn: false} when nobody). */
export function useUserInfo() {
  return useQuery({ queryKey: keys.user, queryFn: () => call(api.GET("/api/v1/session/userinfo")), staleTime: Infinity, retry: false });
}

/**
 * Whether the caller may `action` `resource` `object` (RBAC, e.g. applications, sync, "default/guestbook").
 * Undefined until known: hide a button while it is, never show one that would be refused. The server
 * checks again on the request itself.
 */
export function useCan(resource: string, action: string, object: string): boolean | undefined {
  return answer(useQuery(canQuery(resource, action, object)).data);
}

/** The query behind useCan (for `useQueries` over several objects: app/useCans.ts). */
export function canQuery(resource: string, action: string, object: string) {
  return {
    queryKey: keys.can(resource, action, object),
    queryFn: () => call(api.GET("/api/v1/account/can-i/{resource}/{action}/{subresource}", { params: { path: { resource, action, subresource: object } } })),
    staleTime: 30_000,
  };
}

/** A can-i answer as yes/no, undefined while unknown. */
export function answer(data: { value: "yes" | "no" } | undefined): boolean | undefined {
  return data === undefined ? undefined : data.value === "yes";
}

/**
 * The RBAC object of an app: `<project>/<name>`, or `<project>/<namespace>/<name>` outside the server's
 * namespace (which the controller records as status.controllerNamespace).
 */
export function appObject(app: Application): string {
  const project = app.spec?.project || "default";
  const ns = app.metadata.namespace;
  const home = app.status?.controllerNamespace;
  return home && ns && ns !== home ? `${project}/${ns}/${app.metadata.name}` : `${project}/${app.metadata.name}`;
}

/** Author, date, message and tags of a revision of the app's (first) source; cached for good (a commit does not change). */
export function useRevisionMetadata(namespace: string, name: string, revision: string | undefined) {
  return useQuery({
    queryKey: ["revision", namespace, name, revision ?? ""],
    queryFn: () => call(api.GET("/api/v1/applications/{name}/revisions/{revision}/metadata", { params: { path: { name, revision: revision! }, query: { appNamespace: namespace } } })),
    enabled: Boolean(revision),
    staleTime: Infinity,
    retry: false,
  });
}
