/**
 * The CustomResourceDefinitions of Application and AppProject, generated from the zod schemas (openapi.ts),
 * for plumb's group `plumb.dev` and, with the same shapes, for Argo CD's `argoproj.io`, so that an Argo CD
 * Application manifest applies unchanged and the controller can reconcile it.
 *
 * Differences from Argo CD's own CRDs, on purpose:
 * - the status subresource is enabled: only the controller writes status, a spec write never changes it,
 *   and `metadata.generation` counts spec changes only (Argo CD's CRD has no subresource);
 * - spec and operation keep unknown fields (x-kubernetes-preserve-unknown-fields), so a typo or a field
 *   newer than plumb reaches the controller, which reports it as a condition rather than losing it;
 * - `kubectl get applications` shows Sync, Health and Revision by default (Argo CD hides Revision).
 * The files under deploy/crds/ are written from here by gen-crds.ts; a unit test keeps them in step.
 *
 * Pure: imports nothing that does I/O.
 */
import { stringify } from "yaml";
import type { KubeObject } from "../core/object.js";
import { structuralSchema, type JSONSchemaProps } from "./openapi.js";
import { AppProjectSpec, AppProjectStatus } from "./project.js";
import { API_GROUP, API_VERSION, ARGO_GROUP, ApplicationSpec, Operation } from "./spec.js";
import { ApplicationStatus } from "./status.js";

/** What a CRD generator needs to know about one kind. */
export interface KindNames {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
}

/** A printer column of `kubectl get`. */
export interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  jsonPath: string;
  description?: string;
  priority?: number;
}

/** The categories both kinds belong to: `kubectl get plumb` lists every Application and AppProject. */
export const CRD_CATEGORIES = ["plumb"];

const APPLICATION_COLUMNS: PrinterColumn[] = [
  { name: "Sync", type: "string", jsonPath: ".status.sync.status", description: "Whether the live state equals Git" },
  { name: "Health", type: "string", jsonPath: ".status.health.status", description: "The worst health of the application's objects" },
  { name: "Revision", type: "string", jsonPath: ".status.sync.revision", description: "The commit last compared with" },
  { name: "Project", type: "string", jsonPath: ".spec.project", priority: 1 },
  { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
];

/** The root of a CRD's schema: apiVersion, kind, metadata and `props`. */
export function rootSchema(props: Record<string, JSONSchemaProps>, required: string[]): JSONSchemaProps {
  return {
    type: "object",
    required,
    properties: {
      apiVersion: { type: "string", description: "The versioned schema of this object." },
      kind: { type: "string", description: "The kind of this object." },
      metadata: { type: "object" },
      ...props,
    },
  };
}

/** A namespaced CRD of plumb's shape (status subresource, the `plumb` category). */
export function crd(group: string, names: KindNames, schema: JSONSchemaProps, columns?: PrinterColumn[]): KubeObject {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${names.plural}.${group}`,
      labels: { "app.kubernetes.io/name": names.plural, "app.kubernetes.io/part-of": "plumb" },
    },
    spec: {
      group,
      names: { kind: names.kind, listKind: `${names.kind}List`, plural: names.plural, singular: names.singular, shortNames: names.shortNames, categories: CRD_CATEGORIES },
      scope: "Namespaced",
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: schema },
          subresources: { status: {} },
          ...(columns ? { additionalPrinterColumns: columns } : {}),
        },
      ],
    },
  };
}

/** The Application CRD for `group` (plumb.dev by default; argoproj.io for Argo CD's manifests). */
export function applicationCRD(group = API_GROUP): KubeObject {
  const spec = { ...structuralSchema(ApplicationSpec, { keepUnknownFields: true }), description: "What to deploy, where, and how to sync it." };
  const operation = { ...structuralSchema(Operation, { keepUnknownFields: true }), description: "A sync asked for; the controller runs it and removes the field." };
  const status = { ...structuralSchema(ApplicationStatus), description: "What the controller observed; written through the status subresource." };
  const schema = rootSchema({ spec, operation, status }, ["metadata", "spec"]);
  schema.description = "An Application: manifests in Git kept equal to a namespace of a cluster.";
  return crd(group, { kind: "Application", plural: "applications", singular: "application", shortNames: ["app", "apps"] }, schema, APPLICATION_COLUMNS);
}

/** The AppProject CRD for `group`. */
export function appProjectCRD(group = API_GROUP): KubeObject {
  const spec = { ...structuralSchema(AppProjectSpec, { keepUnknownFields: true }), description: "Which repositories, destinations and kinds the project's applications may use." };
  const status = structuralSchema(AppProjectStatus);
  const schema = rootSchema({ spec, status }, ["metadata", "spec"]);
  schema.description = "An AppProject: guard rails for a group of Applications.";
  return crd(group, { kind: "AppProject", plural: "appprojects", singular: "appproject", shortNames: ["appproj", "appprojs"] }, schema);
}

/**
 * The CRDs to install: plumb's, and with argoCompat Argo CD's group too. `extra(group)` adds the kinds of
 * modules above this one (appsets/crd.ts: ApplicationSet), so apps/ imports none of them.
 */
export function allCRDs(opts: { argoCompat?: boolean; extra?: (group: string) => KubeObject[] } = {}): KubeObject[] {
  const groups = opts.argoCompat ? [API_GROUP, ARGO_GROUP] : [API_GROUP];
  return groups.flatMap((g) => [applicationCRD(g), appProjectCRD(g), ...(opts.extra?.(g) ?? [])]);
}

/** The file a CRD is kept in under deploy/crds/: `<group>_<plural>.yaml`. */
export function crdFileName(crdObj: KubeObject): string {
  const spec = crdObj.spec as { group: string; names: { plural: string } };
  return `${spec.group}_${spec.names.plural}.yaml`;
}

/** A CRD as the YAML file of deploy/crds/, with a header saying where it comes from. */
export function crdYaml(crdObj: KubeObject): string {
  const header = "# Generated by src/apps/gen-crds.ts from the schemas in src/apps/ (node dist/src/apps/gen-crds.js). Do not edit.\n";
  return header + stringify(crdObj, { lineWidth: 0 });
}
