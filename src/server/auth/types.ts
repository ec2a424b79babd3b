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

/** Logs people in with a local account's password and out again (auth/local.ts). */
export interface SessionService {
  /** A session token for the account; UnauthenticatedError or RateLimitedError when refused. */
  login(username: string, password: string, clientAddress: string): Promise<{ token: string; principal: Principal }>;
  /** Ends the session the principal's token belongs to. */
  logout(principal: Principal): Promise<void> | void;
}

/** Answers "may this caller do this" (rbac/): Argo CD's resource, action and object words. */
export interface Authorizer {
  enforce(principal: Principal, resource: string, action: string, object: string): boolean;
  /** The same decision for many objects of one resource and action (a list): the policy narrowed once. */
  filter(principal: Principal, resource: string, action: string): (object: string) => boolean;
}
