/**
 * The options of a source, in Argo CD's words: the `directory`, `kustomize` and `helm` blocks of an
 * Application's `spec.source` (https://argo-cd.readthedocs.io/en/stable/user-guide/application-specification/),
 * plus the request and result of a render. The zod schemas are the source of the types.
 *
 * Argo CD fields that plumb does not implement are still declared, so that an Application written for
 * Argo CD is understood: left empty they are accepted, set they are refused with a message saying why
 * (see `unsupportedFields`). Unknown fields are refused, which catches typos.
 *
 * Pure: imports nothing that does I/O.
 */
import type { ManifestLimits } from "./limits.js";
import { z } from "zod";
import type { KubeObject } from "../core/object.js";
import type { SourcedObject } from "./yaml.js";
import { RenderError, type RenderProblem } from "./errors.js";
import type { Repo, RepoPath } from "./paths.js";
import type { Plugin } from "./plugin-spec.js";

/** A Jsonnet external variable or top-level argument: a string, or (with `code`) Jsonnet code. */
export const JsonnetVar = z.strictObject({
  name: z.string().min(1),
  /** The value; `$ARGOCD_APP_NAME` and the other build variables are substituted, as in Argo CD. */
  value: z.string().optional(),
  code: z.boolean().optional(),
});
export type JsonnetVar = z.infer<typeof JsonnetVar>;

/** Argo CD's `directory.jsonnet`: how the folder's `*.jsonnet` files are evaluated. */
export const JsonnetSource = z.strictObject({
  /** `std.extVar(name)` values. */
  extVars: z.array(JsonnetVar).optional(),
  /** Top-level arguments, for a file that evaluates to a function. */
  tlas: z.array(JsonnetVar).optional(),
  /** Library folders searched by `import`, relative to the repository root (not the app folder). */
  libs: z.array(z.string()).optional(),
});
export type JsonnetSource = z.infer<typeof JsonnetSource>;

/** Plain manifests: `*.yaml`, `*.yml` and `*.json` files of one folder, or of a tree, and `*.jsonnet` files. */
export const DirectorySource = z.strictObject({
  /** Also read sub-folders (default false, as in Argo CD). */
  recurse: z.boolean().optional(),
  /** Only files whose path (relative to the app folder) matches this glob, e.g. `{a.yaml,b.yaml}`. */
  include: z.string().optional(),
  /** Skip files whose path (relative to the app folder) matches this glob. Applies before `include`. */
  exclude: z.string().optional(),
  /** How `*.jsonnet` files are evaluated (ext vars, TLAs, library folders). */
  jsonnet: JsonnetSource.optional(),
});
export type DirectorySource = z.infer<typeof DirectorySource>;

/** A patch added to the kustomization, as in a kustomization's `patches` list. */
export const KustomizePatch = z.strictObject({
  path: z.string().optional(),
  patch: z.string().optional(),
  target: z.record(z.string(), z.unknown()).optional(),
  options: z.record(z.string(), z.boolean()).optional(),
});

