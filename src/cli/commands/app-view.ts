/**
 * The read-only `plumb app` sub-commands: `list`, `get`, `history` and `resources`. Each prints an aligned, coloured
 * table for people (Argo CD's CLI layout) or the objects as they are with -o json|yaml for scripts.
 */
import { stepName } from "../../sync/index.js";
import type { Command } from "commander";
import { isAutomated, readApplication, sourcesOf, type ApplicationView } from "../../apps/index.js";
import { colour, printData, table } from "../output.js";
import { addAppFlags, age, destinationOf, fields, forPrinting, outputOf, shortSha, withApps, word, type AppFlags } from "./app-common.js";

interface ListFlags extends AppFlags {
  allNamespaces?: boolean;
}

/** "Automated (Prune, SelfHeal)" or "Manual". */
export function syncPolicyText(view: ApplicationView): string {
  if (!view.spec || !isAutomated(view.spec)) return "Manual";
  const a = view.spec.syncPolicy?.automated;
  const extras = [a?.prune ? "Prune" : "", a?.selfHeal ? "SelfHeal" : "", a?.allowEmpty ? "AllowEmpty" : ""].filter(Boolean);
  return `Automated${extras.length ? ` (${extras.join(", ")})` : ""}`;
}

function listRows(apps: ApplicationView[], wide: boolean, allNamespaces: boolean): string[][] {
  const header = [...(allNamespaces ? ["NAMESPACE"] : []), "NAME", "SYNC", "HEALTH", "REVISION", "REPO", "PATH", "TARGET", ...(wide ? ["DESTINATION", "PROJECT", "AGE"] : [])];
  const rows = [header];
  for (const v of apps) {
    const src = v.spec ? sourcesOf(v.spec)[0] : undefined;
    const more = v.spec && sourcesOf(v.spec).length > 1 ? ` (+${sourcesOf(v.spec).length - 1})` : "";
    rows.push([
      ...(allNamespaces ? [v.namespace] : []),
      v.name,
      word(v.status.sync?.status ?? "Unknown"),
      word(v.status.health?.status ?? "Unknown"),
      shortSha(v.status.sync?.revision ?? v.status.sync?.revisions?.[0]),
      `${src?.repoURL ?? ""}${more}`,
      src?.path ?? "",
      src?.targetRevision ?? "",
      ...(wide ? [destinationOf(v), v.spec?.project ?? "", age(v.object.metadata.creationTimestamp)] : []),
    ]);
  }
  return rows;
}

/** The summary and resource table of `app get` (with the sync-window line, when known). */
export function describeApp(v: ApplicationView, wide: boolean, syncWindow?: string): string {
  const st = v.status;
  const src = v.spec ? sourcesOf(v.spec) : [];
  const d = v.spec?.destination;
  const sync = st.sync?.status ?? "Unknown";
  const target = src[0]?.targetRevision ?? "HEAD";
  const rev = shortSha(st.sync?.revision);
  const op = st.operationState;
  const rows: Array<[string, string | undefined | null]> = [
    ["Name", `${v.namespace}/${v.name}`],
    ["Project", v.spec?.project],
    ["Server", d?.server ?? d?.name],
    ["Namespace", d?.namespace],
  ];
  for (const s of src) {
    rows.push(
      ["Source", null],
      ["- Repo", s.repoURL],
      ["  Target", s.targetRevision],
      ["  Path", s.path],
      ["  Helm Values", s.helm?.valueFiles?.join(", ")],
      ["  Helm Params", s.helm?.parameters?.map((p) => `${p.name}=${p.value}`).join(", ")],
    );
  }
  rows.push(
    ["Sync Policy", syncPolicyText(v)],
    ...(syncWindow ? [["Sync Window", syncWindow] as [string, string]] : []),
    ["Sync Status", `${word(sync)} ${sync === "Synced" ? "to" : "from"} ${target}${rev ? ` (${rev})` : ""}`],
    ["Health Status", `${word(st.health?.status ?? "Unknown")}${st.health?.message ? ` — ${st.health.message}` : ""}`],
  );
  if (op) {
    rows.push(
      ["Last Sync", `${word(op.phase)}${op.syncResult?.revision ? ` to ${shortSha(op.syncResult.revision)}` : ""}, started ${op.startedAt}${op.finishedAt ? `, finished ${op.finishedAt}` : ""}${op.operation.initiatedBy?.automated ? " (automated)" : op.operation.initiatedBy?.username ? ` by ${op.operation.initiatedBy.username}` : ""}`],
      ["Message", op.message],
    );
    const step = op.phase === "Running" ? op.progress?.step : undefined;
    if (step) rows.push(["Step", `${stepName(step)}, applied ${step.appliedAt}${op.resumedAt ? ` (resumed ${op.resumedAt})` : ""}`]);
    if ((op.retryCount ?? 0) > 0) rows.push(["Retries", String(op.retryCount)]);
  }
  if (v.operation?.sync) rows.push(["Pending", `sync${v.operation.sync.revision ? ` to ${v.operation.sync.revision}` : ""} requested, waiting for the controller`]);
  let out = fields(rows);
  if (st.conditions?.length) {
    out += "Conditions:\n";
    for (const c of st.conditions) out += `- ${colour(c.type.endsWith("Error") ? "red" : "yellow", c.type)}: ${c.message.split("\n").join("\n    ")}\n`;
  }
  const resources = st.resources ?? [];
  if (resources.length) {
    const table_ = [[...(wide ? ["GROUP"] : []), "KIND", "NAMESPACE", "NAME", "STATUS", "HEALTH", ...(wide ? ["MESSAGE"] : [])]];
    for (const r of resources) {
      const message = [r.requiresPruning ? "requires pruning" : "", r.hook ? "hook" : "", r.health?.message ?? ""].filter(Boolean).join("; ");
      table_.push([...(wide ? [r.group] : []), r.kind, r.namespace, r.name, word(r.status ?? "Unknown"), word(r.health?.status), ...(wide ? [message] : [])]);
    }
    out += `\n${table(table_)}`;
  }
  return out;
}

