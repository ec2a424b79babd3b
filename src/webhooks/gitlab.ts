/**
 * GitLab (gitlab.com and self-managed) push webhooks.
 *
 * - Event type in `X-Gitlab-Event`: `Push Hook` and `Tag Push Hook` move a ref; a `System Hook` carries
 *   pushes too (`object_kind` `push` or `tag_push`) when an administrator sets one up for every project.
 *   Everything else is ignored.
 * - No signature: the hook's secret token is sent as is in `X-Gitlab-Token` and compared in constant time
 *   (https://docs.gitlab.com/user/project/integrations/webhooks/#create-a-webhook).
 * - GitLab has no ping event. Its "Test → Push events" button sends a push built from the default branch's
 *   latest commits, indistinguishable from a real one; it refreshes like a push, which is harmless because
 *   reconciles are level-based.
 * - A deleted branch or tag is a push whose `after` is all zeros (and `checkout_sha` null).
 * - URLs come from `project` (git_http_url, git_ssh_url, web_url) and the deprecated `repository` block.
 */
import { z } from "zod";
import { compact, isZeroSha, readPayload, refNames, requireURLs, urlList } from "./payload.js";
import { verifyTokenHeader } from "./signature.js";
import type { HeaderBag, HookEvent, Provider, PushEvent, Verification } from "./types.js";

const EVENT_HEADER = "X-Gitlab-Event";

const url = z.string().nullish();

const PushPayload = z.object({
  object_kind: z.enum(["push", "tag_push"]),
  ref: z.string().min(1),
  after: z.string().nullish(),
  project: z
    .object({
      git_http_url: url,
      git_ssh_url: url,
      web_url: url,
      http_url: url,
      ssh_url: url,
      default_branch: z.string().nullish(),
    })
    .nullish(),
  repository: z.object({ git_http_url: url, git_ssh_url: url, url, homepage: url }).nullish(),
});

const pushHeaders = new Set(["Push Hook", "Tag Push Hook"]);

/** Whether a System Hook body is a push: system hooks carry every kind of instance event. */
function isSystemPush(body: unknown): boolean {
  if (typeof body !== "object" || body === null) return false;
  const kind = (body as { object_kind?: unknown }).object_kind;
  return kind === "push" || kind === "tag_push";
}

/** GitLab's push webhooks. */
export const gitlab: Provider = {
  name: "gitlab",

  detect(headers: HeaderBag): boolean {
    return headers.get(EVENT_HEADER) !== null;
  },

  eventName(headers: HeaderBag): string {
    return headers.get(EVENT_HEADER) ?? "";
  },

  verify(headers: HeaderBag, _rawBody: Uint8Array, secret: string): Verification {
    return verifyTokenHeader(headers, "X-Gitlab-Token", secret);
  },

  parse(headers: HeaderBag, body: unknown): HookEvent {
    const event = headers.get(EVENT_HEADER) ?? "";
    if (!pushHeaders.has(event) && !(event === "System Hook" && isSystemPush(body))) return { kind: "ignored", event };
    const p = readPayload(PushPayload, body, "gitlab", "push");
    const project = p.project ?? {};
    const repo = p.repository ?? {};
    const repoURLs = urlList(
      project.git_http_url,
      project.git_ssh_url,
      project.web_url,
      project.http_url,
      project.ssh_url,
      repo.git_http_url,
      repo.git_ssh_url,
      repo.homepage,
      repo.url,
    );
    const deleted = isZeroSha(p.after);
    const push: PushEvent = {
      provider: "gitlab",
      repoURLs: requireURLs(repoURLs, "gitlab"),
      ref: p.ref,
      ...refNames(p.ref),
      after: deleted ? undefined : (p.after ?? undefined),
      deleted: deleted || undefined,
      defaultBranch: project.default_branch ?? undefined,
    };
    return { kind: "push", events: [compact(push)] };
  },
};
