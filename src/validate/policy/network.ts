/**
 * The cross-object checks about traffic and scaling: a Service selects a pod template in the app, an
 * Ingress's backends are Services of the app with the port named, a NetworkPolicy selects some pod, an HPA
 * scales an object of the app. Like kube-score, they see only the objects given (one app's): a Service whose
 * pods another app deploys is reported; switch the check off on that object.
 *
 * Pure: imports nothing that does I/O.
 */
import type { KubeObject } from "../../core/object.js";
import type { Finding } from "../findings.js";
import { arr, finding, groupOf, hpaTargets, isObj, labelsOf, mapSelectorMatches, nsOf, num, obj, selectorMatches, str, type ObjectSet } from "./model.js";
import { parseApiVersion } from "../../core/object.js";

function serviceFindings(s: KubeObject, set: ObjectSet): Finding[] {
  const out: Finding[] = [];
  const spec = obj(s.spec);
  if (spec.type === "NodePort") {
    out.push(finding("service-type", s, "spec.type", `Service ${s.metadata.name}: type NodePort opens the port on every node; use ClusterIP behind an Ingress, or LoadBalancer`));
  }
  const selector = labelsOf(spec.selector);
  if (spec.type !== "ExternalName" && Object.keys(selector).length > 0) {
    const hit = set.templates.some((t) => nsOf(t.object) === nsOf(s) && mapSelectorMatches(selector, t.labels));
    if (!hit) {
      const sel = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(",");
      out.push(finding("service-targets-pod", s, "spec.selector", `Service ${s.metadata.name}: selector ${sel} matches no pod template of this app in namespace ${nsOf(s) || "(default)"}; fix the selector or the pod labels`));
    }
  }
  return out;
}

interface Backend {
  path: string;
  service: string | undefined;
  port: number | string | undefined;
  /** The field path of the port, for a missing port. */
  portPath: string;
}

/** The Service backends of an Ingress, in networking.k8s.io/v1 or the older v1beta1 form. */
function backendsOf(ing: KubeObject): Backend[] {
  const spec = obj(ing.spec);
  const out: Backend[] = [];
  const add = (b: unknown, path: string): void => {
    const be = obj(b);
    if (isObj(be.service)) {
      const svc = obj(be.service);
      const port = obj(svc.port);
      out.push({ path: `${path}.service.name`, service: str(svc.name), port: num(port.number) ?? str(port.name), portPath: `${path}.service.port` });
    } else if (be.serviceName !== undefined) {
      const p = be.servicePort;
      out.push({ path: `${path}.serviceName`, service: str(be.serviceName), port: typeof p === "number" || typeof p === "string" ? p : undefined, portPath: `${path}.servicePort` });
    }
    // resource backends (be.resource) point at other kinds: not checked
  };
  if (spec.defaultBackend !== undefined) add(spec.defaultBackend, "spec.defaultBackend");
  if (spec.backend !== undefined) add(spec.backend, "spec.backend");
  arr(spec.rules).forEach((r, i) => arr(obj(obj(r).http).paths).forEach((p, j) => add(obj(p).backend, `spec.rules[${i}].http.paths[${j}].backend`)));
  return out;
}

function ingressFindings(ing: KubeObject, set: ObjectSet): Finding[] {
  const out: Finding[] = [];
  for (const b of backendsOf(ing)) {
    if (b.service === undefined) continue; // the schema check reports a missing name
    const svc = set.find("", "Service", nsOf(ing), b.service);
    if (!svc) {
      out.push(finding("ingress-targets-service", ing, b.path, `Ingress ${ing.metadata.name}: backend Service ${b.service} is not in this app (namespace ${nsOf(ing) || "(default)"}); fix the name or add the Service`));
      continue;
    }
    if (b.port === undefined) continue;
    const ports = arr(obj(svc.spec).ports).map(obj);
    const numeric = typeof b.port === "number" || /^\d+$/.test(b.port);
    const ok = ports.some((p) => (numeric ? p.port === Number(b.port) : p.name === b.port));
    if (!ok) {
      const have = ports.map((p) => (p.name ? `${String(p.name)} (${String(p.port)})` : String(p.port))).join(", ") || "none";
      out.push(finding("ingress-targets-service", ing, b.portPath, `Ingress ${ing.metadata.name}: Service ${b.service} has no port ${String(b.port)} (its ports: ${have}); use one of them`));
    }
  }
  return out;
}

function networkPolicyFindings(np: KubeObject, set: ObjectSet): Finding[] {
  const sel = obj(np.spec).podSelector;
  // an empty podSelector is meant for the whole namespace (default deny): not a targeting mistake
  if (!isObj(sel) || (Object.keys(labelsOf(sel.matchLabels)).length === 0 && arr(sel.matchExpressions).length === 0)) return [];
  if (set.templates.some((t) => nsOf(t.object) === nsOf(np) && selectorMatches(sel, t.labels))) return [];
  return [finding("networkpolicy-targets-pod", np, "spec.podSelector", `NetworkPolicy ${np.metadata.name}: podSelector matches no pod template of this app in namespace ${nsOf(np) || "(default)"}; fix the selector or the pod labels`)];
}

function hpaFindings(h: KubeObject, set: ObjectSet): Finding[] {
  const ref = obj(obj(h.spec).scaleTargetRef);
  const kind = str(ref.kind);
  const name = str(ref.name);
  if (!kind || !name) return [];
  const group = str(ref.apiVersion) ? parseApiVersion(String(ref.apiVersion)).group : undefined;
  const target = set.objects.find((o) => isObj(o) && isObj(o.metadata) && o.kind === kind && o.metadata.name === name && nsOf(o) === nsOf(h) && (group === undefined || groupOf(o) === group));
  if (target) return [];
  return [finding("horizontalpodautoscaler-has-target", h, "spec.scaleTargetRef", `HorizontalPodAutoscaler ${h.metadata.name}: scales ${kind} ${name}, which is not in this app (namespace ${nsOf(h) || "(default)"}); fix scaleTargetRef`)];
}

function hpaReplicasFindings(d: KubeObject, set: ObjectSet): Finding[] {
  if (obj(d.spec).replicas === undefined || hpaTargets(d, set).length === 0) return [];
  return [finding("deployment-targeted-by-hpa-does-not-have-replicas-configured", d, "spec.replicas", `Deployment ${d.metadata.name}: sets spec.replicas while a HorizontalPodAutoscaler scales it, so every sync resets the replica count; remove spec.replicas`)];
}

/** Every finding about Services, Ingresses, NetworkPolicies and HPAs of the set. */
export function networkFindings(set: ObjectSet): Finding[] {
  return [
    ...set.byKind("", "Service").flatMap((s) => serviceFindings(s, set)),
    ...["networking.k8s.io", "extensions"].flatMap((g) => set.byKind(g, "Ingress")).flatMap((i) => ingressFindings(i, set)),
    ...set.byKind("networking.k8s.io", "NetworkPolicy").flatMap((n) => networkPolicyFindings(n, set)),
    ...set.byKind("autoscaling", "HorizontalPodAutoscaler").flatMap((h) => hpaFindings(h, set)),
    ...set.byKind("apps", "Deployment").flatMap((d) => hpaReplicasFindings(d, set)),
  ];
}
