/**
 * GitHub (github.com and GitHub Enterprise Server) push webhooks.
 *
 * - Event type in `X-GitHub-Event`: `push` moves a ref (one request per ref), `ping` is sent when a hook is
 *   created, everything else is ignored.
 * - Signature in `X-Hub-Signature-256`: `sha256=` + hex HMAC-SHA256 of the raw body keyed with the hook's
 *   secret (https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries). The legacy
 *   SHA-1 `X-Hub-Signature` is not accepted.
 * - A deleted branch arrives as a push with `deleted: true` and an all-zero `after`.
 *
 * Gitea sends `X-GitHub-Event` too, for compatibility; it is told apart by its own `X-Gitea-Event`.
 */
import { z } from "zod";
import { compact, githubLikeRepoURLs, isZeroSha, readPayload, refNames, requireURLs } from "./payload.js";
import { verifySignatureHeaders } from "./signature.js";
import type { HeaderBag, HookEvent, Provider, Verification } from "./types.js";

const EVENT_HEADER = "X-GitHub-Event";

const Repository = z.object({
  html_url: z.string().nullish(),
  clone_url: z.string().nullish(),
  ssh_url: z.string().nullish(),
  git_url: z.string().nullish(),
  default_branch: z.string().nullish(),
});

const PushPayload = z.object({
  ref: z.string().min(1),
  after: z.string().nullish(),
  deleted: z.boolean().nullish(),
  repository: Repository,
});

/** GitHub's push webhooks. */
export const github: Provider = {
  name: "github",

  detect(headers: HeaderBag): boolean {
    // Gitea and Gogs send X-GitHub-Event too, next to their own header.
    const foreign = headers.get("X-Gitea-Event") !== null || headers.get("X-Gogs-Event") !== null;
    return headers.get(EVENT_HEADER) !== null && !foreign;
  },

  eventName(headers: HeaderBag): string {
    return headers.get(EVENT_HEADER) ?? "";
  },

  verify(headers: HeaderBag, rawBody: Uint8Array, secret: string): Verification {
    return verifySignatureHeaders(headers, rawBody, secret, [{ header: "X-Hub-Signature-256", prefix: "sha256=" }]);
  },

  parse(headers: HeaderBag, body: unknown): HookEvent {
    const event = headers.get(EVENT_HEADER) ?? "";
    if (event === "ping") return { kind: "ping" };
    if (event !== "push") return { kind: "ignored", event };
    const p = readPayload(PushPayload, body, "github", "push");
    const ref = p.ref;
    const deleted = p.deleted === true || isZeroSha(p.after);
    return {
      kind: "push",
      events: [
        compact({
          provider: "github",
          repoURLs: requireURLs(githubLikeRepoURLs(p.repository), "github"),
          ref,
          ...refNames(ref),
          after: deleted ? undefined : (p.after ?? undefined),
          deleted: deleted || undefined,
          defaultBranch: p.repository.default_branch ?? undefined,
        }),
      ],
    };
  },
};
