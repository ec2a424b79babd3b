/**
 * The engine's view of an Application (engine/app.ts AppSpec) with its sources checked out: what the
 * controller compares and syncs, and what the API server compares for `managed-resources` — one function,
 * so both compare the same thing.
 *
 * Several sources (`spec.sources`): every source with a `path` (or a chart) is a part the engine renders;
 * a source with `ref` lends its tree to the others' `$ref/…` value files, and one with `ref` but no path
 * is not rendered itself, as in Argo CD.
 */
import type { ApplicationSource, ApplicationSpec } from "../apps/index.js";
import { appSpec, type AppSpec, type RenderPart } from "../engine/app.js";
import type { IgnoreDifference } from "../diff/index.js";
import { splitCredentials } from "../git/url.js";
import type { SourceOptions } from "../render/index.js";

/** The render options of a source (everything but where it is). */
export function renderOptions(source: ApplicationSource): SourceOptions {
  const { repoURL: _r, targetRevision: _t, path: _p, chart: _c, ref: _f, name: _n, ...options } = source;
  return options;
}

/** A source with its tree: a Git checkout, or a pulled chart (`path` "." then: the chart is the tree). */
export interface CheckedOutSource {
  source: ApplicationSource;
  dir: string;
  /** The folder to render inside `dir`; default the source's path. */
  path?: string;
}

/**
 * The AppSpec of app `name` with `spec`, rendering `source` checked out at `dir`. `systemIgnore` are
 * ignoreDifferences rules for every app (resource customizations), applied with the app's own.
 */
export function engineAppFor(name: string, spec: ApplicationSpec, source: ApplicationSource, dir: string, path?: string, systemIgnore: readonly IgnoreDifference[] = []): AppSpec {
  return appSpec({
    name,
    namespace: spec.destination.namespace ?? "",
    repoRoot: dir,
    path: path ?? source.path ?? ".",
    source: renderOptions(source),
    ignoreDifferences: [...(spec.ignoreDifferences ?? []), ...systemIgnore],
    syncOptions: spec.syncPolicy?.syncOptions ?? [],
    prune: Boolean(spec.syncPolicy?.automated?.prune),
    allowEmpty: Boolean(spec.syncPolicy?.automated?.allowEmpty),
  });
}

/** Whether a source is rendered: it has a path or a chart (a `ref` source without a path only lends files). */
export function isRendered(source: ApplicationSource): boolean {
  return source.path !== undefined || source.chart !== undefined || source.ref === undefined;
}

/** How a source is named in messages: its field and where it is (no credentials). */
export function sourceLabel(source: ApplicationSource, index: number): string {
  const where = `${splitCredentials(source.repoURL).url}${source.chart ? ` chart ${source.chart}` : source.path ? ` path ${source.path}` : ""}`;
  return `spec.sources[${index}] (${where})`;
}

/**
 * The AppSpec of app `name` with its sources checked out, in spec order. `multi` (spec.sources set): every
 * rendered source is a part, with the trees of the `ref` sources for `$ref/…` value files; otherwise the
 * one source, as engineAppFor.
 */
export function engineAppForSources(name: string, spec: ApplicationSpec, checked: readonly CheckedOutSource[], multi: boolean, systemIgnore: readonly IgnoreDifference[] = []): AppSpec {
  if (!multi || checked.length === 0) return engineAppFor(name, spec, checked[0]!.source, checked[0]!.dir, checked[0]!.path, systemIgnore);
  const refRoots: Record<string, string> = {};
  for (const c of checked) if (c.source.ref && !c.source.chart) refRoots[c.source.ref] = c.dir;
  const parts: RenderPart[] = [];
  checked.forEach((c, i) => {
    if (!isRendered(c.source)) return;
    parts.push({ repoRoot: c.dir, path: c.path ?? c.source.path ?? ".", source: renderOptions(c.source), label: sourceLabel(c.source, i), ...(Object.keys(refRoots).length ? { refRoots } : {}) });
  });
  const first = parts[0];
  const base = engineAppFor(name, spec, checked[0]!.source, first?.repoRoot ?? checked[0]!.dir, first?.path, systemIgnore);
  return { ...base, ...(first ? { source: first.source } : {}), parts };
}
