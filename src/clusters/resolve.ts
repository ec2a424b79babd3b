/**
 * Which cluster an Application's destination names (Argo CD's ValidateDestination): `server` or `name`,
 * exactly one of them; `https://kubernetes.default.svc` and `in-cluster` are the cluster plumb runs
 * against (a Secret for that URL may rename it); any other server or name must be a registered cluster
 * Secret's. Pure: no I/O; the messages say what to do.
 */
import type { ClusterCredentials } from "../cluster/client.js";
import { IN_CLUSTER_NAME, IN_CLUSTER_SERVER, normalizeServer, type ClusterSpec } from "./secret.js";

export interface Destination {
  server?: string;
  name?: string;
  namespace?: string;
}

export type Resolution = { ok: true; cluster: ClusterSpec; inCluster: boolean } | { ok: false; message: string };

/** The in-cluster destination's spec when no Secret describes it. */
export function inClusterSpec(): ClusterSpec {
  return { name: IN_CLUSTER_NAME, server: IN_CLUSTER_SERVER, config: {}, namespaces: [], clusterResources: true, labels: {}, annotations: {}, secret: "" };
}

/**
 * The cluster `destination` names among `clusters` (the parsed cluster Secrets; the in-cluster one is
 * implicit). A name that several Secrets carry is refused, as Argo CD refuses it.
 */
export function resolveDestination(destination: Destination, clusters: readonly ClusterSpec[]): Resolution {
  const server = destination.server ? normalizeServer(destination.server) : "";
  const name = destination.name?.trim() ?? "";
  if (server && name) return { ok: false, message: `spec.destination sets both server (${server}) and name (${name}); set only one of them` };
  if (!server && !name) return { ok: false, message: `spec.destination needs server (e.g. ${IN_CLUSTER_SERVER}) or name (e.g. ${IN_CLUSTER_NAME})` };
  const inCluster = clusters.find((c) => c.server === IN_CLUSTER_SERVER) ?? inClusterSpec();
  if (server) {
    if (server === IN_CLUSTER_SERVER) return { ok: true, cluster: inCluster, inCluster: true };
    const hit = clusters.find((c) => c.server === server);
    if (!hit) return { ok: false, message: `cluster ${server} is not registered: add it with \`plumb cluster add CONTEXT\` (a cluster Secret in the controller's clusters namespace)` };
    return { ok: true, cluster: hit, inCluster: false };
  }
  const named = clusters.filter((c) => c.name === name);
  if (named.length > 1) return { ok: false, message: `there are ${named.length} clusters named ${name} (${named.map((c) => c.server).join(", ")}): rename one of them, or use spec.destination.server` };
  if (named.length === 1) return { ok: true, cluster: named[0]!, inCluster: named[0]!.server === IN_CLUSTER_SERVER };
  if (name === IN_CLUSTER_NAME && inCluster.name === IN_CLUSTER_NAME) return { ok: true, cluster: inCluster, inCluster: true };
  return { ok: false, message: `there is no cluster named ${name}: add it with \`plumb cluster add CONTEXT --name ${name}\`, or use spec.destination.server` };
}

/** A cluster's credentials as KubeClient.fromCredentials takes them (base64 PEM decoded). */
export function credentialsOf(spec: ClusterSpec): ClusterCredentials {
  const c = spec.config;
  const tls = c.tlsClientConfig ?? {};
  const pem = (b64: string | undefined): string | undefined => (b64 ? Buffer.from(b64, "base64").toString("utf8") : undefined);
  const out: ClusterCredentials = {};
  if (c.bearerToken) out.bearerToken = c.bearerToken;
  if (c.username !== undefined) out.username = c.username;
  if (c.password !== undefined) out.password = c.password;
  const ca = pem(tls.caData);
  const cert = pem(tls.certData);
  const key = pem(tls.keyData);
  if (ca) out.ca = ca;
  if (cert) out.cert = cert;
  if (key) out.key = key;
  if (tls.insecure) out.insecure = true;
  if (tls.serverName) out.serverName = tls.serverName;
  return out;
}
