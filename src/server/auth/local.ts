/**
 * Local accounts: the built-in admin and the accounts of plumb-cm (accounts.ts reads them), with their
 * passwords, API tokens and the server's signing key in the Secret plumb-secret, as Argo CD keeps them in
 * argocd-cm and argocd-secret.
 *
 * - `initialize` runs at server start: it creates `server.secretkey` when missing and, when admin is
 *   enabled and has no password, generates one, stores its bcrypt hash (and mtime) and writes the plain
 *   password to plumb-initial-admin-secret (`password`) for the operator to read once, as Argo CD's
 *   argocd-initial-admin-secret. It is idempotent, and two replicas starting together agree: every write
 *   is conditional on the resourceVersion the decision was made from, and the loser of a race reads again
 *   and finds nothing left to do. (Should the server stop between the two writes, delete admin.password to
 *   have a new one generated, which is Argo CD's reset too.)
 * - `login` takes a point of the rate limits (ratelimit.ts; given back on success), then always runs one bcrypt comparison — against a
 *   dummy hash for an unknown account — so the answer takes as long for an unknown user as for a wrong
 *   password, and says the same: "invalid username or password". A success signs a session token.
 * - `updatePassword` asks for the CALLER's current password, the caller being a local account (session or
 *   API token). Argo CD lets an SSO caller with a session under five minutes old change passwords without
 *   one; plumb refuses SSO callers outright: an identity provider must not be able to take over a local
 *   account (say, through a user whose subject is that account's name). It sets the hash and the mtime. The mtime
 *   is the next whole second and the call returns once it has passed: tokens carry whole seconds, so every
 *   session issued before the change is older than the mtime and every login after it is not (a login
 *   that finds the mtime still ahead waits for it).
 * - `generateToken` / `revokeToken` add to and remove from the account's token list; `Authentication`
 *   (authenticate.ts) accepts an API token only while it is listed.
 * - `logout` records the token in plumb-secret's revocation list (revocations.ts: bounded per account, and
 *   never by forgetting a token still valid), so every replica refuses the token as soon as its watch sees
 *   the write.
 *
 * Whether someone may change another account's password or tokens is RBAC's question (`accounts, update`),
 * asked by the handler before calling here. No secret value — password, hash, token, key — is ever put
 * in an error message; nothing here logs.
 */
import { randomBytes, randomInt, randomUUID } from "node:crypto";
import bcrypt from "bcryptjs";
import { ApiError } from "../../cluster/client.js";
import { sleep as defaultSleep } from "../../core/concurrency.js";
import { PlumbError } from "../../core/errors.js";
import { ConflictError, ForbiddenError, InvalidRequestError, NotFoundError, UnauthenticatedError } from "../errors.js";
import { INITIAL_ADMIN_SECRET, SETTINGS_CONFIGMAP, SETTINGS_SECRET, type Settings, type StringMap } from "../settings.js";
import { ADMIN, NewPassword, TokenOptions, accountInfo, formatTokens, parseAccounts, secretKeys, type Account, type AccountInfo, type AccountProblem, type IssuedToken, type ParsedAccounts } from "./accounts.js";
import { principalOf, type LocalTokenSource } from "./authenticate.js";
import { newSigningKey, signToken } from "./jwt.js";
import { defaultLoginLimits, LoginLimiter, type LoginLimits } from "./ratelimit.js";
import { addRevocation, cutoffFor, defaultRevocationLimits, isRevokedIn, ownerOf, parseRevocations, REVOKED_BEFORE, REVOKED_SESSIONS, type RevocationLimits, type Revocations } from "./revocations.js";
import type { Principal } from "./types.js";

export { REVOKED_SESSIONS } from "./revocations.js";
export const SIGNING_KEY = "server.secretkey";

export interface LocalAuthOptions {
  limits: LoginLimits;
  /** bcrypt cost of new hashes (Argo CD uses bcrypt's default, 10). */
  bcryptRounds: number;
  /** Milliseconds since the epoch. */
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** How often a conditional write that lost a race is tried again. */
  writeAttempts: number;
  /** Bounds of the logged-out sessions list (revocations.ts). */
  revocations: RevocationLimits;
}

