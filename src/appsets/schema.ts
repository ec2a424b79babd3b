/**
 * The ApplicationSet's shape — `spec` and `status` — as zod schemas in Argo CD's field names
 * (https://argo-cd.readthedocs.io/en/stable/operator-manual/applicationset/), so an Argo CD ApplicationSet
 * is read unchanged. The schemas are the source of the TypeScript types and of the CRD (crd.ts).
 *
 * Objects are strict: an unknown key is reported by the lenient parse (apps/parse.ts) as a condition, never
 * dropped in silence. Argo CD fields plumb does not implement (the scmProvider, pullRequest, plugin and
 * clusterDecisionResource generators, progressive sync `strategy`, `preservedFields`,
 * `ignoreApplicationDifferences`, a generator's own `template` or post-`selector`) are declared so they are
 * recognised, and reported by `unsupportedFields` when set.
 *
 * The children of matrix and merge are free-form here and parsed by the same Generator schema when the
 * generator runs (generators.ts), as Argo CD's nested generators are: a CRD cannot hold a recursive schema.
 *
 * Pure: imports nothing that does I/O.
 */
import { z } from "zod";

/** Argo CD's applicationsSync policies; `sync` (create, update, delete) when unset. */
export const APPLICATIONS_SYNC = ["create-only", "create-update", "create-delete", "sync"] as const;
export type ApplicationsSyncPolicy = (typeof APPLICATIONS_SYNC)[number];