/** "main (abc1234)", as Argo CD shows a history revision. */
function historyRevision(h: { revision?: string; revisions?: string[]; source?: { targetRevision?: string } }): string {
  const sha = h.revision ?? h.revisions?.join(",") ?? "";
  const target = h.source?.targetRevision;
  return target && target !== sha ? `${target} (${shortSha(sha)})` : sha;
}

export function register(app: Command): void {
  addAppFlags(app.command("list").alias("ls").description("list Applications: sync, health, revision and source"), "text, wide, json or yaml")
    .option("-A, --all-namespaces", "Applications of every namespace")
    .action(async (f: ListFlags) => {
      const { format, wide } = outputOf(f, true);
      await withApps(f, async (apps) => {
        const objs = await apps.list(Boolean(f.allNamespaces));
        if (format !== "text") return printData(objs.map(forPrinting), format);
        if (objs.length === 0) {
          process.stderr.write(`plumb: no Applications in ${f.allNamespaces ? "any namespace" : `namespace "${apps.namespace}"`}\n`);
          return;
        }
        process.stdout.write(table(listRows(objs.map((o) => readApplication(o)), wide, Boolean(f.allNamespaces))));
      });
    });

  addAppFlags(app.command("get").description("show an Application: source, destination, sync and health, conditions, last sync, resources").argument("<name>"), "text, wide, json or yaml").action(
    async (name: string, f: AppFlags) => {
      const { format, wide } = outputOf(f, true);
      await withApps(f, async (apps) => {
        const obj = await apps.get(name);
        if (format !== "text") return printData(forPrinting(obj), format);
        // The windows' state is a line of the summary; a server without the endpoint just leaves it out.
        const windows = await apps.syncWindows(name).catch(() => undefined);
        process.stdout.write(describeApp(readApplication(obj), wide, windows?.summary));
      });
    },
  );

  addAppFlags(app.command("history").description("list the deployed revisions (rollback takes an ID)").argument("<name>"), "text, json or yaml").action(async (name: string, f: AppFlags) => {
    const { format } = outputOf(f);
    await withApps(f, async (apps) => {
      const v = await apps.view(name);
      const history = v.status.history ?? [];
      if (format !== "text") return printData(history, format);
      if (history.length === 0) {
        process.stderr.write(`plumb: application "${name}" has no history yet (it has never been synced)\n`);
        return;
      }
      const rows = [["ID", "DATE", "REVISION"]];
      for (const h of history) rows.push([String(h.id), h.deployedAt, historyRevision(h)]);
      process.stdout.write(table(rows));
    });
  });

  addAppFlags(app.command("resources").description("list the app's managed resources: group, kind, namespace, name, sync status, health").argument("<name>"), "text, json or yaml")
    .option("--orphaned", "only the resources that are no longer in Git (require pruning)")
    .action(async (name: string, f: AppFlags & { orphaned?: boolean }) => {
      const { format } = outputOf(f);
      await withApps(f, async (apps) => {
        const all = (await apps.view(name)).status.resources ?? [];
        const resources = f.orphaned ? all.filter((r) => r.requiresPruning) : all;
        if (format !== "text") return printData(resources, format);
        if (resources.length === 0) {
          process.stderr.write(`plumb: application "${name}" has no ${f.orphaned ? "orphaned " : ""}resources${all.length ? "" : " recorded yet (not compared yet, or nothing rendered)"}\n`);
          return;
        }
        process.stdout.write(table(resourceRows(resources)));
      });
    });
}

/** The rows of `app resources`: GROUP KIND NAMESPACE NAME STATUS HEALTH (and what else is worth knowing). */
export function resourceRows(resources: NonNullable<ApplicationView["status"]["resources"]>): string[][] {
  const rows = [["GROUP", "KIND", "NAMESPACE", "NAME", "STATUS", "HEALTH", "NOTE"]];
  for (const r of resources) {
    const note = [r.requiresPruning ? "requires pruning" : "", r.hook ? "hook" : "", r.health?.message ?? ""].filter(Boolean).join("; ");
    rows.push([r.group, r.kind, r.namespace, r.name, word(r.status ?? "Unknown"), word(r.health?.status), note]);
  }
  return rows;
}
