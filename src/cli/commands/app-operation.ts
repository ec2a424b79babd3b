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
import { randomUUID } from "node:crypto";
import { userInfo } from "node:os";
import type { Command } from "commander";
import { isAutomated, readApplication, type OperationState, type SyncOperation } from "../../apps/index.js";
import { ApiError } from "../../cluster/client.js";
import { sleep } from "../../core/concurrency.js";
import { PlumbError, UsageError } from "../../core/errors.js";
import { stepName } from "../../sync/index.js";
import { colour, printData, table } from "../output.js";
import { collect } from "../source-flags.js";
import { addAppFlags, fields, outputOf, shortSha, timeoutMs, withApps, word, type AppClient, type AppFlags } from "./app-common.js";

/** The `operation.info` entry naming a request. */
export const REQUEST_INFO = "plumb.dev/request";
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

/**
 * Asks the controller to stop the running operation, as `argocd app terminate-op` does: the status' phase
 * becomes Terminating (a conditional write, so an operation that ended meanwhile is not touched).
 */
export async function requestTerminate(apps: AppClient, name: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const obj = await apps.get(name);
    const phase = readApplication(obj).status.operationState?.phase;
    if (phase === "Terminating") return;
    if (phase !== "Running") throw new PlumbError(`application "${name}" has no operation in progress${phase ? ` (the last one ${phase})` : ""}; nothing to terminate`);
    try {
      await apps.call(() => apps.resources.client.request({ method: "PATCH", path: `${apps.path(name)}/status`, contentType: "application/merge-patch+json", body: { metadata: { resourceVersion: obj.metadata.resourceVersion }, status: { operationState: { phase: "Terminating" } } } }), name);
      return;
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && attempt < 5) continue;
      throw err;
    }
  }
}

/** A request made: its id and when (ms since the epoch). */
export interface SyncRequest {
  id: string;
  at: number;
}

function username(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? "unknown";
  }
}

/** Sets the Application's `operation` to a sync; refuses while another operation is pending or running. */
export async function requestSync(apps: AppClient, name: string, sync: SyncOperation): Promise<SyncRequest> {
  const id = randomUUID();
  for (let attempt = 0; ; attempt++) {
    const obj = await apps.get(name);
    const phase = readApplication(obj).status.operationState?.phase;
    const running = phase === "Running" || phase === "Terminating";
    if (obj.operation || running) {
      throw new PlumbError(`another operation is already in progress on application "${name}"`, `wait for it: plumb app wait ${name} --operation -n ${apps.namespace}`);
    }
    const at = Date.now();
    const operation = { sync, initiatedBy: { username: username() }, info: [{ name: REQUEST_INFO, value: id }] };
    try {
      // resourceVersion makes the patch conditional: nobody started an operation since we looked.
      await apps.patch(name, { metadata: { resourceVersion: obj.metadata.resourceVersion }, operation });
      return { id, at };
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && attempt < 5) continue;
      throw err;
    }
  }
}

/** Whether `state` is the record of `req`. */
function isOurs(state: OperationState | undefined, pending: boolean, req: SyncRequest): boolean {
  if (!state) return false;
  const info = state.operation.info;
  if (info?.some((i) => i.name === REQUEST_INFO)) return info.some((i) => i.name === REQUEST_INFO && i.value === req.id);
  return !pending && !state.operation.initiatedBy?.automated && Date.parse(state.startedAt) >= Math.floor(req.at / 1000) * 1000;
}

