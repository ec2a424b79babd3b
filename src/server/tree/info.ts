/**
 * What a tree node says about its object beyond health: `info` lines, `images` and `networkingInfo`, with
 * the meanings Argo CD's UI shows (argo-cd controller/cache/info.go):
 *
 * - Every object whose rollout has a number — a Deployment or ReplicaSet's `deployment.kubernetes.io/revision`
 *   annotation, a ControllerRevision's `revision` — gets "Revision": "Rev:N".
 * - A Pod gets "Status Reason" (what `kubectl get pods` prints in STATUS: the phase, or the reason of the
 *   first init container not done, or of the last container waiting or terminated; "Terminating" while
 *   deleted), "Node", "Containers" ready/total (restartable init containers — sidecars — count), and
 *   "Restart Count" when any container restarted. Its images are its containers' and init containers'.
 * - A workload's images are its Pod template's (a Deployment, ReplicaSet, StatefulSet, DaemonSet, Job; a
 *   CronJob's job template), so two ReplicaSets of a rollout can be told apart.
 * - networkingInfo: a Service's selector (targetLabels) and load-balancer addresses, a Pod's labels, an
 *   Ingress's backend Services (targetRefs) and addresses.
 *
 * Not shown (Argo CD has them): the Pod's CPU and memory requests, external URLs of Ingresses and link
 * annotations, custom label columns.
 *
 * Pure: imports nothing that does I/O; reads objects without trusting their shape (health/fields.ts).
 */
import { parseApiVersion, type KubeObject } from "../../core/object.js";
import { list, num, record, str } from "../../health/fields.js";
import type { InfoItem, ResourceNetworkingInfo, ResourceNode } from "./types.js";

/** The annotation the Deployment controller numbers its ReplicaSets with. */
export const REVISION_ANNOTATION = "deployment.kubernetes.io/revision";

/** The info, images and networkingInfo of one object (fields absent when there is nothing to say). */
export function nodeDetails(obj: KubeObject): Pick<ResourceNode, "info" | "images" | "networkingInfo"> {
  const info: InfoItem[] = [];
  const revision = revisionOf(obj);
  if (revision > 0) info.push({ name: "Revision", value: `Rev:${revision}` });
  const group = parseApiVersion(obj.apiVersion ?? "").group;
  let images = templateImages(obj);
  let networkingInfo: ResourceNetworkingInfo | undefined;
  if (group === "" && obj.kind === "Pod") {
    info.push(...podInfo(obj));
    images = containerImages(record(obj.spec));
    if (obj.metadata.labels && Object.keys(obj.metadata.labels).length > 0) networkingInfo = { labels: { ...obj.metadata.labels } };
  } else if (group === "" && obj.kind === "Service") {
    networkingInfo = serviceNetworking(obj);
  } else if ((group === "networking.k8s.io" || group === "extensions") && obj.kind === "Ingress") {
    networkingInfo = ingressNetworking(obj);
  }
  return {
    ...(info.length > 0 ? { info } : {}),
    ...(images.length > 0 ? { images } : {}),
    ...(networkingInfo && Object.keys(networkingInfo).length > 0 ? { networkingInfo } : {}),
  };
}

