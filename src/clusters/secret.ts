/**
 * Destination clusters, declared as Argo CD declares them
 * (https://argo-cd.readthedocs.io/en/stable/operator-manual/declarative-setup/#clusters): a Secret labelled
 * `argocd.argoproj.io/secret-type: cluster` (or `plumb.dev/secret-type: cluster`) with data keys
 *
 * - `name`: the name `destination.name` refers to;
 * - `server`: the API server URL `destination.server` refers to;
 * - `config`: JSON — `bearerToken`, `username`/`password`, `tlsClientConfig` {`caData`, `certData`,
 *   `keyData` (base64 PEM), `insecure`, `serverName`};
 * - `namespaces` (comma-separated) and `clusterResources`: which namespaces and whether cluster-scoped kinds
 *   plumb may manage there; `project`: the AppProject the cluster belongs to.
 *
 * The in-cluster destination (`https://kubernetes.default.svc`, name `in-cluster`) is the cluster plumb
 * itself runs against and needs no Secret; a Secret for that URL overrides its name and settings.
 *
 * Pure: no I/O. Problems never contain secret values.
 */
import { z } from "zod";
import type { KubeObject } from "../core/object.js";
import { secretData, truthy } from "../core/secret.js";
import { SECRET_TYPE_LABELS } from "../git/credentials.js";

/** The URL and name that stand for the cluster plumb runs against. */
export const IN_CLUSTER_SERVER = "https://kubernetes.default.svc";
export const IN_CLUSTER_NAME = "in-cluster";

/** How plumb authenticates to a cluster: Argo CD's cluster `config`. */
export const ClusterConfig = z
  .object({
    bearerToken: z.string().optional(),
    username: z.string().optional(),
    password: z.string().optional(),
    tlsClientConfig: z
      .object({
        insecure: z.boolean().optional(),
        serverName: z.string().optional(),
        caData: z.string().optional(),
        certData: z.string().optional(),
        keyData: z.string().optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();
export type ClusterConfig = z.infer<typeof ClusterConfig>;

/** Argo CD config keys plumb does not support: reported, never silently ignored. */
const UNSUPPORTED_CONFIG = ["execProviderConfig", "awsAuthConfig", "proxyUrl", "disableCompression"];
const KNOWN_DATA = new Set(["name", "server", "config", "namespaces", "clusterResources", "project", "shard"]);

/** One destination cluster. */
export interface ClusterSpec {
  /** The name `destination.name` refers to (default: the server URL). */
  name: string;
  /** The API server URL, without a trailing slash. */
  server: string;
  config: ClusterConfig;
  /** Namespaces plumb may manage there; empty: all. */
  namespaces: string[];
  /** Whether cluster-scoped kinds may be managed (Argo CD: true unless namespaces are listed). */
  clusterResources: boolean;
  /** The project the cluster is scoped to, if any. */
  project?: string;
  /** The Secret's labels and annotations, for the ApplicationSet clusters generator. */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** namespace/name of the Secret it came from. */
  secret: string;
}

export interface ParsedClusterSecret {
  cluster?: ClusterSpec;
  problems: string[];
}

/** Whether the Secret is labelled as a cluster Secret. */
export function isClusterSecret(secret: KubeObject): boolean {
  const labels = secret.metadata?.labels ?? {};
  return SECRET_TYPE_LABELS.some((l) => labels[l] === "cluster");
}

/** A server URL in the form destinations compare: no trailing slash. */
export function normalizeServer(server: string): string {
  return server.trim().replace(/\/+$/, "");
}

/** Reads one Secret; undefined when it is not a cluster Secret. */
export function parseClusterSecret(secret: KubeObject): ParsedClusterSecret | undefined {
  if (!isClusterSecret(secret)) return undefined;
  const d = secretData(secret);
  const problems: string[] = [];
  const server = d.server ? normalizeServer(d.server) : "";
  if (!server) return { problems: ["has no server: add the key server (the cluster's API server URL)"] };
  if (!/^https?:\/\//.test(server)) return { problems: [`server ${JSON.stringify(server)} is not an http(s) URL`] };
  let config: ClusterConfig = {};
  if (d.config !== undefined && d.config.trim() !== "") {
    let raw: unknown;
    try {
      raw = JSON.parse(d.config);
    } catch {
      return { problems: ["config is not valid JSON (Argo CD's cluster config: bearerToken, tlsClientConfig, …)"] };
    }
    const parsed = ClusterConfig.safeParse(raw);
    if (!parsed.success) return { problems: [`config is not Argo CD's cluster config: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`] };
    config = parsed.data;
    for (const k of UNSUPPORTED_CONFIG) if (k in config) problems.push(`config.${k} is not supported and is ignored`);
  }
  for (const k of Object.keys(d)) if (!KNOWN_DATA.has(k)) problems.push(`unknown key ${k} is ignored`);
  if (d.shard !== undefined) problems.push("key shard is ignored (plumb shards by application)");
  const namespaces = (d.namespaces ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const meta = secret.metadata ?? {};
  return {
    cluster: {
      name: d.name?.trim() || (server === IN_CLUSTER_SERVER ? IN_CLUSTER_NAME : server),
      server,
      config,
      namespaces,
      clusterResources: d.clusterResources !== undefined ? truthy(d.clusterResources) : namespaces.length === 0,
      ...(d.project ? { project: d.project.trim() } : {}),
      labels: { ...(meta.labels ?? {}) },
      annotations: { ...(meta.annotations ?? {}) },
      secret: `${meta.namespace ?? ""}/${meta.name ?? ""}`,
    },
    problems,
  };
}
