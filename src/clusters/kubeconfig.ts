/**
 * A cluster Secret from a kubeconfig context (`plumb cluster add CONTEXT`): the context's server URL and
 * its credentials — a client certificate and key, a bearer token or basic auth, the CA, insecure, the TLS
 * server name — copied into Argo CD's cluster `config`. Exec plugins and auth providers are refused: their
 * credentials are minted by a program on the user's machine, which the controller cannot run; the message
 * says what to use instead. Pure but for the file reader it is given.
 */
import { createHash } from "node:crypto";
import { UsageError } from "../core/errors.js";
import type { KubeObject } from "../core/object.js";
import { normalizeServer, type ClusterConfig } from "./secret.js";

/** The parts of a kubeconfig cluster entry read here (@kubernetes/client-node's Cluster). */
export interface KubeconfigCluster {
  name: string;
  server: string;
  caData?: string;
  caFile?: string;
  skipTLSVerify?: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
}

/** The parts of a kubeconfig user entry read here (@kubernetes/client-node's User). */
export interface KubeconfigUser {
  name: string;
  certData?: string;
  certFile?: string;
  keyData?: string;
  keyFile?: string;
  token?: string;
  username?: string;
  password?: string;
  exec?: unknown;
  authProvider?: unknown;
}

/**
 * Argo CD's cluster config for a kubeconfig context's cluster and user. `readFile` reads caFile, certFile
 * and keyFile (their content is embedded: the controller does not have the user's files).
 */
export function clusterConfigFromKubeconfig(context: string, cluster: KubeconfigCluster, user: KubeconfigUser | undefined, readFile: (path: string) => string): { server: string; config: ClusterConfig } {
  if (!user) throw new UsageError(`context ${context} has no user: plumb needs credentials to reach the cluster`, "add a user with a token or a client certificate to the context");
  const refused = user.exec ? "an exec plugin" : user.authProvider ? "an auth provider" : undefined;
  if (refused) {
    throw new UsageError(
      `context ${context} authenticates with ${refused} (user ${user.name}), whose credentials a program on this machine mints: the controller cannot run it`,
      "give the context a bearer token or a client certificate, e.g. a ServiceAccount token: kubectl -n kube-system create serviceaccount plumb-manager; kubectl create clusterrolebinding plumb-manager --clusterrole=cluster-admin --serviceaccount=kube-system:plumb-manager; kubectl -n kube-system create token plumb-manager --duration=8760h; then kubectl config set-credentials NAME --token=… and retry",
    );
  }
  if (cluster.proxyUrl) throw new UsageError(`context ${context}: cluster ${cluster.name} uses proxy-url, which plumb does not support`, "reach the API server without a proxy, or remove proxy-url");
  const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
  /** Inline data (base64 already) or a file's content, base64-encoded. */
  const data = (inline: string | undefined, file: string | undefined): string | undefined => inline || (file ? b64(readFile(file)) : undefined);
  const caData = data(cluster.caData, cluster.caFile);
  const certData = data(user.certData, user.certFile);
  const keyData = data(user.keyData, user.keyFile);
  if (Boolean(certData) !== Boolean(keyData)) throw new UsageError(`context ${context}: user ${user.name} has a client certificate without its key (or a key without its certificate)`, "give both client-certificate and client-key");
  const hasAuth = Boolean(user.token || certData || user.username);
  if (!hasAuth) throw new UsageError(`context ${context}: user ${user.name} has no token, client certificate or username`, "add credentials to the kubeconfig user");
  const tls: NonNullable<ClusterConfig["tlsClientConfig"]> = {
    ...(cluster.skipTLSVerify ? { insecure: true } : {}),
    ...(cluster.tlsServerName ? { serverName: cluster.tlsServerName } : {}),
    ...(caData && !cluster.skipTLSVerify ? { caData } : {}),
    ...(certData ? { certData } : {}),
    ...(keyData ? { keyData } : {}),
  };
  const config: ClusterConfig = {
    ...(user.token ? { bearerToken: user.token } : {}),
    ...(user.username && !user.token ? { username: user.username, password: user.password ?? "" } : {}),
    ...(Object.keys(tls).length > 0 ? { tlsClientConfig: tls } : {}),
  };
  return { server: normalizeServer(cluster.server), config };
}

/** Argo CD's Secret name for a cluster: `cluster-<host>-<hash of the URL>`. */
export function clusterSecretName(server: string): string {
  const host = server.replace(/^https?:\/\//, "").replace(/[:/].*$/, "").toLowerCase().replace(/[^-a-z0-9.]+/g, "-").replace(/^[-.]+|[-.]+$/g, "") || "cluster";
  return `cluster-${host}-${createHash("sha256").update(server).digest("hex").slice(0, 10)}`.slice(0, 253);
}

/** The cluster Secret `plumb cluster add` writes (labelled the Argo CD way, which plumb reads too). */
export function clusterSecret(opts: { namespace: string; name: string; server: string; config: ClusterConfig; labels?: Record<string, string>; namespaces?: string[]; project?: string }): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: "Opaque",
    metadata: {
      name: clusterSecretName(opts.server),
      namespace: opts.namespace,
      labels: { ...(opts.labels ?? {}), "argocd.argoproj.io/secret-type": "cluster" },
      annotations: { "plumb.dev/managed-by": "plumb cluster add" },
    },
    stringData: {
      name: opts.name,
      server: opts.server,
      config: JSON.stringify(opts.config),
      ...(opts.namespaces?.length ? { namespaces: opts.namespaces.join(",") } : {}),
      ...(opts.project ? { project: opts.project } : {}),
    },
  } as KubeObject;
}
