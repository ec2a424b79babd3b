/**
 * The liveness and readiness probes a kubelet (or a load balancer) calls: `/healthz` answers 200 while the
 * process serves HTTP at all; `/readyz` answers 200 only once `ready()` says so (the controller: its caches
 * are synced and the workers run; the API server: it listens with its caches synced) and 503 before.
 * Unauthenticated, as Kubernetes' own /healthz and /readyz, so they reveal nothing but "ok" or "not ready".
 *
 * Owns: the probe routes. Must not import: anything that does I/O.
 */
import { Hono } from "hono";

/** The probe routes, to mount on a listener's root. */
export function probeRoutes(ready: () => boolean): Hono {
  const noStore = { "cache-control": "no-store" };
  return new Hono()
    .get("/healthz", (c) => c.text("ok", 200, noStore))
    .get("/readyz", (c) => (ready() ? c.text("ok", 200, noStore) : c.text("not ready", 503, noStore)));
}
