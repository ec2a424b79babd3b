/**
 * The resource tree's shapes, in Argo CD's field names (`GET /api/v1/applications/{name}/resource-tree`
 * answers an ApplicationTree): so that tools and habits built on Argo CD's tree — a UI that draws
 * `nodes[]` by `parentRefs`, scripts reading `health.status` or the Pod's `info` — carry over.
 *
 * Argo CD's ResourceNode is a ResourceRef (group, version, kind, namespace, name, uid) with parentRefs,
 * info, networkingInfo, resourceVersion, images, health and createdAt. plumb adds, on the app's managed
 * resources only, their sync verdict from the Application's `status.resources` (`status`,
 * `requiresPruning`, `hook`), so that one answer draws the whole tree. Argo CD's `orphanedNodes` and
 * `hosts` are not produced (docs/adr/0005-resource-tree-watches.md).
 *
 * Pure: imports nothing that does I/O.
 */
import { z } from "zod";
import { HealthStatusCode, SyncStatusCode } from "../../apps/status.js";

/** Names one object: what a node is, and what its parents are. */
export const ResourceRef = z.object({
  group: z.string(),
  version: z.string(),
  kind: z.string(),
  namespace: z.string(),
  name: z.string(),
  uid: z.string().optional(),
});
export type ResourceRef = z.infer<typeof ResourceRef>;

/** One line of human-readable facts about a node ("Containers": "1/2"). */
export const InfoItem = z.object({ name: z.string(), value: z.string() });
export type InfoItem = z.infer<typeof InfoItem>;

/** A load balancer's address, as in a Service's or Ingress's status. */
export const LoadBalancerIngress = z.object({ ip: z.string().optional(), hostname: z.string().optional() });

/** What a node says about traffic: a Service's selector, a Pod's labels, an Ingress's target Services. */
export const ResourceNetworkingInfo = z.object({
  targetLabels: z.record(z.string(), z.string()).optional(),
  targetRefs: z.array(ResourceRef.partial({ version: true, uid: true })).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  ingress: z.array(LoadBalancerIngress).optional(),
});
export type ResourceNetworkingInfo = z.infer<typeof ResourceNetworkingInfo>;

/** A node's health (absent for kinds without one: ConfigMap, EndpointSlice, ...). */
export const NodeHealth = z.object({ status: HealthStatusCode, message: z.string().optional() });

/** One live object of the tree, or a managed resource that should exist and does not (health Missing, no uid). */
export const ResourceNode = ResourceRef.extend({
  /** The owners of this object that are in the tree (none for the app's managed resources). */
  parentRefs: z.array(ResourceRef).optional(),
  info: z.array(InfoItem).optional(),
  networkingInfo: ResourceNetworkingInfo.optional(),
  resourceVersion: z.string().optional(),
  /** Container images (Pods, and workloads by their Pod template), sorted. */
  images: z.array(z.string()).optional(),
  health: NodeHealth.optional(),
  /** metadata.creationTimestamp (RFC 3339). */
  createdAt: z.string().optional(),
  /** plumb, managed resources only: the sync verdict recorded in the Application's status.resources. */
  status: SyncStatusCode.optional(),
  /** plumb, managed resources only: live but no longer in Git. */
  requiresPruning: z.boolean().optional(),
  /** plumb, managed resources only: a sync hook. */
  hook: z.boolean().optional(),
});
export type ResourceNode = z.infer<typeof ResourceNode>;

/** The answer of the resource-tree endpoint: the app's managed resources and everything they own, transitively. */
export const ApplicationTree = z.object({ nodes: z.array(ResourceNode) });
export type ApplicationTree = z.infer<typeof ApplicationTree>;

/**
 * Something in the tree's caches changed. `app` is set when one of an app's managed objects changed (its
 * tracking label names the app); otherwise a child object (ReplicaSet, Pod, ...) of `namespace` changed,
 * and only the trees with nodes in that namespace may differ (`changeAffects`).
 */
export interface TreeChange {
  namespace: string;
  app?: string;
}
