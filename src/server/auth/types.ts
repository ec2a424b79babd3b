/**
 * Who is calling: what authentication (local session, API token, SSO, project token) establishes and
 * authorization (rbac/) reads. Every handler receives one of these or the request was refused with 401.
 */

/** How the caller proved who they are. */
export type AuthVia = "session" | "apiKey" | "sso" | "projectToken";

export interface Principal {
  /** The RBAC subject: a local account name, the SSO user's subject, or `proj:<project>:<role>`. */
  subject: string;
  /** Name shown to people (account name, SSO email or name). */
  username: string;
  /** Groups (the SSO groups claim); RBAC matches them as subjects too. Empty for local accounts. */
  groups: string[];
  via: AuthVia;
  /** Issuer of the token: "plumb" for tokens the server signs. */
  issuer: string;
  /** The token's id (jti), for logout and revocation. */
  tokenId?: string;
  /** Seconds since the epoch. */
  issuedAt: number;
  /** Seconds since the epoch; none: does not expire. */
  expiresAt?: number;
}

/** Verifies a token from the Authorization header or the session cookie. */
export interface Authenticator {
  /** The caller the token names; throws UnauthenticatedError when it is not valid (any reason). */
  verify(token: string): Promise<Principal>;
}

/** The cookie the browser's session token travels in. */
export const SESSION_COOKIE = "plumb.token";

/** The issuer of every token the server signs. */
export const ISSUER = "plumb";
