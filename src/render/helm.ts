/**
 * The helm source: `helm template`, as Argo CD runs it (reposerver helmTemplate):
 *
 *   helm template <releaseName|appName> <chart> --namespace <helm.namespace|destination>
 *     --values <each valueFile> --values <values> --values <valuesObject>
 *     --set / --set-string <parameters> --set-file <fileParameters>
 *     [--include-crds unless skipCrds] [--skip-tests] [--skip-schema-validation]
 *     [--kube-version v] [--api-versions a]…
 *
 * Later sources win, so the precedence is chart defaults < valueFiles < values < valuesObject <
 * parameters. (Argo CD uses valuesObject *instead of* values when both are set; plumb merges both with
 * valuesObject on top, which gives the same result whenever only one is set.)
 *
 * Dependencies: those vendored in charts/ are used as they are. A chart with missing ones is copied to a
 * temporary folder and they are added to its charts/: a `file://../x` dependency is copied from the
 * repository (confined to it, offline); an http(s):// or oci:// one comes from the request's
 * `chartArchive` callback (the controller backs it with src/charts; render itself does no network I/O).
 * Without the callback a missing remote dependency is a clear error, never a download. Argo CD's
 * repository aliases (`@name`, `alias:name`) are not supported: they are reported, with what to write.
 * `alias` and `condition` are helm's business once the chart is in charts/.
 *
 * Hermetic: helm runs with its cache, config and data homes in a temporary folder, so neither the user's
 * repositories, registries and plugins nor the network are involved. Value and `--set-file` files must
 * be inside the repository.
 */
import { existsSync } from "node:fs";
import { copyFile, cp, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { findBinary } from "../tools/binaries.js";
import { collectProblems, RenderError, type RenderProblem } from "./errors.js";
import { MAX_RENDER_OUTPUT_BYTES, runTool, toolFailure, withTempDir } from "./exec.js";
import { openRepo, outOfBoundsSymlinks, resolveInRepo, toPosix, type RepoPath } from "./paths.js";
import type { HelmSource, RenderContext, RenderOutput } from "./schema.js";
import { parseManifestsSliced, parseYaml } from "./yaml.js";

interface Dependency {
  name: string;
  repository?: string;
  version?: string;
}

interface ChartInfo {
  name: string;
  dependencies: Dependency[];
}

async function readChart(ctx: RenderContext): Promise<ChartInfo> {
  const file = toPosix(join(ctx.app.rel, "Chart.yaml"));
  const path = join(ctx.app.real, "Chart.yaml");
  if (!existsSync(path)) throw RenderError.of("no Chart.yaml in this folder", { file: ctx.app.rel }, "point the source at a chart folder or remove the helm options");
  let chart: unknown;
  try {
    chart = parseYaml(await readFile(path, "utf8"));
  } catch (err) {
    throw RenderError.of(`invalid YAML: ${(err as Error).message.split("\n")[0]}`, { file });
  }
  const c = (chart ?? {}) as { name?: unknown; dependencies?: unknown };
  if (typeof c.name !== "string" || !c.name) throw RenderError.of("Chart.yaml has no name", { file });
  const deps = Array.isArray(c.dependencies) ? (c.dependencies as Array<{ name?: unknown; repository?: unknown; version?: unknown }>) : [];
  return {
    name: c.name,
    dependencies: deps
      .filter((d) => typeof d?.name === "string")
      .map((d) => ({
        name: d.name as string,
        repository: typeof d.repository === "string" && d.repository.trim() ? d.repository.trim() : undefined,
        version: typeof d.version === "string" ? d.version : typeof d.version === "number" ? String(d.version) : undefined,
      })),
  };
}

/** The chart names vendored in charts/: unpacked folders (by their Chart.yaml name) and `name-version.tgz`. */
async function vendoredCharts(chartDir: string): Promise<{ names: Set<string>; archives: string[] }> {
  const names = new Set<string>();
  const archives: string[] = [];
  const dir = join(chartDir, "charts");
  if (!existsSync(dir)) return { names, archives };
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name.endsWith(".tgz")) archives.push(e.name);
    else if (e.isDirectory() && existsSync(join(dir, e.name, "Chart.yaml"))) {
      try {
        const sub = parseYaml(await readFile(join(dir, e.name, "Chart.yaml"), "utf8")) as { name?: unknown } | null;
        names.add(typeof sub?.name === "string" ? sub.name : e.name);
      } catch {
        names.add(e.name); // helm will report the broken Chart.yaml itself
      }
    }
  }
  return { names, archives };
}

const NOT_VENDORED_HINT =
  "run `helm dependency build` and commit the charts/ folder, or let plumb fetch it: declare the chart repository (a repository Secret with type: helm, see docs/charts.md)";

