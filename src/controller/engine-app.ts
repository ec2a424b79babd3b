/**
 * The engine's view of an Application (engine/app.ts AppSpec) with its source checked out at `dir`: what
 * the controller compares and syncs, and what the API server compares for `managed-resources` — one
 * function, so both compare the same thing.
 */
import type { ApplicationSource, ApplicationSpec } from "../apps/index.js";
import { appSpec, type AppSpec } from "../engine/app.js";
import type { IgnoreDifference } from "../diff/index.js";
import type { SourceOptions } from "../render/index.js";

/** The render options of a source (everything but where it is). */
export function renderOptions(source: ApplicationSource): SourceOptions {
  const { repoURL: _r, targetRevision: _t, path: _p, chart: _c, ref: _f, name: _n, ...options } = source;
  return options;
}

/**
 * The AppSpec of app `name` with `spec`, rendering `source` checked out at `dir`. `systemIgnore` are
 * ignoreDifferences rules for every app (resource customizations), applied with the app's own.
 */
export function engineAppFor(name: string, spec: ApplicationSpec, source: ApplicationSource, dir: string, systemIgnore: readonly IgnoreDifference[] = []): AppSpec {
  return appSpec({
    name,
    namespace: spec.destination.namespace ?? "",
    repoRoot: dir,
    path: source.path ?? ".",
    source: renderOptions(source),
    ignoreDifferences: [...(spec.ignoreDifferences ?? []), ...systemIgnore],
    syncOptions: spec.syncPolicy?.syncOptions ?? [],
    prune: Boolean(spec.syncPolicy?.automated?.prune),
    allowEmpty: Boolean(spec.syncPolicy?.automated?.allowEmpty),
  });
}
