/**
 * The ApplicationSet CRD, generated from the zod schemas of schema.ts like the Application's (apps/crd.ts):
 * for `plumb.dev`, and for `argoproj.io` with `--argo-compat`, so Argo CD's ApplicationSets apply unchanged.
 * As for Applications, the status subresource is on (only the controller writes status) and the spec keeps
 * unknown fields, so a field newer than plumb reaches the controller and is reported instead of being
 * dropped by the API server. `kubectl get applicationsets` shows whether the set is up to date.
 *
 * Pure: imports nothing that does I/O.
 */
import { crd, rootSchema, type PrinterColumn } from "../apps/crd.js";
import { structuralSchema } from "../apps/openapi.js";
import type { KubeObject } from "../core/object.js";
import { ApplicationSetSpec, ApplicationSetStatus } from "./schema.js";

const COLUMNS: PrinterColumn[] = [
  { name: "UpToDate", type: "string", jsonPath: '.status.conditions[?(@.type=="ResourcesUpToDate")].status', description: "Whether every generated Application is as the set wants it" },
  { name: "Error", type: "string", jsonPath: '.status.conditions[?(@.type=="ErrorOccurred")].reason', priority: 1 },
  { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
];

/** The ApplicationSet CRD for `group`. */
export function applicationSetCRD(group: string): KubeObject {
  const spec = { ...structuralSchema(ApplicationSetSpec, { keepUnknownFields: true }), description: "Generators, and the Application template every parameter set is rendered into." };
  const status = { ...structuralSchema(ApplicationSetStatus), description: "What the controller observed; written through the status subresource." };
  const schema = rootSchema({ spec, status }, ["metadata", "spec"]);
  schema.description = "An ApplicationSet: Applications generated from a template and parameter sets.";
  return crd(group, { kind: "ApplicationSet", plural: "applicationsets", singular: "applicationset", shortNames: ["appset", "appsets"] }, schema, COLUMNS);
}

/** The extra CRDs of a group, for allCRDs/installCRDs' `extra`. */
export function appSetCRDs(group: string): KubeObject[] {
  return [applicationSetCRD(group)];
}
