/**
 * Every route of the API, mounted in one place: `plumb server` serves them, and the OpenAPI document the
 * UI's types are generated from (openapi-doc.ts) is made from the same call, so the two cannot differ.
 */
import type { Api } from "../app.js";
import { mountAccount, type AccountRouteDeps } from "./account.js";
import { mountApplications } from "./applications.js";
import { mountClusters, type ClusterRouteDeps } from "./clusters.js";
import type { RouteDeps } from "./common.js";
import { mountProjects } from "./projects.js";
import { mountResources, type ResourceRouteDeps } from "./resources.js";
import { mountSession, type SessionRouteDeps } from "./session.js";
import { mountStreams, type StreamRouteDeps } from "./streams.js";
import { mountSyncWindows } from "./windows.js";

/** What the routes but the streams need together. */
export type AllRouteDeps = RouteDeps & AccountRouteDeps & ResourceRouteDeps & SessionRouteDeps & ClusterRouteDeps;

/** Mounts the API's routes (not the UI's static files, not SSO, not the webhook receiver). */
export function mountApi(api: Api, deps: AllRouteDeps, streamDeps: StreamRouteDeps): void {
  mountSession(api, deps);
  mountApplications(api, deps);
  mountResources(api, deps);
  mountProjects(api, deps);
  mountSyncWindows(api, deps);
  mountClusters(api, deps);
  mountAccount(api, deps);
  mountStreams(api, streamDeps);
}
