/**
 * The vocabulary of the webhook receiver: what a provider is, what it reads from a request, and the one
 * thing it produces — a `PushEvent`, "repository X, ref Y moved". Pure: no I/O.
 */
import { PlumbError, UsageError } from "../core/errors.js";

/** The Git hosting providers whose push webhooks plumb understands. */
export type ProviderName = "github" | "gitlab" | "bitbucket" | "gitea";

/** Every provider name. */
export const providerNames: readonly ProviderName[] = ["github", "gitlab", "bitbucket", "gitea"];

/** Request headers, looked up case-insensitively. A fetch `Headers` object is one. */
export interface HeaderBag {
  get(name: string): string | null;
}

/** One ref of one repository moved: the only thing the rest of plumb needs to know about a push. */
export interface PushEvent {
  /** Which provider sent it. */
  provider: ProviderName;
  /**
   * Every URL the payload names for the repository (HTTPS clone URL, SSH URL, web URL…), de-duplicated.
   * Compare them with an Application's repoURL through `sameRepository`, never with `===`.
   */
  repoURLs: string[];
  /** The full ref: `refs/heads/main`, `refs/tags/v1.0.0`. */
  ref: string;
  /** The branch name when the ref is a branch. */
  branch?: string;
  /** The tag name when the ref is a tag. */
  tag?: string;
  /** The commit the ref points to now (absent for a deletion, or when the provider does not say). */
  after?: string;
  /** True when the ref was deleted. */
  deleted?: boolean;
  /** The repository's default branch when the payload names it: an app tracking `HEAD` follows it. */
  defaultBranch?: string;
}

/** What a verified request turned out to be. */
export type HookEvent =
  /** One or more refs moved (Bitbucket Cloud batches several refs into one request; the others send one). */
  | { kind: "push"; events: PushEvent[] }
  /** A provider's "is this endpoint alive?" request: answered 200, triggers nothing. */
  | { kind: "ping" }
  /** Any other event type (issues, pull requests…): answered 202, triggers nothing. */
  | { kind: "ignored"; event: string };

/** The outcome of checking a request's signature or token. `reason` is safe to send back to the caller. */
export type Verification = { ok: true } | { ok: false; reason: string };

/**
 * One Git hosting provider. Implementations are pure and stateless; `test/unit/webhooks` runs the same
 * conformance suite against each of them.
 */
export interface Provider {
  readonly name: ProviderName;
  /** Whether the request carries this provider's event header. */
  detect(headers: HeaderBag): boolean;
  /** The provider's event name for this request (for logs and the 202 answer). */
  eventName(headers: HeaderBag): string;
  /**
   * Checks the request against the configured secret: an HMAC of the exact raw body, or a shared token,
   * compared in constant time. Never called when no secret is configured.
   */
  verify(headers: HeaderBag, rawBody: Uint8Array, secret: string): Verification;
  /**
   * Reads a verified, JSON-decoded payload. Throws `WebhookPayloadError` when a push payload lacks what
   * plumb needs (ref, repository URLs).
   */
  parse(headers: HeaderBag, body: unknown): HookEvent;
}

/** The request body is not a payload plumb can read (HTTP 400). */
export class WebhookPayloadError extends UsageError {}

/** The request's signature or token is missing or wrong (HTTP 401). */
export class WebhookAuthError extends PlumbError {}
