/**
 * Resource trees for the tree's unit tests, shaped as the server answers them (server/tree): a Deployment
 * owning a ReplicaSet owning Pods, a Service with its EndpointSlice, a ConfigMap, a Missing resource, and
 * builders for big trees.
 */
import type { ResourceNode } from "../api/types";

type Health = NonNullable<ResourceNode["health"]>["status"];

/** A resource; `owner` makes it a child (its parentRef carries the owner's uid). */
export function res(kind: string, name: string, opts: { group?: string; ns?: string; owner?: ResourceNode; health?: Health; status?: "Synced" | "OutOfSync"; uid?: string | null; info?: Record<string, string> } = {}): ResourceNode {
  const group = opts.group ?? (["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"].includes(kind) ? "apps" : kind === "EndpointSlice" ? "discovery.k8s.io" : "");
  const namespace = opts.ns ?? "shop";
  const n: ResourceNode = { group, version: "v1", kind, namespace, name };
  if (opts.uid !== null) n.uid = opts.uid ?? `uid-${kind}-${namespace}-${name}`;
  if (opts.owner) n.parentRefs = [{ group: opts.owner.group, version: opts.owner.version, kind: opts.owner.kind, namespace: opts.owner.namespace, name: opts.owner.name, ...(opts.owner.uid ? { uid: opts.owner.uid } : {}) }];
  if (opts.health) n.health = { status: opts.health };
  if (opts.status) n.status = opts.status;
  if (opts.info) n.info = Object.entries(opts.info).map(([name, value]) => ({ name, value }));
  return n;
}

/** Deployment web → ReplicaSet web-1 → `pods` Pods; Service web → EndpointSlice; ConfigMap settings. */
export function shop(pods = 2): ResourceNode[] {
  const deploy = res("Deployment", "web", { health: "Healthy", status: "Synced" });
  const rs = res("ReplicaSet", "web-1", { owner: deploy, health: "Healthy" });
  const svc = res("Service", "web", { health: "Healthy", status: "Synced" });
  const out = [deploy, rs, svc, res("EndpointSlice", "web-abc", { owner: svc }), res("ConfigMap", "settings", { status: "Synced" })];
  for (let i = 0; i < pods; i++) out.push(res("Pod", `web-1-p${String(i).padStart(4, "0")}`, { owner: rs, health: i % 3 === 2 ? "Progressing" : "Healthy", info: { "Status Reason": "Running", Containers: "1/1" } }));
  return out;
}

/** About `n` nodes: Deployments of 1 ReplicaSet and 8 Pods each, and Services with an EndpointSlice. */
export function big(n: number): ResourceNode[] {
  const out: ResourceNode[] = [];
  for (let d = 0; out.length < n; d++) {
    const deploy = res("Deployment", `app-${d}`, { health: "Healthy", status: d % 7 ? "Synced" : "OutOfSync" });
    const rs = res("ReplicaSet", `app-${d}-1`, { owner: deploy, health: "Healthy" });
    out.push(deploy, rs);
    for (let p = 0; p < 8; p++) out.push(res("Pod", `app-${d}-1-${p}`, { owner: rs, health: "Healthy" }));
    const svc = res("Service", `app-${d}`, { health: "Healthy", status: "Synced" });
    out.push(svc, res("EndpointSlice", `app-${d}-x`, { owner: svc }));
  }
  return out.slice(0, n);
}

/** `n` ConfigMaps managed by the app. */
export function configMaps(n: number): ResourceNode[] {
  return Array.from({ length: n }, (_, i) => res("ConfigMap", `cm-${String(i).padStart(5, "0")}`, { status: "Synced" }));
}
