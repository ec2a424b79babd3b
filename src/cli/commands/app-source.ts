/**
 * `plumb app diff` and `plumb app manifests`: an Application's desired and live objects.
 *
 * diff, by default, reads the controller's last comparison (`status.resources`) and lists what is not
 * Synced — cheap, and exactly what the controller will act on. With --git the comparison is made now and
 * printed with line diffs: in core mode by the CLI itself through the engine (app-source-core.ts), over the
 * API from the server's managed resources (their target and live states, compared here by the same
 * compareObject). --revision REV (a pull request's branch) works both ways: the server renders the app at
 * REV for its managed resources. --local DIR (a folder being edited) needs the cluster itself: core mode
 * only. Exit 1 when something is out of sync, as `diff` and `kubectl diff` do.
 *
 * manifests prints the live objects the app owns (--source live) or the rendered desired ones (--source
 * git, or --local DIR), as YAML or JSON. Secret values are masked in every output (mask.ts: runs of `+`)
 * unless --show-secrets, in core mode; over the API the server masks them and has the last word.
 */
import type { Command } from "commander";
import { sourcesOf, type ApplicationView } from "../../apps/index.js";
import { mapLimit } from "../../core/concurrency.js";
import { UsageError } from "../../core/errors.js";
import { keyDisplay, type KubeObject } from "../../core/object.js";
import { compareObject, loadJqPathEvaluator, maskSecret, summarize, type ResourceDiff } from "../../diff/index.js";
import { toYamlStream } from "../../render/index.js";
import { previewMarkdown } from "../../ci/preview.js";
import { ApiBackend } from "../api-backend.js";
import { colour, colourDiff, printData, table } from "../output.js";
import { addAppFlags, coreOf, forPrinting, outputOf, shortSha, withApps, word, type AppBackend, type AppFlags } from "./app-common.js";
import { compareNow, desiredManifests, liveManifests, type Comparison, type Origin } from "./app-source-core.js";

interface SourceFlags extends AppFlags {
  local?: string;
  localRepoRoot?: string;
  git?: boolean;
  revision?: string;
  source?: string;
  showSecrets?: boolean;
  reposNamespace?: string;
}

function originOf(view: ApplicationView, f: SourceFlags): Origin | undefined {
  if (f.local) return { local: f.local, ...(f.localRepoRoot ? { repoRoot: f.localRepoRoot } : {}) };
  if (f.git || f.revision) return { revision: f.revision ?? (view.spec ? sourcesOf(view.spec)[0]?.targetRevision : undefined) ?? "HEAD" };
  return undefined;
}

