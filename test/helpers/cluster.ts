/**
 * e2e helpers around a local cluster: a plumb client for it, a stand-in ingress controller (the local
 * cluster has none, and Argo CD's rule keeps an Ingress Progressing until it has a load-balancer address),
 * and an observer that samples objects' existence and health while a sync runs.
 */
import { KubeClient } from "../../src/cluster/client.js";
import { UnknownKindError } from "../../src/cluster/discovery.js";
import { Resources, type ObjectRef } from "../../src/cluster/resources.js";
import { sleep } from "../../src/core/concurrency.js";
import type { KubeObject } from "../../src/core/object.js";
import { assessHealth, type HealthStatus } from "../../src/health/index.js";
import type { LocalCluster } from "../../src/localcluster/cluster.js";

export async function resourcesFor(cluster: LocalCluster): Promise<Resources> {
  return new Resources(await KubeClient.fromKubeConfig(cluster.kubeConfig));
}

/** Sets status.loadBalancer.ingress on every Ingress in `namespace` until stopped, as an ingress controller would. */
export function fakeIngressController(resources: Resources, namespace: string): () => Promise<void> {
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const list = await resources.list("networking.k8s.io/v1", "Ingress", { namespace });
        for (const ing of list.items) {
          const lb = (ing.status as { loadBalancer?: { ingress?: unknown[] } } | undefined)?.loadBalancer?.ingress;
          if (lb && lb.length > 0) continue;
          await resources.client.request({
            method: "PATCH",
            path: `/apis/networking.k8s.io/v1/namespaces/${namespace}/ingresses/${ing.metadata.name}/status`,
            contentType: "application/merge-patch+json",
            body: { status: { loadBalancer: { ingress: [{ ip: "127.0.0.1" }] } } },
          });
        }
      } catch {
        // the namespace may not exist yet
      }
      await sleep(100);
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

export interface Sample {
  at: number;
  /** By "Kind/name": undefined when absent, else the health status ("none" for kinds without health). */
  state: Map<string, HealthStatus | "none" | undefined>;
}

/** Samples the given objects back to back until stopped. */
export function observe(resources: Resources, refs: Array<ObjectRef & { label: string }>): () => Promise<Sample[]> {
  let running = true;
  const samples: Sample[] = [];
  const loop = (async () => {
    while (running) {
      const state = new Map<string, HealthStatus | "none" | undefined>();
      await Promise.all(
        refs.map(async (r) => {
          // A kind the observer's discovery does not know yet (a CRD created mid-sync) is looked up again
          // after a refresh, so "absent" always means absent, never "not in a stale discovery cache".
          const live: KubeObject | undefined = await resources.get(r).catch(async (err: unknown) => {
            if (!(err instanceof UnknownKindError)) return undefined;
            await resources.discovery.refresh();
            return resources.get(r).catch(() => undefined);
          });
          state.set(r.label, live ? (assessHealth(live)?.status ?? "none") : undefined);
        }),
      );
      samples.push({ at: Date.now(), state });
      await sleep(20);
    }
  })();
  return async () => {
    running = false;
    await loop;
    return samples;
  };
}
