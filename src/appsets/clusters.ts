/**
 * The clusters an ApplicationSet's clusters generator sees: the cluster Secrets of the controller's Secret
 * informers (both secret-type labels), parsed (clusters/secret.ts), one per namespace/name, sorted by name.
 *
 * Until every one of those informers has listed once, the source refuses to answer (PendingError) rather
 * than answer "no clusters": a set reconciled on an unsynced cache would plan the deletion of every
 * Application its clusters generator made (Argo CD #18480). The reconcile then touches nothing and runs
 * again when the Secrets arrive.
 *
 * Pure over the informers' caches: reads them, never the API.
 */
import type { Informer } from "../cluster/informer.js";
import { parseClusterSecret, type ClusterSpec } from "../clusters/secret.js";
import { PendingError } from "./params.js";

/** The label selectors of the cluster-Secret informers: Argo CD's and plumb's secret-type label. */
export const CLUSTER_SECRET_SELECTORS = ["argocd.argoproj.io/secret-type=cluster", "plumb.dev/secret-type=cluster"];

/**
 * The clusters of `informers`, read at each call; throws PendingError while there is no informer yet or one
 * has not synced. Secrets with problems that leave no cluster are skipped.
 */
export function clusterSource(informers: () => readonly Pick<Informer, "hasSynced" | "list">[]): () => ClusterSpec[] {
  return () => {
    const all = informers();
    if (all.length === 0 || !all.every((i) => i.hasSynced)) throw new PendingError("the cluster Secrets' cache to sync");
    const seen = new Set<string>();
    const out: ClusterSpec[] = [];
    for (const inf of all)
      for (const s of inf.list()) {
        const key = `${s.metadata.namespace}/${s.metadata.name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const parsed = parseClusterSecret(s);
        if (parsed?.cluster) out.push(parsed.cluster);
      }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  };
}