export function defaultLocalAuthOptions(): LocalAuthOptions {
  return { limits: defaultLoginLimits(), bcryptRounds: 10, now: Date.now, sleep: defaultSleep, writeAttempts: 8, revocations: defaultRevocationLimits() };
}

export interface LoginResult {
  token: string;
  principal: Principal;
}

const INVALID_LOGIN = "invalid username or password";
const INVALID_LOGIN_HINT = "check both; a disabled account, or one without the login capability, cannot log in either";

export class LocalAuth implements LocalTokenSource {
  private readonly opts: LocalAuthOptions;
  private readonly limiter: LoginLimiter;
  private dummyHash?: Promise<string>;
  private memo?: { key: string; parsed: ParsedAccounts; revoked: Revocations };

  constructor(
    private readonly settings: Settings,
    opts: Partial<LocalAuthOptions> = {},
  ) {
    this.opts = { ...defaultLocalAuthOptions(), ...opts };
    this.limiter = new LoginLimiter(this.opts.limits);
  }

  /** Creates the signing key and the admin's first password when missing; returns that password once. */
  async initialize(): Promise<{ generatedAdminPassword?: string }> {
    for (let attempt = 1; ; attempt++) {
      // Hashing takes a while, so it happens before the read the write is made conditional on.
      let generated: { plain: string; hash: string } | undefined;
      if (this.adminNeedsPassword(this.settings.secret(SETTINGS_SECRET))) {
        const plain = randomPassword();
        generated = { plain, hash: await bcrypt.hash(plain, this.opts.bcryptRounds) };
      }
      const data = this.settings.secret(SETTINGS_SECRET);
      const needsPassword = this.adminNeedsPassword(data);
      if (needsPassword && !generated) continue; // needed since the first read: hash on the next round
      const values: Record<string, string> = {};
      if (!data[SIGNING_KEY]) values[SIGNING_KEY] = newSigningKey();
      if (needsPassword && generated) {
        const keys = secretKeys(ADMIN);
        values[keys.password] = generated.hash;
        values[keys.passwordMtime] = rfc3339(this.opts.now());
      }
      if (Object.keys(values).length === 0) return {};
      try {
        await this.settings.writeSecret(SETTINGS_SECRET, values);
      } catch (err) {
        await this.retryable(err, attempt);
        continue;
      }
      if (!needsPassword || !generated) return {};
      await this.settings.writeSecret(INITIAL_ADMIN_SECRET, { password: generated.plain });
      return { generatedAdminPassword: generated.plain };
    }
  }

  private adminNeedsPassword(data: StringMap): boolean {
    return (this.parsed().accounts.get(ADMIN)?.enabled ?? false) && !data[secretKeys(ADMIN).password];
  }

  /** Checks a password and signs a session token. UnauthenticatedError or RateLimitedError otherwise. */
  async login(username: string, password: string, clientAddress: string): Promise<LoginResult> {
    // The point is taken before the comparison: concurrent guesses cannot all pass a check made first.
    await this.limiter.attempt(username, clientAddress);
    const account = this.account(username);
    const match = await bcrypt.compare(password, account?.passwordHash ?? (await this.dummy()));
    if (!match || !account?.passwordHash || !account.enabled || !account.capabilities.includes("login")) throw new UnauthenticatedError(INVALID_LOGIN, INVALID_LOGIN_HINT);
    await this.limiter.succeeded(username, clientAddress);
    // A token issued before the password's mtime, or before a logout cutoff of the account, is refused.
    this.parsed();
    const cutoff = cutoffFor(this.memo!.revoked, ownerOf("session", account.name), this.opts.now() / 1000) ?? 0;
    const notBefore = Math.max(account.passwordMtime === undefined ? 0 : Math.ceil(account.passwordMtime / 1000) * 1000, cutoff * 1000);
    const wait = notBefore - this.opts.now();
    // Only the second of a change is waited for; an mtime far ahead (a skewed clock wrote it) is not.
    if (wait > 0 && wait <= 2000) await this.opts.sleep(wait);
    const { token, claims } = await signToken(this.key(), { sub: account.name, kind: "session" }, { expiresInSeconds: this.parsed().sessionSeconds, now: this.opts.now() });
    return { token, principal: principalOf(claims, "session", account.name) };
  }

