/**
 * Bitbucket Cloud push webhooks.
 *
 * - Event type in `X-Event-Key`: `repo:push` moves refs. One request can carry several `push.changes`
 *   (several branches and tags pushed at once), so it becomes several `PushEvent`s. Everything else is
 *   ignored, except Bitbucket Data Center's `diagnostics:ping` ("Test connection"), answered as a ping.
 * - Signature in `X-Hub-Signature`: `sha256=` + hex HMAC-SHA256 of the raw body, sent when the webhook has a
 *   secret (https://support.atlassian.com/bitbucket-cloud/docs/manage-webhooks/). Without it, Argo CD's older
 *   scheme is accepted: the configured secret equals the webhook's UUID, sent in `X-Hook-UUID`.
 * - A change whose `new` is null (and `closed` true) deletes the ref named by `old`.
 * - The payload names no clone URL, only the web page (`repository.links.html.href`) and `full_name`; the
 *   HTTPS and SSH clone URLs are derived from them, in Bitbucket's fixed forms.
 *
 * Bitbucket Data Center's own push event (`repo:refs_changed`) has another payload and is not read.
 */
import { z } from "zod";
import { compact, fullRef, readPayload, requireURLs, urlList } from "./payload.js";
import { verifySignatureHeaders, verifyTokenHeader } from "./signature.js";
import type { HeaderBag, HookEvent, Provider, PushEvent, Verification } from "./types.js";

const EVENT_HEADER = "X-Event-Key";

const RefState = z.object({
  type: z.string(),
  name: z.string().min(1),
  target: z.object({ hash: z.string().nullish() }).nullish(),
});

const PushPayload = z.object({
  push: z.object({
    changes: z.array(z.object({ new: RefState.nullish(), old: RefState.nullish() })),
  }),
  repository: z.object({
    full_name: z.string().nullish(),
    links: z.object({ html: z.object({ href: z.string() }).nullish() }).nullish(),
  }),
});

type Repository = z.infer<typeof PushPayload>["repository"];

/** The web URL and the HTTPS and SSH clone URLs derived from it and the repository's full name. */
function repoURLs(repo: Repository): string[] {
  const html = repo.links?.html?.href;
  let derived: string[] = [];
  if (html && repo.full_name) {
    try {
      const host = new URL(html).host;
      derived = [`https://${host}/${repo.full_name}.git`, `git@${host}:${repo.full_name}.git`];
    } catch {
      // an unparseable web URL: keep it as the only URL
    }
  }
  return requireURLs(urlList(html, ...derived), "bitbucket");
}

/** The kind of ref Bitbucket names in `type`; Mercurial bookmarks and the like are skipped. */
function refType(type: string): "branch" | "tag" | undefined {
  if (type === "branch" || type === "named_branch") return "branch";
  if (type === "tag" || type === "annotated_tag") return "tag";
  return undefined;
}

/** Bitbucket Cloud's push webhooks. */
export const bitbucket: Provider = {
  name: "bitbucket",

  detect(headers: HeaderBag): boolean {
    return headers.get(EVENT_HEADER) !== null;
  },

  eventName(headers: HeaderBag): string {
    return headers.get(EVENT_HEADER) ?? "";
  },

  verify(headers: HeaderBag, rawBody: Uint8Array, secret: string): Verification {
    if (headers.get("X-Hub-Signature") === null && headers.get("X-Hook-UUID") !== null) {
      const byUUID = verifyTokenHeader(headers, "X-Hook-UUID", secret);
      return byUUID.ok ? byUUID : { ok: false, reason: "missing X-Hub-Signature header, and X-Hook-UUID is not the secret" };
    }
    return verifySignatureHeaders(headers, rawBody, secret, [{ header: "X-Hub-Signature", prefix: "sha256=" }]);
  },

  parse(headers: HeaderBag, body: unknown): HookEvent {
    const event = headers.get(EVENT_HEADER) ?? "";
    if (event === "diagnostics:ping") return { kind: "ping" };
    if (event !== "repo:push") return { kind: "ignored", event };
    const p = readPayload(PushPayload, body, "bitbucket", "push");
    const urls = repoURLs(p.repository);
    const events: PushEvent[] = [];
    for (const change of p.push.changes) {
      const state = change.new ?? change.old;
      const type = state ? refType(state.type) : undefined;
      if (!state || !type) continue;
      const deleted = !change.new;
      events.push(
        compact({
          provider: "bitbucket",
          repoURLs: urls,
          ref: fullRef(type, state.name),
          branch: type === "branch" ? state.name : undefined,
          tag: type === "tag" ? state.name : undefined,
          after: deleted ? undefined : (state.target?.hash ?? undefined),
          deleted: deleted || undefined,
        }),
      );
    }
    return { kind: "push", events };
  },
};
