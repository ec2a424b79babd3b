/**
 * Installing the CRDs: server-side apply of each (field manager `plumb`, so re-running after an upgrade
 * updates them in place), then a poll until the API server reports every one Established — only then can
 * Applications be created and watched. Discovery is refreshed at the end so the same Resources sees the
 * new kinds at once.
 */
import type { ObjectRef, Resources } from "../cluster/resources.js";
import { sleep } from "../core/concurrency.js";
import { PlumbError } from "../core/errors.js";
import type { KubeObject } from "../core/object.js";
import { allCRDs } from "./crd.js";

export interface InstallOptions {
  /** Also install Argo CD's group (argoproj.io), so Argo CD Applications are accepted unchanged. */
  argoCompat: boolean;
  /** More CRDs per group (appsets/crd.ts), installed and waited for the same way. */
  extra?: (group: string) => KubeObject[];
  /** How long to wait for Established, in milliseconds (default 30000). */
  timeoutMs: number;
  /** Time between polls, in milliseconds (default 100). */
  pollMs: number;
}

/** The defaults: plumb's group only, 30 s to become Established. */
export function defaultInstallOptions(): InstallOptions {
  return { argoCompat: false, timeoutMs: 30_000, pollMs: 100 };
}

interface CrdStatus {
  conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
}

/** The condition of the CRD that says why it is not established yet, for the error message. */
function pending(status: CrdStatus | undefined): string {
  const conds = status?.conditions ?? [];
  const bad = conds.filter((c) => c.status !== "True").map((c) => `${c.type}=${c.status}${c.message ? ` (${c.message})` : ""}`);
  return bad.length ? bad.join(", ") : "no Established condition yet";
}

/**
 * Applies the Application and AppProject CRDs (and `extra`'s) and waits until the API server serves them. Resolves with
 * the names of the CRDs; throws PlumbError naming those that did not become Established in time.
 */
export async function installCRDs(resources: Resources, opts: Partial<InstallOptions> = {}): Promise<string[]> {
  const o = { ...defaultInstallOptions(), ...opts };
  const crds = allCRDs({ argoCompat: o.argoCompat, ...(o.extra ? { extra: o.extra } : {}) });
  for (const crd of crds) await resources.apply(crd);
  const names = crds.map((c) => c.metadata.name);
  const waiting = new Map<string, string>(names.map((n) => [n, "not read yet"]));
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    for (const name of [...waiting.keys()]) {
      const ref: ObjectRef = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name };
      const live = await resources.get(ref);
      const status = live?.status as CrdStatus | undefined;
      if (status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) waiting.delete(name);
      else waiting.set(name, live ? pending(status) : "not found");
    }
    if (waiting.size === 0) break;
    if (Date.now() > deadline) {
      const list = [...waiting].map(([n, why]) => `${n}: ${why}`).join("; ");
      throw new PlumbError(`CRDs not established within ${Math.round(o.timeoutMs / 1000)} s: ${list}`, "check the API server's log, or `kubectl describe crd NAME`");
    }
    await sleep(o.pollMs);
  }
  // Established is not yet served: the API server's discovery document follows a moment later, and a
  // caller that applies an Application right away must find its kind.
  const kinds = crds.map((c) => {
    const spec = c.spec as { group: string; names: { kind: string }; versions: Array<{ name: string }> };
    return { apiVersion: `${spec.group}/${spec.versions[0]!.name}`, kind: spec.names.kind };
  });
  for (;;) {
    await resources.discovery.refresh();
    const missing: string[] = [];
    for (const k of kinds) if (!(await resources.discovery.resourceFor(k.apiVersion, k.kind).then(() => true, () => false))) missing.push(`${k.apiVersion} ${k.kind}`);
    if (missing.length === 0) break;
    if (Date.now() > deadline) throw new PlumbError(`CRDs established but not served by discovery within ${Math.round(o.timeoutMs / 1000)} s: ${missing.join(", ")}`, "check the API server's log");
    await sleep(o.pollMs);
  }
  return names;
}
