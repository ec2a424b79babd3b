/**
 * What the route files share: finding an Application the caller may act on (the RBAC object of an app is
 * `<project>/<name>`, or `<project>/<namespace>/<name>` outside the server's namespace, as Argo CD names
 * it), the Application client for writes, and the shapes every response uses.
 */
import { z } from "@hono/zod-openapi";
import { AppClient } from "../../apps/client.js";
import { ARGO_GROUP, DEFAULT_PROJECT, readApplication } from "../../apps/index.js";
import type { Resources } from "../../cluster/resources.js";
import type { KubeObject } from "../../core/object.js";
import type { ApiDeps } from "../app.js";
import type { Principal } from "../auth/types.js";
import { appRBACObject, withoutManagedFields } from "../app-filter.js";
import { ForbiddenError, InvalidRequestError, NotFoundError } from "../errors.js";

/** What the application routes need beyond the chain's deps. */
export interface RouteDeps extends ApiDeps {
  resources: Resources;
}

/** A Kubernetes object name (DNS-1123 subdomain). */
export const Name = z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, "a lower-case DNS name");

/** Any Kubernetes object, as the API returns it. */
export const KubeObjectSchema = z.looseObject({ apiVersion: z.string(), kind: z.string(), metadata: z.looseObject({ name: z.string(), namespace: z.string().optional() }) }).openapi("KubeObject");

/** The error body of every failure. */
export const ErrorBody = z.object({ error: z.string(), message: z.string() }).openapi("Error");

export const errorResponses = {
  400: { content: { "application/json": { schema: ErrorBody } }, description: "invalid request" },
  401: { content: { "application/json": { schema: ErrorBody } }, description: "no valid session" },
  403: { content: { "application/json": { schema: ErrorBody } }, description: "permission denied" },
  404: { content: { "application/json": { schema: ErrorBody } }, description: "not found" },
} as const;

/** A JSON response of `schema`. */
export function json<T extends z.ZodType>(schema: T, description: string) {
  return { 200: { content: { "application/json": { schema } }, description }, ...errorResponses };
}

/** The app's project ("default" when it names none). */
export function projectOf(app: KubeObject): string {
  return (app.spec as { project?: string } | undefined)?.project || DEFAULT_PROJECT;
}

/** The RBAC object of an app: `<project>/<name>`, or `<project>/<namespace>/<name>` outside the server's namespace. */
export function rbacObject(deps: Pick<ApiDeps, "namespace">, app: KubeObject, project = projectOf(app)): string {
  return appRBACObject({ project, namespace: app.metadata.namespace ?? deps.namespace, name: app.metadata.name }, deps.namespace);
}

/** Whether the caller may `action` the app. */
export function may(deps: ApiDeps, p: Principal, action: string, app: KubeObject): boolean {
  return deps.rbac.enforce(p, "applications", action, rbacObject(deps, app));
}

/** Throws ForbiddenError unless the caller may `action` the app. */
export function must(deps: ApiDeps, p: Principal, action: string, app: KubeObject): void {
  if (!may(deps, p, action, app)) throw new ForbiddenError(`permission denied: applications, ${action}, ${rbacObject(deps, app)} (user "${p.username}")`);
}

/**
 * The Application `name` in `namespace` (default: the server's) from the watch cache, if the caller may
 * `action` it. An app the caller may not even `get` is "not found" to them only when it does not exist.
 */
export function appFor(deps: ApiDeps, p: Principal, name: string, namespace: string | undefined, action: string): KubeObject {
  const ns = namespace || deps.namespace;
  const app = deps.state.app(ns, name);
  // A caller who may not see it learns neither that it exists nor its project: the same 403 as for an app
  // that does not exist — unless they may see every app of that name (then "not found" tells them nothing).
  const denied = new ForbiddenError(`permission denied: applications, ${action}, ${ns}/${name} (or no such application)`);
  if (!app) {
    const seesAll = deps.rbac.filter(p, "applications", "get")(appRBACObject({ project: "-", namespace: ns, name }, deps.namespace));
    if (!seesAll) throw denied;
    throw new NotFoundError(`application "${name}" not found in namespace "${ns}"`, "list them with: GET /api/v1/applications");
  }
  if (!may(deps, p, "get", app)) throw denied;
  must(deps, p, action, app);
  return app;
}

/** The Application client for the app's group and namespace. */
export function clientFor(deps: RouteDeps, app: KubeObject): AppClient {
  return new AppClient(deps.resources, app.metadata.namespace ?? deps.namespace, app.apiVersion.startsWith(`${ARGO_GROUP}/`));
}

/** The object without managedFields (noise, and an API answer should be lean). */
export const lean = withoutManagedFields;

/** The app read as the controller reads it (for history, status). */
export { readApplication };

/** Parses a `true|false` query flag (absent: `fallback`). */
export function flag(value: string | undefined, fallback: boolean, name: string): boolean {
  if (value === undefined || value === "") return fallback;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new InvalidRequestError(`${name}=${value}: expected true or false`);
}