/** A rollout's number: the revision annotation, or a ControllerRevision's `revision`; 0 when none. */
export function revisionOf(obj: KubeObject): number {
  if (obj.kind === "ControllerRevision") return num(obj.revision) ?? 0;
  const n = Number(obj.metadata?.annotations?.[REVISION_ANNOTATION]);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/** The images of a Pod spec's containers and init containers, unique and sorted. */
function containerImages(podSpec: Record<string, unknown>): string[] {
  const images = new Set<string>();
  for (const c of [...list(podSpec.initContainers), ...list(podSpec.containers)]) {
    const image = str(record(c).image);
    if (image) images.add(image);
  }
  return [...images].sort();
}

/** The images of a workload's Pod template (spec.template, or a CronJob's spec.jobTemplate.spec.template). */
function templateImages(obj: KubeObject): string[] {
  const spec = record(obj.spec);
  const template = obj.kind === "CronJob" ? record(record(record(spec.jobTemplate).spec).template) : record(spec.template);
  return containerImages(record(template.spec));
}

interface ContainerState {
  name: string;
  ready: boolean;
  started: boolean;
  restarts: number;
  waiting?: { reason: string };
  running: boolean;
  terminated?: { reason: string; exitCode: number; signal: number };
}

function containerStates(raw: unknown): ContainerState[] {
  return list(raw).map((entry) => {
    const c = record(entry);
    const state = record(c.state);
    const out: ContainerState = {
      name: str(c.name) ?? "",
      ready: c.ready === true,
      started: c.started === true,
      restarts: num(c.restartCount) ?? 0,
      running: state.running !== undefined && state.running !== null,
    };
    if (state.waiting !== undefined && state.waiting !== null) out.waiting = { reason: str(record(state.waiting).reason) ?? "" };
    if (state.terminated !== undefined && state.terminated !== null) {
      const t = record(state.terminated);
      out.terminated = { reason: str(t.reason) ?? "", exitCode: num(t.exitCode) ?? 0, signal: num(t.signal) ?? 0 };
    }
    return out;
  });
}

/**
 * A Pod's info lines, as `kubectl get pods` and Argo CD compute its STATUS column: start from the phase (or
 * status.reason, e.g. Evicted); the first init container not done successfully names the state
 * ("Init:CrashLoopBackOff", "Init:0/2"); once initialized, the containers' waiting or terminated reasons
 * override it, the last container first... so the first container's wins.
 */
export function podInfo(pod: KubeObject): InfoItem[] {
  const spec = record(pod.spec);
  const status = record(pod.status);
  const phase = str(status.phase) ?? "";
  let reason = str(status.reason) || phase;
  const initSpecs = new Map(list(spec.initContainers).map((c) => [str(record(c).name) ?? "", record(c)]));
  const restartable = (name: string): boolean => str(initSpecs.get(name)?.restartPolicy) === "Always";
  let total = list(spec.containers).length + [...initSpecs.keys()].filter(restartable).length;
  if (total === 0) total = list(status.containerStatuses).length;
  let ready = 0;
  let restarts = 0;

  for (const c of list(status.conditions)) {
    const cond = record(c);
    if (cond.type === "PodScheduled" && cond.reason === "SchedulingGated") reason = "SchedulingGated";
  }

  const inits = containerStates(status.initContainerStatuses);
  let initializing = false;
  for (let i = 0; i < inits.length; i++) {
    const c = inits[i]!;
    restarts += c.restarts;
    if (c.terminated && c.terminated.exitCode === 0) continue;
    if (restartable(c.name) && c.started) {
      if (c.ready) ready++;
      continue;
    }
    initializing = true;
    if (c.terminated) {
      reason = c.terminated.reason ? `Init:${c.terminated.reason}` : c.terminated.signal ? `Init:Signal:${c.terminated.signal}` : `Init:ExitCode:${c.terminated.exitCode}`;
    } else if (c.waiting && c.waiting.reason && c.waiting.reason !== "PodInitializing") {
      reason = `Init:${c.waiting.reason}`;
    } else {
      reason = `Init:${i}/${initSpecs.size || inits.length}`;
    }
    break;
  }

  const initialized = list(status.conditions).some((c) => record(c).type === "Initialized" && record(c).status === "True");
  if (!initializing || initialized) {
    let hasRunning = false;
    const containers = containerStates(status.containerStatuses);
    for (let i = containers.length - 1; i >= 0; i--) {
      const c = containers[i]!;
      restarts += c.restarts;
      if (c.waiting && c.waiting.reason) reason = c.waiting.reason;
      else if (c.terminated && c.terminated.reason) reason = c.terminated.reason;
      else if (c.terminated) reason = c.terminated.signal ? `Signal:${c.terminated.signal}` : `ExitCode:${c.terminated.exitCode}`;
      else if (c.ready && c.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === "Completed" && hasRunning) reason = "Running";
  }

  if (pod.metadata.deletionTimestamp) {
    if (status.reason === "NodeLost") reason = "Unknown";
    else if (phase !== "Succeeded" && phase !== "Failed") reason = "Terminating";
  }

  const info: InfoItem[] = [];
  if (reason) info.push({ name: "Status Reason", value: reason });
  info.push({ name: "Node", value: str(spec.nodeName) ?? "" });
  info.push({ name: "Containers", value: `${ready}/${total}` });
  if (restarts > 0) info.push({ name: "Restart Count", value: String(restarts) });
  return info;
}

function loadBalancer(obj: KubeObject): Array<{ ip?: string; hostname?: string }> {
  const out: Array<{ ip?: string; hostname?: string }> = [];
  for (const entry of list(record(record(obj.status).loadBalancer).ingress)) {
    const e = record(entry);
    const hostname = str(e.hostname);
    const ip = str(e.ip);
    if (hostname) out.push({ hostname });
    else if (ip) out.push({ ip });
  }
  return out;
}

function serviceNetworking(svc: KubeObject): ResourceNetworkingInfo {
  const spec = record(svc.spec);
  const selector: Record<string, string> = {};
  for (const [k, v] of Object.entries(record(spec.selector))) if (typeof v === "string") selector[k] = v;
  const ingress = spec.type === "LoadBalancer" ? loadBalancer(svc) : [];
  return { ...(Object.keys(selector).length > 0 ? { targetLabels: selector } : {}), ...(ingress.length > 0 ? { ingress } : {}) };
}

/** An Ingress's backend Services: networking.k8s.io/v1 `service.name`, or the legacy `serviceName`. */
function ingressNetworking(ing: KubeObject): ResourceNetworkingInfo {
  const spec = record(ing.spec);
  const names = new Set<string>();
  const addBackend = (b: unknown): void => {
    const backend = record(b);
    const name = str(record(backend.service).name) ?? str(backend.serviceName);
    if (name) names.add(name);
  };
  addBackend(spec.defaultBackend ?? spec.backend);
  for (const rule of list(spec.rules)) for (const path of list(record(record(rule).http).paths)) addBackend(record(path).backend);
  const namespace = ing.metadata.namespace ?? "";
  const targetRefs = [...names].sort().map((name) => ({ group: "", kind: "Service", namespace, name }));
  const ingress = loadBalancer(ing);
  return { ...(targetRefs.length > 0 ? { targetRefs } : {}), ...(ingress.length > 0 ? { ingress } : {}) };
}