/** A Kustomize folder, with optional overrides applied to its kustomization before `kustomize build`. */
export const KustomizeSource = z.strictObject({
  /** Images to set, in `kustomize edit set image` form: `nginx:1.27`, `nginx=ghcr.io/x/nginx:1.27`, `nginx@sha256:…`. */
  images: z.array(z.string()).optional(),
  /** Replaces the kustomization's namePrefix. */
  namePrefix: z.string().optional(),
  /** Replaces the kustomization's nameSuffix. */
  nameSuffix: z.string().optional(),
  /** Labels added to every object (and, unless labelWithoutSelector, to selectors and templates). */
  commonLabels: z.record(z.string(), z.string()).optional(),
  /** Annotations added to every object. */
  commonAnnotations: z.record(z.string(), z.string()).optional(),
  /** Overwrite labels the kustomization already sets (otherwise such a label is an error, as in Argo CD). */
  forceCommonLabels: z.boolean().optional(),
  /** Overwrite annotations the kustomization already sets. */
  forceCommonAnnotations: z.boolean().optional(),
  /** Add commonLabels to metadata only, not to selectors. */
  labelWithoutSelector: z.boolean().optional(),
  /** With labelWithoutSelector: still add the labels to pod templates. */
  labelIncludeTemplates: z.boolean().optional(),
  /** The namespace of every namespaced object. */
  namespace: z.string().optional(),
  /** Replica counts by workload name. */
  replicas: z.array(z.strictObject({ name: z.string().min(1), count: z.union([z.number().int().nonnegative(), z.string()]) })).optional(),
  /** Components to add, relative to the app folder. */
  components: z.array(z.string()).optional(),
  /** Skip components that do not exist instead of failing. */
  ignoreMissingComponents: z.boolean().optional(),
  /** Patches to add. */
  patches: z.array(KustomizePatch).optional(),
  /** Not supported (plumb runs one pinned kustomize). */
  version: z.string().optional(),
  /** Not supported. */
  commonAnnotationsEnvsubst: z.boolean().optional(),
  /** Not supported (only used by kustomize's Helm inflation, which plumb does not enable). */
  kubeVersion: z.string().optional(),
  /** Not supported (see kubeVersion). */
  apiVersions: z.array(z.string()).optional(),
});
export type KustomizeSource = z.infer<typeof KustomizeSource>;

/** A `--set` (or, with forceString, `--set-string`) parameter. */
export const HelmParameter = z.strictObject({
  name: z.string().min(1),
  value: z.string(),
  forceString: z.boolean().optional(),
});
export type HelmParameter = z.infer<typeof HelmParameter>;

/** A Helm chart folder rendered with `helm template`. */
export const HelmSource = z.strictObject({
  /** Values files, relative to the app folder; they must be inside the repository. */
  valueFiles: z.array(z.string()).optional(),
  /** Values as a YAML string; overrides valueFiles. */
  values: z.string().optional(),
  /** Values as an object; overrides values. */
  valuesObject: z.record(z.string(), z.unknown()).optional(),
  /** `--set` / `--set-string` parameters; override every values source. */
  parameters: z.array(HelmParameter).optional(),
  /** `--set-file` parameters; the path is relative to the app folder and must be inside the repository. */
  fileParameters: z.array(z.strictObject({ name: z.string().min(1), path: z.string().min(1) })).optional(),
  /** The release name (default: the application's name). */
  releaseName: z.string().optional(),
  /** The release namespace (default: the destination namespace). */
  namespace: z.string().optional(),
  /** Leave out the chart's crds/ folder. */
  skipCrds: z.boolean().optional(),
  /** Leave out the chart's test hooks. */
  skipTests: z.boolean().optional(),
  /** Do not validate values against values.schema.json. */
  skipSchemaValidation: z.boolean().optional(),
  /** Skip value files that do not exist instead of failing. */
  ignoreMissingValueFiles: z.boolean().optional(),
  /** The Kubernetes version templates see (`.Capabilities.KubeVersion`); overrides the request's. */
  kubeVersion: z.string().optional(),
  /** The API versions templates see (`.Capabilities.APIVersions`); overrides the request's. */
  apiVersions: z.array(z.string()).optional(),
  /** Not supported when true: a chart repository's credentials go to its own host only, never to the hosts its index names. */
  passCredentials: z.boolean().optional(),
  /** Only "v3" is supported. */
  version: z.string().optional(),
});
export type HelmSource = z.infer<typeof HelmSource>;

/** A parameter handed to a config management plugin: a string, an array or a map. */
export const PluginParameter = z.strictObject({
  name: z.string().min(1),
  string: z.string().optional(),
  array: z.array(z.string()).optional(),
  map: z.record(z.string(), z.string()).optional(),
});

