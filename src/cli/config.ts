/**
 * The CLI's contexts file: which plumb servers the user has logged in to, with what token, and which one is
 * current — argocd's ~/.config/argocd/config, kubeconfig-like. One YAML document:
 *
 *   current-context: prod
 *   contexts:
 *     - name: prod
 *       server: https://plumb.example.com
 *       user: admin
 *       token: eyJ…
 *       insecure: false      # skip TLS verification (self-signed certificate)
 *       plaintext: false     # http:// rather than https://
 *
 * Where it is: $PLUMB_CONFIG, else $XDG_CONFIG_HOME/plumb/config, else ~/.config/plumb/config. It holds
 * bearer tokens, so it is written with mode 0600 (in a 0700 folder), atomically (a temporary file renamed
 * over it), and a file others can read is reported. The pure half (parse, serialize, edit) is tested without
 * a file system; `loadConfig`/`saveConfig` are the only I/O.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { parse, stringify } from "yaml";
import { z } from "zod";
import { UsageError } from "../core/errors.js";

/** One server the user has logged in to. */
export const ContextSchema = z.object({
  name: z.string().min(1),
  server: z.string().min(1),
  user: z.string().optional(),
  token: z.string().optional(),
  insecure: z.boolean().optional(),
  plaintext: z.boolean().optional(),
});
export type Context = z.infer<typeof ContextSchema>;

export const ConfigSchema = z.object({
  "current-context": z.string().optional(),
  contexts: z.array(ContextSchema).default([]),
});
export type Config = z.infer<typeof ConfigSchema>;

/** The contexts file's path for an environment (see the module comment). */
export function configPath(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  if (env.PLUMB_CONFIG) return env.PLUMB_CONFIG;
  return join(env.XDG_CONFIG_HOME || join(home, ".config"), "plumb", "config");
}

/** Parses the file's text; throws UsageError naming the file and the field when it is not a contexts file. */
export function parseConfig(text: string, path = "the plumb config"): Config {
  let raw: unknown;
  try {
    raw = parse(text) ?? {};
  } catch (err) {
    throw new UsageError(`${path} is not valid YAML: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`, "fix or delete the file, then log in again: plumb login SERVER");
  }
  const r = ConfigSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new UsageError(`${path}: ${issue.path.join(".") || "(top level)"}: ${issue.message}`, "fix or delete the file, then log in again: plumb login SERVER");
  }
  return r.data;
}

/** The file's text for a config. */
export function serializeConfig(config: Config): string {
  return stringify({ ...(config["current-context"] ? { "current-context": config["current-context"] } : {}), contexts: config.contexts });
}

/** The context named `name`, or undefined. */
export function findContext(config: Config, name: string): Context | undefined {
  return config.contexts.find((c) => c.name === name);
}

/** The current context, or undefined when none is set (or it names a context that is gone). */
export function currentContext(config: Config): Context | undefined {
  const name = config["current-context"];
  return name ? findContext(config, name) : undefined;
}

/** A copy with `ctx` added or replacing the context of the same name, made current. */
export function withContext(config: Config, ctx: Context): Config {
  const contexts = config.contexts.some((c) => c.name === ctx.name) ? config.contexts.map((c) => (c.name === ctx.name ? ctx : c)) : [...config.contexts, ctx];
  return { "current-context": ctx.name, contexts };
}

/** A copy where context `name` has no token (logged out); the context itself stays, as argocd keeps it. */
export function withoutToken(config: Config, name: string): Config {
  return { ...config, contexts: config.contexts.map((c) => (c.name === name ? (({ token: _t, ...rest }) => rest)(c) : c)) };
}

/** A copy with context `name` current; UsageError listing the names when there is no such context. */
export function withCurrent(config: Config, name: string): Config {
  if (!findContext(config, name)) {
    const names = config.contexts.map((c) => c.name);
    throw new UsageError(`no context "${name}"`, names.length ? `the contexts: ${names.join(", ")}` : "log in first: plumb login SERVER");
  }
  return { ...config, "current-context": name };
}

/** The default name of a server's context: its host and port (as argocd names them). */
export function contextNameFor(serverURL: string): string {
  return new URL(serverURL).host;
}

/** The config at `path`, or an empty one when there is no file. */
export function loadConfig(path = configPath()): Config {
  if (!existsSync(path)) return { contexts: [] };
  return parseConfig(readFileSync(path, "utf8"), path);
}

/** Whether the file at `path` can be read by others than its owner (it holds tokens). */
export function isReadableByOthers(path: string): boolean {
  try {
    return (statSync(path).mode & 0o077) !== 0;
  } catch {
    return false;
  }
}

/** Writes the config at `path`: mode 0600, folder 0700 when created, atomically. */
export function saveConfig(config: Config, path = configPath()): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, serializeConfig(config), { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}
