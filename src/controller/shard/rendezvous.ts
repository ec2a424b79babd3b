/**
 * Rendezvous (highest-random-weight) hashing of an Application's key over the live member ids: each
 * (member, key) pair gets a 64-bit weight from SHA-256, and the member of the highest weight owns the key.
 * Adding a member moves to it exactly the keys for which it now weighs most (about 1/N of them) and nothing
 * else; removing one moves only its keys, each to the member of the next highest weight. Pure and
 * deterministic: every member computes the same owner from the same member set, in any order.
 *
 * Owns: the assignment function. Must not import: cluster, controller (it knows nothing of Leases).
 */
import { createHash } from "node:crypto";

/** The weight of `key` for `member`: the first 8 bytes of SHA-256(member NUL key), as a bigint. */
export function weight(member: string, key: string): bigint {
  return createHash("sha256").update(member).update("\0").update(key).digest().readBigUInt64BE(0);
}

/** The member owning `key` among `members` (highest weight; ties, which SHA-256 makes unlikely, to the smaller id); undefined when there is none. */
export function ownerOf(key: string, members: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestWeight = -1n;
  for (const m of members) {
    const w = weight(m, key);
    if (w > bestWeight || (w === bestWeight && best !== undefined && m < best)) {
      best = m;
      bestWeight = w;
    }
  }
  return best;
}

/** The keys of `keys` that `member` owns among `members`. */
export function ownedBy(member: string, keys: Iterable<string>, members: readonly string[]): string[] {
  const out: string[] = [];
  for (const k of keys) if (ownerOf(k, members) === member) out.push(k);
  return out;
}
