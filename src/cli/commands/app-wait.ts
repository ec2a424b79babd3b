/**
 * `plumb app wait` — until an Application is Synced, Healthy and/or has no operation running, printing a
 * line whenever its state (or one of its resources') changes — and `plumb app delete`, which sets or
 * removes the resources finalizer before deleting, so the controller deletes the app's objects first
 * (cascade, the default) or leaves them in place (--cascade=false).
 */
import type { Command } from "commander";
import { readApplication, type ApplicationView } from "../../apps/index.js";
import { sleep } from "../../core/concurrency.js";
import { PlumbError, UsageError } from "../../core/errors.js";
import { stepName } from "../../sync/index.js";
import { colour, printData } from "../output.js";
import { addAppFlags, forPrinting, outputOf, timeoutMs, withApps, word, type AppBackend, type AppFlags } from "./app-common.js";

const POLL_MS = 500;

interface WaitFlags extends AppFlags {
  sync?: boolean;
  health?: boolean;
  operation?: boolean;
  timeout: string;
}

interface DeleteFlags extends AppFlags {
  cascade: boolean;
  wait?: boolean;
  timeout: string;
}

/** The app's state in one line: "OutOfSync, Progressing, operation Running". */
function stateLine(v: ApplicationView, paint: (w: string) => string = word): string {
  const st = v.status.operationState;
  const step = st?.progress?.step;
  const at = step ? ` at ${stepName(step)}` : "";
  const op = v.operation ? "operation requested" : st?.phase === "Running" || st?.phase === "Terminating" ? `operation ${paint(st.phase)}${at}` : "no operation";
  return `${paint(v.status.sync?.status ?? "Unknown")}, ${paint(v.status.health?.status ?? "Unknown")}, ${op}`;
}

/** What is still missing for the wanted state; empty when reached. */
function missing(v: ApplicationView, f: WaitFlags): string[] {
  const out: string[] = [];
  if (f.sync && v.status.sync?.status !== "Synced") out.push("Synced");
  if (f.health && v.status.health?.status !== "Healthy") out.push("Healthy");
  if (f.operation && (v.operation || v.status.operationState?.phase === "Running" || v.status.operationState?.phase === "Terminating")) out.push("no operation running");
  return out;
}

function resourceStates(v: ApplicationView): Map<string, string> {
  const m = new Map<string, string>();
  for (const r of v.status.resources ?? []) m.set(`${r.kind} ${r.namespace ? `${r.namespace}/` : ""}${r.name}`, `${word(r.status ?? "Unknown")}${r.health ? `, ${word(r.health.status)}` : ""}`);
  // What the running sync did to each object so far (its results), hooks with how they are doing.
  const op = v.status.operationState;
  if (op?.phase === "Running") {
    for (const r of op.syncResult?.resources ?? []) {
      const what = [r.hookType ? `${r.hookType} hook ${word(r.hookPhase)}` : word(r.status), r.message].filter(Boolean).join(": ");
      m.set(`${r.syncPhase ?? "Sync"} wave ${r.syncWave ?? 0} ${r.kind} ${r.namespace ? `${r.namespace}/` : ""}${r.name}`, what);
    }
  }
  return m;
}

async function waitApp(apps: AppBackend, name: string, f: WaitFlags, text: boolean): Promise<ApplicationView> {
  const limit = timeoutMs(f.timeout);
  const deadline = Date.now() + limit;
  const wanted = [f.sync ? "Synced" : "", f.health ? "Healthy" : "", f.operation ? "no operation running" : ""].filter(Boolean).join(", ");
  const time = (): string => colour("grey", new Date().toISOString().slice(11, 19));
  let last = "";
  let resources = new Map<string, string>();
  for (;;) {
    const view = await apps.view(name);
    const line = stateLine(view);
    if (text && line !== last) process.stdout.write(`${time()}  ${name}: ${line}\n`);
    const now = resourceStates(view);
    if (text && last) {
      for (const [k, s] of now) if (resources.get(k) !== s) process.stdout.write(`${time()}    ${k}: ${s}\n`);
    }
    last = line;
    resources = now;
    const left = missing(view, f);
    if (left.length === 0) return view;
    if (Date.now() > deadline) throw new PlumbError(`timed out after ${Math.round(limit / 1000)}s waiting for "${name}" to be ${wanted}; last: ${stateLine(view, (w) => w)}`);
    await sleep(POLL_MS);
  }
}

function parseBool(value: string | undefined): boolean {
  if (value === undefined || value === "true") return true;
  if (value === "false") return false;
  throw new UsageError(`--cascade=${value}: expected true or false`);
}

export function register(app: Command): void {
  addAppFlags(app.command("wait").description("wait until an Application is Synced, Healthy and idle (all three unless flags choose)").argument("<name>"), "text, json or yaml")
    .option("--sync", "wait until Synced")
    .option("--health", "wait until Healthy")
    .option("--operation", "wait until no operation is requested or running")
    .option("--timeout <seconds>", "give up after this long, exit 1 (0: no limit)", "300")
    .action(async (name: string, f: WaitFlags) => {
      const { format } = outputOf(f);
      if (!f.sync && !f.health && !f.operation) Object.assign(f, { sync: true, health: true, operation: true });
      await withApps(f, async (apps) => {
        const view = await waitApp(apps, name, f, format === "text");
        if (format !== "text") printData(forPrinting(view.object), format);
      });
    });

  addAppFlags(app.command("delete").description("delete an Application; with cascade (the default) the controller deletes its resources first").argument("<name>"))
    .option("--cascade [bool]", "delete the app's resources too (--cascade=false: leave them)", parseBool, true)
    .option("--no-cascade", "leave the app's resources in the cluster")
    .option("--wait", "wait until the Application is gone")
    .option("--timeout <seconds>", "with --wait: give up after this long, exit 1 (0: no limit)", "300")
    .action(async (name: string, f: DeleteFlags) => {
      const limit = timeoutMs(f.timeout);
      await withApps(f, async (apps) => {
        await apps.deleteApp(name, f.cascade);
        if (!f.wait) {
          process.stdout.write(`application "${name}" deleted${f.cascade ? " (the controller deletes its resources, then the Application)" : ""}\n`);
          return;
        }
        const deadline = Date.now() + limit;
        for (;;) {
          const obj = await apps.find(name);
          if (!obj) break;
          if (Date.now() > deadline) {
            const left = readApplication(obj).status.resources?.length ?? 0;
            throw new PlumbError(`timed out after ${Math.round(limit / 1000)}s waiting for "${name}" to be deleted${f.cascade ? ` (${left} resource(s) recorded)` : ""}`, "the controller removes the finalizer once the app's resources are gone; is `plumb controller` running?");
          }
          await sleep(POLL_MS);
        }
        process.stdout.write(`application "${name}" deleted${f.cascade ? " with its resources" : ""}\n`);
      });
    });
}
