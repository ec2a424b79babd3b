/**
 * From an engine comparison and the live objects to the Application's status fields (pure): the sync
 * status and revision, one entry per resource with its own sync status and health, and the application's
 * health — the worst of its resources' (Missing for a desired object not there yet).
 */
import { keyOf, keyString, parseApiVersion, type KubeObject } from "../core/object.js";
import type { Comparison } from "../apps/builders.js";
import { sourceTypeName, type ApplicationSource, type ResourceStatus } from "../apps/index.js";
import type { AppComparison } from "../engine/compare.js";
import { assessHealth, missingHealth, worstHealth, type HealthOverrides, type HealthResult } from "../health/index.js";
import { readWave } from "../sync/waves.js";

/**
 * What a comparison compared with: one source at commit `sha`, or (spec.sources) every source with its
 * revision — then `sha` is "" and `revisions`/`sources` are set, as Argo CD records a multi-source app.
 */
export interface Target {
  sha: string;
  source: ApplicationSource;
  revisions: string[] | undefined;
  sources: ApplicationSource[] | undefined;
}

/** The revision fields of a target, in Argo CD's names: `revision`/`source`, or `revisions`/`sources`. */
export function targetFields(t: Target): { revision: string; source?: ApplicationSource; revisions?: string[]; sources?: ApplicationSource[] } {
  return t.revisions && t.sources ? { revision: "", revisions: t.revisions, sources: t.sources } : { revision: t.sha, source: t.source };
}

/** A target for people: a short SHA, or each source's ("1a2b3c4, 5d6e7f8"). */
export function shownRevision(r: { revision?: string; revisions?: string[] | undefined }): string {
  return r.revision ? r.revision.slice(0, 7) : (r.revisions ?? []).map((x) => x.slice(0, 7)).join(", ");
}

/** The status of a comparison with `target`; `overrides` are users' health checks that win over the built-in ones. */
export function comparisonStatus(cmp: AppComparison, target: Target, destination: { server?: string; namespace?: string }, overrides?: HealthOverrides): Comparison {
  const versions = new Map<string, string>();
  for (const o of cmp.desired) versions.set(keyString(keyOf(o)), parseApiVersion(o.apiVersion).version);
  const healths: HealthResult[] = [];
  const resources: ResourceStatus[] = cmp.resources.map((r) => {
    const id = keyString(r.key);
    const live: KubeObject | undefined = cmp.live.get(id) ?? (r.status === "Extra" ? cmp.toPrune.find((o) => keyString(keyOf(o)) === id) : undefined);
    const health = r.status === "Missing" ? missingHealth() : live ? assessHealth(live, overrides) : undefined;
    if (health && r.status !== "Extra") healths.push(health);
    const desired = cmp.desired.find((o) => keyString(keyOf(o)) === id);
    const wave = desired ? readWave(desired) : undefined;
    return {
      group: r.key.group,
      version: versions.get(id) ?? (live ? parseApiVersion(live.apiVersion).version : ""),
      kind: r.key.kind,
      namespace: r.key.namespace,
      name: r.key.name,
      status: r.status === "Synced" ? "Synced" : "OutOfSync",
      ...(health ? { health: { status: health.status, ...(health.message ? { message: health.message } : {}) } } : {}),
      ...(r.status === "Extra" ? { requiresPruning: true } : {}),
      ...(wave && wave.ok && wave.wave !== 0 ? { syncWave: wave.wave } : {}),
    };
  });
  const health = worstHealth(healths);
  const images = [...new Set(cmp.desired.flatMap(imagesOf))].sort();
  return {
    sync: target.revisions ? { status: cmp.summary.status, revisions: target.revisions, comparedTo: { sources: target.sources ?? [], destination } } : { status: cmp.summary.status, revision: target.sha, comparedTo: { source: target.source, destination } },
    health: { status: health.status, ...(health.message ? { message: health.message } : {}) },
    resources,
    sourceType: cmp.renderType === "plugin" ? "Plugin" : sourceTypeName(cmp.renderType),
    ...(target.revisions ? { sourceTypes: cmp.renderTypes.map((t) => (t === "plugin" ? "Plugin" : sourceTypeName(t))) } : {}),
    ...(images.length ? { images } : {}),
  };
}

/** Container images of a workload's pod template (or a Pod's spec). */
function imagesOf(obj: KubeObject): string[] {
  const spec = obj.spec as { template?: { spec?: PodSpec }; jobTemplate?: { spec?: { template?: { spec?: PodSpec } } } } & PodSpec | undefined;
  const pod = spec?.template?.spec ?? spec?.jobTemplate?.spec?.template?.spec ?? (obj.kind === "Pod" ? spec : undefined);
  return [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])].map((c) => c.image).filter((i): i is string => typeof i === "string");
}

interface PodSpec {
  containers?: Array<{ image?: string }>;
  initContainers?: Array<{ image?: string }>;
}
