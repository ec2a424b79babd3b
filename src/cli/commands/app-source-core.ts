/**
 * The core-mode half of `plumb app diff` and `plumb app manifests`: the CLI itself renders the app's source
 * (a local folder, or Git at a revision) and compares it with the cluster through the engine, as the
 * controller would — render, server-side dry run, diff.
 *
 * Git is read through a throw-away mirror in a temporary folder, with the repository credentials the
 * controller uses: the repository Secrets of `--repos-namespace`, read with the user's kubeconfig
 * (cli/repo-credentials.ts).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AppClient } from "../../apps/client.js";
import { sourcesOf, type ApplicationView } from "../../apps/index.js";
import { TRACKING_LABEL } from "../../core/annotations.js";
import { mapLimit } from "../../core/concurrency.js";
import { PlumbError } from "../../core/errors.js";
import type { KubeObject } from "../../core/object.js";
import { isOwnedBy } from "../../core/tracking.js";
import { loadJqPathEvaluator, type ResourceDiff, type SyncSummary } from "../../diff/index.js";
import { appSpec, type AppSpec } from "../../engine/app.js";
import { compareApp, renderDesired, type EngineContext } from "../../engine/compare.js";
import { ownedObjects } from "../../engine/inventory.js";
import { Mirrors } from "../../git/index.js";
import { colour } from "../output.js";
import { explainingAuth, repoCredentials } from "../repo-credentials.js";
import { resolveSource } from "../source-flags.js";

/** Where the desired state comes from: a local folder, or Git at a revision. */
export type Origin = { local: string; repoRoot?: string } | { revision: string };

/** A comparison to print: per resource, the summary, and the revision compared (none for a local folder). */
export interface Comparison {
  app: string;
  revision?: string;
  resources: ResourceDiff[];
  summary: SyncSummary;
}

const warn = (line: string): void => void process.stderr.write(colour("grey", `plumb: warning: ${line}\n`));

/** The engine's view of the app with its source at `repoRoot`/`path`. */
function engineApp(view: ApplicationView, repoRoot: string, path: string): AppSpec {
  const spec = view.spec!;
  const s = sourcesOf(spec)[0]!;
  return appSpec({
    name: view.name,
    namespace: spec.destination.namespace ?? "",
    repoRoot,
    path,
    source: { ...(s.directory ? { directory: s.directory } : {}), ...(s.helm ? { helm: s.helm } : {}), ...(s.kustomize ? { kustomize: s.kustomize } : {}) },
    ignoreDifferences: spec.ignoreDifferences ?? [],
    syncOptions: spec.syncPolicy?.syncOptions ?? [],
    prune: Boolean(spec.syncPolicy?.automated?.prune),
    allowEmpty: Boolean(spec.syncPolicy?.automated?.allowEmpty),
  });
}

/** Runs `fn` with the app's source checked out (or the local folder), as an engine AppSpec. */
async function withSource<T>(apps: AppClient, view: ApplicationView, origin: Origin, reposNamespace: string, fn: (app: AppSpec, revision?: string) => Promise<T>): Promise<T> {
  const source = view.spec ? sourcesOf(view.spec)[0] : undefined;
  const invalid = view.problems.filter((p) => p.type === "InvalidSpecError");
  if (!view.spec || !source || invalid.length) throw new PlumbError(`application "${view.name}" has an invalid spec: ${invalid.map((p) => p.message).join("; ") || "no source"}`);
  if ("local" in origin) {
    const { repoRoot, path } = resolveSource(origin.local, { app: view.name, namespace: "", helmSet: [], helmSetString: [], values: [], ...(origin.repoRoot ? { repoRoot: origin.repoRoot } : {}) });
    return fn(engineApp(view, repoRoot, path));
  }
  const credentials = await repoCredentials(apps.resources, reposNamespace, warn);
  const cacheDir = await mkdtemp(join(tmpdir(), "plumb-app-"));
  const mirrors = new Mirrors({ cacheDir, credentials });
  try {
    const { sha } = await explainingAuth(credentials, reposNamespace, () => mirrors.resolve(source.repoURL, origin.revision));
    const lease = await explainingAuth(credentials, reposNamespace, () => mirrors.checkout(source.repoURL, sha));
    try {
      return await fn(engineApp(view, lease.dir, source.path ?? "."), sha);
    } finally {
      lease.release();
    }
  } finally {
    await mirrors.close();
    await rm(cacheDir, { recursive: true, force: true });
  }
}

/** The comparison computed now, through the engine. */
export async function compareNow(apps: AppClient, view: ApplicationView, origin: Origin, reposNamespace: string): Promise<Comparison> {
  return withSource(apps, view, origin, reposNamespace, async (app, revision) => {
    const needsJq = app.ignoreDifferences.some((r) => (r.jqPathExpressions ?? []).length > 0);
    const ctx: EngineContext = { resources: apps.resources, ...(needsJq ? { jq: await loadJqPathEvaluator() } : {}) };
    const cmp = await compareApp(ctx, app);
    return { app: app.name, ...(revision ? { revision } : {}), resources: cmp.resources, summary: cmp.summary };
  });
}

/** The live objects the app owns: listed by tracking label across the kinds it is known to have. */
export async function liveManifests(apps: AppClient, view: ApplicationView): Promise<KubeObject[]> {
  const known = view.status.resources ?? [];
  if (known.length === 0) return ownedObjects(apps.resources, view.name);
  const kinds = new Map<string, { group: string; kind: string }>();
  for (const r of known) kinds.set(`${r.group}/${r.kind}`, { group: r.group, kind: r.kind });
  const lists = await mapLimit([...kinds.values()], 8, async (k) => {
    const info = await apps.resources.discovery.resourceForGroupKind(k.group, k.kind);
    return info ? (await apps.resources.listResource(info, { labelSelector: `${TRACKING_LABEL}=${view.name}` })).items : [];
  });
  return lists.flat().filter((o) => isOwnedBy(o, view.name));
}

/** The desired objects rendered from the origin, tracked as they would be applied. */
export async function desiredManifests(apps: AppClient, view: ApplicationView, origin: Origin, reposNamespace: string): Promise<KubeObject[]> {
  return withSource(apps, view, origin, reposNamespace, async (app) => (await renderDesired({ resources: apps.resources }, app)).desired);
}
