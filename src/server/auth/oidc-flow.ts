/**
 * The pieces of the SSO login that hold no connection to anything: what the browser carries between
 * `/auth/login` and `/auth/callback`, where the user may be sent back to, and the one-time codes of a CLI
 * login.
 *
 * - The flow: state, nonce, PKCE verifier, return path and (for the CLI) the loopback port and challenge
 *   are sealed in a cookie of the browser that started the login — encrypted (JWE, dir + A256GCM) under a
 *   key derived from the server's signing key, valid 5 minutes. The cookie's name carries a digest of the
 *   state, so two logins in two tabs do not overwrite each other and a callback whose state this browser
 *   never got finds nothing to open.
 * - The return path: only a path on the server's own origin; anything else (another host, `//host`,
 *   `/\host`, a scheme) falls back to "/", so the login cannot be used as an open redirect.
 * - CLI codes: a CLI login ends with the browser sent to the CLI's loopback listener with a random code,
 *   never the token. The CLI trades the code and the verifier whose SHA-256 it sent as the challenge for
 *   the token, once, within 2 minutes (RFC 8252's loopback redirect plus RFC 7636's S256 check). Codes live
 *   in this process's memory only.
 */
import { createHash, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import { EncryptJWT, jwtDecrypt } from "jose";
import { InvalidRequestError, UnauthenticatedError } from "../errors.js";

/** How long a started login may take, seconds. */
export const FLOW_TTL_SECONDS = 5 * 60;
/** How long a CLI's one-time code may wait to be redeemed, milliseconds. */
export const CLI_CODE_TTL_MS = 2 * 60 * 1000;
/** The prefix of the flow cookies' names. */
export const FLOW_COOKIE_PREFIX = "plumb.oidc.";

/** What a started login carries to its callback. */
export interface Flow {
  state: string;
  nonce: string;
  verifier: string;
  /** Where to send the browser after the login (a same-origin path). */
  returnPath: string;
  /** Set for a CLI login: its loopback port and the S256 challenge of its secret. */
  cli?: { port: number; challenge: string };
}

/** The flow cookie's name for a state. */
export function flowCookieName(state: string): string {
  return FLOW_COOKIE_PREFIX + createHash("sha256").update(state).digest("base64url").slice(0, 16);
}

function flowKey(signingKey: string): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", Buffer.from(signingKey, "base64"), Buffer.alloc(0), "plumb oidc flow cookie", 32));
}

/** Encrypts a flow for its cookie. */
export async function sealFlow(signingKey: string, flow: Flow, now: number): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new EncryptJWT({ flow })
    .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
    .setIssuedAt(iat)
    .setExpirationTime(iat + FLOW_TTL_SECONDS)
    .encrypt(flowKey(signingKey));
}

/** Decrypts a flow cookie; throws UnauthenticatedError when it is expired, forged or not for `state`. */
export async function openFlow(signingKey: string, sealed: string | undefined, state: string, now: number): Promise<Flow> {
  if (!sealed) throw new UnauthenticatedError("this browser did not start this login (no flow cookie for its state), or it took longer than 5 minutes", "start the login again");
  let flow: Flow;
  try {
    const { payload } = await jwtDecrypt(sealed, flowKey(signingKey), { currentDate: new Date(now), keyManagementAlgorithms: ["dir"], contentEncryptionAlgorithms: ["A256GCM"] });
    flow = payload.flow as Flow;
  } catch {
    throw new UnauthenticatedError("the login's flow cookie is expired or not valid", "start the login again");
  }
  if (typeof flow?.state !== "string" || flow.state.length !== state.length || !timingSafeEqual(Buffer.from(flow.state), Buffer.from(state))) {
    throw new UnauthenticatedError("the login's state does not match this browser's", "start the login again");
  }
  return flow;
}

/**
 * The path to return to after the login: `raw` when it is a path (or URL) on `externalURL`'s origin,
 * else "/". The result never starts with "//".
 */
export function safeReturnPath(raw: string | undefined, externalURL: string): string {
  if (!raw || raw.length > 2048) return "/";
  const origin = new URL(externalURL).origin;
  let u: URL;
  try {
    u = new URL(raw, origin);
  } catch {
    return "/";
  }
  if (u.origin !== origin || u.pathname.startsWith("//")) return "/";
  // A relative reference must be a path: "x" or "?q" would resolve against the origin too, but were not asked.
  if (!raw.startsWith("/") && !/^https?:\/\//i.test(raw)) return "/";
  return `${u.pathname}${u.search}${u.hash}`;
}

/** The CLI part of `/auth/login`'s query: both or neither; throws InvalidRequestError. */
export function parseCliParams(port: string | undefined, challenge: string | undefined): Flow["cli"] {
  if (port === undefined && challenge === undefined) return undefined;
  if (port === undefined || challenge === undefined) throw new InvalidRequestError("a CLI login needs both cli_port and cli_challenge");
  const n = /^\d{1,5}$/.test(port) ? Number(port) : NaN;
  if (!(n >= 1 && n <= 65535)) throw new InvalidRequestError("cli_port must be a TCP port (1-65535)");
  if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) throw new InvalidRequestError("cli_challenge must be the base64url SHA-256 of the CLI's secret (43 characters)");
  return { port: n, challenge };
}

/** The S256 challenge of a verifier: base64url(SHA-256(verifier)). */
export function s256(verifier: string): string {
  return createHash("sha256").update(verifier).digest("base64url");
}

/** One-time codes of CLI logins, in memory: issued after the callback, redeemed once with the verifier. */
export class CliCodes {
  private readonly codes = new Map<string, { token: string; challenge: string; at: number }>();

  constructor(private readonly max = 1000) {}

  /** Keeps `token` for the CLI whose challenge is `challenge`; returns the code to send it. */
  issue(token: string, challenge: string, now: number): string {
    this.prune(now);
    while (this.codes.size >= this.max) this.codes.delete(this.codes.keys().next().value as string);
    const code = randomBytes(32).toString("base64url");
    this.codes.set(code, { token, challenge, at: now });
    return code;
  }

  /**
   * The token for `code` when SHA-256(verifier) is its challenge and it is fresh. Any attempt uses the
   * code up, so a wrong verifier cannot be retried. Throws UnauthenticatedError.
   */
  redeem(code: string, verifier: string, now: number): string {
    this.prune(now);
    const entry = this.codes.get(code);
    this.codes.delete(code);
    if (!entry) throw new UnauthenticatedError("the login code is unknown, used already or older than 2 minutes", "log in again: plumb login --sso");
    const a = Buffer.from(s256(verifier));
    const b = Buffer.from(entry.challenge);
    if (a.length !== b.length || !timingSafeEqual(a, b)) throw new UnauthenticatedError("the verifier does not match the login's challenge", "log in again: plumb login --sso");
    return entry.token;
  }

  /** Codes waiting now. */
  get size(): number {
    return this.codes.size;
  }

  private prune(now: number): void {
    for (const [code, e] of this.codes) if (now - e.at >= CLI_CODE_TTL_MS) this.codes.delete(code);
  }
}
