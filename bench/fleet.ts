/**
 * The fleet of the controller benchmarks (controller-scale.ts, controller-requests.ts): app `i` is a folder
 * `app-000i` of one repository holding a Deployment scaled to 0, a ServiceAccount, a Service and an
 * Ingress (the shape of Flux's public benchmark), and an Application with automated sync, prune and
 * selfHeal whose destination is one of `namespaces` namespaces `bench-0` … (CreateNamespace=true).
 */
import { stringify } from "yaml";
import type { KubeObject } from "../src/core/object.js";

export const appName = (i: number): string => `app-${String(i).padStart(4, "0")}`;

/** The four objects of app `i`. */
export function appObjects(i: number): KubeObject[] {
  const name = appName(i);
  const labels = { app: name };
  return [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name },
      spec: { replicas: 0, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { serviceAccountName: name, containers: [{ name: "web", image: "nginx:1.27", ports: [{ containerPort: 80 }] }] } } },
    },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name } },
    { apiVersion: "v1", kind: "Service", metadata: { name }, spec: { selector: labels, ports: [{ port: 80, targetPort: 80 }] } },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name },
      spec: { rules: [{ host: `${name}.bench.local`, http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name, port: { number: 80 } } } }] } }] },
    },
  ];
}

/** The files of apps 0 … apps-1: each object of each app in a file of its own. */
export function fleetFiles(apps: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < apps; i++) for (const o of appObjects(i)) files[`${appName(i)}/${o.kind.toLowerCase()}.yaml`] = stringify(o);
  return files;
}

/** The Application of app `i`, in namespace `plumb`. */
export function application(i: number, repoURL: string, namespaces: number): KubeObject {
  return {
    apiVersion: "plumb.dev/v1alpha1",
    kind: "Application",
    metadata: { name: appName(i), namespace: "plumb" },
    spec: {
      project: "default",
      source: { repoURL, targetRevision: "main", path: appName(i) },
      destination: { server: "https://kubernetes.default.svc", namespace: `bench-${i % namespaces}` },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["CreateNamespace=true"] },
    },
  };
}
