/**
 * `plumb account …`: the local accounts of the plumb server (argocd's account commands) — list, get, API
 * tokens (generate, delete), passwords, the caller's own session (get-user-info) and `can-i`, which asks
 * the server's RBAC whether the caller may do something and prints yes or no (exit 0 either way, as argocd).
 *
 * API mode only: accounts live in the server's settings, not in the cluster objects core mode reads.
 * A command without --account acts on the logged-in user (GET /api/v1/session/userinfo).
 */
import type { Command } from "commander";
import { parseDuration } from "../../apps/retry.js";
import { UsageError } from "../../core/errors.js";
import type { ApiClient } from "../api-client.js";
import { addKubeFlags } from "../kube-flags.js";
import { parseFormat, printData, table } from "../output.js";
import { promptSecret } from "../prompt.js";
import { addTargetFlags, type TargetFlags } from "../target.js";
import { fields, requireApi } from "./app-common.js";

interface AccountFlags extends TargetFlags {
  output: string;
  account?: string;
}

interface Token {
  id: string;
  issuedAt?: number | string;
  expiresAt?: number | string;
}

interface Account {
  name: string;
  enabled?: boolean;
  capabilities?: string[];
  tokens?: Token[];
}

/** A token time (Unix seconds, or a timestamp string) for people; "never" for none. */
export function tokenTime(t: number | string | undefined): string {
  if (t === undefined || t === null || t === 0 || t === "" || t === "0") return "never";
  const n = typeof t === "number" ? t : /^\d+$/.test(t) ? Number(t) : undefined;
  return n !== undefined ? new Date(n * 1000).toISOString().replace(/\.000Z$/, "Z") : String(t);
}

/** Seconds of `--expires-in` ("24h", "30m", "90s", "0" for never). */
export function expiresInSeconds(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms < 0) throw new UsageError(`--expires-in ${value}: expected a duration such as 24h, 30m or 90s (0: never)`);
  return Math.round(ms / 1000);
}

function addAccountFlags(cmd: Command, outputs = false): Command {
  addTargetFlags(addKubeFlags(cmd));
  if (outputs) cmd.option("-o, --output <format>", "text, json or yaml", "text");
  return cmd;
}

/** The account to act on: --account, else the logged-in user. */
async function accountName(api: ApiClient, given: string | undefined): Promise<string> {
  if (given) return given;
  const info = await api.get<{ loggedIn?: boolean; username?: string }>("/api/v1/session/userinfo");
  if (!info.username) throw new UsageError("the server does not say who is logged in", "pass --account NAME");
  return info.username;
}

const enc = encodeURIComponent;

