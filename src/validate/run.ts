/**
 * `plumb validate [DIR]`, the orchestration ("valid in CI" must mean "will sync"):
 *
 *   1. discover (discover.ts): every Application, AppProject and CRD in DIR's files; unparsable files are
 *      `yaml-syntax` findings. No Application at all: DIR is one app folder, rendered as `plumb render DIR`.
 *   2. validate the apps in waves, each wave in parallel (mapLimit, sized to the cores): app-run.ts reads,
 *      locates, renders (cached) and checks each app; the Applications its render holds are its children —
 *      an app-of-apps, plain or templated by a chart — and form the next wave. An app is validated once
 *      per namespace/name (a child that is also a file of the repository is the same app), so cycles end.
 *   3. schemas (schema.ts): loaded for --kube-version; then every CRD known is added — the repository's,
 *      every render's, the live cluster's with --kubeconfig, and plumb's own Application/AppProject CRDs
 *      (so child Applications are validated too) — and every rendered object of every reported app is
 *      validated.
 *   4. policies (policy.ts): per app, over its rendered set.
 *   5. findings get their app, file and line (from the render's origins), the per-object skip annotations
 *      are applied (policy.ts applies them to its own), and `--skip` drops checks for the run.
 * With --changed-since, only the apps whose inputs changed are reported (changed.ts); the others are still
 * rendered (from the cache, mostly) when their repository is this one, since their children may be among
 * the changed apps.
 */
import { existsSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, relative, resolve } from "node:path";
import { allCRDs, API_VERSION } from "../apps/index.js";
import { mapLimit } from "../core/concurrency.js";
import { UsageError } from "../core/errors.js";
import type { KubeObject } from "../core/object.js";
import type { Resources } from "../cluster/resources.js";
import { toPosix } from "../render/paths.js";
import { findBinary } from "../tools/binaries.js";
import { toolVersions } from "../tools/versions.js";
import { projectFindings, refOf, skippedChecks } from "./apps.js";
import { originFields, runApp, type AppOutcome, type AppRunContext, type AppTask } from "./app-run.js";
import { defaultCacheDir, FileHasher, RenderCache } from "./cache.js";
import { changedFiles } from "./changed.js";
import { discover, isCRD, type ManifestDoc } from "./discover.js";
import type { Finding, ObjectRef, ValidatedApp, ValidateReport } from "./findings.js";
import { policyFindings } from "./policy.js";
import { liveCRDs, loadSchemas, SHIPPED_KUBE_VERSIONS } from "./schema.js";
import { gitTopLevel, remoteURLs, SourceLocator } from "./source.js";

