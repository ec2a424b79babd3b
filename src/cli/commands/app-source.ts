/**
 * `plumb app diff` and `plumb app manifests`: an Application's desired and live objects.
 *
 * diff, by default, reads the controller's last comparison (`status.resources`) and lists what is not
 * Synced — cheap, and exactly what the controller will act on. With --local DIR (a folder being edited) or
 * --git (the app's source at its target revision, or --revision) the CLI runs the engine's comparison
 * itself — render, server-side dry run, diff — as the controller would, and prints line diffs. Exit 1 when
 * something is out of sync, as `diff` and `kubectl diff` do.
 *
 * manifests prints the live objects the app owns (--source live: listed by the tracking label across the
 * kinds of status.resources) or the rendered desired ones (--source git, or --local DIR), as YAML or JSON.
 *
 * Git is read through a throw-away mirror in a temporary folder with git's own credentials, not the
 * controller's repository Secrets.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { sourcesOf, type ApplicationView } from "../../apps/index.js";
import { TRACKING_LABEL } from "../../core/annotations.js";
import { mapLimit } from "../../core/concurrency.js";
import { PlumbError, UsageError } from "../../core/errors.js";
import { keyDisplay, type KubeObject } from "../../core/object.js";
import { isOwnedBy } from "../../core/tracking.js";
import { loadJqPathEvaluator } from "../../diff/index.js";
import { appSpec, type AppSpec } from "../../engine/app.js";
import { compareApp, renderDesired, type EngineContext } from "../../engine/compare.js";
import { ownedObjects } from "../../engine/inventory.js";
import { Mirrors } from "../../git/index.js";
import { toYamlStream } from "../../render/index.js";
import { colourDiff, printData, table } from "../output.js";
import { resolveSource } from "../source-flags.js";
import { addAppFlags, forPrinting, outputOf, shortSha, withApps, word, type AppClient, type AppFlags } from "./app-common.js";

interface SourceFlags extends AppFlags {
  local?: string;
  localRepoRoot?: string;
  git?: boolean;
  revision?: string;
  source?: string;
}

/** Where the desired state comes from: a local folder, or Git at a revision. */
type Origin = { local: string; repoRoot?: string } | { revision: string };

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
async function withSource<T>(view: ApplicationView, origin: Origin, fn: (app: AppSpec, revision?: string) => Promise<T>): Promise<T> {
  const source = view.spec ? sourcesOf(view.spec)[0] : undefined;
  const invalid = view.problems.filter((p) => p.type === "InvalidSpecError");
  if (!view.spec || !source || invalid.length) throw new PlumbError(`application "${view.name}" has an invalid spec: ${invalid.map((p) => p.message).join("; ") || "no source"}`);
  if ("local" in origin) {
    const { repoRoot, path } = resolveSource(origin.local, { app: view.name, namespace: "", helmSet: [], helmSetString: [], values: [], ...(origin.repoRoot ? { repoRoot: origin.repoRoot } : {}) });
    return fn(engineApp(view, repoRoot, path));
  }
  const cacheDir = await mkdtemp(join(tmpdir(), "plumb-app-"));
  const mirrors = new Mirrors({ cacheDir });
  try {
    const { sha } = await mirrors.resolve(source.repoURL, origin.revision);
    const lease = await mirrors.checkout(source.repoURL, sha);
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

function originOf(view: ApplicationView, f: SourceFlags): Origin | undefined {
  if (f.local) return { local: f.local, ...(f.localRepoRoot ? { repoRoot: f.localRepoRoot } : {}) };
  if (f.git || f.revision) return { revision: f.revision ?? (view.spec ? sourcesOf(view.spec)[0]?.targetRevision : undefined) ?? "HEAD" };
  return undefined;
}

/** `diff` from the controller's last comparison. */
function diffFromStatus(view: ApplicationView, format: "text" | "json" | "yaml"): void {
  const st = view.status;
  const differing = (st.resources ?? []).filter((r) => r.status !== "Synced" || r.requiresPruning);
  const sync = st.sync?.status ?? "Unknown";
  if (format !== "text") printData({ app: view.name, status: sync, revision: st.sync?.revision, reconciledAt: st.reconciledAt, resources: differing }, format);
  else {
    if (differing.length) {
      const rows = [["STATUS", "KIND", "NAMESPACE", "NAME", "NOTE"]];
      for (const r of differing) rows.push([word(r.status ?? "Unknown"), r.kind, r.namespace, r.name, r.requiresPruning ? "not in Git: pruned by a sync with prune" : ""]);
      process.stdout.write(`${table(rows)}\n`);
    }
    const at = st.reconciledAt ? ` (compared with ${shortSha(st.sync?.revision) || "Git"} at ${st.reconciledAt}; --git or --local DIR for line diffs)` : " (not compared yet)";
    process.stdout.write(`${view.name}: ${word(sync)}, ${differing.length} of ${(st.resources ?? []).length} resource(s) differ${at}\n`);
    for (const c of st.conditions ?? []) if (c.type.endsWith("Error")) process.stderr.write(`plumb: ${c.type}: ${c.message}\n`);
  }
  if (sync !== "Synced") process.exitCode = 1;
}

/** `diff` computed now, through the engine. */
async function diffNow(apps: AppClient, view: ApplicationView, origin: Origin, format: "text" | "json" | "yaml"): Promise<void> {
  await withSource(view, origin, async (app, revision) => {
    const needsJq = app.ignoreDifferences.some((r) => (r.jqPathExpressions ?? []).length > 0);
    const ctx: EngineContext = { resources: apps.resources, ...(needsJq ? { jq: await loadJqPathEvaluator() } : {}) };
    const cmp = await compareApp(ctx, app);
    if (format !== "text") {
      printData({ app: app.name, revision, summary: cmp.summary, resources: cmp.resources.map((r) => ({ ...r, predicted: undefined, live: undefined })) }, format);
    } else {
      const rows = [["STATUS", "KIND", "NAMESPACE", "NAME"]];
      for (const r of cmp.resources) rows.push([word(r.status), r.key.kind, r.key.namespace, r.key.name]);
      process.stdout.write(table(rows));
      for (const r of cmp.resources) {
        if (r.diff) process.stdout.write(`\n${colourDiff(r.diff)}`);
        for (const w of r.warnings) process.stderr.write(`plumb: warning: ${keyDisplay(r.key)}: ${w}\n`);
      }
      const s = cmp.summary;
      const from = revision ? ` at ${shortSha(revision)}` : " from the local folder";
      process.stdout.write(`\n${app.name}${from}: ${word(s.status)} (${s.synced} synced, ${s.outOfSync} out of sync, ${s.missing} missing, ${s.extra} extra)\n`);
    }
    if (cmp.summary.status !== "Synced") process.exitCode = 1;
  });
}

/** The live objects the app owns: listed by tracking label across the kinds it is known to have. */
async function liveManifests(apps: AppClient, view: ApplicationView): Promise<KubeObject[]> {
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
async function desiredManifests(apps: AppClient, view: ApplicationView, origin: Origin): Promise<KubeObject[]> {
  return withSource(view, origin, async (app) => {
    return (await renderDesired({ resources: apps.resources }, app)).desired;
  });
}

function addSourceOptions(cmd: Command): Command {
  return cmd
    .option("--local <dir>", "use this local app folder as the desired state")
    .option("--local-repo-root <dir>", "with --local: the repository root (default: the folder's git top-level)")
    .option("--revision <rev>", "use the app's source from Git at this revision");
}

export function register(app: Command): void {
  addSourceOptions(addAppFlags(app.command("diff").description("what differs between Git and the cluster; exit 1 when out of sync").argument("<name>"), "text, json or yaml"))
    .option("--git", "compare now with Git at the target revision (default: the controller's last comparison)")
    .action(async (name: string, f: SourceFlags) => {
      const { format } = outputOf(f);
      await withApps(f, async (apps) => {
        const view = await apps.view(name);
        const origin = originOf(view, f);
        if (origin) await diffNow(apps, view, origin, format);
        else diffFromStatus(view, format);
      });
    });

  addSourceOptions(addAppFlags(app.command("manifests").description("print the app's live objects, or its manifests rendered from Git or a local folder").argument("<name>")))
    .option("--source <source>", "live (the objects in the cluster) or git (rendered at the synced revision)", "live")
    .option("-o, --output <format>", "yaml or json", "yaml")
    .action(async (name: string, f: SourceFlags) => {
      if (f.output !== "yaml" && f.output !== "json") throw new UsageError(`-o ${f.output}: expected yaml or json`);
      if (f.source !== "live" && f.source !== "git") throw new UsageError(`--source ${f.source}: expected live or git`);
      await withApps(f, async (apps) => {
        const view = await apps.view(name);
        const wantsDesired = f.source === "git" || f.local || f.revision;
        const revision = f.revision ?? view.status.sync?.revision ?? (view.spec ? sourcesOf(view.spec)[0]?.targetRevision : undefined) ?? "HEAD";
        const objs = wantsDesired ? await desiredManifests(apps, view, f.local ? { local: f.local, ...(f.localRepoRoot ? { repoRoot: f.localRepoRoot } : {}) } : { revision }) : (await liveManifests(apps, view)).map(forPrinting);
        if (f.output === "json") process.stdout.write(`${JSON.stringify({ apiVersion: "v1", kind: "List", items: objs }, null, 2)}\n`);
        else process.stdout.write(toYamlStream(objs));
      });
    });
}
