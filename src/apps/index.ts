/**
 * apps: the Application and AppProject custom resources — their schemas (spec.ts, status.ts, project.ts),
 * how a user's object is read without ever throwing (analyze.ts, parse.ts, unsupported.ts), the CRDs
 * generated from the schemas (openapi.ts, crd.ts, gen-crds.ts) and installed (install.ts), and the pure
 * status builders the controller patches with (builders.ts, retry.ts, budget.ts: a status that always fits).
 *
 * Owns: the API shapes of group plumb.dev/v1alpha1 and of Argo CD's argoproj.io/v1alpha1 twin.
 * Must not import: controller, api, cli, ui (they sit above it). Only install.ts does I/O (through cluster/).
 */
export * from "./spec.js";
export * from "./status.js";
export * from "./project.js";
export * from "./windows.js";
export * from "./analyze.js";
export * from "./unsupported.js";
export * from "./builders.js";
export * from "./budget.js";
export * from "./retry.js";
export * from "./crd.js";
export * from "./install.js";
export { globMatch, globMatchWithNegation } from "./glob.js";
export { parseLenient, suggest, type FieldIssue } from "./parse.js";
export { structuralSchema, structuralViolations, type JSONSchemaProps } from "./openapi.js";