/** A Kubernetes label selector. */
export const LabelSelector = z.strictObject({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z
    .array(
      z.strictObject({
        key: z.string().min(1),
        operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]),
        values: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});
export type LabelSelector = z.infer<typeof LabelSelector>;

/** `list`: literal parameter sets. */
export const ListGenerator = z.strictObject({
  /** One parameter set per element (an object). */
  elements: z.array(z.unknown()).optional(),
  /** The same as a YAML (or JSON) list in a string, e.g. rendered from a matrix's first generator. */
  elementsYaml: z.string().optional(),
  /** A generator-level template: declared, not supported. */
  template: z.unknown().optional(),
});

/** `clusters`: one parameter set per destination cluster (cluster Secrets, and the in-cluster one). */
export const ClusterGenerator = z.strictObject({
  /** Only cluster Secrets whose labels match; absent or empty: every cluster, the in-cluster one included. */
  selector: LabelSelector.optional(),
  /** Extra parameters `values.<key>`, themselves templated with the cluster's parameters. */
  values: z.record(z.string(), z.string()).optional(),
  template: z.unknown().optional(),
  /** Argo CD 2.x: one parameter set holding every cluster: declared, not supported. */
  flatList: z.boolean().optional(),
});

/** A path glob of a git generator; `exclude: true` removes what it matches. */
export const GitPathItem = z.strictObject({
  path: z.string().min(1),
  exclude: z.boolean().optional(),
});

/** `git`: folders (`directories`) or parameter files (`files`) of a repository at a revision. */
export const GitGenerator = z.strictObject({
  repoURL: z.string().min(1),
  /** Branch, tag, commit or HEAD (the default). */
  revision: z.string().optional(),
  directories: z.array(GitPathItem).optional(),
  files: z.array(GitPathItem).optional(),
  /** Puts the path parameters under this prefix (`<prefix>.path`), so two git generators can be combined. */
  pathParamPrefix: z.string().optional(),
  values: z.record(z.string(), z.string()).optional(),
  /** How often to look again without a trigger; plumb re-runs on every repository move and on its resync. */
  requeueAfterSeconds: z.number().int().nonnegative().optional(),
  template: z.unknown().optional(),
});

/** `matrix`: every combination of two generators' parameter sets; the second may use the first's parameters. */
export const MatrixGenerator = z.strictObject({
  generators: z.array(z.record(z.string(), z.unknown())),
  template: z.unknown().optional(),
});

/** `merge`: the first generator's sets, each overridden by the later generators' sets with the same mergeKeys. */
export const MergeGenerator = z.strictObject({
  generators: z.array(z.record(z.string(), z.unknown())),
  mergeKeys: z.array(z.string().min(1)).min(1),
  template: z.unknown().optional(),
});

/** One generator: exactly one of its kinds set (checked in generators.ts, which names the extra ones). */
export const Generator = z.strictObject({
  list: ListGenerator.optional(),
  clusters: ClusterGenerator.optional(),
  git: GitGenerator.optional(),
  matrix: MatrixGenerator.optional(),
  merge: MergeGenerator.optional(),
  /** Argo CD generators plumb does not have: declared, reported when set. */
  scmProvider: z.unknown().optional(),
  pullRequest: z.unknown().optional(),
  clusterDecisionResource: z.unknown().optional(),
  plugin: z.unknown().optional(),
  /** A post-selector over the generated parameters: declared, not supported. */
  selector: z.unknown().optional(),
});
export type Generator = z.infer<typeof Generator>;

/** The metadata of a generated Application. */
export const TemplateMeta = z.strictObject({
  name: z.string().optional(),
  namespace: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
});

/** The Application every parameter set is rendered into. Its spec is checked after rendering, as an Application's. */
export const AppTemplate = z.strictObject({
  metadata: TemplateMeta.prefault({}),
  spec: z.record(z.string(), z.unknown()),
});
export type AppTemplate = z.infer<typeof AppTemplate>;

export const AppSetSyncPolicy = z.strictObject({
  /** Which of create, update, delete the set may do to its Applications (default sync: all three). */
  applicationsSync: z.enum(APPLICATIONS_SYNC).optional(),
  /** Applications the set deletes keep their deployed resources (no cascade finalizer). */
  preserveResourcesOnDeletion: z.boolean().optional(),
});

/** An ApplicationSet's spec. */
export const ApplicationSetSpec = z.strictObject({
  generators: z.array(Generator).min(1),
  template: AppTemplate,
  /** Go text/template with sprig (`{{ .path.basename }}`) instead of `{{path.basename}}`. */
  goTemplate: z.boolean().optional(),
  /** Go template options; plumb knows `missingkey=error`, `missingkey=default`, `missingkey=zero`. */
  goTemplateOptions: z.array(z.string()).optional(),
  syncPolicy: AppSetSyncPolicy.optional(),
  /** goTemplate only: a template rendered per app, read as YAML and merged onto the rendered Application. */
  templatePatch: z.string().optional(),
  strategy: z.unknown().optional(),
  preservedFields: z.unknown().optional(),
  ignoreApplicationDifferences: z.unknown().optional(),
  applyNestedSelectors: z.boolean().optional(),
});
export type ApplicationSetSpec = z.infer<typeof ApplicationSetSpec>;

/** A condition of the set (Argo CD's ApplicationSetCondition). */
export const AppSetCondition = z.strictObject({
  type: z.string(),
  status: z.enum(["True", "False", "Unknown"]),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: z.string().optional(),
});
export type AppSetCondition = z.infer<typeof AppSetCondition>;

/** A generated Application as the set's status lists it (Argo CD's ResourceStatus). */
export const AppSetResource = z.strictObject({
  group: z.string(),
  version: z.string(),
  kind: z.string(),
  namespace: z.string(),
  name: z.string(),
  status: z.string().optional(),
  health: z.strictObject({ status: z.string().optional(), message: z.string().optional() }).optional(),
});
export type AppSetResource = z.infer<typeof AppSetResource>;

/** plumb's extension: a generated Application that was not created or updated, and why. */
export const InvalidApplication = z.strictObject({
  /** The rendered name, when there is one. */
  name: z.string().optional(),
  /** The parameter set it came from (0-based, in generator order). */
  index: z.number().int().nonnegative(),
  message: z.string(),
});
export type InvalidApplication = z.infer<typeof InvalidApplication>;

export const ApplicationSetStatus = z.strictObject({
  conditions: z.array(AppSetCondition).optional(),
  resources: z.array(AppSetResource).optional(),
  invalidApplications: z.array(InvalidApplication).optional(),
  /** The metadata.generation last reconciled. */
  observedGeneration: z.number().int().optional(),
});
export type ApplicationSetStatus = z.infer<typeof ApplicationSetStatus>;

/** Set fields plumb recognises but does not implement, as `field: why` messages (reported as a condition). */
export function unsupportedFields(spec: ApplicationSetSpec): string[] {
  const out: string[] = [];
  if (spec.strategy !== undefined) out.push("spec.strategy (progressive syncs) is not supported: every Application is updated at once");
  if (spec.preservedFields !== undefined) out.push("spec.preservedFields is not supported: fields other field managers set are kept anyway (server-side apply)");
  if (spec.ignoreApplicationDifferences !== undefined) out.push("spec.ignoreApplicationDifferences is not supported");
  if (spec.applyNestedSelectors !== undefined) out.push("spec.applyNestedSelectors is ignored");
  if (spec.templatePatch !== undefined && !spec.goTemplate) out.push("spec.templatePatch needs goTemplate: true and is ignored");
  for (const o of spec.goTemplateOptions ?? []) if (!/^missingkey=(error|default|zero|invalid)$/.test(o)) out.push(`spec.goTemplateOptions ${JSON.stringify(o)} is not supported`);
  return out;
}
