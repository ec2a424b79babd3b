/**
 * Config management plugins as Argo CD declares them: a `ConfigManagementPlugin` (apiVersion
 * argoproj.io/v1alpha1; https://argo-cd.readthedocs.io/en/stable/operator-manual/config-management-plugins/),
 * which looks like a Kubernetes object but is a file an operator installs. plumb reads them from a folder
 * (`plumb controller --plugins-dir DIR`, one or more per `*.yaml` file) or from the data keys of the
 * ConfigMap `plumb-cmp-cm`, each key holding plugin YAML; both go through `parsePlugins`.
 *
 * One plumb addition, an annotation so that Argo CD still reads the file: `plumb.dev/plugin-timeout`
 * (e.g. `30s`) shortens the time a plugin may run; the render's own limit is never extended.
 *
 * Pure: imports nothing that does I/O.
 */
import { parseAllDocuments } from "yaml";
import { z } from "zod";
import { RenderError, type RenderProblem } from "./errors.js";

/** A command and its arguments, run without a shell (`[sh, -c, "…"]` asks for one). */
export const PluginCommand = z.strictObject({
  command: z.array(z.string()).min(1, "command needs at least the program to run"),
  args: z.array(z.string()).optional(),
});
export type PluginCommand = z.infer<typeof PluginCommand>;

