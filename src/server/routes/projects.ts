/**
 * AppProjects, read-only (Argo CD's `GET /api/v1/projects[/{name}]`): those the caller may `get`
 * (`projects, get, <name>`). Project role JWT tokens are never returned: the listed ids only.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { KubeObject } from "../../core/object.js";
import type { Api } from "../app.js";
import { NotFoundError } from "../errors.js";
import { AppProjectSchema, json, lean, Name, type RouteDeps } from "./common.js";

const ProjectList = z.object({ items: z.array(AppProjectSchema) }).openapi("AppProjectList");

export function mountProjects(api: Api, deps: RouteDeps): void {
  const visible = (p: Parameters<RouteDeps["rbac"]["enforce"]>[0], proj: KubeObject): boolean => deps.rbac.enforce(p, "projects", "get", proj.metadata.name);
  api.openapi(createRoute({ method: "get", path: "/api/v1/projects", tags: ["projects"], summary: "List the AppProjects the caller may see", responses: json(ProjectList, "the projects") }), (c) => {
    const p = c.get("principal");
    const items = deps.state.projects().filter((proj) => proj.metadata.namespace === deps.namespace && visible(p, proj)).map(lean);
    return c.json({ items } as never, 200);
  });
  api.openapi(createRoute({ method: "get", path: "/api/v1/projects/{name}", tags: ["projects"], summary: "One AppProject", request: { params: z.object({ name: Name }) }, responses: json(AppProjectSchema, "the project") }), (c) => {
    const { name } = c.req.valid("param");
    const proj = deps.state.project(deps.namespace, name);
    if (!proj || !visible(c.get("principal"), proj)) throw new NotFoundError(`project "${name}" not found`);
    return c.json(lean(proj) as never, 200);
  });
}
