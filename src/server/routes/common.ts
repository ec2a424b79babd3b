/**
 * What the route files share: finding an Application the caller may act on (the RBAC object of an app is
 * `<project>/<name>`, or `<project>/<namespace>/<name>` outside the server's namespace, as Argo CD names
 * it), the Application client for writes, and the shapes every response uses.
 */
import { z } from "@hono/zod-openapi";
import { AppClient } from "../../apps/client.js";
import { ARGO_GROUP, DEFAULT_PROJECT, readApplication } from "../../apps/index.js";
import { AppProjectSpec, AppProjectStatus } from "../../apps/project.js";
import { ApplicationSpec, Operation } from "../../apps/spec.js";
import { ApplicationStatus } from "../../apps/status.js";
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

const ObjectMeta = z.looseObject({
  name: z.string(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
});

/**
 * An Application as the API answers it: described from the same schemas the controller validates spec and
 * status with (apps/spec.ts, apps/status.ts), so the OpenAPI document — and the UI's types generated from
 * it — say what the fields are. Answers are not validated against it (an app written by hand may carry
 * fields the controller reports as unsupported; the answer shows them as they are).
 */
export const ApplicationSchema = z
  .looseObject({ apiVersion: z.string(), kind: z.string(), metadata: ObjectMeta, spec: ApplicationSpec, status: ApplicationStatus.optional(), operation: Operation.optional() })
  .openapi("Application");

/** An AppProject as the API answers it. */
export const AppProjectSchema = z.looseObject({ apiVersion: z.string(), kind: z.string(), metadata: ObjectMeta, spec: AppProjectSpec, status: AppProjectStatus.optional() }).openapi("AppProject");

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
