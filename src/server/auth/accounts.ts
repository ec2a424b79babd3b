/**
 * Local accounts as Argo CD declares them (https://argo-cd.readthedocs.io/en/stable/operator-manual/user-management/),
 * read from two string maps — the ConfigMap plumb-cm and the decoded Secret plumb-secret:
 *
 *   plumb-cm      accounts.<name>: "apiKey, login"     the account and its capabilities
 *                 accounts.<name>.enabled: "false"     disables it (enabled unless said otherwise)
 *                 admin.enabled: "false"               disables the built-in admin (capability login)
 *                 users.session.duration: "24h"        how long a login session lasts
 *   plumb-secret  admin.password / accounts.<name>.password            bcrypt hash
 *                 admin.passwordMtime / accounts.<name>.passwordMtime  RFC 3339: sessions issued before are refused
 *                 admin.tokens / accounts.<name>.tokens                JSON [{id, iat, exp?}]: the API tokens issued
 *
 * Parsing never throws: what cannot be read is left out (a bad capability word, a name too long) or read
 * the safe way (an unreadable `enabled` disables the account, unreadable tokens list no token) and
 * reported as a problem naming the key — never the value, which may be secret. The admin account may be
 * given other capabilities with `accounts.admin`, as in Argo CD.
 *
 * Pure: imports nothing that does I/O.
 */
import { z } from "zod";
import type { StringMap } from "../settings.js";

/** What an account may do: log in with a password (UI, CLI) and/or have API tokens. */
export type Capability = "login" | "apiKey";
const CAPABILITIES: readonly Capability[] = ["login", "apiKey"];

export const ADMIN = "admin";
/** Argo CD's limit on a local account's name. */
export const MAX_ACCOUNT_NAME = 32;
/** Login sessions last this long unless `users.session.duration` says otherwise (Argo CD's default). */
export const DEFAULT_SESSION_SECONDS = 24 * 3600;

/** An API token as recorded in the Secret (times in seconds since the epoch). */
export interface AccountToken {
  id: string;
  issuedAt: number;
  expiresAt?: number;
}

export interface Account {
  name: string;
  enabled: boolean;
  capabilities: Capability[];
  /** The bcrypt hash; undefined: no password set (nobody can log in as this account). */
  passwordHash?: string;
  /** When the password was last set, milliseconds since the epoch. */
  passwordMtime?: number;
  tokens: AccountToken[];
}

/** Something in the settings that could not be read as written; `key` names it, never its value. */
export interface AccountProblem {
  key: string;
  message: string;
}

export interface ParsedAccounts {
  accounts: Map<string, Account>;
  sessionSeconds: number;
  problems: AccountProblem[];
}

/** The Secret keys holding an account's password, its mtime and its API tokens. */
export function secretKeys(account: string): { password: string; passwordMtime: string; tokens: string } {
  const prefix = account === ADMIN ? ADMIN : `accounts.${account}`;
  return { password: `${prefix}.password`, passwordMtime: `${prefix}.passwordMtime`, tokens: `${prefix}.tokens` };
}

const StoredToken = z.object({ id: z.string().min(1), iat: z.number().int(), exp: z.number().int().optional() });
const StoredTokens = z.array(StoredToken);
const BCRYPT_HASH = /^\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}$/;
const NAME = /^[A-Za-z0-9_-]+$/;
/** A local account's name as plumb-cm may declare it: 1-32 letters, digits, '-' or '_' (a route parameter's schema). */
export const AccountName = z.string().regex(NAME, "an account name is letters, digits, '-' or '_'").max(MAX_ACCOUNT_NAME, `an account name is at most ${MAX_ACCOUNT_NAME} characters`);
// Date.parse alone reads many strings that are no time at all ("x-2" is a date to V8).
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** The tokens list in the Secret's format (`[{id, iat, exp?}]`). */
export function formatTokens(tokens: AccountToken[]): string {
  return JSON.stringify(tokens.map((t) => ({ id: t.id, iat: t.issuedAt, ...(t.expiresAt ? { exp: t.expiresAt } : {}) })));
}

/** Reads the accounts of plumb-cm (`cm`) and plumb-secret (`secret`, decoded). */
export function parseAccounts(cm: StringMap, secret: StringMap): ParsedAccounts {
  const problems: AccountProblem[] = [];
  const accounts = new Map<string, Account>();
  const admin: Account = { name: ADMIN, enabled: true, capabilities: ["login"], tokens: [] };
  accounts.set(ADMIN, admin);
  const adminEnabled = cm["admin.enabled"];
  if (adminEnabled !== undefined) admin.enabled = parseEnabled(adminEnabled, "plumb-cm admin.enabled", problems);

  // Capabilities first, so `enabled` may come before or after its account in the map.
  const enabledKeys: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(cm).sort(([a], [b]) => a.localeCompare(b))) {
    if (!key.startsWith("accounts.")) continue;
    const parts = key.split(".");
    const name = parts[1] ?? "";
    const where = `plumb-cm ${key}`;
    if (parts.length > 3 || (parts.length === 3 && parts[2] !== "enabled")) {
      problems.push({ key: where, message: `unknown key: an account is declared as accounts.<name> (capabilities) and accounts.<name>.enabled` });
      continue;
    }
    if (!NAME.test(name) || name.length > MAX_ACCOUNT_NAME) {
      problems.push({ key: where, message: `account name must be 1-${MAX_ACCOUNT_NAME} letters, digits, '-' or '_'; the account is ignored` });
      continue;
    }
    if (parts.length === 3) {
      enabledKeys.push([name, value]);
      continue;
    }
    const account = accounts.get(name) ?? { name, enabled: true, capabilities: [], tokens: [] };
    account.capabilities = parseCapabilities(value, where, problems);
    accounts.set(name, account);
  }
  for (const [name, value] of enabledKeys) {
    const account = accounts.get(name);
    const where = `plumb-cm accounts.${name}.enabled`;
    if (!account) problems.push({ key: where, message: `accounts.${name} is not declared; declare it with its capabilities, e.g. accounts.${name}: "apiKey, login"` });
    else account.enabled = parseEnabled(value, where, problems) && account.enabled;
  }

  for (const account of accounts.values()) readSecret(account, secret, problems);
  return { accounts, sessionSeconds: parseSessionDuration(cm["users.session.duration"], problems), problems };
}

