/**
 * Which way a command goes: over the plumb API server (a context from `plumb login`, or --server) or
 * straight through the kubeconfig (core mode, as `argocd --core`). The rule, first match wins:
 *
 *   1. --core                                   → core
 *   2. --server URL (--auth-token or a context of that server holds the token) → API
 *   3. --kubeconfig or --context given          → core (those flags mean nothing to the API)
 *   4. $PLUMB_SERVER (token from $PLUMB_AUTH_TOKEN or a context of that server) → API
 *   5. --plumb-context NAME, $PLUMB_CONTEXT, or the current context of the contexts file → API
 *   6. nothing configured                       → core, so scripts written before the API server keep working
 *
 * $PLUMB_AUTH_TOKEN / --auth-token override the context's token (as argocd's ARGOCD_AUTH_TOKEN does).
 * Pure: the caller passes the flags, the environment and the loaded config.
 */
import type { Command } from "commander";
import { UsageError } from "../core/errors.js";
import { serverURL, type ServerTarget } from "./api-client.js";
import { currentContext, findContext, type Config } from "./config.js";

/** The flags of every command that can go either way. */
export interface TargetFlags {
  core?: boolean;
  server?: string;
  authToken?: string;
  insecure?: boolean;
  plaintext?: boolean;
  plumbContext?: string;
  kubeconfig?: string;
  context?: string;
}

/** Where a command goes. */
export type Target = { mode: "core" } | ({ mode: "api"; context?: string } & ServerTarget);

/** Adds --core, --server, --auth-token, --insecure, --plaintext and --plumb-context. */
export function addTargetFlags(cmd: Command): Command {
  return cmd
    .option("--core", "talk to the cluster through the kubeconfig, not the plumb server (the default when no context is configured)")
    .option("--server <address>", "plumb server address, host[:port] or URL (default: the current context; $PLUMB_SERVER)")
    .option("--auth-token <token>", "bearer token for the server (default: the context's; $PLUMB_AUTH_TOKEN)")
    .option("--insecure", "skip the server's TLS certificate verification")
    .option("--plaintext", "the server speaks http://, not https://")
    .option("--plumb-context <name>", "use this context of the contexts file (default: the current one; $PLUMB_CONTEXT)");
}

/**
 * The context of `server` as typed: a context with that URL, or (for a bare host[:port]) with that host,
 * the current context first.
 */
function contextForServer(config: Config, server: string, plaintext: boolean | undefined): Config["contexts"][number] | undefined {
  const bare = !/:\/\//.test(server);
  const url = serverURL(server, plaintext ?? false);
  const current = currentContext(config);
  const matches = (c: Config["contexts"][number]): boolean => c.server === url || (bare && plaintext === undefined && hostOf(c.server) === server);
  return current && matches(current) ? current : config.contexts.find(matches);
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

/** Where the command goes (see the module comment). Throws UsageError for contradicting flags. */
export function resolveTarget(f: TargetFlags, env: NodeJS.ProcessEnv, config: Config): Target {
  if (f.core) {
    if (f.server) throw new UsageError("--core and --server exclude each other", "--core talks to the cluster through the kubeconfig; --server to a plumb server");
    return { mode: "core" };
  }
  const token = f.authToken ?? (env.PLUMB_AUTH_TOKEN || undefined);
  const explicitServer = f.server;
  const kubeFlags = f.kubeconfig !== undefined || f.context !== undefined;
  const server = explicitServer ?? (kubeFlags ? undefined : env.PLUMB_SERVER || undefined);
  if (server) {
    const ctx = contextForServer(config, server, f.plaintext);
    const url = ctx?.server ?? serverURL(server, f.plaintext ?? false);
    return withToken({ mode: "api", server: url, insecure: Boolean(f.insecure ?? ctx?.insecure), ...(ctx ? { context: ctx.name } : {}) }, token ?? ctx?.token);
  }
  if (kubeFlags) return { mode: "core" };
  const name = f.plumbContext ?? (env.PLUMB_CONTEXT || undefined);
  if (name && !findContext(config, name)) {
    const names = config.contexts.map((c) => c.name);
    throw new UsageError(`no context "${name}"`, names.length ? `the contexts: ${names.join(", ")} (plumb context)` : "log in first: plumb login SERVER");
  }
  const ctx = name ? findContext(config, name) : currentContext(config);
  if (ctx) return withToken({ mode: "api", server: ctx.server, insecure: Boolean(f.insecure ?? ctx.insecure), context: ctx.name }, token ?? ctx.token);
  if (f.authToken) throw new UsageError("--auth-token needs a server: give --server, or log in first (plumb login SERVER)");
  return { mode: "core" };
}

function withToken(t: Extract<Target, { mode: "api" }>, token: string | undefined): Target {
  return token ? { ...t, token } : t;
}
