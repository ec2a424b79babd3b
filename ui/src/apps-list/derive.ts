/**
 * What the list needs of one app, worked out once: its facet values, its search text, its sort keys and
 * the fields a tile or row shows. Cached by the app object itself (a WeakMap): the live map keeps the same
 * object until the app changes, so 10,000 apps cost this once, and an update costs it for that app alone.
 */
import type { Application } from "../api/types";
import type { Facet } from "./query";

/** Health, worst first: the order of the health sort and of the health filter's values. */
export const HEALTH_ORDER = ["Degraded", "Missing", "Progressing", "Suspended", "Unknown", "Healthy"] as const;
/** Sync status, worst first. */
export const SYNC_ORDER = ["OutOfSync", "Unknown", "Synced"] as const;

export interface Derived {
  app: Application;
  name: string;
  /** Lower-cased name, for sorting without a collator. */
  sortName: string;
  namespace: string;
  project: string;
  sync: string;
  health: string;
  /** The first source's repository (spec.source, or the first of spec.sources). */
  repo: string;
  /** The first source's path, or its chart. */
  path: string;
  destServer: string;
  destName: string;
  destNamespace: string;
  /** destination.server, or destination.name when no server is given. */
  cluster: string;
  revision: string;
  /** status.operationState.finishedAt in ms since the epoch (undefined: never finished). */
  finishedAt: number | undefined;
  running: boolean;
  conditions: number;
  firstCondition: string;
  labels: Readonly<Record<string, string>>;
  /** Every facet's values for this app (several for labels and for several sources' repositories). */
  values: Record<Facet, readonly string[]>;
  /** Lower-cased name, namespaces, repositories and paths: what the search box matches. */
  text: string;
  healthRank: number;
  syncRank: number;
}

const cache = new WeakMap<Application, Derived>();

function rank(order: readonly string[], v: string): number {
  const i = order.indexOf(v);
  return i < 0 ? order.length : i;
}

/** The derived fields of an app (computed on first ask, then cached for that object). */
export function derive(app: Application): Derived {
  let d = cache.get(app);
  if (!d) cache.set(app, (d = compute(app)));
  return d;
}

function compute(app: Application): Derived {
  const spec = app.spec ?? ({} as Application["spec"]);
  const status = app.status;
  const sources = spec.sources && spec.sources.length > 0 ? spec.sources : spec.source ? [spec.source] : [];
  const first = sources[0];
  const dest = spec.destination ?? {};
  const name = app.metadata.name;
  const namespace = app.metadata.namespace ?? "";
  const labels = app.metadata.labels ?? {};
  const sync = status?.sync?.status ?? "Unknown";
  const health = status?.health?.status ?? "Unknown";
  const project = spec.project || "default";
  const destServer = dest.server ?? "";
  const destName = dest.name ?? "";
  const cluster = destServer || destName;
  const destNamespace = dest.namespace ?? "";
  const repos = [...new Set(sources.map((s) => s.repoURL).filter((r): r is string => !!r))];
  const paths = sources.map((s) => s.path || s.chart || "").filter((p) => p !== "");
  const finished = status?.operationState?.finishedAt;
  const finishedMs = finished ? Date.parse(finished) : NaN;
  const conditions = status?.conditions ?? [];
  return {
    app,
    name,
    sortName: name.toLowerCase(),
    namespace,
    project,
    sync,
    health,
    repo: first?.repoURL ?? "",
    path: first ? first.path || first.chart || "" : "",
    destServer,
    destName,
    destNamespace,
    cluster,
    revision: status?.sync?.revision ?? "",
    finishedAt: Number.isNaN(finishedMs) ? undefined : finishedMs,
    running: status?.operationState?.phase === "Running",
    conditions: conditions.length,
    firstCondition: conditions[0] ? `${conditions[0].type}: ${conditions[0].message}` : "",
    labels,
    values: {
      sync: [sync],
      health: [health],
      project: [project],
      namespace: destNamespace ? [destNamespace] : [],
      cluster: cluster ? [cluster] : [],
      labels: Object.entries(labels).map(([k, v]) => `${k}=${v}`),
      repo: repos,
    },
    text: [name, namespace, destNamespace, ...repos, ...paths].join("\n").toLowerCase(),
    healthRank: rank(HEALTH_ORDER, health),
    syncRank: rank(SYNC_ORDER, sync),
  };
}
