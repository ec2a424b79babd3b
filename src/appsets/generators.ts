/**
 * The generators: each turns its spec into parameter sets, as Argo CD's do
 * (https://argo-cd.readthedocs.io/en/stable/operator-manual/applicationset/Generators/):
 *
 * - list: the elements (or `elementsYaml`), flattened for fasttemplate;
 * - clusters: one set per cluster Secret whose labels match the selector — `name`, `nameNormalized`,
 *   `server`, `project`, `metadata.labels.*`, `metadata.annotations.*`, `values.*` — and the in-cluster
 *   cluster only when there is no selector (it has no Secret, hence no labels to match);
 * - git directories: one set per folder matching an include glob and no `exclude: true` glob (`*` does not
 *   cross `/`, `**` does): `path`, `path.basename`, `path.basenameNormalized`, `path[N]` — with goTemplate
 *   `.path.path`, `.path.basename`, `.path.segments`;
 * - git files: one set per JSON/YAML file matching (one per element when the file holds a list), its keys
 *   flattened for fasttemplate and nested with goTemplate, plus the path parameters of its folder and
 *   `path.filename`;
 * - matrix: two generators, every pair of their sets merged; the second generator's spec is first
 *   rendered with each set of the first, so it may use its parameters;
 * - merge: the first generator's sets, each overridden by a later generator's set that has the same values
 *   at `mergeKeys`; later sets without a match are dropped.
 *
 * Every failure — an unreadable repository, a file that does not parse, a generator plumb does not have —
 * throws GeneratorError: the reconcile then touches no Application (an empty result from a broken generator
 * would delete them all: Argo CD's #18480). Reading clusters and repositories goes through GeneratorContext,
 * so this module is pure and tested on fixtures.
 */
import { parse as parseYaml } from "yaml";
import { IN_CLUSTER_NAME, IN_CLUSTER_SERVER, type ClusterSpec } from "../clusters/secret.js";
import { compileGlob } from "../core/glob.js";
import { parseLenient } from "../apps/parse.js";
import { isEmptyLabelSelector, labelSelectorMatcher, LabelSelectorError, type LabelMatcher } from "../core/labels.js";
import { deepMerge, flatten, GeneratorError, normalizeName, paramAt, type Params } from "./params.js";
import { renderValues, type Renderer } from "./render.js";
import { Generator } from "./schema.js";

/** A repository tree at one commit, as generators read it. */
export interface GitTree {
  sha: string;
  /** Every folder, relative to the root, `/`-separated, without the root itself. */
  dirs(): readonly string[];
  /** Every file, relative to the root. */
  files(): readonly string[];
  /** A file's text; throws GeneratorError when it is too big or unreadable. */
  read(path: string): Promise<string>;
}

/** What generators read from outside. */
export interface GeneratorContext {
  renderer: Renderer;
  /** The cluster Secrets, parsed (clusters/secret.ts). */
  clusters(): readonly ClusterSpec[];
  /** The tree of a repository at a revision; throws GeneratorError when it cannot be read. */
  gitTree(repoURL: string, revision: string): Promise<GitTree>;
  /** Non-fatal findings (unknown fields of nested generators), reported as a condition. */
  warn(message: string): void;
}

/** The most parameter sets one ApplicationSet may generate. */
export const MAX_PARAM_SETS = 10_000;
/** The largest git file read as parameters. */
export const MAX_FILE_BYTES = 1024 * 1024;

const KINDS = ["list", "clusters", "git", "matrix", "merge"] as const;
const UNSUPPORTED_KINDS = ["scmProvider", "pullRequest", "clusterDecisionResource", "plugin"] as const;