export function register(program: Command): void {
  const account = program.command("account").description("the plumb server's local accounts: list, get, tokens, passwords, can-i (needs a plumb server)");

  addAccountFlags(account.command("list").description("list the accounts"), true).action(async (f: AccountFlags) => {
    const format = parseFormat(f.output);
    const { items } = await requireApi(f, "plumb account list").get<{ items?: Account[] }>("/api/v1/account");
    if (format !== "text") return printData(items ?? [], format);
    const rows = [["NAME", "ENABLED", "CAPABILITIES"]];
    for (const a of items ?? []) rows.push([a.name, String(a.enabled ?? true), (a.capabilities ?? []).join(", ")]);
    process.stdout.write(table(rows));
  });

  addAccountFlags(account.command("get").description("show an account and its tokens (default: the logged-in one)").argument("[name]"), true)
    .option("--account <name>", "the account (same as the argument)")
    .action(async (name: string | undefined, f: AccountFlags) => {
      const format = parseFormat(f.output);
      const api = requireApi(f, "plumb account get");
      const a = await api.get<Account>(`/api/v1/account/${enc(await accountName(api, name ?? f.account))}`);
      if (format !== "text") return printData(a, format);
      let out = fields([
        ["Name", a.name],
        ["Enabled", String(a.enabled ?? true)],
        ["Capabilities", (a.capabilities ?? []).join(", ") || "none"],
      ]);
      const tokens = a.tokens ?? [];
      out += "\nTokens:\n";
      if (tokens.length === 0) out += "NONE\n";
      else out += table([["ID", "ISSUED AT", "EXPIRING AT"], ...tokens.map((t) => [t.id, tokenTime(t.issuedAt), tokenTime(t.expiresAt)])]);
      process.stdout.write(out);
    });

  addAccountFlags(account.command("get-user-info").alias("whoami").description("who the server says you are"), true).action(async (f: AccountFlags) => {
    const format = parseFormat(f.output);
    const info = await requireApi(f, "plumb account get-user-info").get<{ loggedIn?: boolean; username?: string; iss?: string; groups?: string[] }>("/api/v1/session/userinfo");
    if (format !== "text") return printData(info, format);
    process.stdout.write(fields([["Logged In", String(Boolean(info.loggedIn))], ["Username", info.username], ["Issuer", info.iss], ["Groups", (info.groups ?? []).join(",")]]));
  });

  addAccountFlags(account.command("generate-token").description("generate an API token for an account (default: the logged-in one); printed once"))
    .option("-a, --account <name>", "the account")
    .option("-e, --expires-in <duration>", "the token expires after this long, e.g. 24h (0: never)", "0")
    .option("--id <id>", "the token's id (default: generated by the server)")
    .action(async (f: AccountFlags & { expiresIn: string; id?: string }) => {
      const expiresIn = expiresInSeconds(f.expiresIn);
      const api = requireApi(f, "plumb account generate-token");
      const name = await accountName(api, f.account);
      const { token } = await api.request<{ token?: string }>("POST", `/api/v1/account/${enc(name)}/token`, { body: { ...(expiresIn ? { expiresIn } : {}), ...(f.id ? { id: f.id } : {}) } });
      if (!token) throw new UsageError("the server answered no token");
      process.stdout.write(`${token}\n`);
    });

  addAccountFlags(account.command("delete-token").description("delete an API token of an account (default: the logged-in one)").argument("<id>"))
    .option("-a, --account <name>", "the account")
    .action(async (id: string, f: AccountFlags) => {
      const api = requireApi(f, "plumb account delete-token");
      const name = await accountName(api, f.account);
      await api.request("DELETE", `/api/v1/account/${enc(name)}/token/${enc(id)}`);
      process.stdout.write(`token '${id}' of account '${name}' deleted\n`);
    });

  addAccountFlags(account.command("update-password").description("change an account's password (default: the logged-in one's); asked without echo when not given"))
    .option("--account <name>", "the account")
    .option("--current-password <password>", "your current password")
    .option("--new-password <password>", "the new password")
    .action(async (f: AccountFlags & { currentPassword?: string; newPassword?: string }) => {
      const api = requireApi(f, "plumb account update-password");
      const currentPassword = f.currentPassword ?? (await promptSecret("Current password (yours): ", "--current-password"));
      let newPassword = f.newPassword;
      if (newPassword === undefined) {
        newPassword = await promptSecret("New password: ", "--new-password");
        if ((await promptSecret("New password again: ", "--new-password")) !== newPassword) throw new UsageError("the new passwords differ");
      }
      if (!newPassword) throw new UsageError("the new password is empty");
      await api.request("PUT", "/api/v1/account/password", { body: { currentPassword, newPassword, ...(f.account ? { name: f.account } : {}) } });
      process.stdout.write(`password of ${f.account ? `account '${f.account}'` : "your account"} updated${f.account ? "" : "; log in again if your session ends"}\n`);
    });

  addAccountFlags(
    account
      .command("can-i")
      .description("whether you may do ACTION on RESOURCE OBJECT; prints yes or no (e.g. can-i sync applications 'default/*')")
      .argument("<action>", "get, create, update, delete, sync, override, action…")
      .argument("<resource>", "applications, projects, accounts, …")
      .argument("<object>", "e.g. default/guestbook or '*'"),
  ).action(async (action: string, resource: string, object: string, f: AccountFlags) => {
    const { value } = await requireApi(f, "plumb account can-i").get<{ value?: string }>(`/api/v1/account/can-i/${enc(resource)}/${enc(action)}/${enc(object)}`);
    process.stdout.write(`${value === "yes" ? "yes" : "no"}\n`);
  });
}
