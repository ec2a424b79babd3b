/**
 * The server's own tokens: JWTs signed with HS256 under the key kept in the settings Secret
 * (`server.secretkey`), as Argo CD signs its local session and API tokens. Sessions, API tokens, SSO
 * sessions and project tokens all use this; what each claim means is up to the caller (auth/local.ts,
 * auth/oidc.ts, auth/project-tokens.ts). jose does the cryptography and the time checks.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from "jose";
import { UnauthenticatedError } from "../errors.js";
import { ISSUER } from "./types.js";

/** The claims plumb puts in a token (beyond iss/iat/nbf/exp). */
export interface TokenClaims extends JWTPayload {
  sub: string;
  jti: string;
  /** What the token is: a login session, an account's API token, an SSO session, a project role's token. */
  kind: TokenKind;
  /** SSO groups carried into the session. */
  groups?: string[];
  /** Display name (SSO email). */
  name?: string;
}

export type TokenKind = "session" | "apiKey" | "sso" | "project";

/** A fresh random signing key, base64 (what `server.secretkey` holds). */
export function newSigningKey(): string {
  return randomBytes(32).toString("base64");
}

/**
 * Signs a token. `expiresInSeconds` 0 or undefined: no expiry (API tokens may be made so). `id` defaults
 * to a random UUID.
 */
export async function signToken(key: string, claims: { sub: string; kind: TokenKind; groups?: string[]; name?: string; aud?: string }, opts: { expiresInSeconds?: number; id?: string; now?: number } = {}): Promise<{ token: string; claims: TokenClaims }> {
  const iat = Math.floor((opts.now ?? Date.now()) / 1000);
  const jti = opts.id ?? randomUUID();
  const payload: TokenClaims = { ...claims, jti, iss: ISSUER, iat, nbf: iat, ...(opts.expiresInSeconds ? { exp: iat + opts.expiresInSeconds } : {}) };
  const token = await new SignJWT(payload).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(keyBytes(key));
  return { token, claims: payload };
}

/** Verifies signature, issuer and times; throws UnauthenticatedError with the reason. */
export async function verifyToken(key: string, token: string): Promise<TokenClaims> {
  try {
    const { payload } = await jwtVerify(token, keyBytes(key), { issuer: ISSUER, algorithms: ["HS256"] });
    if (typeof payload.sub !== "string" || typeof payload.jti !== "string" || typeof payload.kind !== "string") throw new UnauthenticatedError("the token has no subject, id or kind");
    return payload as TokenClaims;
  } catch (err) {
    if (err instanceof UnauthenticatedError) throw err;
    if (err instanceof joseErrors.JWTExpired) throw new UnauthenticatedError("the token has expired", "log in again: plumb login");
    throw new UnauthenticatedError("the token is not valid", "log in again: plumb login");
  }
}

function keyBytes(key: string): Uint8Array {
  return new Uint8Array(Buffer.from(key, "base64"));
}
