/**
 * Signature and token checks shared by the providers. Two rules hold everywhere:
 *
 * - The HMAC is computed over the raw request bytes exactly as received, before any decoding: re-serialized
 *   JSON would not match (key order, whitespace, unicode escapes).
 * - Every comparison is constant-time. Both sides are first hashed to 32 bytes, so `timingSafeEqual`
 *   always sees equal lengths and the time taken says nothing about the expected value, not even its length.
 *
 * Pure apart from node:crypto.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { HeaderBag, Verification } from "./types.js";

/** HMAC-SHA256 of `body` keyed with `secret`, as lowercase hex. */
export function hmacSha256Hex(secret: string, body: Uint8Array | string): string {
  return createHmac("sha256", secret).update(body).digest("hex");
}

/** Compares two strings in time that depends on neither's content nor length. */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash("sha256").update(a, "utf8").digest();
  const db = createHash("sha256").update(b, "utf8").digest();
  return timingSafeEqual(da, db);
}

/**
 * Checks an HMAC-SHA256 signature header value against the body. `prefix` is the algorithm tag the
 * provider puts before the hex digest (`sha256=` for GitHub and Bitbucket, none for `X-Gitea-Signature`).
 * Hex digits are compared case-insensitively.
 */
export function verifyHmacSha256(rawBody: Uint8Array, secret: string, signature: string, prefix = ""): boolean {
  const value = signature.trim();
  if (!value.toLowerCase().startsWith(prefix)) return false;
  const expected = hmacSha256Hex(secret, rawBody);
  return safeEqual(value.slice(prefix.length).toLowerCase(), expected);
}

/**
 * Verifies the first present header of `headers` (in order) as an HMAC-SHA256 signature with its prefix.
 * Answers "missing" when none of them is sent: a configured secret makes the signature mandatory.
 */
export function verifySignatureHeaders(
  headers: HeaderBag,
  rawBody: Uint8Array,
  secret: string,
  accepted: readonly { header: string; prefix: string }[],
): Verification {
  for (const { header, prefix } of accepted) {
    const value = headers.get(header);
    if (value === null) continue;
    return verifyHmacSha256(rawBody, secret, value, prefix)
      ? { ok: true }
      : { ok: false, reason: `${header} does not match the payload` };
  }
  return { ok: false, reason: `missing ${accepted.map((a) => a.header).join(" or ")} header` };
}

/** Verifies a shared token sent in plain text in `header` (GitLab's X-Gitlab-Token, Bitbucket's hook UUID). */
export function verifyTokenHeader(headers: HeaderBag, header: string, secret: string): Verification {
  const value = headers.get(header);
  if (value === null) return { ok: false, reason: `missing ${header} header` };
  return safeEqual(value.trim(), secret) ? { ok: true } : { ok: false, reason: `${header} is wrong` };
}
