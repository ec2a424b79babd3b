/**
 * `plumb apply <dir> --app NAME --namespace NS [--prune] [--dry-run]`: one sync of a folder, as the
 * controller would do it — render, compare through a server-side dry run, plan (phases, waves, hooks),
 * apply wave by wave with server-side apply, each wave healthy before the next, prune what the app no
 * longer has. Prints each change as it happens; exit 1 when the sync failed.
 */
import type { Command } from "commander";
import { summarizeChanges } from "../../core/changeset.js";
import { syncApp } from "../../engine/sync.js";
import { addKubeFlags } from "../kube-flags.js";
import { colour, parseFormat, printData, statusColour, table } from "../output.js";
import { addSourceFlags, collect } from "../source-flags.js";
import { appFromFlags, engineFor, type EngineFlags } from "./engine-common.js";

interface ApplyFlags extends EngineFlags {
  dryRun?: boolean;
  timeout: string;
}

export function register(program: Command): void {
  const cmd = program
    .command("apply")
    .description("sync a folder's manifests to the cluster: waves, hooks, server-side apply, optional prune")
    .argument("<dir>", "the app folder");
  addKubeFlags(addSourceFlags(cmd, true))
    .option("--prune", "delete objects of this app that are no longer in the folder")
    .option("--dry-run", "show what would change; change nothing")
    .option("--allow-empty", "allow a sync that leaves the app with no objects (with --prune)")
    .option("--sync-option <opt>", "sync option, e.g. CreateNamespace=true, ApplyOutOfSyncOnly=true (repeatable)", collect, [])
    .option("--ignore-differences <file>", "YAML list of ignoreDifferences rules (Argo CD's shape)")
    .option("--timeout <seconds>", "how long the sync may take to become healthy (0: no limit)", "300")
    .option("-o, --output <format>", "text, json or yaml", "text")
    .action(async (dir: string, f: ApplyFlags) => {
      const format = parseFormat(f.output);
      const app = await appFromFlags(dir, f);
      const ctx = await engineFor(app, f);
      const text = format === "text";
      try {
        const { changes } = await syncApp(ctx, app, {
          dryRun: Boolean(f.dryRun),
          timeoutMs: Number(f.timeout) * 1000,
          ...(text
            ? {
                onStep: (step) => process.stderr.write(colour("grey", `plumb: ${step.phase} wave ${step.wave}${step.stage === "prune" ? " (prune)" : ""}: ${step.tasks.length} object(s)\n`)),
              }
            : {}),
        });
        if (!text) printData(changes, format as "json" | "yaml");
        else {
          const rows = [["ACTION", "KIND", "NAMESPACE", "NAME", "MESSAGE"]];
          for (const e of changes.entries) rows.push([statusColour(e.action), e.key.kind, e.key.namespace, e.key.name, e.message]);
          process.stdout.write(table(rows));
          process.stdout.write(`\n${app.name}: ${statusColour(changes.phase)}: ${summarizeChanges(changes)}${changes.phase === "Failed" ? ` — ${changes.message}` : ""}\n`);
        }
        if (changes.phase === "Failed") process.exitCode = 1;
      } finally {
        ctx.close();
      }
    });
}
