/**
 * Destination clusters, read-only (Argo CD's `GET /api/v1/clusters[/{server-or-name}]`): those the caller
 * may `get` (`clusters, get, <server URL>`), each with its connection state and server version as the
 * controller recorded them (src/clusters). Never the config or any credential: the shape has no field for
 * it, and the server's cache drops it.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { ClusterInfo } from "../../clusters/view.js";
import { findCluster } from "../../clusters/view.js";
import type { Api } from "../app.js";
import { NotFoundError } from "../errors.js";
import { json, type RouteDeps } from "./common.js";

/** What the cluster routes read. */
export interface ClusterRouteDeps extends RouteDeps {
  clusters?: { list(): ClusterInfo[] };
}

const ConnectionState = z.object({ status: z.string(), message: z.string(), attemptedAt: z.string().optional() }).openapi("ClusterConnectionState");
export const ClusterSchema = z
  .object({
    server: z.string(),
    name: z.string(),
    namespaces: z.array(z.string()),
    clusterResources: z.boolean(),
    project: z.string().optional(),
    labels: z.record(z.string(), z.string()),
    annotations: z.record(z.string(), z.string()),
    connectionState: ConnectionState,
    serverVersion: z.string().optional(),
    info: z.object({
      connectionState: ConnectionState,
      serverVersion: z.string().optional(),
      applicationsCount: z.number(),
      cacheInfo: z.object({ apisCount: z.number(), cached: z.boolean() }),
    }),
    secret: z.string().optional(),
    problems: z.array(z.string()).optional(),
  })
  .openapi("Cluster");
const ClusterList = z.object({ items: z.array(ClusterSchema) }).openapi("ClusterList");
/** A server URL (URL-encoded in the path) or a cluster name. */
const ServerOrName = z.string().min(1).max(2048);

export function mountClusters(api: Api, deps: ClusterRouteDeps): void {
  const all = (): ClusterInfo[] => deps.clusters?.list() ?? [];
  api.openapi(createRoute({ method: "get", path: "/api/v1/clusters", tags: ["clusters"], summary: "List the destination clusters the caller may see, with their connection state", responses: json(ClusterList, "the clusters") }), (c) => {
    const allowed = deps.rbac.filter(c.get("principal"), "clusters", "get");
    return c.json({ items: all().filter((cl) => allowed(cl.server)) }, 200);
  });
  api.openapi(
    createRoute({ method: "get", path: "/api/v1/clusters/{server}", tags: ["clusters"], summary: "One destination cluster, by server URL (URL-encoded) or name", request: { params: z.object({ server: ServerOrName }) }, responses: json(ClusterSchema, "the cluster") }),
    (c) => {
      const { server } = c.req.valid("param");
      const hit = findCluster(all(), server);
      if (!hit || !deps.rbac.enforce(c.get("principal"), "clusters", "get", hit.server)) throw new NotFoundError(`cluster "${server}" not found`);
      return c.json(hit, 200);
    },
  );
}
