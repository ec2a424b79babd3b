/**
 * The cross-object checks about availability of replicated workloads: a PodDisruptionBudget and a host
 * podAntiAffinity for Deployments and StatefulSets that run more than one replica, a StatefulSet's governing
 * Service, and PodDisruptionBudgets that say how many pods may go.
 *
 * "More than one replica" is spec.replicas > 1, or an HPA in the app scales the workload. kube-score checks
 * a workload with spec.replicas unset too (it may be scaled by an HPA kube-score cannot see); plumb sees the
 * app's HPAs, and a workload with neither replicas nor an HPA runs one pod, for which a PDB only blocks drains.
 * kube-score grades a missing PDB critical; plumb makes it a warning (a PDB is advice, not a defect that
 * stops a sync), as the anti-affinity check is in kube-score.
 *
 * Pure: imports nothing that does I/O.
 */
import type { KubeObject } from "../../core/object.js";
import type { Finding } from "../findings.js";
import { arr, finding, isObj, labelsOf, mapSelectorMatches, nsOf, obj, podTemplateOf, replicasOf, selectorMatches, str, type ObjectSet } from "./model.js";

const replicated = (o: KubeObject, set: ObjectSet): boolean => {
  const r = replicasOf(o, set);
  return r === "scaled" || r > 1;
};

function pdbFindings(o: KubeObject, set: ObjectSet, id: string): Finding[] {
  const t = podTemplateOf(o);
  if (!t || !replicated(o, set)) return [];
  const covered = set.byKind("policy", "PodDisruptionBudget").some((p) => {
    const sel = obj(p.spec).selector;
    return nsOf(p) === nsOf(o) && isObj(sel) && selectorMatches(sel, t.labels);
  });
  if (covered) return [];
  return [finding(id, o, "spec.template.metadata.labels", `${o.kind} ${o.metadata.name}: runs several replicas but no PodDisruptionBudget of this app selects its pods, so a node drain may stop them all at once; add one`)];
}

function antiAffinityFindings(o: KubeObject, set: ObjectSet, id: string): Finding[] {
  const t = podTemplateOf(o);
  if (!t || !replicated(o, set)) return [];
  const anti = obj(obj(t.spec.affinity).podAntiAffinity);
  const terms = [
    ...arr(anti.requiredDuringSchedulingIgnoredDuringExecution).map(obj),
    ...arr(anti.preferredDuringSchedulingIgnoredDuringExecution).map((p) => obj(obj(p).podAffinityTerm)),
  ];
  const ok = terms.some((term) => term.topologyKey === "kubernetes.io/hostname" && isObj(term.labelSelector) && selectorMatches(term.labelSelector, t.labels));
  if (ok) return [];
  return [finding(id, o, "spec.template.spec.affinity.podAntiAffinity", `${o.kind} ${o.metadata.name}: no podAntiAffinity on kubernetes.io/hostname selects its own pods, so several replicas may land on one node; add a preferred anti-affinity term`)];
}

function serviceNameFindings(o: KubeObject, set: ObjectSet): Finding[] {
  const t = podTemplateOf(o);
  if (!t) return [];
  const name = str(obj(o.spec).serviceName);
  if (!name) return [finding("statefulset-has-servicename", o, "spec.serviceName", `StatefulSet ${o.metadata.name}: spec.serviceName is not set; name a headless Service that selects its pods, so each pod gets a stable DNS name`)];
  const svc = set.find("", "Service", nsOf(o), name);
  const spec = obj(svc?.spec);
  if (!svc || spec.clusterIP !== "None" || !mapSelectorMatches(labelsOf(spec.selector), t.labels)) {
    const why = !svc ? "is not in this app" : spec.clusterIP !== "None" ? "is not headless (clusterIP: None)" : "does not select the StatefulSet's pods";
    return [finding("statefulset-has-servicename", o, "spec.serviceName", `StatefulSet ${o.metadata.name}: its Service ${name} ${why}; point serviceName at a headless Service that selects its pods`)];
  }
  return [];
}

function pdbPolicyFindings(p: KubeObject): Finding[] {
  const spec = obj(p.spec);
  if (spec.minAvailable !== undefined || spec.maxUnavailable !== undefined) return [];
  return [finding("poddisruptionbudget-has-policy", p, "spec", `PodDisruptionBudget ${p.metadata.name}: sets neither minAvailable nor maxUnavailable; set one of them`)];
}

/** Every finding about the availability of the set's Deployments and StatefulSets, and its PDBs. */
export function workloadFindings(set: ObjectSet): Finding[] {
  const deployments = set.byKind("apps", "Deployment");
  const statefulSets = set.byKind("apps", "StatefulSet");
  return [
    ...deployments.flatMap((d) => [...pdbFindings(d, set, "deployment-has-poddisruptionbudget"), ...antiAffinityFindings(d, set, "deployment-has-host-podantiaffinity")]),
    ...statefulSets.flatMap((s) => [...pdbFindings(s, set, "statefulset-has-poddisruptionbudget"), ...antiAffinityFindings(s, set, "statefulset-has-host-podantiaffinity"), ...serviceNameFindings(s, set)]),
    ...set.byKind("policy", "PodDisruptionBudget").flatMap(pdbPolicyFindings),
  ];
}