/** Waits until the controller has finished the requested operation; prints progress for people on stderr. */
export async function waitForOperation(apps: AppClient, name: string, req: SyncRequest, limitMs: number, quiet: boolean): Promise<OperationState> {
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
    const pending = (view.operation?.info ?? []).some((i) => i.name === REQUEST_INFO && i.value === req.id);
    const state = view.status.operationState;
    if (isOurs(state, pending, req)) {
      if (state!.phase !== "Running" && state!.phase !== "Terminating") return state!;
      const step = state!.progress?.step;
      say(`sync ${state!.phase === "Terminating" ? "terminating" : "running"}${step ? ` (${stepName(step)})` : ""}${state!.message ? `: ${state!.message}` : ""}`);
    } else if (pending) {
      const blocking = view.status.conditions?.find((c) => ["ComparisonError", "InvalidSpecError", "DependencyNotReady"].includes(c.type));
      say(blocking ? `sync requested; the controller reports ${blocking.type}: ${blocking.message.split("\n")[0]}` : "sync requested, waiting for the controller to start it");
    }
    if (Date.now() > deadline) {
      const withdrawn = pending && (await withdraw(apps, name, req));
      throw new PlumbError(
        `timed out after ${Math.round(limitMs / 1000)}s waiting for the sync of "${name}"; last: ${said || "no news from the controller"}`,
        withdrawn ? "the controller never started it, so the request was withdrawn; is `plumb controller` running against this cluster?" : "the controller carries on; follow it with: plumb app wait " + name + " --operation",
      );
    }
    await sleep(POLL_MS);
  }
}

/** Removes a request the controller has not started; false when it had started it meanwhile. */
async function withdraw(apps: AppClient, name: string, req: SyncRequest): Promise<boolean> {
  try {
    const obj = await apps.get(name);
    const i = ((obj.operation as { info?: Array<{ name: string; value: string }> } | undefined)?.info ?? []).findIndex((e) => e.name === REQUEST_INFO && e.value === req.id);
    if (i < 0) return false;
    await apps.patch(name, [{ op: "test", path: `/operation/info/${i}/value`, value: req.id }, { op: "remove", path: "/operation" }], "application/json-patch+json");
    return true;
  } catch {
    return false;
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

/** Requests the sync and, unless --async, waits for it and reports it. */
async function run(apps: AppClient, name: string, sync: SyncOperation, f: OperationFlags): Promise<void> {
  const { format } = outputOf(f);
  const limit = timeoutMs(f.timeout);
  const req = await requestSync(apps, name, sync);
  if (f.async) {
    if (format === "text") process.stdout.write(`sync of "${name}" requested${sync.revision ? ` (revision ${shortSha(sync.revision)})` : ""}\n`);
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
        await run(apps, name, sync, f);
      });
    });

  addAppFlags(app.command("terminate-op").description("stop the running operation: nothing further is applied or pruned, running hooks are deleted, it ends Failed").argument("<name>"))
    .option("--wait", "wait until the operation has stopped")
    .option("--timeout <seconds>", "with --wait: give up after this long, exit 1 (0: no limit)", "60")
    .action(async (name: string, f: TerminateFlags) => {
      const limit = timeoutMs(f.timeout);
      await withApps(f, async (apps) => {
        await requestTerminate(apps, name);
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
        const view = await apps.view(name);
        if (view.spec && isAutomated(view.spec)) {
          throw new UsageError("rollback cannot be performed against an application with automated sync enabled", "turn automated sync off first (plumb app create --upsert without --sync-policy), as Argo CD requires");
        }
        const history = view.status.history ?? [];
        if (id !== undefined && !/^\d+$/.test(id)) throw new UsageError(`history ID "${id}" is not a number`);
        const entry = id === undefined ? history.at(-2) : history.find((h) => h.id === Number(id));
        if (!entry) {
          const ids = history.map((h) => h.id).join(", ");
          throw new UsageError(id === undefined ? `application "${name}" has no previous deployment to roll back to` : `application "${name}" has no history entry ${id}`, ids ? `its history IDs: ${ids}` : "it has no history yet");
        }
        if (!entry.revision) throw new UsageError(`history entry ${entry.id} has several revisions; rollback supports one source`);
        await run(apps, name, { revision: entry.revision, ...(f.prune ? { prune: true } : {}), ...(f.dryRun ? { dryRun: true } : {}) }, f);
      });
    });
}
