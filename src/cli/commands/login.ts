/**
 * `plumb login SERVER`, `plumb logout [CONTEXT]` and `plumb context [NAME]`: the contexts of the contexts
 * file (cli/config.ts), as argocd's login/logout/context.
 *
 * login trades a user name and password (flags, --password-stdin, or asked on the terminal without echo)
 * for a session token at POST /api/v1/session — or, with --sso, logs in through the server's identity
 * provider in the browser (cli/sso.ts) — and stores the server, the token and the TLS choices as a
 * context, made current. logout ends the session at the server (DELETE /api/v1/session) and forgets the
 * token; the context stays, so `plumb login` can reuse its name.
 */
import { spawn } from "node:child_process";
import type { Command } from "commander";
import { UsageError } from "../../core/errors.js";
import { ApiClient, ApiUnauthenticatedError, serverURL } from "../api-client.js";
import { configPath, contextNameFor, currentContext, findContext, loadConfig, saveConfig, withContext, withCurrent, withoutToken, type Config } from "../config.js";
import { printData, table } from "../output.js";
import { promptLine, promptSecret, readAllStdin } from "../prompt.js";
import { loginWithSso } from "../sso.js";

interface LoginFlags {
  username?: string;
  password?: string;
  passwordStdin?: boolean;
  sso?: boolean;
  ssoTimeout: string;
  insecure?: boolean;
  plaintext?: boolean;
  name?: string;
}

/** Tries to open `url` in the user's browser ($BROWSER, else the platform's opener); the URL is printed either way. */
function openBrowser(url: string): void {
  process.stderr.write(`plumb: opening ${url} in your browser (open it yourself if nothing happens)\n`);
  const browser = process.env.BROWSER;
  const [cmd, args] = browser ? [browser, [url]] : process.platform === "darwin" ? ["open", [url]] : process.platform === "win32" ? ["cmd", ["/c", "start", "", url]] : ["xdg-open", [url]];
  try {
    const child = spawn(cmd, args as string[], { stdio: "ignore", detached: true });
    child.on("error", () => undefined);
    child.unref();
  } catch {
    // No browser opener: the printed URL is enough.
  }
}

/** The token of an SSO login through the browser (cli/sso.ts), over the same TLS choice as the rest. */
async function ssoLogin(server: string, api: ApiClient, timeoutMs: number): Promise<string> {
  const abort = new AbortController();
  const onSigint = (): void => abort.abort();
  process.once("SIGINT", onSigint);
  try {
    return await loginWithSso(server, { open: openBrowser, timeoutMs, fetch: api.fetch, signal: abort.signal });
  } finally {
    process.off("SIGINT", onSigint);
  }
}

async function passwordLogin(api: ApiClient, f: LoginFlags): Promise<{ token: string; user: string }> {
  if (f.password !== undefined && f.passwordStdin) throw new UsageError("--password and --password-stdin exclude each other");
  const user = f.username ?? (await promptLine("Username: ", "--username NAME"));
  if (!user) throw new UsageError("a user name is needed", "pass --username NAME");
  const password = f.password ?? (f.passwordStdin ? await readAllStdin() : await promptSecret("Password: ", "--password-stdin (or --password)"));
  try {
    const { token } = await api.request<{ token?: string }>("POST", "/api/v1/session", { body: { username: user, password } });
    if (!token) throw new UsageError(`${api.server} answered no token: is it a plumb server?`);
    return { token, user };
  } catch (err) {
    if (err instanceof ApiUnauthenticatedError) throw new UsageError(`login to ${new URL(api.server).host} failed: invalid user name or password`);
    throw err;
  }
}

