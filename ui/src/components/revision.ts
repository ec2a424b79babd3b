/** How a revision is written for people: a commit SHA cut to 7 characters (the whole one goes in a title). */

/** A commit SHA (SHA-1 or SHA-256) cut to 7 characters; anything else (a tag, a branch, a chart version) as it is. */
export function shortRevision(rev: string): string {
  return /^[0-9a-f]{40}$/i.test(rev) || /^[0-9a-f]{64}$/i.test(rev) ? rev.slice(0, 7) : rev;
}