  /** Ends a session (local or SSO): its token is refused from now on, by every replica. */
  async logout(principal: Principal): Promise<void> {
    if (principal.via !== "session" && principal.via !== "sso") throw new InvalidRequestError("only a login session can be logged out", "an API or project token ends when it is revoked");
    const id = principal.tokenId;
    if (!id) return;
    // A token without expiry cannot be a session; a day is then the longest it is remembered.
    const exp = principal.expiresAt ?? Math.floor(this.opts.now() / 1000) + 86400;
    const limits = { ...this.opts.revocations, keepSeconds: Math.max(this.opts.revocations.keepSeconds, this.parsed().sessionSeconds) };
    const token = { id, owner: ownerOf(principal.via, principal.subject), iat: principal.issuedAt, exp };
    await this.update((data) => addRevocation(parseRevocations(data[REVOKED_SESSIONS], data[REVOKED_BEFORE]), token, this.opts.now() / 1000, limits));
  }

  /**
   * Sets `account`'s password. The caller must be a local account (session or API token) and
   * `currentPassword` its own password; SSO and project callers are refused. Whether the caller may change
   * another account's is the handler's RBAC question. Sessions issued before the change are refused afterwards.
   */
  async updatePassword(account: string, currentPassword: string, newPassword: string, caller: Principal): Promise<void> {
    const rule = NewPassword.safeParse(newPassword);
    if (!rule.success) throw new InvalidRequestError(rule.error.issues.map((i) => i.message).join("; "));
    if (!this.account(account)) throw new NotFoundError(`account "${account}" does not exist`, `declare it in plumb-cm: accounts.${account}: login`);
    if (caller.via !== "session" && caller.via !== "apiKey") throw new ForbiddenError("only a local account may change a local account's password", "log in with a local account (plumb login --username NAME) and give its current password");
    await this.limiter.attempt(caller.subject, "");
    const me = this.account(caller.subject);
    const match = await bcrypt.compare(currentPassword, me?.passwordHash ?? (await this.dummy()));
    if (!match || !me?.passwordHash) throw new InvalidRequestError("the current password does not match", `give the password of the account you are logged in as (${caller.subject})`);
    await this.limiter.succeeded(caller.subject);
    const hash = await bcrypt.hash(newPassword, this.opts.bcryptRounds);
    const mtime = (Math.floor(this.opts.now() / 1000) + 1) * 1000;
    const keys = secretKeys(account);
    await this.update(() => ({ [keys.password]: hash, [keys.passwordMtime]: rfc3339(mtime) }));
    const wait = mtime - this.opts.now();
    if (wait > 0) await this.opts.sleep(wait);
  }

  /** Signs an API token for an account with the apiKey capability and lists it in the Secret. */
  async generateToken(account: string, options: TokenOptions = {}): Promise<IssuedToken> {
    const parsed = TokenOptions.safeParse(options);
    if (!parsed.success) throw new InvalidRequestError(parsed.error.issues.map((i) => i.message).join("; "));
    const acc = this.account(account);
    if (!acc) throw new NotFoundError(`account "${account}" does not exist`, `declare it in plumb-cm: accounts.${account}: apiKey`);
    if (!acc.capabilities.includes("apiKey")) throw new InvalidRequestError(`account "${account}" does not have the apiKey capability`, `add it in plumb-cm: accounts.${account}: ${[...acc.capabilities, "apiKey"].join(", ")}`);
    const id = parsed.data.id ?? randomUUID();
    const { token, claims } = await signToken(this.key(), { sub: account, kind: "apiKey" }, { id, now: this.opts.now(), expiresInSeconds: parsed.data.expiresInSeconds });
    const entry = { id, issuedAt: claims.iat ?? 0, ...(claims.exp ? { expiresAt: claims.exp } : {}) };
    await this.update((data) => {
      const tokens = this.tokensIn(data, account);
      if (tokens.some((t) => t.id === id)) throw new ConflictError(`account "${account}" already has a token with id "${id}"`, "choose another id, or leave it out for a random one");
      return { [secretKeys(account).tokens]: formatTokens([...tokens, entry]) };
    });
    return { token, ...entry };
  }

