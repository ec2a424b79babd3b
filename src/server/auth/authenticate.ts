/**
 * One Authenticator for every token the server signs. `verify` checks the signature, issuer and times
 * (jwt.ts) under the key of the settings Secret (`server.secretkey`), then dispatches on the token's
 * `kind` to what must still hold for it, as Argo CD's session manager does:
 *
 *   session   the account exists, is enabled, has the login capability; the token was issued at or after
 *             the password's last change (changing a password ends its sessions); it was not logged out
 *   apiKey    the account exists, is enabled, has the apiKey capability; the token's id is still listed
 *             in the account's tokens (revoking removes it) and has not expired
 *   project   the project and role exist and still list the token (project-tokens.ts)
 *   sso       OIDC is configured now; the token was not logged out; its `groups` and `name` claims become
 *             the Principal's groups and username
 *
 * Every refusal is an UnauthenticatedError saying why, in words that do not tell an unknown account from a
 * disabled one. The checks for local accounts are a pure function of the claims, the account and the
 * time (`checkAccountToken`), so they are tested without a cluster.
 */
import { UnauthenticatedError } from "../errors.js";
import type { Account, Capability } from "./accounts.js";
import { verifyToken, type TokenClaims } from "./jwt.js";
import { ownerOf } from "./revocations.js";
import type { AuthVia, Authenticator, Principal } from "./types.js";

/** Where the local accounts' state comes from (LocalAuth in the server). */
export interface LocalTokenSource {
  /** `server.secretkey`; undefined until the server has initialized its settings. */
  signingKey(): string | undefined;
  account(name: string): Account | undefined;
  /**
   * Whether a session (local or SSO) with this token id was logged out; `owner` (revocations.ts ownerOf)
   * and `issuedAt` (seconds) let a per-account cutoff ("every session issued before T") answer too.
   */
  isRevoked(tokenId: string, owner?: string, issuedAt?: number): boolean;
}

/** Checks a token of kind "project" (ProjectTokens). */
export interface ProjectTokenVerifier {
  verify(claims: TokenClaims): Promise<Principal>;
}

export interface AuthenticationSources {
  local: LocalTokenSource;
  projects: ProjectTokenVerifier;
  /** Whether SSO (OIDC) is configured right now; SSO tokens are refused when it is not. */
  ssoEnabled(): boolean;
  /** The clock, milliseconds since the epoch. Default Date.now. */
  now?: () => number;
}

const RELOGIN = "log in again: plumb login";
const NO_ACCOUNT = "the token's account does not exist, is disabled, or may not use this kind of token";

export class Authentication implements Authenticator {
  private readonly now: () => number;

  constructor(private readonly sources: AuthenticationSources) {
    this.now = sources.now ?? Date.now;
  }

  async verify(token: string): Promise<Principal> {
    const key = this.sources.local.signingKey();
    if (!key) throw new UnauthenticatedError("the server has no token signing key yet", "wait until the server has started, then log in again");
    const claims = await verifyToken(key, token);
    expiry(claims, this.now());
    switch (claims.kind) {
      case "session":
      case "apiKey":
        return checkAccountToken(claims, this.sources.local.account(claims.sub), { now: this.now(), isRevoked: (id) => this.sources.local.isRevoked(id, ownerOf("session", claims.sub), claims.iat ?? 0) });
      case "project":
        return this.sources.projects.verify(claims);
      case "sso":
        if (!this.sources.ssoEnabled()) throw new UnauthenticatedError("SSO tokens are not accepted: SSO is not configured", "log in with a local account, or configure oidc.config in plumb-cm");
        if (this.sources.local.isRevoked(claims.jti, ownerOf("sso", claims.sub), claims.iat ?? 0)) throw new UnauthenticatedError("the session has ended (logged out)", RELOGIN);
        return ssoPrincipal(claims);
      default:
        throw new UnauthenticatedError("the token is not of a kind this server accepts", RELOGIN);
    }
  }
}

/** Refuses a token whose `exp` has passed by `now` (ms); jose checks the same against the real clock. */
function expiry(claims: TokenClaims, now: number): void {
  if (claims.exp !== undefined && claims.exp * 1000 <= now) throw new UnauthenticatedError("the token has expired", RELOGIN);
}

/**
 * What a verified session or API token (signature and times already checked) must still satisfy against
 * its account; returns the caller. `now` in milliseconds.
 */
export function checkAccountToken(claims: TokenClaims, account: Account | undefined, opts: { now: number; isRevoked: (id: string) => boolean }): Principal {
  if (claims.kind !== "session" && claims.kind !== "apiKey") throw new UnauthenticatedError("the token is not a local account's token", RELOGIN);
  const capability: Capability = claims.kind === "session" ? "login" : "apiKey";
  if (!account || !account.enabled || !account.capabilities.includes(capability)) throw new UnauthenticatedError(NO_ACCOUNT, RELOGIN);
  expiry(claims, opts.now);
  const iat = claims.iat ?? 0;
  if (claims.kind === "session") {
    if (opts.isRevoked(claims.jti)) throw new UnauthenticatedError("the session has ended (logged out)", RELOGIN);
    // Argo CD: a token issued before the password's last change is refused (util/session: "account password
    // has changed since token issued"). The mtime is a whole second; a login waits for it (local.ts).
    if (account.passwordMtime !== undefined && iat * 1000 < account.passwordMtime) throw new UnauthenticatedError("the account's password has changed since the session began", RELOGIN);
  } else {
    const listed = account.tokens.find((t) => t.id === claims.jti);
    if (!listed) throw new UnauthenticatedError("the API token has been revoked", `create another: plumb account generate-token --account ${account.name}`);
    if (listed.expiresAt !== undefined && listed.expiresAt * 1000 <= opts.now) throw new UnauthenticatedError("the token has expired", `create another: plumb account generate-token --account ${account.name}`);
  }
  return principalOf(claims, claims.kind === "session" ? "session" : "apiKey", claims.sub);
}

/** The caller an SSO token names: its subject, its `name` (else the subject) and its groups. */
export function ssoPrincipal(claims: TokenClaims): Principal {
  const groups = Array.isArray(claims.groups) ? claims.groups.filter((g): g is string => typeof g === "string") : [];
  return { ...principalOf(claims, "sso", typeof claims.name === "string" && claims.name ? claims.name : claims.sub), groups };
}

/** A Principal from verified claims. */
export function principalOf(claims: TokenClaims, via: AuthVia, username: string): Principal {
  return {
    subject: claims.sub,
    username,
    groups: [],
    via,
    issuer: claims.iss ?? "",
    tokenId: claims.jti,
    issuedAt: claims.iat ?? 0,
    ...(claims.exp !== undefined ? { expiresAt: claims.exp } : {}),
  };
}
