/**
 * Clusters as the CLI and the API show them, in Argo CD's shape (its `v1alpha1.Cluster` without `config`):
 * server, name, namespaces, clusterResources, project, labels, annotations, connectionState,
 * serverVersion and `info` — from the cluster Secrets and the controller's status record (state.ts).
 * Never a credential: `config` is not part of it. `ClusterCatalog` keeps both in watch caches for the
 * API server; `readClusters` reads them once (the CLI's --core mode).
 */
import { InformerFactory, type Informer } from "../cluster/informer.js";
import type { Resources } from "../cluster/resources.js";
import type { KubeObject } from "../core/object.js";
import { SECRET_TYPE_LABELS } from "../git/credentials.js";
import { inClusterSpec } from "./resolve.js";
import { IN_CLUSTER_SERVER, parseClusterSecret, type ClusterSpec } from "./secret.js";
import { CLUSTER_STATUS_CONFIGMAP, CLUSTER_STATUS_LABEL, readClusterStates, type ClusterState } from "./state.js";

export interface ClusterInfo {
  server: string;
  name: string;
  namespaces: string[];
  clusterResources: boolean;
  project?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  connectionState: { status: string; message: string; attemptedAt?: string };
  serverVersion?: string;
  info: {
    connectionState: { status: string; message: string; attemptedAt?: string };
    serverVersion?: string;
    applicationsCount: number;
    cacheInfo: { apisCount: number; cached: boolean };
  };
  /** namespace/name of the Secret; absent for the implicit in-cluster destination. */
  secret?: string;
  /** Problems of the Secret (unknown keys, unsupported config), never its values. */
  problems?: string[];
}

/** One cluster's view from its spec and recorded state. */
export function clusterInfo(spec: ClusterSpec, state: ClusterState | undefined, problems: string[] = []): ClusterInfo {
  const connectionState = state?.connectionState ?? { status: "Unknown", message: "the controller has not recorded this cluster's state (is it running with this clusters namespace?)" };
  return {
    server: spec.server,
    name: spec.name,
    namespaces: spec.namespaces,
    clusterResources: spec.clusterResources,
    ...(spec.project ? { project: spec.project } : {}),
    labels: spec.labels,
    annotations: spec.annotations,
    connectionState,
    ...(state?.serverVersion ? { serverVersion: state.serverVersion } : {}),
    info: {
      connectionState,
      ...(state?.serverVersion ? { serverVersion: state.serverVersion } : {}),
      applicationsCount: state?.applicationsCount ?? 0,
      cacheInfo: { apisCount: state?.watchedKinds ?? 0, cached: state?.cached ?? false },
    },
    ...(spec.secret ? { secret: spec.secret } : {}),
    ...(problems.length > 0 ? { problems } : {}),
  };
}

/** Every cluster: the in-cluster destination first (its Secret's settings if there is one), then the Secrets' by name. */
export function clusterInfos(secrets: readonly KubeObject[], statusConfigMap: KubeObject | undefined): ClusterInfo[] {
  const states = readClusterStates(statusConfigMap);
  const parsed = dedupe(secrets).flatMap((s) => {
    const p = parseClusterSecret(s);
    return p?.cluster ? [{ spec: p.cluster, problems: p.problems }] : [];
  });
  const inCluster = parsed.find((p) => p.spec.server === IN_CLUSTER_SERVER) ?? { spec: inClusterSpec(), problems: [] };
  const rest = parsed.filter((p) => p.spec.server !== IN_CLUSTER_SERVER).sort((a, b) => a.spec.name.localeCompare(b.spec.name));
  return [inCluster, ...rest].map((p) => clusterInfo(p.spec, states.get(p.spec.server), p.problems));
}

/** The cluster a server URL or a name names, among `clusters`. */
export function findCluster(clusters: readonly ClusterInfo[], serverOrName: string): ClusterInfo | undefined {
  const s = serverOrName.replace(/\/+$/, "");
  return clusters.find((c) => c.server === s) ?? clusters.find((c) => c.name === serverOrName);
}

function withoutConfig(o: KubeObject): KubeObject {
  if (o.kind !== "Secret" && !o.data) return o;
  const { config: _c, ...data } = (o.data ?? {}) as Record<string, string>;
  const { config: _s, ...stringData } = (o.stringData ?? {}) as Record<string, string>;
  return { ...o, data, ...(o.stringData ? { stringData } : {}) };
}

function dedupe(secrets: readonly KubeObject[]): KubeObject[] {
  const seen = new Map<string, KubeObject>();
  for (const s of secrets) seen.set(`${s.metadata.namespace}/${s.metadata.name}`, s);
  return [...seen.values()];
}

/** Reads the cluster Secrets and the status record of `namespace` once. */
export async function readClusters(resources: Resources, namespace: string): Promise<ClusterInfo[]> {
  const lists = await Promise.all(SECRET_TYPE_LABELS.map((l) => resources.list("v1", "Secret", { namespace, labelSelector: `${l}=cluster` })));
  const cm = await resources.get({ apiVersion: "v1", kind: "ConfigMap", namespace, name: CLUSTER_STATUS_CONFIGMAP });
  return clusterInfos(lists.flatMap((l) => l.items), cm);
}

/** The same from watch caches (the API server: no list per request). */
export class ClusterCatalog {
  private readonly factory: InformerFactory;
  private secretInformers: Informer[] = [];
  private status?: Informer;

  constructor(
    resources: Resources,
    readonly namespace: string,
  ) {
    // Credentials are never held here: the config key is dropped as the objects arrive.
    this.factory = new InformerFactory(resources, { namespace, transform: withoutConfig });
  }

  async start(): Promise<void> {
    this.secretInformers = await Promise.all(SECRET_TYPE_LABELS.map((l) => this.factory.ensure("v1", "Secret", { labelSelector: `${l}=cluster` })));
    this.status = await this.factory.ensure("v1", "ConfigMap", { labelSelector: CLUSTER_STATUS_LABEL });
    await this.factory.waitForSync();
  }

  list(): ClusterInfo[] {
    return clusterInfos(
      this.secretInformers.flatMap((i) => i.list()),
      this.status?.list().find((c) => c.metadata.name === CLUSTER_STATUS_CONFIGMAP),
    );
  }

  stop(): Promise<void> {
    return this.factory.stop();
  }
}
