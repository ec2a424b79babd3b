/**
 * Logged-out sessions: the list plumb-secret keeps so that every replica refuses a session token after its
 * logout, bounded without ever forgetting a token that is still valid.
 *
 *   sessions.revoked        JSON [{id, sub, iat, exp}]  one logged-out token: refused until its exp
 *   sessions.revokedBefore  JSON [{sub, before, exp}]   every token of `sub` issued before `before` refused
 *                                                       (until `exp`, by when all of them have expired)
 *
 * `sub` is the owner (`ownerOf`: "local:<account>" or "sso:<subject>"; "*" in revokedBefore means every
 * owner); times are seconds since the epoch. Expired entries are dropped whenever the list is written.
 *
 * Bounds: an owner has at most `perOwner` listed tokens; one more collapses that owner's entries into one
 * cutoff "issued before the next second" — which ends the owner's other sessions too, the safe direction.
 * When the whole list (entries + cutoffs) still passes `total`, the owners with the most entries are
 * collapsed in turn, and if that is not enough (thousands of owners with one logout each), one cutoff for
 * every owner is set: everybody logs in again. Nothing is ever evicted while the token it names is valid —
 * an eviction would revive it (an account logging in and out 4,000 times would otherwise push its own and
 * others' older logouts out of a list that kept the latest-expiring).
 *
 * Pure: imports nothing that does I/O.
 */

/** The Secret keys of the list. */
export const REVOKED_SESSIONS = "sessions.revoked";
export const REVOKED_BEFORE = "sessions.revokedBefore";

export interface RevocationLimits {
  /** Listed tokens per owner before the owner's entries collapse into a cutoff. */
  perOwner: number;
  /** Entries + cutoffs in all. */
  total: number;
  /** How long a cutoff is kept at least (the longest session), seconds. */
  keepSeconds: number;
}

export function defaultRevocationLimits(): RevocationLimits {
  return { perOwner: 100, total: 4000, keepSeconds: 86400 };
}

interface Entry {
  id: string;
  sub: string;
  iat: number;
  exp: number;
}
interface Cutoff {
  sub: string;
  before: number;
  exp: number;
}

export interface Revocations {
  /** Token id → its entry. */
  ids: Map<string, Entry>;
  /** Owner ("*": all) → cutoff. */
  cutoffs: Map<string, Cutoff>;
}

/** The owner key of a session token: its kind and subject. */
export function ownerOf(kind: "session" | "sso", subject: string): string {
  return `${kind === "sso" ? "sso" : "local"}:${subject}`;
}

/** Reads both keys; what cannot be read revokes nothing (the next logout rewrites it). */
export function parseRevocations(revoked: string | undefined, before: string | undefined): Revocations {
  const ids = new Map<string, Entry>();
  const cutoffs = new Map<string, Cutoff>();
  for (const e of jsonList(revoked)) {
    if (typeof e.id === "string" && typeof e.exp === "number") ids.set(e.id, { id: e.id, sub: typeof e.sub === "string" ? e.sub : "", iat: typeof e.iat === "number" ? e.iat : 0, exp: e.exp });
  }
  for (const c of jsonList(before)) {
    if (typeof c.sub === "string" && typeof c.before === "number" && typeof c.exp === "number") cutoffs.set(c.sub, { sub: c.sub, before: c.before, exp: c.exp });
  }
  return { ids, cutoffs };
}

/** Whether the token (`owner`'s, issued at `iat`) is logged out at `now` (seconds). */
export function isRevokedIn(r: Revocations, tokenId: string, owner: string | undefined, iat: number | undefined, now: number): boolean {
  const e = r.ids.get(tokenId);
  if (e && e.exp > now) return true;
  if (iat === undefined) return false;
  for (const c of [r.cutoffs.get("*"), owner === undefined ? undefined : r.cutoffs.get(owner)]) if (c && c.exp > now && iat < c.before) return true;
  return false;
}

/** The latest cutoff for `owner` (seconds), for a login to wait past; undefined: none. */
export function cutoffFor(r: Revocations, owner: string, now: number): number | undefined {
  const times = [r.cutoffs.get("*"), r.cutoffs.get(owner)].filter((c): c is Cutoff => c !== undefined && c.exp > now).map((c) => c.before);
  return times.length ? Math.max(...times) : undefined;
}

/**
 * The Secret's two keys with one more logged-out token, or undefined when it is refused already. `now` in
 * seconds (fractional allowed).
 */
export function addRevocation(r: Revocations, token: { id: string; owner: string; iat: number; exp: number }, now: number, limits: RevocationLimits = defaultRevocationLimits()): Record<string, string> | undefined {
  const nowS = Math.floor(now);
  if (isRevokedIn(r, token.id, token.owner, token.iat, nowS)) return undefined;
  const ids = new Map([...r.ids].filter(([, e]) => e.exp > nowS));
  const cutoffs = new Map([...r.cutoffs].filter(([, c]) => c.exp > nowS));
  ids.set(token.id, { id: token.id, sub: token.owner, iat: token.iat, exp: token.exp });
  const byOwner = (owner: string): Entry[] => [...ids.values()].filter((e) => e.sub === owner);
  const before = nowS + 1; // every token issued up to now (whole seconds) is older
  const collapse = (owner: string): void => {
    const mine = owner === "*" ? [...ids.values()] : byOwner(owner);
    const prev = cutoffs.get(owner);
    const exp = Math.max(nowS + limits.keepSeconds, prev?.exp ?? 0, ...mine.map((e) => e.exp));
    cutoffs.set(owner, { sub: owner, before, exp });
    for (const e of mine) ids.delete(e.id);
    if (owner === "*") for (const [k, c] of cutoffs) if (k !== "*" && c.before <= before) cutoffs.delete(k);
  };
  if (byOwner(token.owner).length > limits.perOwner) collapse(token.owner);
  while (ids.size + cutoffs.size > limits.total) {
    const counts = new Map<string, number>();
    for (const e of ids.values()) counts.set(e.sub, (counts.get(e.sub) ?? 0) + 1);
    const [owner, n] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? ["", 0];
    if (n >= 2 && owner !== "") collapse(owner);
    else {
      collapse("*");
      break;
    }
  }
  return {
    [REVOKED_SESSIONS]: JSON.stringify([...ids.values()].sort((a, b) => a.exp - b.exp).map((e) => ({ id: e.id, sub: e.sub, iat: e.iat, exp: e.exp }))),
    [REVOKED_BEFORE]: JSON.stringify([...cutoffs.values()].map((c) => ({ sub: c.sub, before: c.before, exp: c.exp }))),
  };
}

function jsonList(raw: string | undefined): Array<Record<string, unknown>> {
  if (!raw) return [];
  try {
    const list = JSON.parse(raw) as unknown;
    return Array.isArray(list) ? (list.filter((e) => e && typeof e === "object") as Array<Record<string, unknown>>) : [];
  } catch {
    return [];
  }
}
