/**
 * The logged-out sessions list (auth/revocations.ts): bounded per owner and in all, and never by forgetting a
 * token that is still valid — an owner past its bound is collapsed into "issued before T", which refuses
 * more (the owner's other sessions), never less.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addRevocation, cutoffFor, isRevokedIn, ownerOf, parseRevocations, REVOKED_BEFORE, REVOKED_SESSIONS, type Revocations } from "../../../src/server/auth/revocations.js";

const NOW = 1_700_000_000;
const limits = { perOwner: 5, total: 20, keepSeconds: 86400 };

/** Logs out `n` sessions of `owner` (ids `<prefix>0…`), issued at `iat`, expiring in a day; returns the list. */
function logout(r: Revocations, owner: string, n: number, prefix: string, now = NOW, iat = now - 10): Revocations {
  for (let i = 0; i < n; i++) {
    const out = addRevocation(r, { id: `${prefix}${i}`, owner, iat, exp: now + 86400 }, now, limits);
    if (out) r = parseRevocations(out[REVOKED_SESSIONS], out[REVOKED_BEFORE]);
  }
  return r;
}

const empty = (): Revocations => parseRevocations(undefined, undefined);

describe("revocations", () => {
  it("a logged-out token is refused until its exp; others of the owner are not", () => {
    const r = logout(empty(), ownerOf("session", "alice"), 1, "a");
    assert.equal(isRevokedIn(r, "a0", "local:alice", NOW - 10, NOW), true);
    assert.equal(isRevokedIn(r, "other", "local:alice", NOW - 10, NOW), false);
    assert.equal(isRevokedIn(r, "a0", "local:alice", NOW - 10, NOW + 86400), false, "expired: nothing to refuse");
  });

  it("one account logging out thousands of times never revives another account's logged-out session", () => {
    let r = logout(empty(), "local:bob", 1, "bob-"); // the victim's logout, the soonest to expire of all
    r = logout(r, "local:alice", 4000, "alice-", NOW + 5);
    assert.equal(isRevokedIn(r, "bob-0", "local:bob", NOW - 10, NOW + 5), true, "bob's logout still holds");
    assert.ok(r.ids.size + r.cutoffs.size <= limits.total, `bounded: ${r.ids.size} + ${r.cutoffs.size}`);
    for (const id of ["alice-0", "alice-1234", "alice-3999"]) assert.equal(isRevokedIn(r, id, "local:alice", NOW - 5, NOW + 5), true, `${id} still refused (by alice's cutoff)`);
    assert.equal(isRevokedIn(r, "fresh", "local:alice", NOW + 6 + 1, NOW + 10), false, "a session alice opens after the cutoff is valid");
    assert.ok((cutoffFor(r, "local:alice", NOW + 5) ?? 0) > NOW + 5, "login waits for the cutoff second");
  });

  it("many owners with one logout each: a cutoff for all rather than forgetting any", () => {
    let r = empty();
    for (let i = 0; i < 25; i++) r = logout(r, ownerOf("sso", `user${i}`), 1, `u${i}-`);
    for (let i = 0; i < 25; i++) assert.equal(isRevokedIn(r, `u${i}-0`, `sso:user${i}`, NOW - 10, NOW), true, `user${i}'s logout holds`);
    assert.ok(r.ids.size + r.cutoffs.size <= limits.total);
  });

  it("an SSO subject and a local account of the same name are different owners", () => {
    let r = empty();
    r = logout(r, ownerOf("sso", "alice"), 6, "s"); // past perOwner: collapsed
    assert.equal(isRevokedIn(r, "x", "sso:alice", NOW - 10, NOW), true);
    assert.equal(isRevokedIn(r, "x", "local:alice", NOW - 10, NOW), false, "the local account's sessions are untouched");
  });

  it("reads the earlier format ({id, exp}) and revokes nothing for unreadable JSON", () => {
    const r = parseRevocations(JSON.stringify([{ id: "old", exp: NOW + 10 }]), "{nope");
    assert.equal(isRevokedIn(r, "old", "local:alice", NOW - 10, NOW), true);
    assert.equal(parseRevocations("nope", undefined).ids.size, 0);
  });
});
