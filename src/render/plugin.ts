/**
 * Config management plugins: selecting one for a source and running it, as Argo CD's repo server and CMP
 * server do (reposerver GetAppSourceType / discovery, cmpserver generateManifest):
 *
 *   - selection: `source.plugin.name` names one (`<name>`, or `<name>-<version>` for a versioned plugin);
 *     its discover rules, if it has any, must still match. With `source.plugin` set but no name, or with no
 *     explicit type at all, the first plugin in name order whose discover rules match is used — before the
 *     folder is looked at for a Chart.yaml or a kustomization, as in Argo CD's discovery. Discover rules:
 *     `fileName` (Go glob), else `find.glob` (with `**`), else `find.command` (exit 0 and some output);
 *   - execution: the repository is copied (without .git) to a temporary folder, so a plugin cannot change
 *     the checkout other renders read; files lose their execute bits unless `preserveFileMode`. `init` then
 *     `generate` run there, in the app folder's copy, without a shell of plumb's, in a process group that
 *     is killed whole at the time limit (the render's, or the plugin's `plumb.dev/plugin-timeout` if
 *     shorter), with a clean environment: PATH, HOME (an empty temporary folder), the build variables
 *     (ARGOCD_APP_*), KUBE_VERSION, KUBE_API_VERSIONS, ARGOCD_ENV_<name> from `source.plugin.env` and the
 *     parameters (ARGOCD_APP_PARAMETERS, PARAM_*). Nothing of plumb's own environment (credentials, tokens)
 *     is passed on;
 *   - output: generate's stdout, a YAML or JSON stream, goes through the same checks as every render.
 *
 * What is not confined: a plugin is a program the operator installed and runs as plumb's user, so it can
 * read what that user can read and reach the network. See docs/adr/0014-jsonnet-and-plugins.md.
 */
import { chmod, cp, lstat, mkdir, readdir, rm } from "node:fs/promises";
import { delimiter, join, relative, sep } from "node:path";
import { buildEnvironment, envsubst } from "./buildenv.js";
import { RenderError } from "./errors.js";
import { cleanToolError, MAX_RENDER_OUTPUT_BYTES, runTool, withTempDir, type ToolResult } from "./exec.js";
import { hasDiscovery, parameterEnvironment, pluginGlob, type Plugin, type PluginCommand } from "./plugin-spec.js";
import type { PluginSource, RenderContext, RenderOutput } from "./schema.js";
import { toPosix } from "./paths.js";
import { parseManifestsSliced } from "./yaml.js";

/** Generate's output beyond this is refused (a plugin printing forever). */
const MAX_OUTPUT_BYTES = MAX_RENDER_OUTPUT_BYTES;

/** Every file under `dir`, relative and `/`-separated, `.git` skipped, symlinked folders not followed. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.name === ".git") continue;
      const full = join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else out.push(toPosix(relative(dir, full)));
    }
  };
  await walk(dir);
  return out;
}

/** Whether a plugin's glob rules match the files of the app folder; undefined if it has none (command or nothing). */
function globMatches(p: Plugin, files: readonly string[]): boolean | undefined {
  const d = p.spec.spec.discover;
  let re: RegExp;
  try {
    if (d?.fileName) re = pluginGlob(d.fileName, false);
    else if (d?.find?.glob) re = pluginGlob(d.find.glob, true);
    else return undefined;
  } catch (err) {
    throw RenderError.of(`plugin ${p.key}: discover: ${(err as Error).message}`);
  }
  return files.some((f) => re.test(f));
}

/** The environment a plugin's commands get: nothing of plumb's own but PATH. */
export function pluginEnvironment(ctx: RenderContext, opts: PluginSource, home: string): Record<string, string> {
  const req = ctx.request;
  const build = { ...buildEnvironment(req), KUBE_VERSION: req.kubeVersion ?? "", KUBE_API_VERSIONS: (req.apiVersions ?? []).join(",") };
  const env: Record<string, string> = { PATH: ctx.env.PATH ?? ["/usr/local/bin", "/usr/bin", "/bin"].join(delimiter), HOME: home, ...build };
  for (const e of opts.env ?? []) env[`ARGOCD_ENV_${e.name}`] = envsubst(e.value, build);
  Object.assign(env, parameterEnvironment(opts.parameters ?? []));
  return env;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** Copies the repository (no .git) to `dest`; without preserveFileMode, files lose their execute bits. */
async function copyRepo(ctx: RenderContext, dest: string, preserveFileMode: boolean): Promise<void> {
  await cp(ctx.repo.realRoot, dest, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (src) => !relative(ctx.repo.realRoot, src).split(sep).includes(".git"),
  });
  if (preserveFileMode) return;
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile()) await chmod(full, (await lstat(full)).mode & 0o666);
    }
  };
  await walk(dest);
}

interface Run {
  ctx: RenderContext;
  plugin: Plugin;
  cwd: string;
  env: Record<string, string>;
  deadline: number;
  limitMs: number;
  tmp: string;
}

async function runCommand(run: Run, step: string, cmd: PluginCommand): Promise<ToolResult> {
  const left = Math.max(1, run.deadline - Date.now());
  const [program, ...rest] = cmd.command;
  let result: ToolResult;
  try {
    result = await runTool(program!, [...rest, ...(cmd.args ?? [])], { env: run.env, cwd: run.cwd, timeoutMs: left, signal: run.ctx.request.signal, killGroup: true, maxOutputBytes: MAX_OUTPUT_BYTES });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw RenderError.of(`plugin ${run.plugin.key}: ${step} command "${program}" was not found on PATH`, { file: run.ctx.app.rel }, "install the program the plugin runs where plumb runs, or fix the plugin's command");
    }
    throw err;
  }
  if (result.timedOut) {
    throw RenderError.of(`plugin ${run.plugin.key} was stopped after ${seconds(run.limitMs)} (its time limit) during ${step}; nothing was rendered`, { file: run.ctx.app.rel }, "make the plugin faster, or raise the render timeout");
  }
  if (result.tooLarge) throw RenderError.of(`plugin ${run.plugin.key}: ${step} wrote more than ${MAX_OUTPUT_BYTES / 1024 / 1024} MiB and was stopped`, { file: run.ctx.app.rel });
  return result;
}

