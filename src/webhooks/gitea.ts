/**
 * Gitea (and Forgejo, which kept Gitea's webhook format) push webhooks.
 *
 * - Event type in `X-Gitea-Event`. Gitea also sends `X-GitHub-Event` and `X-Gogs-Event` with the same value,
 *   so this provider must be tried before GitHub's.
 * - `push` looks like GitHub's payload (ref, before, after, repository.clone_url/ssh_url/html_url). Gitea's
 *   "Test delivery" button sends a real `push` of the latest commit, which refreshes like any push — harmless,
 *   as reconciles are level-based. Gitea has no ping event.
 * - A deleted branch or tag arrives as a `delete` event naming the short ref and its `ref_type`.
 * - Signature in `X-Gitea-Signature`: bare hex HMAC-SHA256 of the raw body; recent versions also send
 *   `X-Hub-Signature-256` (`sha256=` + hex), accepted when the former is absent
 *   (https://docs.gitea.com/usage/webhooks).
 */
import { z } from "zod";
import { compact, fullRef, githubLikeRepoURLs, isZeroSha, readPayload, refNames, requireURLs } from "./payload.js";
import { verifySignatureHeaders } from "./signature.js";
import type { HeaderBag, HookEvent, Provider, PushEvent, Verification } from "./types.js";

const EVENT_HEADER = "X-Gitea-Event";

const Repository = z.object({
  html_url: z.string().nullish(),
  clone_url: z.string().nullish(),
  ssh_url: z.string().nullish(),
  default_branch: z.string().nullish(),
});

const PushPayload = z.object({
  ref: z.string().min(1),
  after: z.string().nullish(),
  repository: Repository,
});

const DeletePayload = z.object({
  ref: z.string().min(1),
  ref_type: z.enum(["branch", "tag"]),
  repository: Repository,
});

function repoFields(repo: z.infer<typeof Repository>): Pick<PushEvent, "repoURLs" | "defaultBranch"> {
  return {
    repoURLs: requireURLs(githubLikeRepoURLs(repo), "gitea"),
    defaultBranch: repo.default_branch ?? undefined,
  };
}

/** Gitea's push webhooks. */
export const gitea: Provider = {
  name: "gitea",

  detect(headers: HeaderBag): boolean {
    return headers.get(EVENT_HEADER) !== null;
  },

  eventName(headers: HeaderBag): string {
    return headers.get(EVENT_HEADER) ?? "";
  },

  verify(headers: HeaderBag, rawBody: Uint8Array, secret: string): Verification {
    return verifySignatureHeaders(headers, rawBody, secret, [
      { header: "X-Gitea-Signature", prefix: "" },
      { header: "X-Hub-Signature-256", prefix: "sha256=" },
    ]);
  },

  parse(headers: HeaderBag, body: unknown): HookEvent {
    const event = headers.get(EVENT_HEADER) ?? "";
    if (event === "push") {
      const p = readPayload(PushPayload, body, "gitea", "push");
      const deleted = isZeroSha(p.after);
      const push: PushEvent = {
        provider: "gitea",
        ...repoFields(p.repository),
        ref: p.ref,
        ...refNames(p.ref),
        after: deleted ? undefined : (p.after ?? undefined),
        deleted: deleted || undefined,
      };
      return { kind: "push", events: [compact(push)] };
    }
    if (event === "delete") {
      const p = readPayload(DeletePayload, body, "gitea", "delete");
      const ref = fullRef(p.ref_type, p.ref);
      const push: PushEvent = { provider: "gitea", ...repoFields(p.repository), ref, ...refNames(ref), deleted: true };
      return { kind: "push", events: [compact(push)] };
    }
    return { kind: "ignored", event };
  },
};
