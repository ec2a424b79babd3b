/**
 * An application's sync windows, in Argo CD's path and shape (`GET /api/v1/applications/{name}/syncwindows`:
 * assignedWindows, activeWindows, canSync — whether a manual sync may run now), read with the app's `get`
 * permission from the watch caches (the app and its AppProject of the same API group). plumb adds, beside
 * Argo CD's fields: each window's index in the project's list, whether an automated sync may run, when
 * each kind of sync is allowed again, and the message the controller and the CLI show.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { appSyncWindows, readApplication, syncWindowsAnswer, type SyncWindowsAnswer } from "../../apps/index.js";
import type { Api } from "../app.js";
import { appFor, json, Name, projectOf, type RouteDeps } from "./common.js";

const SyncWindowView = z
  .object({
    kind: z.string(),
    schedule: z.string(),
    duration: z.string(),
    manualSync: z.boolean().optional(),
    timeZone: z.string().optional(),
    applications: z.array(z.string()).optional(),
    namespaces: z.array(z.string()).optional(),
    clusters: z.array(z.string()).optional(),
    andOperator: z.boolean().optional(),
    description: z.string().optional(),
    /** plumb: the window's index in the project's spec.syncWindows. */
    index: z.number().int(),
  })
  .openapi("ApplicationSyncWindow");

export const SyncWindowsResponse = z
  .object({
    assignedWindows: z.array(SyncWindowView),
    activeWindows: z.array(SyncWindowView),
    /** Whether a manual sync may run now (Argo CD's meaning). */
    canSync: z.boolean(),
    /** plumb: whether an automated sync (auto-sync, self-heal) may run now. */
    automatedCanSync: z.boolean(),
    /** plumb: when a blocked automated / manual sync is allowed again (RFC 3339; absent: allowed now, or no window opens within a year). */
    automatedAllowedAt: z.string().optional(),
    manualAllowedAt: z.string().optional(),
    /** plumb: one line for people, e.g. "Sync Denied — deny '0 22 * * *' 1h; opens at …". */
    summary: z.string(),
    /** plumb: why a manual sync is refused now, naming the windows. */
    manualBlockedMessage: z.string().optional(),
  })
  .openapi("ApplicationSyncWindowsResponse");

export function mountSyncWindows(api: Api, deps: RouteDeps): void {
  api.openapi(
    createRoute({ method: "get", path: "/api/v1/applications/{name}/syncwindows", tags: ["applications"], summary: "The sync windows that apply to the app, those active now, and whether it may sync", request: { params: z.object({ name: Name }), query: z.object({ appNamespace: z.string().optional() }) }, responses: json(SyncWindowsResponse, "the app's sync windows") }),
    (c) => {
      const { name } = c.req.valid("param");
      const { appNamespace } = c.req.valid("query");
      const app = appFor(deps, c.get("principal"), name, appNamespace, "get");
      const group = app.apiVersion.split("/")[0];
      const ns = app.metadata.namespace ?? deps.namespace;
      const project = deps.state.projects().find((p) => p.apiVersion.split("/")[0] === group && p.metadata.namespace === ns && p.metadata.name === projectOf(app));
      const s = appSyncWindows({ name, destination: readApplication(app).spec?.destination ?? {} }, project);
      const body: SyncWindowsAnswer = syncWindowsAnswer(s);
      return c.json(body as never, 200);
    },
  );
}