async function login(serverArg: string, f: LoginFlags): Promise<void> {
  const server = serverURL(serverArg, Boolean(f.plaintext));
  const name = f.name ?? contextNameFor(server);
  const api = new ApiClient({ server, insecure: Boolean(f.insecure) });
  let token: string;
  let user: string | undefined;
  if (f.sso) {
    if (f.username || f.password !== undefined || f.passwordStdin) throw new UsageError("--sso logs in through the browser: give no --username or password with it");
    const seconds = Number(f.ssoTimeout);
    if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--sso-timeout must be a positive number of seconds, got "${f.ssoTimeout}"`);
    token = await ssoLogin(server, api, seconds * 1000);
  } else {
    ({ token, user } = await passwordLogin(api, f));
  }
  // The name the server knows us by (an SSO login's comes from the identity provider).
  try {
    const info = await new ApiClient({ server, token, insecure: Boolean(f.insecure) }).get<{ username?: string }>("/api/v1/session/userinfo");
    user = info.username || user;
  } catch {
    // Older servers without userinfo: keep the name typed.
  }
  const path = configPath();
  saveConfig(withContext(loadConfig(path), { name, server, ...(user ? { user } : {}), token, ...(f.insecure ? { insecure: true } : {}), ...(f.plaintext || server.startsWith("http:") ? { plaintext: true } : {}) }), path);
  process.stdout.write(`'${user ?? "you"}' logged in to ${server}; context '${name}' is current\n`);
}

async function logout(nameArg: string | undefined): Promise<void> {
  const path = configPath();
  const config = loadConfig(path);
  const ctx = nameArg ? findContext(config, nameArg) : currentContext(config);
  if (!ctx) throw new UsageError(nameArg ? `no context "${nameArg}"` : "no current context to log out of", "list them with: plumb context");
  if (ctx.token) {
    try {
      await new ApiClient({ server: ctx.server, token: ctx.token, insecure: Boolean(ctx.insecure) }).request("DELETE", "/api/v1/session");
    } catch (err) {
      // An expired session is logged out already; anything else is worth saying, but the token goes anyway.
      if (!(err instanceof ApiUnauthenticatedError)) process.stderr.write(`plumb: warning: the server did not end the session (${err instanceof Error ? err.message.split("\n")[0] : String(err)}); the token is forgotten here\n`);
    }
  }
  saveConfig(withoutToken(config, ctx.name), path);
  process.stdout.write(`logged out of '${ctx.name}' (${ctx.server})\n`);
}

function listContexts(config: Config, format: string): void {
  if (format !== "text") return printData({ currentContext: config["current-context"], contexts: config.contexts.map(({ token, ...c }) => ({ ...c, loggedIn: Boolean(token) })) }, format === "json" ? "json" : "yaml");
  if (config.contexts.length === 0) {
    process.stderr.write("plumb: no contexts yet; log in first: plumb login SERVER\n");
    return;
  }
  const rows = [["CURRENT", "NAME", "SERVER", "USER", "LOGGED IN"]];
  for (const c of config.contexts) rows.push([c.name === config["current-context"] ? "*" : "", c.name, c.server, c.user ?? "", c.token ? "yes" : "no"]);
  process.stdout.write(table(rows));
}

export function register(program: Command): void {
  program
    .command("login")
    .description("log in to a plumb server and make it the current context")
    .argument("<server>", "the server: host[:port] (https://, or http:// with --plaintext) or a URL")
    .option("--username <name>", "user name (asked when not given, on a terminal)")
    .option("--password <password>", "password (asked without echo when not given; prefer --password-stdin in scripts)")
    .option("--password-stdin", "read the password from stdin")
    .option("--sso", "log in through the server's SSO provider in the browser")
    .option("--sso-timeout <seconds>", "with --sso: how long to wait for the browser", "300")
    .option("--insecure", "skip the server's TLS certificate verification (a self-signed certificate)")
    .option("--plaintext", "the server speaks http://, not https://")
    .option("--name <context>", "name of the context (default: the server's host:port)")
    .action(login);

  program.command("logout").description("end the session of a context (default: the current one) and forget its token").argument("[context]").action(logout);

  program
    .command("context")
    .alias("ctx")
    .description("list the contexts, or switch to one")
    .argument("[name]", "the context to make current")
    .option("--delete", "delete the named context instead")
    .option("-o, --output <format>", "text, json or yaml", "text")
    .action((name: string | undefined, f: { delete?: boolean; output: string }) => {
      if (!["text", "json", "yaml"].includes(f.output)) throw new UsageError(`-o ${f.output}: expected text, json or yaml`);
      const path = configPath();
      const config = loadConfig(path);
      if (!name) {
        if (f.delete) throw new UsageError("--delete needs the name of a context");
        return listContexts(config, f.output);
      }
      if (f.delete) {
        if (!findContext(config, name)) throw new UsageError(`no context "${name}"`, "list them with: plumb context");
        const contexts = config.contexts.filter((c) => c.name !== name);
        const current = config["current-context"] === name ? undefined : config["current-context"];
        saveConfig({ ...(current ? { "current-context": current } : {}), contexts }, path);
        process.stdout.write(`context '${name}' deleted\n`);
        return;
      }
      saveConfig(withCurrent(config, name), path);
      process.stdout.write(`switched to context '${name}'\n`);
    });
}
