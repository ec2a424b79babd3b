/**
 * `plumb app sync` and `plumb app rollback`: a sync is asked for the way Argo CD does it — the CLI sets the
 * Application's top-level `operation` field (a merge patch); the controller runs it, records it in
 * `status.operationState` and clears the field.
 *
 * Telling our operation's result from an older one: the request carries a unique id in `operation.info`
 * (plumb.dev/request), which the controller copies into `operationState.operation`. A controller that does
 * not keep it is matched by time instead: the field cleared and an operationState started no earlier
 * than the request (timestamps have whole seconds). A request the controller never started before the
 * timeout is withdrawn — atomically, by a JSON patch that tests the id first — so it does not linger.
 */
import { userInfo } from "node:os";
import type { Command } from "commander";
import { isPending, isRecordOf, type SyncRequest } from "../../apps/client.js";
import { readApplication, type OperationState, type SyncOperation } from "../../apps/index.js";
import { sleep } from "../../core/concurrency.js";
import { PlumbError, UsageError } from "../../core/errors.js";
import { stepName } from "../../sync/index.js";
import { colour, printData, table } from "../output.js";
import { collect } from "../source-flags.js";
import { rollbackEntry } from "../backend.js";
import { addAppFlags, fields, outputOf, shortSha, timeoutMs, withApps, word, type AppBackend, type AppFlags } from "./app-common.js";

const POLL_MS = 500;

interface OperationFlags extends AppFlags {
  prune?: boolean;
  dryRun?: boolean;
  timeout: string;
  async?: boolean;
}

interface SyncFlags extends OperationFlags {
  revision?: string;
  syncOption: string[];
  resource: string[];
}

interface TerminateFlags extends AppFlags {
  wait?: boolean;
  timeout: string;
}

/**
 * `--resource GROUP:KIND:NAME` or `GROUP:KIND:NAMESPACE/NAME` (Argo CD's form; GROUP empty for the core
 * group) → one object of a selective sync.
 */
export function parseResourceFlag(value: string): NonNullable<SyncOperation["resources"]>[number] {
  const parts = value.split(":");
  if (parts.length !== 3 || !parts[1] || !parts[2]) {
    throw new UsageError(`--resource ${value}: expected GROUP:KIND:NAME or GROUP:KIND:NAMESPACE/NAME (GROUP empty for the core group, e.g. :ConfigMap:settings or apps:Deployment:web/api)`);
  }
  if (/[*!]/.test(value)) throw new UsageError(`--resource ${value}: wildcards and exclusions are not supported; name each resource`);
  const [group, kind, rest] = parts as [string, string, string];
  const slash = rest.indexOf("/");
  const namespace = slash >= 0 ? rest.slice(0, slash) : undefined;
  const name = slash >= 0 ? rest.slice(slash + 1) : rest;
  if (!name || rest.split("/").length > 2) throw new UsageError(`--resource ${value}: the name part must be NAME or NAMESPACE/NAME`);
  return { ...(group ? { group } : {}), kind, name, ...(namespace ? { namespace } : {}) };
}

function username(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? "unknown";
  }
}

/** Waits until the controller has finished the requested operation; prints progress for people on stderr. */
export async function waitForOperation(apps: AppBackend, name: string, req: SyncRequest, limitMs: number, quiet: boolean): Promise<OperationState> {
  const deadline = Date.now() + limitMs;
  let said = "";
  const say = (line: string): void => {
    if (!quiet && line !== said) process.stderr.write(colour("grey", `plumb: ${line}\n`));
    said = line;
  };
  for (;;) {
    const obj = await apps.find(name);
    if (!obj) throw new PlumbError(`application "${name}" was deleted while waiting for its sync`);
    const view = readApplication(obj);
    const pending = isPending(view, req);
    const state = view.status.operationState;
    if (isRecordOf(state, pending, req)) {
      if (state!.phase !== "Running" && state!.phase !== "Terminating") return state!;
      const step = state!.progress?.step;
      say(`sync ${state!.phase === "Terminating" ? "terminating" : "running"}${step ? ` (${stepName(step)})` : ""}${state!.message ? `: ${state!.message}` : ""}`);
    } else if (pending) {
      const blocking = view.status.conditions?.find((c) => ["ComparisonError", "InvalidSpecError", "DependencyNotReady"].includes(c.type));
      say(blocking ? `sync requested; the controller reports ${blocking.type}: ${blocking.message.split("\n")[0]}` : "sync requested, waiting for the controller to start it");
    }
    if (Date.now() > deadline) {
      const withdrawn = pending && (await apps.withdraw(name, req));
      throw new PlumbError(
        `timed out after ${Math.round(limitMs / 1000)}s waiting for the sync of "${name}"; last: ${said || "no news from the controller"}`,
        withdrawn
          ? "the controller never started it, so the request was withdrawn; is `plumb controller` running against this cluster?"
          : pending
            ? `the request stays pending until the controller starts it (is \`plumb controller\` running?); follow it with: plumb app wait ${name} --operation`
            : `the controller carries on; follow it with: plumb app wait ${name} --operation`,
      );
    }
    await sleep(POLL_MS);
  }
}

function duration(from: string, to: string | undefined): string {
  if (!to) return "";
  return `${Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000))}s`;
}