/** Options of runValidate; see the CLI for what each flag means. */
export interface ValidateOptions {
  /** The folder to validate: a GitOps repository or one app folder. */
  dir: string;
  /** Check ids switched off for the run. */
  skip?: ReadonlySet<string>;
  /** Kubernetes version of the schemas and of Helm's .Capabilities (default SHIPPED_KUBE_VERSIONS[0]). */
  kubeVersion?: string;
  /** The live cluster, for its CRDs and AppProjects. */
  cluster?: Resources;
  /** Report only the apps whose inputs changed since this git revision. */
  changedSince?: string;
  /** URLs that name this repository (default: its git remotes). */
  repoURLs?: string[];
  /** Render cache folder; false: no cache. Default: defaultCacheDir(). */
  cacheDir?: string | false;
  /** Renders at once (default: the cores, at least 2). */
  concurrency?: number;
  /** Time limit of one Git fetch of another repository (default 60 s). */
  fetchTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** What a run measured, besides the report (for the benchmark and --verbose). */
export interface ValidateStats {
  renders: number;
  cacheHits: number;
}

/** The most app-of-apps levels followed. */
const MAX_DEPTH = 20;

function toolPaths(env: NodeJS.ProcessEnv): Record<string, string> {
  const v = toolVersions();
  const path = (name: string): string => {
    try {
      return findBinary(name, { env });
    } catch {
      return "";
    }
  };
  return { helm: `${path("helm")}@${v.helm}`, kustomize: `${path("kustomize")}@${v.kustomize}` };
}

async function liveState(cluster: Resources): Promise<{ crds: KubeObject[]; projects: KubeObject[] }> {
  const crds = await liveCRDs(cluster);
  const projects: KubeObject[] = [];
  for (const group of ["plumb.dev", "argoproj.io"]) {
    try {
      projects.push(...(await cluster.list(`${group}/${API_VERSION}`, "AppProject")).items);
    } catch {
      // that group's CRD is not installed: no projects of it
    }
  }
  return { crds, projects };
}

const crdName = (o: { metadata?: unknown }): string => String((o.metadata as { name?: unknown } | undefined)?.name ?? "");

function sameRef(a: ObjectRef, b: ObjectRef): boolean {
  return a.kind === b.kind && a.name === b.name && (a.namespace ?? "") === (b.namespace ?? "") && (a.apiVersion === b.apiVersion || !a.apiVersion || !b.apiVersion);
}

/** Validates the folder; resolves to the report, or throws UsageError for bad options. */
export async function runValidate(opts: ValidateOptions): Promise<ValidateReport & { stats: ValidateStats }> {
  const dir = resolve(opts.dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${opts.dir} is not a folder`, "pass the GitOps repository (or an app folder) to validate");
  const env = opts.env ?? process.env;
  const schemas = await loadSchemas(opts.kubeVersion ? { kubeVersion: opts.kubeVersion } : {});
  const kubeVersion = (opts.kubeVersion ?? SHIPPED_KUBE_VERSIONS[0] ?? "").replace(/^v/, "");
  const root = resolve(gitTopLevel(dir) ?? dir);
  const skip = opts.skip ?? new Set<string>();
  const changed = opts.changedSince !== undefined ? changedFiles(root, opts.changedSince) : undefined;

  const found = discover(dir, root);
  const live = opts.cluster ? await liveState(opts.cluster) : { crds: [], projects: [] };
  const repoProjects = new Map<string, ManifestDoc>();
  for (const p of found.projects) if (!repoProjects.has(crdName(p.object))) repoProjects.set(crdName(p.object), p);
  const lookup = (name: string): unknown => repoProjects.get(name)?.object ?? live.projects.find((p) => p.metadata.name === name);

  const fileChanged = (file?: string): boolean => !changed || (file !== undefined && changed.has(file));
  const loose: Finding[] = found.findings.filter((f) => fileChanged(f.file));
  for (const p of found.projects) if (fileChanged(p.file)) loose.push(...projectFindings(p.object).map((f) => ({ ...f, file: p.file, ...(p.line ? { line: p.line } : {}) })));

  const locator = new SourceLocator({ root, repoURLs: opts.repoURLs?.length ? opts.repoURLs : remoteURLs(root), fetchTimeoutMs: opts.fetchTimeoutMs ?? 60_000 });
  const cache = new RenderCache(opts.cacheDir === false ? undefined : opts.cacheDir ?? defaultCacheDir(env));
  const ctx: AppRunContext = { root, locator, projects: lookup, cache, hasher: new FileHasher(), tools: toolPaths(env), kubeVersion, ...(changed ? { changed } : {}), env };

  const tasks: AppTask[] = found.applications.map((a) => {
    const meta = (a.object.metadata ?? {}) as { name?: unknown; namespace?: unknown };
    return { name: typeof meta.name === "string" ? meta.name : "", namespace: typeof meta.namespace === "string" ? meta.namespace : "", object: a.object, file: a.file, ...(a.line ? { line: a.line } : {}) };
  });
  if (tasks.length === 0) {
    const folder = toPosix(relative(root, dir)) || ".";
    tasks.push({ name: basename(dir), namespace: "", folder, file: folder });
  }

  const outcomes: AppOutcome[] = [];
  const known: Array<{ name: string; namespace: string }> = [];
  const isKnown = (t: AppTask, loose: boolean): boolean => known.some((k) => k.name === t.name && (k.namespace === t.namespace || (loose && (!k.namespace || !t.namespace))));
  let wave: AppTask[] = [];
  const admit = (t: AppTask, loose: boolean): void => {
    if (isKnown(t, loose)) return;
    known.push(t);
    wave.push(t);
  };
  for (const t of tasks) admit(t, false);
  const limit = opts.concurrency ?? Math.max(2, availableParallelism());
  try {
    for (let depth = 0; wave.length > 0 && depth < MAX_DEPTH; depth++) {
      const done = await mapLimit(wave, limit, (t) => runApp(ctx, t));
      outcomes.push(...done);
      wave = [];
      for (const child of done.flatMap((o) => o.children)) admit(child, true);
    }
  } finally {
    await locator.close();
  }

  // Schemas: every CRD known, once by name (the repository's and the renders' first, plumb's own last).
  const crds = new Map<string, KubeObject>();
  const crdFile = new Map<string, Pick<Finding, "file" | "line">>();
  for (const o of outcomes) {
    o.objects.forEach((obj, i) => {
      if (!isCRD(obj as unknown as Record<string, unknown>) || crds.has(crdName(obj))) return;
      crds.set(crdName(obj), obj);
      crdFile.set(crdName(obj), originFields(o.origins[i], o.task));
    });
  }
  for (const c of [...found.crds, ...live.crds, ...allCRDs({ argoCompat: true })]) if (!crds.has(crdName(c))) crds.set(crdName(c), c);
  const schemaCrd = schemas.addCRDs([...crds.values()]).map((f) => ({ ...f, ...(f.object ? crdFile.get(f.object.name) ?? {} : {}) }));

  const findings: Finding[] = [...loose, ...schemaCrd];
  const apps: ValidatedApp[] = [];
  for (const o of outcomes) {
    if (!o.selected) continue;
    const { task } = o;
    apps.push({ name: task.name, file: task.file, objects: o.objects.length });
    const appSkip = task.object ? skippedChecks(task.object) : new Set<string>();
    const at = (f: Finding): Finding => ({ ...f, app: task.name, file: f.file ?? task.file, ...(f.file === undefined && task.line !== undefined && f.line === undefined ? { line: task.line } : {}) });
    for (const f of o.findings) {
      const obj = f.object && f.file !== undefined ? o.objects.find((x) => sameRef(refOf(x), f.object!)) : undefined;
      const skipped = obj ? skippedChecks(obj) : appSkip;
      if (!skipped.has(f.check)) findings.push(at(f));
    }
    o.objects.forEach((obj, i) => {
      const skipped = skippedChecks(obj);
      for (const f of schemas.validate(obj)) if (!skipped.has(f.check)) findings.push({ ...f, app: task.name, object: f.object ?? refOf(obj), ...originFields(o.origins[i], task) });
    });
    for (const f of policyFindings(o.objects, { skip })) {
      const i = f.object ? o.objects.findIndex((x) => sameRef(refOf(x), f.object!)) : -1;
      findings.push({ ...f, app: task.name, ...(i >= 0 ? originFields(o.origins[i], task) : { file: f.file ?? task.file }) });
    }
  }
  return {
    root: dir,
    apps,
    findings: findings.filter((f) => !skip.has(f.check)),
    stats: { renders: cache.renders, cacheHits: cache.hits },
  };
}
