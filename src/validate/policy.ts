/**
 * kube-score-like policy checks on one app's rendered objects (`plumb validate`, issue 12). The checks are
 * listed in policy/checks.ts (POLICY_CHECKS: id, severity, description) and implemented by family:
 * policy/containers.ts (per container), policy/pods.ts (per pod template), policy/network.ts and
 * policy/workloads.ts (across the objects of the app), policy/meta.ts (per object).
 *
 * policyFindings indexes the objects once, runs every family, then drops the findings switched off:
 * per run by `opts.skip` (the --skip ids), per object by the annotation `plumb.dev/validate-skip: "id1,id2"`
 * or kube-score's `kube-score/ignore: "id1,id2"`, read from the object's metadata and, for a workload, from
 * its pod template's metadata too (kube-score reads both). A finding is about the object it names, so a
 * Service's selector that matches nothing is switched off on the Service, a missing PDB on the Deployment.
 *
 * Pure: imports nothing that does I/O.
 */
import type { KubeObject } from "../core/object.js";
import type { Finding } from "./findings.js";
import { POLICY_CHECKS, type PolicyCheck } from "./policy/checks.js";
import { containerFindings } from "./policy/containers.js";
import { metaFindings } from "./policy/meta.js";
import { indexObjects, podTemplateOf } from "./policy/model.js";
import { networkFindings } from "./policy/network.js";
import { podFindings } from "./policy/pods.js";
import { workloadFindings } from "./policy/workloads.js";

export { POLICY_CHECKS, type PolicyCheck };

/** The annotations that switch checks off on one object. */
export const SKIP_ANNOTATIONS = ["plumb.dev/validate-skip", "kube-score/ignore"] as const;

/** The check ids an object switches off (its own annotations and its pod template's). */
export function skippedOn(o: KubeObject): Set<string> {
  const out = new Set<string>();
  const t = podTemplateOf(o);
  for (const annotations of [o.metadata?.annotations ?? {}, t?.annotations ?? {}]) {
    for (const a of SKIP_ANNOTATIONS) {
      const v = annotations[a];
      if (typeof v === "string") for (const id of v.split(",")) if (id.trim()) out.add(id.trim());
    }
  }
  return out;
}

/**
 * Findings for one app's rendered objects (cross-object checks need the whole set); honours the skip
 * annotations; `skip` = the run's --skip ids. Findings carry check, severity, message, object and path;
 * the caller fills in app, file and line.
 */
export function policyFindings(objects: readonly KubeObject[], opts: { skip?: ReadonlySet<string> } = {}): Finding[] {
  const set = indexObjects(objects);
  const all: Finding[] = [
    ...set.templates.flatMap((t) => [...containerFindings(t), ...podFindings(t, set)]),
    ...networkFindings(set),
    ...workloadFindings(set),
    ...set.objects.filter((o) => typeof o?.kind === "string" && typeof o.metadata === "object" && o.metadata !== null).flatMap(metaFindings),
  ];
  const skip = opts.skip ?? new Set<string>();
  const byObject = new Map<string, Set<string>>();
  for (const o of set.objects) {
    if (typeof o?.metadata !== "object" || o.metadata === null) continue;
    const s = skippedOn(o);
    if (s.size > 0) byObject.set(refKey(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name), s);
  }
  return all.filter((f) => {
    if (skip.has(f.check)) return false;
    const o = f.object;
    return !(o && byObject.get(refKey(o.apiVersion, o.kind, o.namespace, o.name))?.has(f.check));
  });
}

const refKey = (apiVersion: string, kind: string, namespace: string | undefined, name: string): string => `${apiVersion}/${kind}/${namespace ?? ""}/${name}`;
