/**
 * The kustomize source: `kustomize build <app folder>`. Without overrides the folder is built where it is.
 * With overrides (Argo CD's spec.source.kustomize) the repository is copied to a temporary folder (the
 * kustomization may reach `../base`, so the whole tree, without .git) and the overrides are written into
 * the copy's kustomization, with the meaning `kustomize edit set/add` gives them in Argo CD: namePrefix,
 * nameSuffix and namespace replace; images and replicas replace the entry of the same name or are added;
 * labels and annotations are added, and one the kustomization already sets is an error unless forced.
 * The copy is removed afterwards; the checkout is never written.
 */
import { existsSync } from "node:fs";
import { cp, readFile, writeFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { findBinary } from "../tools/binaries.js";
import { RenderError } from "./errors.js";
import { MAX_RENDER_OUTPUT_BYTES, runTool, toolFailure, withTempDir } from "./exec.js";
import { helmEnv } from "./helm.js";
import { resolveInRepo, toPosix } from "./paths.js";
import type { KustomizeSource, RenderContext, RenderOutput } from "./schema.js";
import { parseManifestsSliced, parseYaml, toYaml } from "./yaml.js";
import { splitImageRef } from "../core/image.js";

/** The file names kustomize accepts for a kustomization, in its order of preference. */
export const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"] as const;

/** The kustomization file of a folder, if any. */
export function kustomizationFile(dir: string): string | undefined {
  return KUSTOMIZATION_FILES.find((f) => existsSync(join(dir, f)));
}

/** True if the options change anything (then the build runs on a copy). */
export function hasOverrides(o: KustomizeSource | undefined): boolean {
  if (!o) return false;
  return !!(
    o.namePrefix ||
    o.nameSuffix ||
    o.namespace ||
    o.images?.length ||
    Object.keys(o.commonLabels ?? {}).length ||
    Object.keys(o.commonAnnotations ?? {}).length ||
    o.replicas?.length ||
    o.components?.length ||
    o.patches?.length
  );
}

/** An `images` entry of a kustomization. */
export interface KustomizeImage {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

/**
 * Parses an image override as `kustomize edit set image` does: `name:tag`, `name@digest`,
 * `name=newName`, `name=newName:tag`, `name=newName@digest`.
 */
export function parseImageOverride(spec: string): KustomizeImage {
  const eq = spec.indexOf("=");
  const image: KustomizeImage = { name: "" };
  if (eq < 0) {
    const { name, tag, digest } = splitImageRef(spec);
    Object.assign(image, { name, newTag: tag, digest });
  } else {
    const { name, tag, digest } = splitImageRef(spec.slice(eq + 1));
    Object.assign(image, { name: spec.slice(0, eq), newName: name || undefined, newTag: tag, digest });
  }
  if (!image.name) throw RenderError.of(`source.kustomize.images: "${spec}" names no image; write name:tag or name=newName:tag`);
  for (const k of Object.keys(image) as Array<keyof KustomizeImage>) if (image[k] === undefined) delete image[k];
  return image;
}

type Kustomization = Record<string, unknown>;

function upsertByName<T extends { name: string }>(list: unknown, item: T): T[] {
  const arr = Array.isArray(list) ? (list as T[]) : [];
  const i = arr.findIndex((e) => e?.name === item.name);
  if (i >= 0) arr[i] = item;
  else arr.push(item);
  return arr;
}

function addPairs(k: Kustomization, field: string, pairs: Record<string, string>, force: boolean, file: string, existing: Record<string, unknown>): void {
  for (const key of Object.keys(pairs)) {
    if (!force && key in existing) {
      throw RenderError.of(
        `source.kustomize.${field}: "${key}" is already set by ${file}; set force${field[0]!.toUpperCase()}${field.slice(1)} to override it`,
      );
    }
  }
  k[field] = { ...((k[field] as Record<string, string> | undefined) ?? {}), ...pairs };
}

/** Applies the overrides to a parsed kustomization (in place). `file` names it in messages. */
export async function applyOverrides(ctx: RenderContext, k: Kustomization, o: KustomizeSource, file: string): Promise<void> {
  if (o.namePrefix) k.namePrefix = o.namePrefix;
  if (o.nameSuffix) k.nameSuffix = o.nameSuffix;
  if (o.namespace) k.namespace = o.namespace;
  for (const spec of o.images ?? []) k.images = upsertByName(k.images, parseImageOverride(spec));
  for (const r of o.replicas ?? []) {
    const count = typeof r.count === "number" ? r.count : Number(r.count);
    if (!Number.isInteger(count) || count < 0) throw RenderError.of(`source.kustomize.replicas: count "${r.count}" of ${r.name} is not a whole number`);
    k.replicas = upsertByName(k.replicas, { name: r.name, count });
  }
  const labelSets = Array.isArray(k.labels) ? (k.labels as Array<{ pairs?: Record<string, unknown> }>) : [];
  const existingLabels = Object.assign({}, k.commonLabels ?? {}, ...labelSets.map((l) => l?.pairs ?? {})) as Record<string, unknown>;
  if (o.commonLabels && Object.keys(o.commonLabels).length) {
    if (o.labelWithoutSelector) {
      for (const key of Object.keys(o.commonLabels)) {
        if (!o.forceCommonLabels && key in existingLabels) {
          throw RenderError.of(`source.kustomize.commonLabels: "${key}" is already set by ${file}; set forceCommonLabels to override it`);
        }
      }
      const entry: Record<string, unknown> = { pairs: o.commonLabels, includeSelectors: false };
      if (o.labelIncludeTemplates) entry.includeTemplates = true;
      k.labels = [...labelSets, entry];
    } else {
      addPairs(k, "commonLabels", o.commonLabels, !!o.forceCommonLabels, file, existingLabels);
    }
  }
  if (o.commonAnnotations && Object.keys(o.commonAnnotations).length) {
    const existing = (k.commonAnnotations as Record<string, unknown> | undefined) ?? {};
    addPairs(k, "commonAnnotations", o.commonAnnotations, !!o.forceCommonAnnotations, file, existing);
  }
  for (const c of o.components ?? []) {
    const found = await resolveInRepo(ctx.repo, ctx.app.real, c, "kustomize component", o.ignoreMissingComponents);
    if (!found) continue;
    const list = Array.isArray(k.components) ? (k.components as string[]) : [];
    if (!list.includes(c)) k.components = [...list, c];
  }
  if (o.patches?.length) {
    const list = Array.isArray(k.patches) ? (k.patches as unknown[]) : [];
    k.patches = [...list, ...o.patches.map((p) => JSON.parse(JSON.stringify(p)) as unknown)];
  }
}

/**
 * Argo CD's `kustomize.buildOptions` setting (argocd-cm; plumb-cm) read as plumb runs kustomize: the flags
 * that only change how the build reads what is in the repository are admitted; those that would run code
 * (exec and container plugins), reach outside the repository (LoadRestrictionsNone, mounts), pick another
 * helm binary or write files are refused, each with a problem that says why. Argo CD splits the setting
 * on spaces; so does this.
 */
export function parseKustomizeBuildOptions(text: string): { flags: string[]; problems: string[] } {
  const words = text.split(/\s+/).filter(Boolean);
  const flags: string[] = [];
  const problems: string[] = [];
  const refused: Record<string, string> = {
    "--enable-alpha-plugins": "it runs plugin programs; plumb renders with kustomize's built-in generators and transformers only",
    "--enable-exec": "it runs exec plugins",
    "--enable-star": "it is not a flag of the pinned kustomize",
    "--mount": "it mounts host folders into function containers",
    "--network": "function containers are not run",
    "--network-name": "function containers are not run",
    "--env": "function containers are not run",
    "-e": "function containers are not run",
    "--helm-command": "plumb runs its own pinned helm",
    "--output": "plumb reads the build from standard output",
    "-o": "plumb reads the build from standard output",
    "--as-current-user": "function containers are not run",
  };
  const valued: Record<string, (v: string) => string | undefined> = {
    "--load-restrictor": (v) => (v === "LoadRestrictionsRootOnly" ? undefined : "only LoadRestrictionsRootOnly: a build may not read files outside its folder tree"),
    "--reorder": (v) => (v === "legacy" || v === "none" ? undefined : "legacy or none"),
    "--helm-kube-version": (v) => (/^v?\d+\.\d+(\.\d+)?$/.test(v) ? undefined : "a Kubernetes version such as 1.31"),
    "--helm-api-versions": (v) => (/^[\w./-]+$/.test(v) ? undefined : "an API version such as monitoring.coreos.com/v1"),
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const eq = w.indexOf("=");
    const name = w.startsWith("--") && eq > 0 ? w.slice(0, eq) : w;
    if (name === "--enable-helm" || name === "--helm-debug" || name === "--enable-managedby-label") {
      if (eq > 0 && !/^(true|false)$/.test(w.slice(eq + 1))) problems.push(`kustomize.buildOptions: ${name} takes true or false`);
      else flags.push(w);
      continue;
    }
    if (refused[name]) {
      problems.push(`kustomize.buildOptions: ${name} is refused (${refused[name]})`);
      if (eq < 0 && (name in valued || ["--mount", "--network-name", "--env", "-e", "--helm-command", "--output", "-o"].includes(name))) i++;
      continue;
    }
    const check = valued[name];
    if (check) {
      const value = eq > 0 ? w.slice(eq + 1) : words[++i];
      const bad = value === undefined ? "a value" : check(value);
      if (bad) problems.push(`kustomize.buildOptions: ${name} ${value ?? ""} is refused: ${name} takes ${bad}`.replace("  is", " is"));
      else flags.push(`${name}=${value}`);
      continue;
    }
    problems.push(`kustomize.buildOptions: ${w} is not a kustomize build flag plumb runs; remove it`);
  }
  return { flags, problems };
}

async function build(ctx: RenderContext, dir: string, tmpRoot?: string): Promise<RenderOutput> {
  const kustomize = findBinary("kustomize", { env: ctx.env });
  const extra = ctx.request.kustomizeBuildOptions ?? [];
  const helm = extra.some((f) => f === "--enable-helm" || f === "--enable-helm=true");
  const run = await (helm
    ? // Helm inflation: the pinned helm, with its homes in a folder of this build's own.
      withTempDir("kustomize-helm", (tmp) =>
        runTool(kustomize, ["build", dir, ...extra, "--helm-command", findBinary("helm", { env: ctx.env })], {
          env: { ...helmEnv(ctx.env, tmp), GIT_TERMINAL_PROMPT: "0" },
          timeoutMs: ctx.timeoutMs,
          signal: ctx.request.signal,
          maxOutputBytes: MAX_RENDER_OUTPUT_BYTES,
        }),
      )
    : runTool(kustomize, ["build", dir, ...extra], { env: { ...ctx.env, GIT_TERMINAL_PROMPT: "0" }, timeoutMs: ctx.timeoutMs, signal: ctx.request.signal, maxOutputBytes: MAX_RENDER_OUTPUT_BYTES }));
  const where = ctx.app.rel;
  if (run.code !== 0) {
    // Paths in kustomize's message: repository-relative, whether it ran on the checkout or on a copy.
    const replacements: Array<[string, string]> = [[`${ctx.repo.realRoot}/`, ""]];
    if (tmpRoot) replacements.unshift([`${tmpRoot}/`, ""]);
    throw RenderError.of(`kustomize build failed: ${toolFailure(run, ctx.timeoutMs, replacements)}`, { file: where });
  }
  const { objects, problems } = await parseManifestsSliced(run.stdout, `kustomize build ${where}`);
  return { objects, problems };
}

/** Renders a kustomize source. */
export async function renderKustomize(ctx: RenderContext, opts?: KustomizeSource): Promise<RenderOutput> {
  const file = kustomizationFile(ctx.app.real);
  if (!file) {
    throw RenderError.of(`no kustomization.yaml, kustomization.yml or Kustomization in this folder`, { file: ctx.app.rel }, "add a kustomization or remove the kustomize options");
  }
  // Helm inflation pulls charts into the folder (helmGlobals.chartHome): a copy, never the checkout.
  const inflates = (ctx.request.kustomizeBuildOptions ?? []).some((f) => f === "--enable-helm" || f === "--enable-helm=true");
  if ((!opts || !hasOverrides(opts)) && !inflates) return build(ctx, ctx.app.real);
  return withTempDir("kustomize", async (tmp) => {
    const copy = join(tmp, "repo");
    await cp(ctx.repo.realRoot, copy, {
      recursive: true,
      verbatimSymlinks: true,
      filter: (src) => !relative(ctx.repo.realRoot, src).split(sep).includes(".git"),
    });
    const appCopy = join(copy, ctx.app.rel);
    const kfile = join(appCopy, file);
    const shown = toPosix(join(ctx.app.rel, file));
    let k: unknown;
    try {
      k = parseYaml(await readFile(kfile, "utf8"));
    } catch (err) {
      throw RenderError.of(`invalid YAML: ${(err as Error).message.split("\n")[0]}`, { file: shown });
    }
    if (typeof k !== "object" || k === null || Array.isArray(k)) throw RenderError.of("is not a kustomization (expected a mapping)", { file: shown });
    if (opts) await applyOverrides(ctx, k as Kustomization, opts, shown);
    await writeFile(kfile, toYaml(k));
    return build(ctx, appCopy, copy);
  });
}