/** The parameter sets of one generator (`field` names it in messages, e.g. `spec.generators[0]`). */
export async function generate(raw: unknown, ctx: GeneratorContext, field: string, depth = 0): Promise<Params[]> {
  const parsed = parseLenient(Generator, raw, field);
  for (const i of parsed.issues) if (i.kind === "unknown" && depth > 0) ctx.warn(i.message);
  const bad = parsed.issues.filter((i) => i.kind === "invalid");
  if (!parsed.data || bad.length) throw new GeneratorError(bad.map((i) => i.message).join("; ") || `${field} is not a generator`);
  const g = parsed.data;
  for (const k of UNSUPPORTED_KINDS) if (g[k] !== undefined) throw new GeneratorError(`${field}.${k}: the ${k} generator is not supported by plumb (list, clusters, git, matrix and merge are)`);
  if (g.selector !== undefined) throw new GeneratorError(`${field}.selector (a post-selector) is not supported: filter in the generator itself`);
  const set = KINDS.filter((k) => g[k] !== undefined);
  if (set.length !== 1) throw new GeneratorError(set.length === 0 ? `${field} names no generator (one of ${KINDS.join(", ")})` : `${field} sets ${set.join(" and ")}: one generator per entry`);
  const kind = set[0]!;
  const spec = g[kind] as { template?: unknown };
  if (spec.template !== undefined) throw new GeneratorError(`${field}.${kind}.template (a generator's own template) is not supported: put it in spec.template`);
  let out: Params[];
  switch (kind) {
    case "list":
      out = listParams(g.list!, ctx, `${field}.list`);
      break;
    case "clusters":
      out = await clusterParams(g.clusters!, ctx, `${field}.clusters`);
      break;
    case "git":
      out = await gitParams(g.git!, ctx, `${field}.git`);
      break;
    case "matrix":
      out = await matrixParams(g.matrix!, ctx, `${field}.matrix`, depth);
      break;
    case "merge":
      out = await mergeParams(g.merge!, ctx, `${field}.merge`, depth);
      break;
  }
  if (out.length > MAX_PARAM_SETS) throw new GeneratorError(`${field} generated ${out.length} parameter sets, more than the ${MAX_PARAM_SETS} plumb allows per ApplicationSet`);
  return out;
}

