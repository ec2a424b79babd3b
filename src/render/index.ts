/**
 * render/ — a source folder (a repository checked out at some revision, plus a path inside it) → the
 * desired manifests, as Argo CD's repo server produces them for an Application's spec.source:
 * a directory of plain manifests and Jsonnet files (go-jsonnet, jsonnet.ts), a Kustomize folder
 * (`kustomize build`), a Helm chart (`helm template`) or a config management plugin (plugin.ts).
 *
 * Owns: source options (schema.ts), type detection and orchestration (render.ts), one file per source type,
 * plugin definitions (plugin-spec.ts), Argo CD's build environment (buildenv.ts),
 * repository-confinement of every path (paths.ts), the checks on the rendered set (validate.ts).
 * Does I/O on the local file system and runs helm/kustomize/plumb-jsonnet and plugins; must not import git/, cluster/, sync/ or
 * controller/ — callers pass the checked-out folder and, if they have it, the cluster's discovery.
 */
export { render, detectSourceType } from "./render.js";
export {
  DirectorySource,
  HelmParameter,
  HelmSource,
  KustomizePatch,
  KustomizeSource,
  SourceOptions,
  SourceType,
  parseSourceOptions,
  type ObjectOrigin,
  type RenderRequest,
  type RenderResult,
} from "./schema.js";
export { RenderError, formatProblem, type RenderProblem } from "./errors.js";
export { CLUSTER_SCOPED_KINDS, scopeLookup } from "./scope.js";
export { finalize, type FinalizeOptions } from "./validate.js";
export { compileGlob } from "./glob.js";
export { parseManifests, parseManifestsSliced, toYamlStream, type SourcedObject } from "./yaml.js";
export { DEFAULT_MANIFEST_LIMITS, type ManifestLimits } from "./limits.js";
export { ConfigManagementPlugin, PLUGINS_CONFIGMAP, PLUGIN_TIMEOUT_ANNOTATION, parsePlugins, type Plugin } from "./plugin-spec.js";
export { JsonnetSource, PluginSource } from "./schema.js";