function failed(run: Run, step: string, result: ToolResult): RenderError {
  const why = cleanToolError(result.stderr, [[`${run.tmp}/repo/`, ""], [run.tmp, "<tmp>"]]) || `exit code ${result.code}`;
  return RenderError.of(`plugin ${run.plugin.key}: ${step} failed (exit code ${result.code}): ${why}`, { file: run.ctx.app.rel });
}

/**
 * Renders with a plugin if the source selects one: `explicit` when `source.plugin` is set (then a plugin
 * must be found), else discovery only. Returns undefined when no plugin applies (the caller detects the type).
 */
export async function renderWithPlugin(ctx: RenderContext, opts: PluginSource | undefined, explicit: boolean): Promise<RenderOutput | undefined> {
  const plugins = ctx.request.plugins ?? [];
  const name = opts?.name ?? "";
  if (!explicit && !plugins.some(hasDiscovery)) return undefined;
  const registered = plugins.map((p) => p.key).join(", ") || "none";
  let candidates: Plugin[];
  if (name) {
    const named = plugins.find((p) => p.key === name);
    if (!named) {
      const unversioned = plugins.find((p) => p.spec.metadata.name === name && p.spec.spec.version);
      const hint = unversioned ? ` (plugin ${name} has a version: name it ${unversioned.key})` : "";
      throw RenderError.of(`source.plugin.name: no config management plugin named "${name}"${hint}; registered: ${registered}`, {}, "register the plugin (plumb controller --plugins-dir, or the ConfigMap plumb-cmp-cm) or fix the name");
    }
    candidates = [named];
  } else {
    candidates = plugins.filter(hasDiscovery);
  }
  const files = await filesUnder(ctx.app.real);
  // Glob rules are checked on the checkout; command rules need the copy, made only if one must run.
  const byGlob = candidates.map((p) => ({ p, glob: globMatches(p, files) }));
  const needsCommand = byGlob.some((c) => c.glob === undefined && c.p.spec.spec.discover?.find?.command?.length);
  if (!needsCommand && !byGlob.some((c) => c.glob === true || (name && c.glob === undefined))) {
    if (!explicit) return undefined;
    if (name) throw RenderError.of(`plugin ${name}: its discover rules do not match this folder`, { file: ctx.app.rel }, "fix the plugin's discover rules or the application's path");
    throw RenderError.of(`source.plugin is set but no registered plugin's discover rules match this folder (registered: ${registered})`, { file: ctx.app.rel }, "name the plugin in source.plugin.name");
  }
  return withTempDir("plugin", async (tmp) => {
    const home = join(tmp, "home");
    await mkdir(home);
    const env = pluginEnvironment(ctx, opts ?? {}, home);
    let copied: boolean | undefined;
    const repoCopy = join(tmp, "repo");
    const cwd = join(repoCopy, ctx.app.rel);
    const limitMs = (p: Plugin): number => Math.min(ctx.timeoutMs, p.timeoutMs ?? Infinity);
    let chosen: Plugin | undefined;
    for (const { p, glob } of byGlob) {
      if (glob === true) {
        chosen = p;
        break;
      }
      const find = p.spec.spec.discover?.find;
      if (glob === undefined && find?.command?.length) {
        if (copied === undefined) await copyRepo(ctx, repoCopy, true);
        copied = true;
        const run: Run = { ctx, plugin: p, cwd, env, deadline: Date.now() + limitMs(p), limitMs: limitMs(p), tmp };
        const r = await runCommand(run, "discover", { command: find.command, ...(find.args ? { args: find.args } : {}) });
        if (r.code === 0 && r.stdout.trim()) {
          chosen = p;
          break;
        }
        if (name) throw RenderError.of(`plugin ${name}: its discover command does not match this folder`, { file: ctx.app.rel });
        continue;
      }
      if (glob === undefined && name) {
        chosen = p; // named, no discover rules
        break;
      }
    }
    if (!chosen) {
      if (!explicit) return undefined;
      if (name) throw RenderError.of(`plugin ${name}: its discover rules do not match this folder`, { file: ctx.app.rel });
      throw RenderError.of(`source.plugin is set but no registered plugin's discover rules match this folder (registered: ${registered})`, { file: ctx.app.rel }, "name the plugin in source.plugin.name");
    }
    // The copy the plugin runs in: fresh, so nothing a discover command did remains.
    if (copied) await rm(repoCopy, { recursive: true, force: true });
    await copyRepo(ctx, repoCopy, chosen.spec.spec.preserveFileMode === true);
    const spec = chosen.spec.spec;
    const run: Run = { ctx, plugin: chosen, cwd, env, deadline: Date.now() + limitMs(chosen), limitMs: limitMs(chosen), tmp };
    if (spec.init) {
      const r = await runCommand(run, "init", spec.init);
      if (r.code !== 0) throw failed(run, "init", r);
    }
    const r = await runCommand(run, "generate", spec.generate);
    if (r.code !== 0) throw failed(run, "generate", r);
    const { objects, problems } = await parseManifestsSliced(r.stdout, `plugin ${chosen.key}`);
    return { objects, problems };
  });
}
