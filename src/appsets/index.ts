/**
 * appsets: ApplicationSets — Applications generated from a template and parameter sets (docs/applicationsets.md,
 * docs/adr/0018-applicationsets.md). The schemas and CRD (schema.ts, crd.ts), the generators and parameters
 * (generators.ts, params.ts), templating (render.ts, applications.ts), the policy planner (plan.ts) and the
 * status (status.ts) are pure; gittree.ts reads trees through the controller's mirrors, reconcile.ts and
 * controller.ts do the Kubernetes I/O.
 *
 * Owns: the ApplicationSet kind of plumb.dev/v1alpha1 and its argoproj.io twin.
 * May import: apps, clusters, core, cluster, template, webhooks, and controller's queue and SourceRepos
 * interface. Must not import: the app controller's reconcile, server, cli, ui.
 */
export * from "./schema.js";
export * from "./params.js";
export * from "./render.js";
export * from "./generators.js";
export * from "./applications.js";
export * from "./plan.js";
export * from "./status.js";
export * from "./crd.js";
export { reconcileAppSet, appSetKey, APPSET_FIELD_MANAGER, type AppSetDeps } from "./reconcile.js";
export { AppSetController, type AppSetControllerOptions } from "./controller.js";