  /** Removes an API token from the account's list: it is refused from then on. */
  async revokeToken(account: string, id: string): Promise<void> {
    if (!this.account(account)) throw new NotFoundError(`account "${account}" does not exist`);
    await this.update((data) => {
      const tokens = this.tokensIn(data, account);
      const kept = tokens.filter((t) => t.id !== id);
      if (kept.length === tokens.length) throw new NotFoundError(`account "${account}" has no token with id "${id}"`, `list them: plumb account get --account ${account}`);
      return { [secretKeys(account).tokens]: formatTokens(kept) };
    });
  }

  /** Every account, by name, without secrets. */
  accounts(): AccountInfo[] {
    return [...this.parsed().accounts.values()].sort((a, b) => a.name.localeCompare(b.name)).map(accountInfo);
  }

  /** What in plumb-cm/plumb-secret could not be read (keys only), for the server's log at start. */
  problems(): AccountProblem[] {
    return this.parsed().problems;
  }

  // LocalTokenSource, for Authentication.
  signingKey(): string | undefined {
    return this.settings.secret(SETTINGS_SECRET)[SIGNING_KEY] || undefined;
  }

  account(name: string): Account | undefined {
    return this.parsed().accounts.get(name);
  }

  isRevoked(tokenId: string, owner?: string, issuedAt?: number): boolean {
    this.parsed();
    return isRevokedIn(this.memo!.revoked, tokenId, owner, issuedAt, this.opts.now() / 1000);
  }

  private key(): string {
    const key = this.signingKey();
    if (!key) throw new PlumbError("the server has no token signing key yet", "initialize the server's settings first (plumb server does at start)");
    return key;
  }

  /** The accounts and revocations, parsed again only when plumb-cm or plumb-secret changed. */
  private parsed(): ParsedAccounts {
    const cm = this.settings.configMap(SETTINGS_CONFIGMAP);
    const key = `${this.settings.secretObject(SETTINGS_SECRET)?.metadata.resourceVersion ?? ""}|${JSON.stringify(cm)}`;
    if (this.memo?.key !== key) {
      const secret = this.settings.secret(SETTINGS_SECRET);
      this.memo = { key, parsed: parseAccounts(cm, secret), revoked: parseRevocations(secret[REVOKED_SESSIONS], secret[REVOKED_BEFORE]) };
    }
    return this.memo.parsed;
  }

  private tokensIn(data: StringMap, account: string): Account["tokens"] {
    return parseAccounts(this.settings.configMap(SETTINGS_CONFIGMAP), data).accounts.get(account)?.tokens ?? [];
  }

  /**
   * Read-modify-write of plumb-secret: `change` gets the current data and returns the keys to set (or
   * undefined: nothing to do). It runs synchronously right before the write, so the write is conditional
   * on exactly what it read; a conflict reads again.
   */
  private async update(change: (data: StringMap) => Record<string, string | null> | undefined): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const values = change(this.settings.secret(SETTINGS_SECRET));
      if (!values) return;
      try {
        await this.settings.writeSecret(SETTINGS_SECRET, values);
        return;
      } catch (err) {
        await this.retryable(err, attempt);
      }
    }
  }

  /** Returns (after a pause) when `err` is a lost race worth another attempt; rethrows otherwise. */
  private async retryable(err: unknown, attempt: number): Promise<void> {
    if (!(err instanceof ApiError && err.status === 409) || attempt >= this.opts.writeAttempts) throw err;
    await this.opts.sleep(25 * attempt * attempt);
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= bcrypt.hash(randomBytes(18).toString("base64"), this.opts.bcryptRounds);
    return this.dummyHash;
  }
}

/** RFC 3339 in UTC, whole seconds (the form Argo CD writes). */
function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A random password of 24 characters from an alphabet without look-alikes. */
function randomPassword(): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  let out = "";
  for (let i = 0; i < 24; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}
