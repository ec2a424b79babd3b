/**
 * Everything the user does to an app, as TanStack Query mutations over the typed client: sync, rollback,
 * terminate, refresh (normal or hard), delete (cascade or not), create, and replace the spec. Each one
 * writes what the server answered into the one cache (keys from hooks.ts), so the page shows the result
 * at once; the app's stream keeps it live afterwards. A refusal throws ApiError: show describeError(err).
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, call, describeError } from "./client";
import { keys } from "./hooks";
import type { Application, ApplicationSpec, SyncRequest } from "./types";

/** The app a mutation acts on: its name and namespace. */
export interface AppId {
  name: string;
  namespace: string;
}

/** The id of an app object. */
export function idOf(app: Application): AppId {
  return { name: app.metadata.name, namespace: app.metadata.namespace ?? "" };
}

/** Sync the app (the controller runs it); the answer holds the requested operation. */
export function useSync({ name, namespace }: AppId) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (req: SyncRequest) => call(api.POST("/api/v1/applications/{name}/sync", { params: { path: { name } }, body: { ...req, name, appNamespace: namespace } })),
    onSuccess: (app) => qc.setQueryData(keys.app(namespace, name), app),
  });
}

/** Sync to the revision of history entry `id`. */
export function useRollback({ name, namespace }: AppId) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (req: { id: number; prune?: boolean; dryRun?: boolean }) => call(api.POST("/api/v1/applications/{name}/rollback", { params: { path: { name } }, body: { ...req, name, appNamespace: namespace } })),
    onSuccess: (app) => qc.setQueryData(keys.app(namespace, name), app),
  });
}

/** Terminate the running operation (the stream then shows Terminating, and its end). */
export function useTerminate({ name, namespace }: AppId) {
  return useMutation({
    mutationFn: () => call(api.DELETE("/api/v1/applications/{name}/operation", { params: { path: { name }, query: { appNamespace: namespace } } })),
  });
}

/** Compare the app again (hard: render its manifests again too); resolves once the controller has. */
export function useRefresh({ name, namespace }: AppId) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (mode: "normal" | "hard") => call(api.GET("/api/v1/applications/{name}", { params: { path: { name }, query: { appNamespace: namespace, refresh: mode } } })),
    onSuccess: (app) => {
      qc.setQueryData(keys.app(namespace, name), app);
      void qc.invalidateQueries({ queryKey: keys.managed(namespace, name) });
    },
  });
}

/**
 * Delete the app; `cascade` deletes its resources first (foreground), otherwise they are left. The caller
 * leaves the app's page on success; its cached queries are left to go stale (removing them while the page
 * is still mounted would fetch the app again, and find it gone).
 */
export function useDeleteApp({ name, namespace }: AppId) {
  return useMutation({
    mutationFn: (cascade: boolean) => call(api.DELETE("/api/v1/applications/{name}", { params: { path: { name }, query: { appNamespace: namespace, cascade: String(cascade) } } })),
  });
}

/** Create an Application (`upsert`: or replace the one of that name). */
export function useCreateApp() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ app, upsert = false }: { app: Application; upsert?: boolean }) => call(api.POST("/api/v1/applications", { params: { query: { upsert: String(upsert) } }, body: app })),
    onSuccess: (app) => qc.setQueryData(keys.app(app.metadata.namespace ?? "", app.metadata.name), app),
  });
}

/** Replace the app's spec. */
export function useUpdateSpec({ name, namespace }: AppId) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (spec: ApplicationSpec) => call(api.PUT("/api/v1/applications/{name}/spec", { params: { path: { name }, query: { appNamespace: namespace } }, body: spec as Record<string, unknown> })),
    onSuccess: (spec) => qc.setQueryData<Application>(keys.app(namespace, name), (prev) => (prev ? { ...prev, spec: spec as ApplicationSpec } : prev)),
  });
}

/** describeError, plus what to do about a conflict (someone else wrote the app meanwhile). */
export function describeWriteError(err: unknown, what: "create" | "update" = "update"): string {
  if (err instanceof ApiError && err.status === 409 && what === "create") return `Conflict: ${err.message}. An application of that name exists already — choose another name, or edit that one.`;
  if (err instanceof ApiError && err.status === 409) return `Conflict: ${err.message}. Someone else changed this application meanwhile — reopen the editor to start from its current state and apply your change again.`;
  return describeError(err);
}
