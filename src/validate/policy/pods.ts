/**
 * The per-pod-template checks: probes (which need the app's Services: a pod no Service sends traffic to
 * needs no readiness probe), topology spread constraints, a workload's selector against its own template,
 * and the CronJob checks.
 *
 * Probes follow kube-score's score/probes: one probe of each kind anywhere in the pod is enough; Jobs and
 * CronJobs are not checked (they serve no traffic); a pod no Service selects is not checked; a missing
 * readiness probe is an error, a missing liveness probe only info (kube-score's "almost OK": a liveness probe
 * is worth having only when the process can hang without exiting). kube-score also counts a pod with a
 * serviceAccountName as targeted by a Service; plumb does not (a service account says nothing about
 * traffic). Identical readiness and liveness probes are their own check, pod-probes-identical, as in
 * kube-score 1.16 and later.
 *
 * Pure: imports nothing that does I/O.
 */
import type { Finding } from "../findings.js";
import { arr, containersOf, finding, gk, isObj, join, key, labelsOf, mapSelectorMatches, nsOf, num, obj, selectorMatches, str, type ObjectSet, type PodTemplate } from "./model.js";

/** Whether a Service in the set selects this template's pods. */
export function targetedByService(t: PodTemplate, set: ObjectSet): boolean {
  return set.byKind("", "Service").some((s) => nsOf(s) === nsOf(t.object) && mapSelectorMatches(labelsOf(obj(s.spec).selector), t.labels));
}

/** What a probe checks, as one comparable string (undefined when it checks nothing recognisable). */
function probeTarget(p: unknown): string | undefined {
  if (!isObj(p)) return undefined;
  const http = obj(p.httpGet);
  if (isObj(p.httpGet)) return `http ${String(http.path ?? "/")} ${String(http.port)}`;
  if (isObj(p.tcpSocket)) return `tcp ${String(obj(p.tcpSocket).port)}`;
  if (isObj(p.grpc)) return `grpc ${String(obj(p.grpc).port)} ${String(obj(p.grpc).service ?? "")}`;
  if (isObj(p.exec)) return `exec ${JSON.stringify(arr(obj(p.exec).command))}`;
  return undefined;
}

function probeFindings(t: PodTemplate, set: ObjectSet): Finding[] {
  const k = gk(t.object);
  if (k === "batch/Job" || k === "batch/CronJob") return [];
  // the containers that can have probes: the app containers and restartable (sidecar) init containers
  const containers = containersOf(t).filter((c) => !c.init || c.c.restartPolicy === "Always");
  if (containers.length === 0) return [];
  const out: Finding[] = [];
  for (const c of containers) {
    const r = probeTarget(c.c.readinessProbe);
    if (r !== undefined && r === probeTarget(c.c.livenessProbe)) {
      out.push(finding("pod-probes-identical", t.object, join(c.path, "livenessProbe"), `container ${c.name}: the liveness probe checks the same thing as the readiness probe, so a slow dependency restarts the container instead of just taking it out of the Service; give liveness its own, simpler check or drop it`));
    }
  }
  if (!targetedByService(t, set)) return out;
  const first = containers[0]!;
  if (!containers.some((c) => isObj(c.c.readinessProbe))) {
    out.push(finding("pod-probes", t.object, join(first.path, "readinessProbe"), `no container has a readinessProbe, but a Service sends traffic to these pods; add one so traffic waits until the pod is ready and a failing rollout stops`));
  } else if (!containers.some((c) => isObj(c.c.livenessProbe))) {
    out.push(finding("pod-probes", t.object, join(first.path, "livenessProbe"), `no container has a livenessProbe; add one if the process can hang without exiting`, "info"));
  }
  return out;
}

function topologyFindings(t: PodTemplate): Finding[] {
  const out: Finding[] = [];
  arr(t.spec.topologySpreadConstraints).forEach((raw, i) => {
    const c = obj(raw);
    const problems: string[] = [];
    const skew = num(c.maxSkew);
    if (skew === undefined || skew <= 0) problems.push("maxSkew must be greater than 0");
    if (!str(c.topologyKey)) problems.push("topologyKey is not set");
    if (c.whenUnsatisfiable !== "DoNotSchedule" && c.whenUnsatisfiable !== "ScheduleAnyway") problems.push("whenUnsatisfiable must be DoNotSchedule or ScheduleAnyway");
    if (!isObj(c.labelSelector)) problems.push("labelSelector is not set, so the constraint counts no pods");
    if (problems.length > 0) out.push(finding("pod-topology-spread-constraints", t.object, join(t.path, "spec", `topologySpreadConstraints[${i}]`), `topology spread constraint ${i}: ${problems.join("; ")}`));
  });
  return out;
}

const SELECTOR_CHECK: Record<string, string> = {
  "apps/Deployment": "deployment-pod-selector-labels-match-template-metadata-labels",
  "apps/StatefulSet": "statefulset-pod-selector-labels-match-template-metadata-labels",
  "apps/DaemonSet": "workload-selector-labels",
  "apps/ReplicaSet": "workload-selector-labels",
};

function selectorFindings(t: PodTemplate): Finding[] {
  const id = SELECTOR_CHECK[gk(t.object)];
  const selector = obj(t.object.spec).selector;
  if (!id || !isObj(selector)) return []; // a missing selector is the schema check's (schema-required)
  if (selectorMatches(selector, t.labels)) return [];
  const want = labelsOf(selector.matchLabels);
  const differing = Object.entries(want).find(([k, v]) => t.labels[k] !== v);
  const path = differing ? key(join(t.path, "metadata", "labels"), differing[0]) : join(t.path, "metadata", "labels");
  const detail = differing ? `selector wants ${differing[0]}=${differing[1]}, the template has ${t.labels[differing[0]] === undefined ? "no such label" : `${differing[0]}=${t.labels[differing[0]]}`}` : "its matchExpressions do not select the template's labels";
  return [finding(id, t.object, path, `${t.object.kind} ${t.object.metadata.name}: spec.selector does not match its own pod template (${detail}); the API server rejects it, make the two agree`)];
}

function cronJobFindings(t: PodTemplate): Finding[] {
  if (gk(t.object) !== "batch/CronJob") return [];
  const out: Finding[] = [];
  if (num(obj(t.object.spec).startingDeadlineSeconds) === undefined) {
    out.push(finding("cronjob-has-deadline", t.object, "spec.startingDeadlineSeconds", `CronJob ${t.object.metadata.name}: spec.startingDeadlineSeconds is not set, so a run missed while the controller was down may start much later; set a deadline`));
  }
  const rp = t.spec.restartPolicy;
  if (rp !== "OnFailure" && rp !== "Never") {
    out.push(finding("cronjob-restartpolicy", t.object, join(t.path, "spec", "restartPolicy"), `CronJob ${t.object.metadata.name}: restartPolicy is ${rp === undefined ? "not set (Always)" : String(rp)}; a Job's pods must use OnFailure or Never`));
  }
  return out;
}

/** Every per-template finding except the per-container ones. */
export function podFindings(t: PodTemplate, set: ObjectSet): Finding[] {
  return [...probeFindings(t, set), ...topologyFindings(t), ...selectorFindings(t), ...cronJobFindings(t)];
}