/** Argo CD's `source.plugin`: which config management plugin renders the folder, and its inputs. */
export const PluginSource = z.strictObject({
  /** `<name>` or `<name>-<version>` of a registered plugin; empty: the plugin whose discover rules match. */
  name: z.string().optional(),
  /** Handed to the plugin as ARGOCD_ENV_<name>, build variables substituted into the value. */
  env: z.array(z.strictObject({ name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name is letters, digits and _"), value: z.string() })).optional(),
  /** Handed to the plugin as ARGOCD_APP_PARAMETERS (JSON) and PARAM_<NAME> variables. */
  parameters: z.array(PluginParameter).optional(),
});
export type PluginSource = z.infer<typeof PluginSource>;

/** The type-specific options of a source; at most one of directory, kustomize, helm and plugin. */
export const SourceOptions = z.strictObject({
  directory: DirectorySource.optional(),
  kustomize: KustomizeSource.optional(),
  helm: HelmSource.optional(),
  plugin: PluginSource.optional(),
});
export type SourceOptions = z.infer<typeof SourceOptions>;

/** How a source is rendered. */
export const SourceType = z.enum(["directory", "kustomize", "helm", "plugin"]);
export type SourceType = z.infer<typeof SourceType>;

/** What to render and for which destination. */
export interface RenderRequest {
  /** Input caps: bytes per manifest file and per app, documents per app (limits.ts). Default DEFAULT_MANIFEST_LIMITS. */
  limits?: ManifestLimits;
  /** The checked-out repository (a folder); nothing outside it is read. */
  repoRoot: string;
  /** The app folder, relative to repoRoot ("" or "." for the root). */
  path: string;
  /** Type-specific options; without them the type is detected from the folder's files. */
  source?: SourceOptions;
  /** The application's name: Helm's default release name. */
  appName: string;
  /** The namespace given to namespaced objects that name none; Helm's default release namespace. */
  destinationNamespace: string;
  /** The target cluster's version ("1.31.0"), for Helm's `.Capabilities.KubeVersion`. */
  kubeVersion?: string;
  /** The target cluster's API versions ("apps/v1", "monitoring.coreos.com/v1/ServiceMonitor"), for Helm. */
  apiVersions?: string[];
  /** Whether a kind is namespaced, from the cluster's discovery; `undefined` = not known. */
  isNamespaced?: (group: string, kind: string) => boolean | undefined;
  /** Time limit for each helm/kustomize run, in milliseconds (default 120000). */
  timeoutMs?: number;
  /** Cancels a render in progress (kills helm/kustomize). */
  signal?: AbortSignal;
  /** The environment used to find and run helm and kustomize (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Also return `origins` (for `plumb validate`'s findings); the controller leaves it off. */
  withOrigins?: boolean;
  /** The resolved revision (commit SHA): `ARGOCD_APP_REVISION` (and `_SHORT`, `_SHORT_8`) of the build environment. */
  revision?: string;
  /** The source's repository URL: `ARGOCD_APP_SOURCE_REPO_URL`. */
  repoURL?: string;
  /** The source's targetRevision as written in the spec: `ARGOCD_APP_SOURCE_TARGET_REVISION`. */
  targetRevision?: string;
  /** The application's project: `ARGOCD_APP_PROJECT_NAME`. */
  project?: string;
  /** The registered config management plugins (plugin-spec.ts parsePlugins); none: plugins are not used. */
  plugins?: readonly Plugin[];
  /**
   * Extra `kustomize build` flags from the settings' `kustomize.buildOptions`, already checked by
   * kustomize.ts parseKustomizeBuildOptions (only the flags it admits).
   */
  kustomizeBuildOptions?: readonly string[];
  /**
   * Trees of other sources by `ref` name (multi-source): a Helm value file `$name/path` is read from
   * refRoots[name], confined to that tree as value files are to repoRoot.
   */
  refRoots?: Record<string, string>;
  /**
   * A chart archive (.tgz path) for a Chart.yaml dependency with an http(s):// or oci:// repository that
   * is not vendored in charts/, `versionRange` being the dependency's `version`. Without it such a
   * dependency is a "not vendored" error: render itself never downloads (the controller backs it with
   * src/charts' ChartRepos.fetchArchive).
   */
  chartArchive?: (repository: string, name: string, versionRange: string) => Promise<string>;
}

/** Where a rendered object came from: a repository-relative file (or a tool's output name) and line. */
export interface ObjectOrigin {
  file: string;
  /** 1-based line where the object's document starts. */
  line?: number;
}

/** The desired manifests of a source. */
export interface RenderResult {
  /** Checked objects: named, namespaced as they will be applied, no duplicates; sorted by resource key. */
  objects: KubeObject[];
  /** How the source was rendered. */
  type: SourceType;
  /** Repository-relative files read besides the tool's own inputs: manifests (directory) or value files (helm). */
  files?: string[];
  /** With `withOrigins`: where each object of `objects` came from, at the same index. */
  origins?: ObjectOrigin[];
}

/** What a renderer gets: the request, the opened repository and the checked app folder. */
export interface RenderContext {
  request: RenderRequest;
  repo: Repo;
  /** The app folder, inside the repository. */
  app: RepoPath;
  /** The environment for helm and kustomize. */
  env: NodeJS.ProcessEnv;
  /** Time limit for each tool run, in milliseconds. */
  timeoutMs: number;
  /** Input caps (limits.ts); default DEFAULT_MANIFEST_LIMITS. */
  limits?: ManifestLimits;
}

/** What a renderer produces, before the common checks. */
export interface RenderOutput {
  objects: SourcedObject[];
  /** Problems found while reading (syntax errors, non-objects), reported with the common checks'. */
  problems: RenderProblem[];
  files?: string[];
}

function problemsOf(issues: z.core.$ZodIssue[], prefix: string): RenderProblem[] {
  return issues.map((i) => {
    const at = [prefix, ...i.path.map(String)].filter(Boolean).join(".");
    return { message: `${at ? `${at}: ` : ""}${i.message}` };
  });
}

/** The Argo CD fields plumb declares but does not implement, each with why. */
export function unsupportedFields(opts: SourceOptions): RenderProblem[] {
  const out: RenderProblem[] = [];
  const refuse = (field: string, why: string) => out.push({ message: `source.${field} is not supported: ${why}` });
  const k = opts.kustomize;
  if (k?.version) refuse("kustomize.version", "plumb runs one pinned kustomize; remove the field");
  if (k?.commonAnnotationsEnvsubst) refuse("kustomize.commonAnnotationsEnvsubst", "remove it and write the annotation values literally");
  if (k?.kubeVersion || k?.apiVersions?.length) refuse("kustomize.kubeVersion/apiVersions", "they only apply to Helm charts inflated by kustomize, which plumb does not enable");
  const h = opts.helm;
  if (h?.version && h.version !== "v3") refuse("helm.version", `only Helm v3 is available (got "${h.version}")`);
  if (h?.passCredentials) refuse("helm.passCredentials", "plumb sends a chart repository's credentials only to the repository's own host; serve the charts from it, or remove the field");
  return out;
}

/**
 * Validates untyped source options (e.g. from an Application read from the cluster).
 * Throws RenderError listing every invalid, unknown or unsupported field.
 */
export function parseSourceOptions(input: unknown): SourceOptions {
  const parsed = SourceOptions.safeParse(input ?? {});
  if (!parsed.success) throw new RenderError(problemsOf(parsed.error.issues, "source"));
  const problems = unsupportedFields(parsed.data);
  const types = (["directory", "kustomize", "helm", "plugin"] as const).filter((t) => parsed.data[t] !== undefined);
  if (types.length > 1) problems.push({ message: `source sets options for ${types.join(" and ")}; a source has one type, keep only one of them` });
  if (problems.length) throw new RenderError(problems);
  return parsed.data;
}