/** Every generator of a spec, concatenated in order. */
export async function generateAll(generators: readonly unknown[], ctx: GeneratorContext): Promise<Params[]> {
  const out: Params[] = [];
  for (let i = 0; i < generators.length; i++) out.push(...(await generate(generators[i], ctx, `spec.generators[${i}]`)));
  if (out.length > MAX_PARAM_SETS) throw new GeneratorError(`the generators made ${out.length} parameter sets, more than the ${MAX_PARAM_SETS} plumb allows per ApplicationSet`);
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function listParams(g: NonNullable<Generator["list"]>, ctx: GeneratorContext, field: string): Params[] {
  let elements: unknown[] = g.elements ?? [];
  if (g.elementsYaml !== undefined) {
    let parsed: unknown;
    try {
      parsed = parseYaml(g.elementsYaml);
    } catch (err) {
      throw new GeneratorError(`${field}.elementsYaml is not YAML: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (parsed !== null && !Array.isArray(parsed)) throw new GeneratorError(`${field}.elementsYaml must be a list of objects`);
    elements = [...elements, ...((parsed as unknown[] | null) ?? [])];
  }
  return elements.map((e, i) => {
    if (!isRecord(e)) throw new GeneratorError(`${field}.elements[${i}] must be an object of parameters`);
    return ctx.renderer.goTemplate ? structuredClone(e) : flatten(e);
  });
}

async function clusterParams(g: NonNullable<Generator["clusters"]>, ctx: GeneratorContext, field: string): Promise<Params[]> {
  let selects: LabelMatcher;
  try {
    selects = labelSelectorMatcher(g.selector, `${field}.selector`); // no selector: every cluster
  } catch (err) {
    if (err instanceof LabelSelectorError) throw new GeneratorError(err.problems.join("; "));
    throw err;
  }
  if (g.flatList) throw new GeneratorError(`${field}.flatList is not supported`);
  const clusters = ctx.clusters().filter((c) => selects(c.labels));
  const all: Array<{ name: string; server: string; project: string; labels: Record<string, string>; annotations: Record<string, string> }> = clusters.map((c) => ({ name: c.name, server: c.server, project: c.project ?? "", labels: c.labels, annotations: c.annotations }));
  // Argo CD: the in-cluster cluster is generated only when no selector is given (and no Secret declares it).
  if (isEmptyLabelSelector(g.selector) && !ctx.clusters().some((c) => c.server === IN_CLUSTER_SERVER)) all.unshift({ name: IN_CLUSTER_NAME, server: IN_CLUSTER_SERVER, project: "", labels: {}, annotations: {} });
  const base: Params[] = all.map((c) => {
    const nested = { name: c.name, nameNormalized: normalizeName(c.name), server: c.server, project: c.project, metadata: { labels: { ...c.labels }, annotations: { ...c.annotations } } };
    return ctx.renderer.goTemplate ? nested : flatten(nested);
  });
  return withValues(base, g.values, ctx, field);
}

/** Adds `values.*`, each value rendered with the set's own parameters (Argo CD's generator values). */
async function withValues(sets: Params[], values: Record<string, string> | undefined, ctx: GeneratorContext, field: string): Promise<Params[]> {
  if (!values || Object.keys(values).length === 0) return sets;
  const rendered = await renderValues(ctx.renderer, values, sets);
  return sets.map((p, i) => {
    const r = rendered[i]!;
    if (!r.ok) throw new GeneratorError(`${field}.values: ${r.error}`);
    return ctx.renderer.goTemplate ? { ...p, values: r.value } : { ...p, ...flatten({ values: r.value }) };
  });
}

/** The path parameters of a folder (and of a file in it). */
export function pathParams(dir: string, goTemplate: boolean, opts: { prefix?: string; filename?: string } = {}): Params {
  const segments = dir === "." || dir === "" ? [] : dir.split("/");
  const basename = segments.at(-1) ?? ".";
  const p: Record<string, unknown> = { path: dir || ".", basename, basenameNormalized: normalizeName(basename), segments };
  if (opts.filename !== undefined) {
    p.filename = opts.filename;
    p.filenameNormalized = normalizeName(opts.filename);
  }
  const at = opts.prefix ? `${opts.prefix}.path` : "path";
  if (goTemplate) return opts.prefix ? { [opts.prefix]: { path: p } } : { path: p };
  const flat: Record<string, string> = { [at]: p.path as string, [`${at}.basename`]: basename, [`${at}.basenameNormalized`]: p.basenameNormalized as string };
  if (opts.filename !== undefined) {
    flat[`${at}.filename`] = opts.filename;
    flat[`${at}.filenameNormalized`] = p.filenameNormalized as string;
  }
  segments.forEach((s, i) => (flat[`${at}[${i}]`] = s));
  return flat;
}

function globs(items: ReadonlyArray<{ path: string; exclude?: boolean }>, field: string): { include: RegExp[]; exclude: RegExp[] } {
  const include: RegExp[] = [];
  const exclude: RegExp[] = [];
  items.forEach((it, i) => {
    let re: RegExp;
    try {
      re = compileGlob(it.path.replace(/^\.\//, "").replace(/\/+$/, ""), "/");
    } catch (err) {
      throw new GeneratorError(`${field}[${i}].path ${JSON.stringify(it.path)} is not a valid glob: ${err instanceof Error ? err.message : String(err)}`);
    }
    (it.exclude ? exclude : include).push(re);
  });
  return { include, exclude };
}

function matching(paths: readonly string[], g: { include: RegExp[]; exclude: RegExp[] }): string[] {
  return paths.filter((p) => g.include.some((r) => r.test(p)) && !g.exclude.some((r) => r.test(p))).sort();
}

async function gitParams(g: NonNullable<Generator["git"]>, ctx: GeneratorContext, field: string): Promise<Params[]> {
  const hasDirs = (g.directories?.length ?? 0) > 0;
  const hasFiles = (g.files?.length ?? 0) > 0;
  if (hasDirs === hasFiles) throw new GeneratorError(`${field} needs either directories or files (not both, not neither)`);
  const tree = await ctx.gitTree(g.repoURL, g.revision || "HEAD");
  const go = ctx.renderer.goTemplate;
  const prefix = g.pathParamPrefix ? { prefix: g.pathParamPrefix } : {};
  let sets: Params[];
  if (hasDirs) {
    const dirs = matching(tree.dirs(), globs(g.directories!, `${field}.directories`));
    sets = dirs.map((d) => pathParams(d, go, prefix));
  } else {
    const included = g.files!.filter((f) => !f.exclude);
    if (included.length === 0) throw new GeneratorError(`${field}.files has only exclude entries`);
    const files = matching(tree.files(), globs(g.files!, `${field}.files`));
    sets = [];
    for (const file of files) {
      const text = await tree.read(file);
      let doc: unknown;
      try {
        doc = parseYaml(text);
      } catch (err) {
        throw new GeneratorError(`${file} (at ${tree.sha.slice(0, 12)}) is neither JSON nor YAML: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
      }
      const items = Array.isArray(doc) ? doc : [doc];
      const slash = file.lastIndexOf("/");
      const dir = slash < 0 ? "." : file.slice(0, slash);
      const filename = file.slice(slash + 1);
      items.forEach((item, i) => {
        if (!isRecord(item)) throw new GeneratorError(`${file}${Array.isArray(doc) ? `[${i}]` : ""} must be an object of parameters (a map), not ${item === null ? "null" : Array.isArray(item) ? "a list" : typeof item}`);
        const own = go ? structuredClone(item) : flatten(item);
        const path = pathParams(dir, go, { ...prefix, filename });
        sets.push(go ? deepMerge(own, path) : { ...own, ...path });
      });
    }
  }
  return withValues(sets, g.values, ctx, field);
}

function children(gens: readonly Record<string, unknown>[], depth: number, field: string): void {
  if (depth >= 2) throw new GeneratorError(`${field}: matrix and merge generators nest at most two levels deep`);
  if (gens.length === 0) throw new GeneratorError(`${field}.generators is empty`);
}

function combine(a: Params, b: Params, goTemplate: boolean): Params {
  return goTemplate ? deepMerge(a, b) : { ...a, ...b };
}

async function matrixParams(g: NonNullable<Generator["matrix"]>, ctx: GeneratorContext, field: string, depth: number): Promise<Params[]> {
  children(g.generators, depth, field);
  if (g.generators.length !== 2) throw new GeneratorError(`${field} needs exactly two generators, not ${g.generators.length}`);
  const first = await generate(g.generators[0], ctx, `${field}.generators[0]`, depth + 1);
  const second = g.generators[1]!;
  // The second generator rendered with each set of the first; identical renderings are generated once.
  const rendered = await renderValues(ctx.renderer, second, first);
  const cache = new Map<string, Params[]>();
  const out: Params[] = [];
  for (let i = 0; i < first.length; i++) {
    const r = rendered[i]!;
    if (!r.ok) throw new GeneratorError(`${field}.generators[1] with the parameters of set ${i} of generators[0]: ${r.error}`);
    const key = JSON.stringify(r.value);
    let sets = cache.get(key);
    if (!sets) cache.set(key, (sets = await generate(r.value, ctx, `${field}.generators[1]`, depth + 1)));
    for (const p of sets) out.push(combine(first[i]!, p, ctx.renderer.goTemplate));
    if (out.length > MAX_PARAM_SETS) throw new GeneratorError(`${field} made more than ${MAX_PARAM_SETS} parameter sets`);
  }
  return out;
}

function mergeKey(p: Params, keys: readonly string[], field: string, index: number): string {
  return JSON.stringify(
    keys.map((k) => {
      const v = paramAt(p, k);
      if (v === undefined) throw new GeneratorError(`${field}: parameter set ${index} has no merge key ${JSON.stringify(k)}`);
      return v;
    }),
  );
}

async function mergeParams(g: NonNullable<Generator["merge"]>, ctx: GeneratorContext, field: string, depth: number): Promise<Params[]> {
  children(g.generators, depth, field);
  const all: Params[][] = [];
  for (let i = 0; i < g.generators.length; i++) all.push(await generate(g.generators[i], ctx, `${field}.generators[${i}]`, depth + 1));
  const byKey = (sets: Params[], at: string): Map<string, Params> => {
    const m = new Map<string, Params>();
    sets.forEach((p, i) => {
      const k = mergeKey(p, g.mergeKeys, at, i);
      if (m.has(k)) throw new GeneratorError(`${at}: two parameter sets have the same merge key values ${k}; the merge keys must identify one set`);
      m.set(k, p);
    });
    return m;
  };
  const base = byKey(all[0]!, `${field}.generators[0]`);
  for (let i = 1; i < all.length; i++) {
    for (const [k, p] of byKey(all[i]!, `${field}.generators[${i}]`)) {
      const b = base.get(k);
      if (b) base.set(k, combine(b, p, ctx.renderer.goTemplate));
    }
  }
  return [...base.values()];
}

/** The repositories a generator list reads (for triggers: a move of one re-runs the set). */
export function gitRepos(generators: readonly unknown[]): string[] {
  const out = new Set<string>();
  const walk = (g: unknown, depth: number): void => {
    if (!isRecord(g) || depth > 3) return;
    const git = g.git;
    if (isRecord(git) && typeof git.repoURL === "string" && !git.repoURL.includes("{{")) out.add(git.repoURL);
    for (const k of ["matrix", "merge"]) {
      const c = g[k];
      if (isRecord(c) && Array.isArray(c.generators)) for (const x of c.generators) walk(x, depth + 1);
    }
  };
  for (const g of generators) walk(g, 0);
  return [...out];
}

/** Whether a generator list uses cluster Secrets (for triggers). */
export function usesClusters(generators: readonly unknown[]): boolean {
  return JSON.stringify(generators).includes('"clusters"');
}