function parseEnabled(value: string, where: string, problems: AccountProblem[]): boolean {
  const v = value.trim().toLowerCase();
  // The words Go's strconv.ParseBool accepts, as Argo CD reads these keys with it.
  if (v === "true" || v === "t" || v === "1") return true;
  if (v === "false" || v === "f" || v === "0") return false;
  problems.push({ key: where, message: `must be "true" or "false"; the account is disabled until it is` });
  return false;
}

function parseCapabilities(value: string, where: string, problems: AccountProblem[]): Capability[] {
  const out: Capability[] = [];
  for (const raw of value.split(",")) {
    const word = raw.trim();
    if (!word) continue;
    const cap = CAPABILITIES.find((c) => c === word);
    if (!cap) problems.push({ key: where, message: `unknown capability "${word}"; the capabilities are ${CAPABILITIES.join(" and ")} (case matters)` });
    else if (!out.includes(cap)) out.push(cap);
  }
  return out;
}

function readSecret(account: Account, secret: StringMap, problems: AccountProblem[]): void {
  const keys = secretKeys(account.name);
  const hash = secret[keys.password];
  if (hash !== undefined && hash !== "") {
    if (BCRYPT_HASH.test(hash)) account.passwordHash = hash;
    else problems.push({ key: `plumb-secret ${keys.password}`, message: "is not a bcrypt hash; nobody can log in as this account until it is (set it with `plumb account update-password`)" });
  }
  const mtime = secret[keys.passwordMtime];
  if (mtime !== undefined && mtime !== "") {
    const ms = RFC3339.test(mtime) ? Date.parse(mtime) : NaN;
    if (Number.isNaN(ms)) problems.push({ key: `plumb-secret ${keys.passwordMtime}`, message: "is not an RFC 3339 time (e.g. 2024-01-31T12:00:00Z); ignored" });
    else account.passwordMtime = ms;
  }
  const tokens = secret[keys.tokens];
  if (tokens !== undefined && tokens !== "") {
    let parsed: z.infer<typeof StoredTokens> | undefined;
    try {
      const r = StoredTokens.safeParse(JSON.parse(tokens));
      parsed = r.success ? r.data : undefined;
    } catch {
      parsed = undefined;
    }
    if (!parsed) problems.push({ key: `plumb-secret ${keys.tokens}`, message: 'is not a JSON list of {"id", "iat", "exp"?}; every API token of the account is refused until it is' });
    else account.tokens = parsed.map((t) => ({ id: t.id, issuedAt: t.iat, ...(t.exp ? { expiresAt: t.exp } : {}) }));
  }
}

function parseSessionDuration(value: string | undefined, problems: AccountProblem[]): number {
  if (value === undefined || value.trim() === "") return DEFAULT_SESSION_SECONDS;
  const seconds = parseDuration(value);
  if (seconds === undefined || seconds <= 0) {
    problems.push({ key: "plumb-cm users.session.duration", message: `must be a duration like "24h" or "1h30m"; sessions last ${DEFAULT_SESSION_SECONDS / 3600}h` });
    return DEFAULT_SESSION_SECONDS;
  }
  return seconds;
}

/** A Go-style duration ("24h", "1h30m", "90s") in whole seconds; undefined when it is not one. */
export function parseDuration(value: string): number | undefined {
  const v = value.trim();
  if (!/^(\d+(\.\d+)?(h|m|s))+$/.test(v)) return undefined;
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1 };
  let total = 0;
  for (const m of v.matchAll(/(\d+(?:\.\d+)?)(h|m|s)/g)) total += Number(m[1]) * (unit[m[2] ?? "s"] ?? 1);
  return Math.floor(total);
}

/** The account as the API shows it: no hash, no mtime, tokens newest first. */
export interface AccountInfo {
  name: string;
  enabled: boolean;
  capabilities: Capability[];
  tokens: AccountToken[];
}

export function accountInfo(account: Account): AccountInfo {
  const tokens = [...account.tokens].sort((a, b) => b.issuedAt - a.issuedAt).map((t) => ({ ...t }));
  return { name: account.name, enabled: account.enabled, capabilities: [...account.capabilities], tokens };
}

/** A token just made (API token or project token); `token` is shown once and never stored. */
export interface IssuedToken {
  token: string;
  id: string;
  /** Seconds since the epoch. */
  issuedAt: number;
  expiresAt?: number;
}

/** How to make a token: its lifetime (none or 0: it does not expire) and its id (default a random UUID). */
export const TokenOptions = z.strictObject({
  expiresInSeconds: z.number().int("expiresInSeconds must be a whole number of seconds").nonnegative("expiresInSeconds must not be negative").optional(),
  id: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/, "a token id is 1-128 letters, digits, '.', '_', ':' or '-'")
    .optional(),
});
export type TokenOptions = z.infer<typeof TokenOptions>;

/** The rule for a new password (bcrypt reads at most 72 bytes, so longer ones are refused, not cut). */
export const NewPassword = z
  .string()
  .min(8, "the new password must have at least 8 characters")
  .refine((p) => new TextEncoder().encode(p).length <= 72, "the new password must be at most 72 bytes (bcrypt's limit)");
