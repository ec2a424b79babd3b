/**
 * webhooks/ — Git push webhooks in, "repository X, ref Y moved" out.
 *
 * Owns: detecting the provider of a request (GitHub, GitLab, Bitbucket Cloud, Gitea), checking its
 * signature or token in constant time over the raw bytes, reading its payload into `PushEvent`s, deciding
 * whether a push concerns an application source (`sameRepository`, `tracksRevision`), and the HTTP endpoint
 * (`webhookApp`, `serveWebhooks`).
 *
 * Does not own, and must not import: the controller, its queue, Kubernetes or Git. The endpoint hands each
 * event to an `onPush` callback, which enqueues the applications it matches; nothing here refreshes an app.
 *
 * Layout: one file per provider (github, gitlab, bitbucket, gitea) behind the `Provider` interface of
 * types.ts; signature.ts and payload.ts hold what they share; providers.ts picks one per request;
 * handler.ts is the Hono app; serve.ts the standalone server.
 */
export { bitbucket } from "./bitbucket.js";
export { gitea } from "./gitea.js";
export { github } from "./github.js";
export { gitlab } from "./gitlab.js";
export {
  defaultWebhookOptions,
  stderrLogger,
  webhookApp,
  type WebhookLogger,
  type WebhookOptions,
  type WebhookSecrets,
} from "./handler.js";
export { repoMatchKey, pushMatchesSource, sameRepository, tracksRevision } from "./match.js";
export { detectProvider, providerByName, providers } from "./providers.js";
export { serveWebhooks, type ServedWebhooks, type ServeWebhooksOptions } from "./serve.js";
export { hmacSha256Hex, safeEqual, verifyHmacSha256 } from "./signature.js";
export {
  providerNames,
  WebhookAuthError,
  WebhookPayloadError,
  type HeaderBag,
  type HookEvent,
  type Provider,
  type ProviderName,
  type PushEvent,
  type Verification,
} from "./types.js";
