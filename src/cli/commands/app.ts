/**
 * `plumb app …`: Applications managed straight through the cluster's API with a kubeconfig, like
 * `argocd --core` — no plumb server in between. The CLI reads Applications and writes their spec and their
 * `operation` field; the controller compares, syncs and records the status.
 *
 *   app-view.ts       list, get, history
 *   app-create.ts     create (flags or -f FILE, --upsert)
 *   app-operation.ts  sync, rollback (request an operation, wait for its result)
 *   app-wait.ts       wait, delete (cascade through the resources finalizer)
 *   app-source.ts     diff, manifests
 *   app-common.ts     flags, the Application client, formatting
 */
import type { Command } from "commander";
import { register as create } from "./app-create.js";
import { register as operation } from "./app-operation.js";
import { register as source } from "./app-source.js";
import { register as view } from "./app-view.js";
import { register as wait } from "./app-wait.js";

export function register(program: Command): void {
  const app = program.command("app").description("manage Applications through the cluster's API: list, get, create, sync, diff, history, rollback, wait, delete, manifests");
  for (const add of [view, create, operation, source, wait]) add(app);
}
