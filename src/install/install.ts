/**
 * Installs plumb into a cluster through plumb's own client: server-side apply of every object of the base
 * (manifests.ts) with field manager `plumb-install`, then waits until each Deployment is Available (its
 * Available condition True for the current generation). Nothing is pruned: an install only adds or
 * updates. The first failed apply stops the install and is reported with the object it concerns.
 *
 * Owns: applying the install manifests and waiting. Must not import: controller/, server/.
 */
import type { Resources } from "../cluster/resources.js";
import type { KubeObject } from "../core/object.js";
import { PlumbError } from "../core/errors.js";
import { installOrder } from "./manifests.js";

export interface InstallOptions {
  /** How long the Deployments may take to become Available. */
  timeoutMs: number;
  /** Told of each applied object and of progress. */
  progress?: (line: string) => void;
}

const nameOf = (o: KubeObject): string => `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`;

/** Applies `objects` and waits for their Deployments; resolves with the applied objects' names. */
export async function install(resources: Resources, objects: readonly KubeObject[], opts: InstallOptions): Promise<string[]> {
  const applied: string[] = [];
  for (const o of installOrder(objects)) {
    try {
      await resources.apply(o, { fieldManager: "plumb-install" });
    } catch (err) {
      throw new PlumbError(`installing ${nameOf(o)} failed: ${(err as Error).message}`, "check that your kubeconfig's user may create cluster-wide RBAC and CRDs (cluster-admin), then run plumb install again (it is idempotent)");
    }
    applied.push(nameOf(o));
    opts.progress?.(`applied ${nameOf(o)}`);
  }
  const deployments = objects.filter((o) => o.kind === "Deployment");
  const deadline = Date.now() + opts.timeoutMs;
  for (const d of deployments) {
    for (;;) {
      const live = (await resources.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: d.metadata.namespace!, name: d.metadata.name })) as
        | (KubeObject & { status?: { observedGeneration?: number; conditions?: Array<{ type: string; status: string; message?: string }> } })
        | undefined;
      const available = live?.status?.conditions?.find((c) => c.type === "Available");
      if (live && available?.status === "True" && (live.status?.observedGeneration ?? 0) >= (live.metadata.generation ?? 0)) break;
      if (Date.now() > deadline) throw new PlumbError(`${nameOf(d)} is not Available after ${opts.timeoutMs / 1000} s${available?.message ? `: ${available.message}` : ""}`, `see kubectl -n ${d.metadata.namespace} describe deployment ${d.metadata.name} (is the image pullable? --image sets it)`);
      await new Promise((r) => setTimeout(r, 500));
    }
    opts.progress?.(`${nameOf(d)} is Available`);
  }
  return applied;
}
