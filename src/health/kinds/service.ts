/**
 * Service health: a LoadBalancer Service is Progressing until the cloud provider (or MetalLB, kind's
 * cloud-provider, ...) writes an address into status.loadBalancer.ingress; every other Service is Healthy as
 * soon as it exists (Argo CD, gitops-engine pkg/health).
 */
import type { KubeObject } from "../../core/object.js";
import { list, record, specOf, statusOf } from "../fields.js";
import type { HealthResult } from "../types.js";

/** Whether an object's status.loadBalancer.ingress has at least one address (Services and Ingresses). */
export function hasLoadBalancerAddress(obj: KubeObject): boolean {
  return list(record(statusOf(obj).loadBalancer).ingress).length > 0;
}

/** The health of a v1 Service. */
export function serviceHealth(obj: KubeObject): HealthResult {
  if (specOf(obj).type === "LoadBalancer" && !hasLoadBalancerAddress(obj)) {
    return { status: "Progressing", message: "Waiting for the load balancer to be assigned an address" };
  }
  return { status: "Healthy", message: "" };
}