/** The dependencies of Chart.yaml that charts/ does not hold. */
async function missingDependencies(ctx: RenderContext, chart: ChartInfo): Promise<Dependency[]> {
  if (!chart.dependencies.length) return [];
  const { names, archives } = await vendoredCharts(ctx.app.real);
  return chart.dependencies.filter((d) => !names.has(d.name) && !archives.some((a) => a.startsWith(`${d.name}-`)));
}

/** Adds one missing dependency to `charts` (the temporary chart's charts/ folder); a problem if it cannot. */
async function addDependency(ctx: RenderContext, d: Dependency, charts: string): Promise<RenderProblem | undefined> {
  const file = toPosix(join(ctx.app.rel, "Chart.yaml"));
  const shown = `dependency "${d.name}"${d.repository ? ` (${d.repository})` : ""}`;
  const repo = d.repository;
  if (repo?.startsWith("file://")) {
    let dir: RepoPath | undefined;
    try {
      dir = await resolveInRepo(ctx.repo, ctx.app.real, repo.slice("file://".length), `${shown}: path`, true);
    } catch (err) {
      if (err instanceof RenderError) return { file, message: err.problems.map((p) => p.message).join("; ") };
      throw err;
    }
    if (!dir || !existsSync(join(dir.real, "Chart.yaml"))) return { file, message: `${shown}: no chart (Chart.yaml) at that path in the repository` };
    const links = await outOfBoundsSymlinks(ctx.repo, dir.real);
    if (links.length) return { file, message: `${shown}: ${links.map((l) => l.message).join("; ")}` };
    await cp(dir.real, join(charts, d.name), { recursive: true, dereference: true });
    return undefined;
  }
  if (repo && /^(https?|oci):\/\//i.test(repo)) {
    const fetch = ctx.request.chartArchive;
    if (!fetch) return { file, message: `${shown} is not vendored in charts/; ${NOT_VENDORED_HINT}` };
    try {
      const archive = await fetch(repo, d.name, d.version ?? "");
      await copyFile(archive, join(charts, basename(archive).endsWith(".tgz") ? basename(archive) : `${d.name}.tgz`));
    } catch (err) {
      return { file, message: `${shown}: ${(err as Error).message}` };
    }
    return undefined;
  }
  if (repo && (repo.startsWith("@") || repo.startsWith("alias:"))) {
    return { file, message: `${shown} names a repository by alias, which plumb does not support; write the repository's URL (https://… or oci://…) in Chart.yaml, or vendor the chart in charts/` };
  }
  return { file, message: `${shown} is not vendored in charts/; ${repo ? `its repository is neither file://, http(s):// nor oci://; ` : ""}${NOT_VENDORED_HINT}` };
}

/**
 * The folder helm renders: the app folder itself when every dependency is vendored; otherwise a copy in
 * `tmp` with the missing dependencies added to its charts/. All problems are reported together.
 */
async function chartWithDependencies(ctx: RenderContext, chart: ChartInfo, tmp: string): Promise<string> {
  const missing = await missingDependencies(ctx, chart);
  if (!missing.length) return ctx.app.real;
  const copy = join(tmp, "chart", chart.name);
  await cp(ctx.app.real, copy, { recursive: true, dereference: true });
  await mkdir(join(copy, "charts"), { recursive: true });
  const problems: RenderProblem[] = [];
  for (const d of missing) {
    const p = await addDependency(ctx, d, join(copy, "charts"));
    if (p) problems.push(p);
  }
  if (problems.length) throw new RenderError(problems);
  return copy;
}

/**
 * Escapes commas in a `--set` value, as Argo CD does, so that "a,b" stays one value; a `{x,y}` list is
 * left as is.
 */
export function escapeSetValue(value: string): string {
  if (value.startsWith("{") && value.endsWith("}")) return value;
  return value.replace(/(?<!\\),/g, "\\,");
}

const REMOTE = /^[a-z][a-z0-9+.-]*:\/\//i;

const REF_FILE = /^\$([^/]+)\/(.+)$/;

async function resolveFile(ctx: RenderContext, p: string, what: string, missingOk: boolean): Promise<RepoPath | undefined> {
  const ref = what === "value file" ? REF_FILE.exec(p) : null;
  if (ref) {
    // A value file of another source (multi-source `$ref/path`), confined to that source's tree.
    const root = ctx.request.refRoots?.[ref[1]!];
    if (!root) throw RenderError.of(`${what} "${p}" names no source with ref "${ref[1]}"; add a source with \`ref: ${ref[1]}\` to spec.sources, or fix the name`);
    const repo = await openRepo(root);
    const found = await resolveInRepo(repo, repo.root, ref[2]!, `${what} "$${ref[1]}/…"`, missingOk);
    return found && { real: found.real, rel: `$${ref[1]}/${found.rel}` };
  }
  if (REMOTE.test(p)) throw RenderError.of(`${what} "${p}" is a URL; plumb renders offline, so value files must be in the repository`);
  return resolveInRepo(ctx.repo, ctx.app.real, p, what, missingOk);
}

/** The helm command line (without the binary) for a source, and the repository files it reads. */
async function helmArgs(ctx: RenderContext, opts: HelmSource, tmp: string, chartDir: string): Promise<{ args: string[]; files: string[]; replacements: Array<[string, string]> }> {
  const req = ctx.request;
  const args = ["template", opts.releaseName || req.appName, chartDir, "--namespace", opts.namespace || req.destinationNamespace];
  const replacements: Array<[string, string]> = chartDir === ctx.app.real ? [] : [[chartDir, ctx.app.rel]];
  const valueFiles = await collectProblems(opts.valueFiles ?? [], (f) => resolveFile(ctx, f, "value file", !!opts.ignoreMissingValueFiles));
  const fileParams = await collectProblems(opts.fileParameters ?? [], async (p) => ({ p, file: await resolveFile(ctx, p.path, "file parameter", false) }));
  const problems = [...valueFiles.problems, ...fileParams.problems];
  if (problems.length) throw new RenderError(problems);
  const files: string[] = [];
  for (const f of valueFiles.results) {
    if (!f) continue;
    args.push("--values", f.real);
    files.push(f.rel);
    replacements.push([f.real, f.rel]);
  }
  if (opts.values?.trim()) {
    const file = join(tmp, "values.yaml");
    await writeFile(file, opts.values);
    args.push("--values", file);
    replacements.push([file, "source.helm.values"]);
  }
  if (opts.valuesObject && Object.keys(opts.valuesObject).length) {
    const file = join(tmp, "values-object.json");
    await writeFile(file, JSON.stringify(opts.valuesObject));
    args.push("--values", file);
    replacements.push([file, "source.helm.valuesObject"]);
  }
  for (const p of opts.parameters ?? []) args.push(p.forceString ? "--set-string" : "--set", `${p.name}=${escapeSetValue(p.value)}`);
  for (const { p, file } of fileParams.results) {
    if (!file) continue;
    args.push("--set-file", `${p.name}=${file.real}`);
    files.push(file.rel);
  }
  if (!opts.skipCrds) args.push("--include-crds");
  if (opts.skipTests) args.push("--skip-tests");
  if (opts.skipSchemaValidation) args.push("--skip-schema-validation");
  const kubeVersion = opts.kubeVersion || req.kubeVersion;
  if (kubeVersion) args.push("--kube-version", kubeVersion);
  for (const v of opts.apiVersions ?? req.apiVersions ?? []) args.push("--api-versions", v);
  replacements.push([`${ctx.repo.realRoot}/`, ""]);
  return { args, files, replacements };
}

/** The environment helm runs in: the caller's, minus every HELM_* setting, with homes in `tmp`. */
export function helmEnv(base: NodeJS.ProcessEnv, tmp: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (!k.startsWith("HELM_") && k !== "KUBECONFIG") env[k] = v;
  return {
    ...env,
    HELM_CACHE_HOME: join(tmp, "cache"),
    HELM_CONFIG_HOME: join(tmp, "config"),
    HELM_DATA_HOME: join(tmp, "data"),
    KUBECONFIG: join(tmp, "no-kubeconfig"),
  };
}

/** Renders a helm source. */
export async function renderHelm(ctx: RenderContext, opts: HelmSource = {}): Promise<RenderOutput> {
  const chart = await readChart(ctx);
  const helm = findBinary("helm", { env: ctx.env });
  return withTempDir("helm", async (tmp) => {
    const chartDir = await chartWithDependencies(ctx, chart, tmp);
    const { args, files, replacements } = await helmArgs(ctx, opts, tmp, chartDir);
    const run = await runTool(helm, args, { env: helmEnv(ctx.env, tmp), cwd: tmp, timeoutMs: ctx.timeoutMs, signal: ctx.request.signal, maxOutputBytes: MAX_RENDER_OUTPUT_BYTES });
    if (run.code !== 0) {
      throw RenderError.of(`helm template failed: ${toolFailure(run, ctx.timeoutMs, replacements)}`, { file: ctx.app.rel });
    }
    const prefix = `${chart.name}/`;
    const sourceOf = (comment: string): string | undefined => {
      const m = /^\s*Source:\s*(\S+)/m.exec(comment);
      if (!m?.[1]) return undefined;
      return m[1].startsWith(prefix) ? toPosix(join(ctx.app.rel, m[1].slice(prefix.length))) : m[1];
    };
    const { objects, problems } = await parseManifestsSliced(run.stdout, `helm template ${ctx.app.rel}`, { sourceOf });
    return { objects, problems, files };
  });
}