export const ConfigManagementPlugin = z.object({
  apiVersion: z.literal("argoproj.io/v1alpha1"),
  kind: z.literal("ConfigManagementPlugin"),
  metadata: z.looseObject({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "a plugin name is letters, digits, '.', '_' and '-'"),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.strictObject({
    /** With a version, an Application selects the plugin as `<name>-<version>`. */
    version: z.string().optional(),
    /** Runs before generate, in the app folder; its output is not read. */
    init: PluginCommand.optional(),
    /** Prints the manifests (a YAML or JSON stream) on stdout. */
    generate: PluginCommand,
    /** When the plugin applies to a folder nobody named it for; without it, only by name. */
    discover: z
      .strictObject({
        /** A glob (Go's filepath.Glob: `*` stays within a folder) relative to the app folder. */
        fileName: z.string().optional(),
        find: z
          .strictObject({
            /** A glob where `**` crosses folders, relative to the app folder. */
            glob: z.string().optional(),
            /** Matches when it exits 0 and prints something. */
            command: z.array(z.string()).optional(),
            args: z.array(z.string()).optional(),
          })
          .optional(),
      })
      .optional(),
    /** Parameter announcements, for a UI: accepted, not used in rendering (as in Argo CD). */
    parameters: z
      .strictObject({
        static: z.array(z.record(z.string(), z.unknown())).optional(),
        dynamic: PluginCommand.optional(),
      })
      .optional(),
    /** Keep the repository's file modes in the plugin's copy (default: files lose their execute bits). */
    preserveFileMode: z.boolean().optional(),
    /** Argo CD hands the plugin Git credentials; plumb never does, so it is refused when true. */
    provideGitCreds: z.boolean().optional(),
  }),
});
export type ConfigManagementPlugin = z.infer<typeof ConfigManagementPlugin>;

/** A registered plugin: its spec, the name an Application selects it by, and where it was read. */
export interface Plugin {
  /** `<name>-<version>` with a version, else `<name>`. */
  key: string;
  spec: ConfigManagementPlugin;
  /** Its time limit in ms from `plumb.dev/plugin-timeout`, if set. */
  timeoutMs?: number;
  /** The file or ConfigMap key it came from. */
  origin: string;
}

export const PLUGIN_TIMEOUT_ANNOTATION = "plumb.dev/plugin-timeout";

/** The ConfigMap (in the controller's namespace) whose data keys each hold plugin YAML. */
export const PLUGINS_CONFIGMAP = "plumb-cmp-cm";

function parseTimeout(v: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const ms = m[2] === "ms" ? n : m[2] === "m" ? n * 60_000 : n * 1000;
  return ms > 0 ? ms : undefined;
}

/**
 * Parses plugin files: each text (a file, a ConfigMap value) a YAML stream of ConfigManagementPlugins.
 * Throws one RenderError with every invalid document and every plugin key given twice.
 */
export function parsePlugins(texts: ReadonlyArray<{ origin: string; text: string }>): Plugin[] {
  const problems: RenderProblem[] = [];
  const out: Plugin[] = [];
  const seen = new Map<string, string>();
  for (const { origin, text } of texts) {
    const docs = parseAllDocuments(text);
    if (!Array.isArray(docs)) continue;
    for (const doc of docs) {
      if (doc.errors[0]) {
        problems.push({ file: origin, message: `invalid YAML: ${doc.errors[0].message.split("\n")[0]}` });
        continue;
      }
      const value: unknown = doc.toJS();
      if (value === null || value === undefined) continue;
      const parsed = ConfigManagementPlugin.safeParse(value);
      if (!parsed.success) {
        for (const i of parsed.error.issues) problems.push({ file: origin, message: `${i.path.join(".") || "plugin"}: ${i.message}` });
        continue;
      }
      const spec = parsed.data;
      const key = spec.spec.version ? `${spec.metadata.name}-${spec.spec.version}` : spec.metadata.name;
      if (spec.spec.provideGitCreds) problems.push({ file: origin, message: `plugin ${key}: provideGitCreds is not supported (plumb never hands Git credentials to a plugin); remove it` });
      const t = spec.metadata.annotations?.[PLUGIN_TIMEOUT_ANNOTATION];
      const timeoutMs = t === undefined ? undefined : parseTimeout(t);
      if (t !== undefined && timeoutMs === undefined) problems.push({ file: origin, message: `plugin ${key}: ${PLUGIN_TIMEOUT_ANNOTATION} "${t}" is not a duration such as 30s, 500ms or 2m` });
      const before = seen.get(key);
      if (before) problems.push({ file: origin, message: `plugin ${key} is defined twice (also in ${before}); plugin names must be unique` });
      seen.set(key, origin);
      out.push({ key, spec, origin, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
    }
  }
  if (problems.length) throw new RenderError(problems, "fix the plugin definitions");
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Whether the plugin has discover rules (else it is used only when named). */
export function hasDiscovery(p: Plugin): boolean {
  const d = p.spec.spec.discover;
  return !!(d?.fileName || d?.find?.glob || d?.find?.command?.length);
}

/**
 * A glob as Go's filepath.Glob reads it (`doubleStar`: as zglob, `**` crossing folders), to a regular
 * expression over `/`-separated paths relative to the app folder. A leading `./` is dropped.
 */
export function pluginGlob(pattern: string, doubleStar: boolean): RegExp {
  const p = pattern.replace(/^(\.\/)+/, "");
  let re = "";
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === "*") {
      if (doubleStar && p[i + 1] === "*") {
        i++;
        if (p[i + 1] === "/") {
          i++;
          re += "(?:.*/)?";
        } else {
          re += ".*";
        }
      } else {
        re += "[^/]*";
      }
    } else if (c === "?") {
      re += "[^/]";
    } else if (c === "[") {
      const end = p.indexOf("]", i + 1);
      if (end < 0) throw new Error(`unclosed "[" in glob "${pattern}"`);
      let cls = p.slice(i + 1, end);
      if (cls.startsWith("!") || cls.startsWith("^")) cls = `^${cls.slice(1)}`;
      re += `[${cls.replace(/\\/g, "\\\\")}]`;
      i = end;
    } else if (c === "\\" && i + 1 < p.length) {
      re += p[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    } else {
      re += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    }
  }
  return new RegExp(`^${re}$`);
}

/** A plugin parameter of an Application (`source.plugin.parameters`). */
export interface PluginParameterValue {
  name: string;
  string?: string;
  array?: string[];
  map?: Record<string, string>;
}

const paramName = (s: string): string => s.toUpperCase().replace(/[^A-Z0-9_]/g, "_");

/**
 * The parameters as Argo CD hands them to a plugin: all of them as JSON in ARGOCD_APP_PARAMETERS, and each
 * value as PARAM_<NAME> (strings), PARAM_<NAME>_<i> (arrays) and PARAM_<NAME>_<KEY> (maps), names
 * upper-cased with every character other than A-Z, 0-9 and _ made _.
 */
export function parameterEnvironment(params: readonly PluginParameterValue[]): Record<string, string> {
  const json = params.map((p) => {
    const o: Record<string, unknown> = { name: p.name };
    if (p.string !== undefined) o.string = p.string;
    if (p.map !== undefined) o.map = Object.fromEntries(Object.entries(p.map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    if (p.array !== undefined) o.array = p.array;
    return o;
  });
  const env: Record<string, string> = { ARGOCD_APP_PARAMETERS: JSON.stringify(json) };
  for (const p of params) {
    const base = `PARAM_${paramName(p.name)}`;
    if (p.string !== undefined) env[base] = p.string;
    for (const [k, v] of Object.entries(p.map ?? {})) env[`${base}_${paramName(k)}`] = v;
    (p.array ?? []).forEach((v, i) => (env[`${base}_${i}`] = v));
  }
  return env;
}