/** The namespace of the repository Secrets (see cli/repo-credentials.ts). */
function reposNamespaceOf(f: SourceFlags): string {
  return f.reposNamespace ?? (process.env.PLUMB_REPOS_NAMESPACE || f.appNamespace);
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

/** Prints a comparison made now: table, line diffs, summary; exit 1 when out of sync. */
function printComparison(cmp: Comparison, format: "text" | "json" | "yaml"): void {
  if (format !== "text") {
    printData({ app: cmp.app, revision: cmp.revision, summary: cmp.summary, resources: cmp.resources.map((r) => ({ ...r, predicted: undefined, live: undefined })) }, format);
  } else {
    const rows = [["STATUS", "KIND", "NAMESPACE", "NAME"]];
    for (const r of cmp.resources) rows.push([word(r.status), r.key.kind, r.key.namespace, r.key.name]);
    process.stdout.write(table(rows));
    for (const r of cmp.resources) {
      if (r.diff) process.stdout.write(`\n${colourDiff(r.diff)}`);
      for (const w of r.warnings) process.stderr.write(`plumb: warning: ${keyDisplay(r.key)}: ${w}\n`);
    }
    const s = cmp.summary;
    const from = cmp.revision ? ` at ${shortSha(cmp.revision)}` : " from the local folder";
    process.stdout.write(`\n${cmp.app}${from}: ${word(s.status)} (${s.synced} synced, ${s.outOfSync} out of sync, ${s.missing} missing, ${s.extra} extra)\n`);
  }
  if (cmp.summary.status !== "Synced") process.exitCode = 1;
}

const parseState = (s: string | undefined | null): KubeObject | undefined => (s && s !== "null" ? (JSON.parse(s) as KubeObject) : undefined);

/** The comparison from the server's managed resources (their states are masked by the server). */
async function compareFromServer(api: ApiBackend, view: ApplicationView, revision?: string): Promise<Comparison> {
  const ignore = view.spec?.ignoreDifferences ?? [];
  const jq = ignore.some((r) => (r.jqPathExpressions ?? []).length > 0) ? await loadJqPathEvaluator() : undefined;
  const resources: ResourceDiff[] = [];
  const managed = await api.managedAt(view.name, revision);
  for (const m of managed.items) {
    if (m.hook) continue;
    const predicted = parseState(m.predictedLiveState) ?? parseState(m.targetState);
    const live = parseState(m.liveState);
    if (!predicted && !live) continue;
    resources.push(compareObject({ ...(predicted ? { predicted } : {}), ...(live ? { live } : {}), ignore, jq }));
  }
  const compared = managed.revision ?? view.status.sync?.revision;
  return { app: view.name, ...(compared ? { revision: compared } : {}), resources, summary: summarize(resources) };
}

function addSourceOptions(cmd: Command): Command {
  return cmd
    .option("--local <dir>", "use this local app folder as the desired state (with --core)")
    .option("--local-repo-root <dir>", "with --local: the repository root (default: the folder's git top-level)")
    .option("--revision <rev>", "use the app's source from Git at this revision")
    .option("--repos-namespace <ns>", "with --core: read repository credential Secrets (Argo CD's format) from this namespace (default: $PLUMB_REPOS_NAMESPACE, else the Applications' namespace)");
}

async function diffCommand(name: string, f: SourceFlags): Promise<void> {
  // -o markdown: a pull request's preview comment (src/ci/preview.ts).
  const markdown = f.output === "markdown";
  const { format } = markdown ? { format: "text" as const } : outputOf(f);
  const print = (cmp: Comparison): void => {
    if (!markdown) return printComparison(cmp, format);
    process.stdout.write(previewMarkdown({ ...cmp, ...(f.revision ? { asked: f.revision } : {}) }));
    if (cmp.summary.status !== "Synced") process.exitCode = 1;
  };
  await withApps(f, async (apps) => {
    const view = await apps.view(name);
    const origin = originOf(view, f);
    if (!origin) {
      if (markdown) throw new UsageError("-o markdown compares now: give --revision REV (a pull request's branch), --git or --local DIR");
      return diffFromStatus(view, format);
    }
    if (apps instanceof ApiBackend) {
      if (f.local) coreOf(apps, "diff --local");
      return print(await compareFromServer(apps, view, f.revision));
    }
    print(await compareNow(coreOf(apps, "diff"), view, origin, reposNamespaceOf(f)));
  });
}

/** The objects `manifests` prints, masked unless --show-secrets (core mode), sorted by kind, namespace, name. */
async function manifestsOf(apps: AppBackend, view: ApplicationView, f: SourceFlags): Promise<KubeObject[]> {
  const wantsDesired = f.source === "git" || f.local || f.revision;
  const revision = f.revision ?? view.status.sync?.revision ?? (view.spec ? sourcesOf(view.spec)[0]?.targetRevision : undefined) ?? "HEAD";
  if (apps instanceof ApiBackend) {
    if (f.local) coreOf(apps, "manifests --local");
    if (f.showSecrets) process.stderr.write(colour("grey", "plumb: warning: the plumb server masks Secret values; --show-secrets applies with --core\n"));
    if (wantsDesired) return (await apps.manifests(view.name, revision)).manifests;
    return sortObjects((await liveOverApi(apps, view)).map(forPrinting));
  }
  const core = coreOf(apps, "manifests");
  const objs = wantsDesired
    ? await desiredManifests(core, view, f.local ? { local: f.local, ...(f.localRepoRoot ? { repoRoot: f.localRepoRoot } : {}) } : { revision }, reposNamespaceOf(f))
    : sortObjects((await liveManifests(core, view)).map(forPrinting));
  return f.showSecrets ? objs : objs.map((o) => maskSecret(o));
}

/** The live objects of the app over the API: each resource of its status read through …/resource. */
async function liveOverApi(apps: ApiBackend, view: ApplicationView): Promise<KubeObject[]> {
  const known = (view.status.resources ?? []).filter((r) => r.health?.status !== "Missing");
  if (known.length === 0) return (await apps.managedResources(view.name)).flatMap((m) => parseState(m.liveState) ?? []);
  const objs = await mapLimit(known, 8, (r) => apps.liveResource(view.name, r));
  return objs.filter((o): o is KubeObject => o !== undefined);
}

/** Objects in one order whatever read them: group, kind, namespace, name. */
function sortObjects(objs: KubeObject[]): KubeObject[] {
  const k = (o: KubeObject): string => [o.apiVersion.includes("/") ? o.apiVersion.split("/")[0] : "", o.kind, o.metadata.namespace ?? "", o.metadata.name].join("\u0000");
  return [...objs].sort((a, b) => (k(a) < k(b) ? -1 : k(a) > k(b) ? 1 : 0));
}

export function register(app: Command): void {
  addSourceOptions(addAppFlags(app.command("diff").description("what differs between Git and the cluster (--revision REV: what a sync of a branch would change, -o markdown for a pull request comment); exit 1 when out of sync").argument("<name>"), "text, json, yaml or markdown"))
    .option("--git", "compare now with Git at the target revision (default: the controller's last comparison)")
    .action(diffCommand);

  addSourceOptions(addAppFlags(app.command("manifests").description("print the app's live objects, or its manifests rendered from Git or a local folder (Secret values masked)").argument("<name>")))
    .option("--source <source>", "live (the objects in the cluster) or git (rendered at the synced revision)", "live")
    .option("--show-secrets", "with --core: print Secret values as they are (default: masked)")
    .option("-o, --output <format>", "yaml or json", "yaml")
    .action(async (name: string, f: SourceFlags) => {
      if (f.output !== "yaml" && f.output !== "json") throw new UsageError(`-o ${f.output}: expected yaml or json`);
      if (f.source !== "live" && f.source !== "git") throw new UsageError(`--source ${f.source}: expected live or git`);
      await withApps(f, async (apps) => {
        const objs = await manifestsOf(apps, await apps.view(name), f);
        if (f.output === "json") process.stdout.write(`${JSON.stringify({ apiVersion: "v1", kind: "List", items: objs }, null, 2)}\n`);
        else process.stdout.write(toYamlStream(objs));
      });
    });
}
