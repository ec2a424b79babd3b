/**
 * `plumb diff <dir> --app NAME --namespace NS`: what a sync would change — each object's status (Synced,
 * OutOfSync, Missing, Extra) and a unified diff of what differs, computed through a server-side dry run so
 * API-server defaults never show. Exit 0 when in sync, 1 when something is out of sync (as `diff` and
 * `kubectl diff` do), 2 for bad input.
 */
import type { Command } from "commander";
import { keyDisplay } from "../../core/object.js";
import { compareApp } from "../../engine/compare.js";
import { addKubeFlags } from "../kube-flags.js";
import { colourDiff, parseFormat, printData, statusColour, table } from "../output.js";
import { addSourceFlags, collect } from "../source-flags.js";
import { appFromFlags, engineFor, type EngineFlags } from "./engine-common.js";

export function register(program: Command): void {
  const cmd = program
    .command("diff")
    .description("compare a folder's manifests with the cluster (server-side dry run); exit 1 when out of sync")
    .argument("<dir>", "the app folder");
  addKubeFlags(addSourceFlags(cmd, true))
    .option("--ignore-differences <file>", "YAML list of ignoreDifferences rules (Argo CD's shape)")
    .option("--sync-option <opt>", "sync option, e.g. CreateNamespace=true (repeatable)", collect, [])
    .option("-o, --output <format>", "text, json or yaml", "text")
    .action(async (dir: string, f: EngineFlags) => {
      const format = parseFormat(f.output);
      const app = await appFromFlags(dir, f);
      const ctx = await engineFor(app, f);
      try {
        const cmp = await compareApp(ctx, app);
        if (format !== "text") {
          printData({ app: app.name, summary: cmp.summary, resources: cmp.resources.map((r) => ({ ...r, predicted: undefined, live: undefined })) }, format);
        } else {
          const rows = [["STATUS", "KIND", "NAMESPACE", "NAME"]];
          for (const r of cmp.resources) rows.push([statusColour(r.status), r.key.kind, r.key.namespace, r.key.name]);
          process.stdout.write(table(rows));
          for (const r of cmp.resources) {
            if (r.diff) process.stdout.write(`\n${colourDiff(r.diff)}`);
            for (const w of r.warnings) process.stderr.write(`plumb: warning: ${keyDisplay(r.key)}: ${w}\n`);
          }
          const s = cmp.summary;
          process.stdout.write(`\n${app.name}: ${statusColour(s.status)} (${s.synced} synced, ${s.outOfSync} out of sync, ${s.missing} missing, ${s.extra} extra)\n`);
        }
        if (cmp.summary.status !== "Synced") process.exitCode = 1;
      } finally {
        ctx.close();
      }
    });
}
