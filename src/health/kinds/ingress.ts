/**
 * Ingress health: Healthy once the ingress controller has published an address in
 * status.loadBalancer.ingress, Progressing before (Argo CD, gitops-engine pkg/health). Ingress controllers
 * that never publish one (some do not, by configuration) keep their Ingresses Progressing, as in Argo CD.
 */
import type { KubeObject } from "../../core/object.js";
import type { HealthResult } from "../types.js";
import { hasLoadBalancerAddress } from "./service.js";

/** The health of a networking.k8s.io/v1 (or legacy extensions/v1beta1) Ingress. */
export function ingressHealth(obj: KubeObject): HealthResult {
  if (!hasLoadBalancerAddress(obj)) {
    return { status: "Progressing", message: "Waiting for the ingress controller to publish an address" };
  }
  return { status: "Healthy", message: "" };
}
