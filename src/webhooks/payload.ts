/**
 * Helpers the providers share to read payloads: schema validation with a readable error, ref names, and
 * URL lists. Pure: no I/O.
 */
import type { z } from "zod";
import { WebhookPayloadError, type ProviderName } from "./types.js";

const branchPrefix = "refs/heads/";
const tagPrefix = "refs/tags/";

/** Validates `body` against a provider's payload schema, or throws `WebhookPayloadError` naming the field. */
export function readPayload<S extends z.ZodType>(
  schema: S,
  body: unknown,
  provider: ProviderName,
  what: string,
): z.infer<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
  throw new WebhookPayloadError(
    `not a ${provider} ${what} payload: ${issue?.message ?? "invalid"}${where}`,
    "check the webhook's content type is application/json and its event is a push",
  );
}

/** Splits a full ref into its branch or tag name; other refs (notes, merge requests) get neither. */
export function refNames(ref: string): { branch?: string; tag?: string } {
  if (ref.startsWith(branchPrefix)) return { branch: ref.slice(branchPrefix.length) };
  if (ref.startsWith(tagPrefix)) return { tag: ref.slice(tagPrefix.length) };
  return {};
}

/** The full ref of a branch or tag name. */
export function fullRef(type: "branch" | "tag", name: string): string {
  return (type === "branch" ? branchPrefix : tagPrefix) + name;
}

/** Whether a SHA is Git's "no object" (all zeros), which providers send as `after` for a deleted ref. */
export function isZeroSha(sha: string | null | undefined): boolean {
  return typeof sha === "string" && /^0+$/.test(sha);
}

/** The non-empty strings among `candidates`, de-duplicated, in order. */
export function urlList(...candidates: (string | null | undefined)[]): string[] {
  const out: string[] = [];
  for (const c of candidates) {
    const v = c?.trim();
    if (v && !out.includes(v)) out.push(v);
  }
  return out;
}

/** Throws when a push payload names no repository URL: such a push could match no Application. */
export function requireURLs(urls: string[], provider: ProviderName): string[] {
  if (urls.length === 0) throw new WebhookPayloadError(`not a ${provider} push payload: no repository URL`);
  return urls;
}

/** Drops the `undefined` fields of an object, so events compare equal whatever the provider left out. */
export function compact<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

/** The URLs of a GitHub-style `repository` object (GitHub and Gitea): clone, SSH, web and git:// URLs. */
export function githubLikeRepoURLs(repo: {
  clone_url?: string | null;
  ssh_url?: string | null;
  html_url?: string | null;
  git_url?: string | null;
}): string[] {
  return urlList(repo.clone_url, repo.ssh_url, repo.html_url, repo.git_url);
}
