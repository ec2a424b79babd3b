/**
 * `plumb app …`: Applications managed over the plumb API server (the current context of `plumb login`, or
 * --server), or straight through the cluster's API with a kubeconfig (--core, like `argocd --core`; the
 * default when no context is configured). Either way the Applications' spec and `operation` field are
 * written; the controller compares, syncs and records the status.
 *
 *   app-view.ts       list, get, history, resources
 *   app-create.ts     create (flags or -f FILE, --upsert)
 *   app-operation.ts  sync, rollback (request an operation, wait for its result)
 *   app-wait.ts       wait, delete (cascade through the resources finalizer)
 *   app-source.ts     diff, manifests (app-source-core.ts: the engine's comparison in core mode)
 *   app-common.ts     flags, the backend they choose (cli/backend.ts), formatting
 */
import type { Command } from "commander";
import { register as create } from "./app-create.js";
import { register as operation } from "./app-operation.js";
import { register as source } from "./app-source.js";
import { register as view } from "./app-view.js";
import { register as wait } from "./app-wait.js";

export function register(program: Command): void {
  const app = program.command("app").description("manage Applications (over the plumb server, or --core through the kubeconfig): list, get, create, sync, diff, history, rollback, wait, delete, manifests, resources");
  for (const add of [view, create, operation, source, wait]) add(app);
}
