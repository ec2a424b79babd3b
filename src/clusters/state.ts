/**
 * A destination cluster's connection state, as the controller records it and the CLI and API show it
 * (Argo CD's `connectionState` {status, message, attemptedAt} and `serverVersion`), and its record: one
 * ConfigMap, `plumb-cluster-status` in the clusters namespace, labelled `plumb.dev/cluster-status`, one data
 * key per cluster (clusterStatusKey) holding that cluster's JSON. A ConfigMap, not the cluster Secret:
 * readers of state need no right to read credentials, and the in-cluster destination has no Secret
 * (docs/adr/0016-clusters.md). Pure: no I/O. Never holds credentials.
 */
import { createHash } from "node:crypto";
import type { KubeObject } from "../core/object.js";

export const CLUSTER_STATUS_CONFIGMAP = "plumb-cluster-status";
export const CLUSTER_STATUS_LABEL = "plumb.dev/cluster-status";

export type ConnectionStatus = "Successful" | "Failed" | "Unknown";

export interface ClusterState {
  server: string;
  name: string;
  connectionState: { status: ConnectionStatus; message: string; attemptedAt: string };
  /** The API server's gitVersion at the last successful check, e.g. "v1.31.0". */
  serverVersion?: string;
  /** Whether plumb holds watch caches for it (some app targets it). */
  cached: boolean;
  /** Applications targeting it, as of the last record. */
  applicationsCount: number;
  /** Kinds watched there. */
  watchedKinds?: number;
}

/** The ConfigMap data key of a server: its host and port in the allowed characters, and a short hash. */
export function clusterStatusKey(server: string): string {
  const readable = server.replace(/^https?:\/\//, "").replace(/[^-._a-zA-Z0-9]+/g, "-").slice(0, 200);
  return `${readable}.${createHash("sha256").update(server).digest("hex").slice(0, 8)}`;
}

/** The states the status ConfigMap holds, by server. Entries that do not parse are skipped. */
export function readClusterStates(cm: KubeObject | undefined): Map<string, ClusterState> {
  const out = new Map<string, ClusterState>();
  const data = (cm?.data ?? {}) as Record<string, unknown>;
  for (const v of Object.values(data)) {
    if (typeof v !== "string") continue;
    try {
      const s = JSON.parse(v) as ClusterState;
      if (typeof s.server === "string" && s.connectionState) out.set(s.server, s);
    } catch {
      // a hand-edited entry: ignored
    }
  }
  return out;
}

/** Whether two states differ in what is worth a write (not only attemptedAt, unless it is older than `refreshMs`). */
export function stateChanged(before: ClusterState | undefined, after: ClusterState, refreshMs: number): boolean {
  if (!before) return true;
  const { connectionState: a, ...ra } = before;
  const { connectionState: b, ...rb } = after;
  if (a.status !== b.status || a.message !== b.message) return true;
  if (JSON.stringify(ra) !== JSON.stringify(rb)) return true;
  return Date.parse(b.attemptedAt) - Date.parse(a.attemptedAt) >= refreshMs;
}
