/**
 * Resolving a targetRevision to a commit with Argo CD's semantics, over a snapshot of a mirror's refs.
 *
 * The snapshot maps full ref names (`refs/heads/main`, `refs/tags/v1`) to commit SHAs — annotated tags
 * already peeled to the commit they point at — plus `HEAD`, the commit of the remote's default branch at
 * the last fetch. A revision is tried, in order, as:
 *
 *   1. empty or `HEAD` → the remote's HEAD;
 *   2. a full ref name (`refs/heads/x`, `refs/tags/x`, any `refs/…` the mirror holds);
 *   3. a branch name, then a tag name — a branch wins over a tag of the same name, as in Argo CD, whose
 *      ls-remote order lists refs/heads before refs/tags;
 *   4. a full (40 or 64 hex) or abbreviated (7+ hex) commit SHA, which the caller checks against the
 *      mirror's objects (a SHA needs no ref, but must have been fetched).
 *
 * Names win over SHAs, so a branch called `deadbeef` is the branch. Anything else is unknown, and the error
 * lists the branches and tags whose names are closest to what was asked (edit distance).
 *
 * Pure: no I/O.
 */

/** Full ref name (or "HEAD") → commit SHA. */
export type RefMap = ReadonlyMap<string, string>;

/** A ref that moved between two snapshots; `oldSha` absent for a new ref, `newSha` absent for a deleted one. */
export interface RefChange {
  ref: string;
  oldSha?: string;
  newSha?: string;
}

/** What a revision names before the mirror's objects are consulted. */
export type Resolution =
  | { kind: "ref"; ref: string; sha: string }
  | { kind: "sha"; sha: string; abbreviated: boolean }
  | { kind: "unknown" };

const FULL_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;
const SHORT_SHA = /^[0-9a-f]{7,63}$/i;

/** True for a full commit SHA (SHA-1 or SHA-256). */
export function isCommitSHA(s: string): boolean {
  return FULL_SHA.test(s);
}

/** Resolves `revision` against the refs; SHAs are returned unverified (kind "sha"). */
export function resolveFromRefs(refs: RefMap, revision: string): Resolution {
  const rev = revision.trim();
  if (rev === "" || rev === "HEAD") {
    const sha = refs.get("HEAD");
    return sha ? { kind: "ref", ref: "HEAD", sha } : { kind: "unknown" };
  }
  const candidates = rev.startsWith("refs/") ? [rev] : [`refs/heads/${rev}`, `refs/tags/${rev}`];
  for (const ref of candidates) {
    const sha = refs.get(ref);
    if (sha) return { kind: "ref", ref, sha };
  }
  if (FULL_SHA.test(rev)) return { kind: "sha", sha: rev.toLowerCase(), abbreviated: false };
  if (SHORT_SHA.test(rev)) return { kind: "sha", sha: rev.toLowerCase(), abbreviated: true };
  return { kind: "unknown" };
}

/** Levenshtein distance, with a cap to stay cheap on long names. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const m = a.length;
  const n = b.length;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[n]!;
}

/**
 * Up to `max` branches and tags that exist, closest to `revision` first ("main (branch)", "v1.2.0 (tag)").
 * A name that contains the revision, or is contained in it, counts as close.
 */
export function nearbyRevisions(refs: RefMap, revision: string, max = 5): string[] {
  const want = revision.trim().toLowerCase();
  const scored: Array<{ label: string; score: number; order: number }> = [];
  for (const ref of refs.keys()) {
    const m = /^refs\/(heads|tags)\/(.+)$/.exec(ref);
    if (!m) continue;
    const name = m[2]!;
    const lower = name.toLowerCase();
    const contains = want.length > 0 && (lower.includes(want) || want.includes(lower));
    const score = editDistance(want, lower) - (contains ? Math.max(want.length, lower.length) : 0);
    scored.push({ label: `${name} (${m[1] === "heads" ? "branch" : "tag"})`, score, order: m[1] === "heads" ? 0 : 1 });
  }
  scored.sort((a, b) => a.score - b.score || a.order - b.order || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  return scored.slice(0, max).map((s) => s.label);
}

/** The refs that differ between two snapshots, in name order. */
export function diffRefs(before: RefMap, after: RefMap): RefChange[] {
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  const out: RefChange[] = [];
  for (const ref of names) {
    const oldSha = before.get(ref);
    const newSha = after.get(ref);
    if (oldSha === newSha) continue;
    out.push({ ref, ...(oldSha ? { oldSha } : {}), ...(newSha ? { newSha } : {}) });
  }
  return out;
}

/**
 * Parses `git for-each-ref --format='%(objectname) %(objecttype) %(*objectname) %(*objecttype) %(refname)'`
 * output into a RefMap of commits. Annotated tags take the peeled commit; refs to anything but a commit
 * (a tag of a tree or blob, or a tag of a tag) are returned in `unpeeled` for the caller to peel fully.
 */
export function parseForEachRef(output: string): { refs: Map<string, string>; unpeeled: string[] } {
  const refs = new Map<string, string>();
  const unpeeled: string[] = [];
  for (const line of output.split("\n")) {
    const parts = line.trim().split(" ").filter(Boolean);
    if (parts.length === 0) continue;
    const ref = parts[parts.length - 1]!;
    const [sha, type, peeled, peeledType] = parts;
    if (type === "commit" && parts.length === 3) refs.set(ref, sha!);
    else if (type === "tag" && parts.length === 5 && peeledType === "commit") refs.set(ref, peeled!);
    else if (type === "tag") unpeeled.push(ref);
  }
  return { refs, unpeeled };
}
