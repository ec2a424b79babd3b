/**
 * Application health (plumb.dev and argoproj.io), for app-of-apps: a parent's health rolls up its
 * children's, read from the child's own status.health. A child not yet reconciled is Progressing. (Argo
 * CD dropped this built-in in 1.8 and asks users for a Lua customization; plumb has it built in, so a root
 * app's waves wait for the child apps of earlier waves.)
 */
import type { KubeObject } from "../../core/object.js";
import { isHealthStatus, type HealthResult } from "../types.js";

/** The health of an Application object, from its status. */
export function applicationHealth(obj: KubeObject): HealthResult {
  const health = (obj.status as { health?: { status?: unknown; message?: unknown } } | undefined)?.health;
  if (!health || !isHealthStatus(health.status)) return { status: "Progressing", message: "Waiting for the application to be reconciled" };
  return { status: health.status, message: typeof health.message === "string" ? health.message : "" };
}