/** Prints an operation's outcome (Argo CD's layout) and sets exit code 1 when it failed. */
export function reportOperation(name: string, namespace: string, state: OperationState, format: "text" | "json" | "yaml"): void {
  const failed = state.phase !== "Succeeded";
  if (format !== "text") printData(state, format);
  else {
    const dry = state.operation.sync?.dryRun ? " (dry run)" : "";
    process.stdout.write(
      fields([
        ["Name", `${namespace}/${name}`],
        ["Operation", `Sync${dry}`],
        ["Sync Revision", state.syncResult?.revision],
        ["Phase", word(state.phase)],
        ["Start", state.startedAt],
        ["Finished", state.finishedAt],
        ["Duration", duration(state.startedAt, state.finishedAt)],
        ["Message", state.message],
      ]),
    );
    const results = state.syncResult?.resources ?? [];
    if (results.length) {
      const rows = [["KIND", "NAMESPACE", "NAME", "STATUS", "MESSAGE"]];
      for (const r of results) rows.push([r.kind, r.namespace, r.name, word(r.status), r.message ?? ""]);
      process.stdout.write(`\n${table(rows)}`);
    }
  }
  if (failed) {
    process.stderr.write(`plumb: the sync of "${name}" ${state.phase === "Error" ? "ended with an error" : "failed"}: ${state.message ?? ""}\n`);
    process.exitCode = 1;
  }
}

/** Makes the request and, unless --async, waits for it and reports it. */
async function run(apps: AppBackend, name: string, request: () => Promise<SyncRequest>, revision: string | undefined, f: OperationFlags): Promise<void> {
  const { format } = outputOf(f);
  const limit = timeoutMs(f.timeout);
  const req = await request();
  if (f.async) {
    if (format === "text") process.stdout.write(`sync of "${name}" requested${revision ? ` (revision ${shortSha(revision)})` : ""}\n`);
    else printData({ application: name, namespace: apps.namespace, request: req.id }, format);
    return;
  }
  const state = await waitForOperation(apps, name, req, limit, format !== "text");
  reportOperation(name, apps.namespace, state, format);
}

function addOperationFlags(cmd: Command): Command {
  return addAppFlags(cmd, "text, json or yaml")
    .option("--prune", "delete objects of the app that are no longer in Git")
    .option("--dry-run", "plan and dry-run only; change nothing")
    .option("--timeout <seconds>", "how long to wait for the controller to finish (0: no limit)", "300")
    .option("--async", "request the sync and return at once");
}

export function register(app: Command): void {
  addOperationFlags(app.command("sync").description("sync an Application now (through its operation field) and wait for the result").argument("<name>"))
    .option("--revision <rev>", "sync this branch, tag or commit instead of the target revision")
    .option("--sync-option <opt>", "sync option for this sync, e.g. ServerSideApply=true (repeatable)", collect, [])
    .option("--resource <GROUP:KIND:NAME>", "sync only this object (GROUP:KIND:NAMESPACE/NAME to name the namespace; repeatable); hooks do not run, nothing else is pruned", collect, [])
    .action(async (name: string, f: SyncFlags) => {
      outputOf(f);
      const resources = f.resource.map(parseResourceFlag);
      await withApps(f, async (apps) => {
        const sync: SyncOperation = {
          ...(f.revision ? { revision: f.revision } : {}),
          ...(f.prune ? { prune: true } : {}),
          ...(f.dryRun ? { dryRun: true } : {}),
          ...(f.syncOption.length ? { syncOptions: f.syncOption } : {}),
          ...(resources.length ? { resources } : {}),
        };
        await run(apps, name, () => apps.requestSync(name, sync, { username: username() }), sync.revision, f);
      });
    });

  addAppFlags(app.command("terminate-op").description("stop the running operation: nothing further is applied or pruned, running hooks are deleted, it ends Failed").argument("<name>"))
    .option("--wait", "wait until the operation has stopped")
    .option("--timeout <seconds>", "with --wait: give up after this long, exit 1 (0: no limit)", "60")
    .action(async (name: string, f: TerminateFlags) => {
      const limit = timeoutMs(f.timeout);
      await withApps(f, async (apps) => {
        await apps.requestTerminate(name);
        if (!f.wait) {
          process.stdout.write(`operation of application "${name}" is terminating\n`);
          return;
        }
        const deadline = Date.now() + limit;
        for (;;) {
          const state = (await apps.view(name)).status.operationState;
          if (state && state.phase !== "Running" && state.phase !== "Terminating") {
            process.stdout.write(`operation of application "${name}" ended ${state.phase}: ${state.message ?? ""}\n`);
            return;
          }
          if (Date.now() > deadline) throw new PlumbError(`timed out after ${Math.round(limit / 1000)}s waiting for the operation of "${name}" to stop`, "is `plumb controller` running against this cluster?");
          await sleep(POLL_MS);
        }
      });
    });

  addOperationFlags(app.command("rollback").description("sync to the revision of a history entry (default: the previous one); not with automated sync").argument("<name>").argument("[id]", "history ID (plumb app history)"))
    .action(async (name: string, id: string | undefined, f: OperationFlags) => {
      outputOf(f);
      await withApps(f, async (apps) => {
        if (id !== undefined && !/^\d+$/.test(id)) throw new UsageError(`history ID "${id}" is not a number`);
        const view = await apps.view(name);
        const entry = rollbackEntry(view, id === undefined ? undefined : Number(id));
        const revision = view.status.history?.find((h) => h.id === entry)?.revision;
        await run(apps, name, () => apps.requestRollback(name, entry, { prune: f.prune, dryRun: f.dryRun }, { username: username() }), revision, f);
      });
    });
}
