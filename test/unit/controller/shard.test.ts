/**
 * Sharding's pure parts: rendezvous hashing (deterministic, balanced, and a member joining or leaving moves
 * only its own share) and the fence decision (no key is ever allowed to two members, over every pair of
 * published views a sequence of membership changes can produce).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ownerOf, ownedBy } from "../../../src/controller/shard/rendezvous.js";
import { liveView, refusal, type MemberState } from "../../../src/controller/shard/fence.js";
import { memberId } from "../../../src/controller/shard/membership.js";

const keys = Array.from({ length: 3000 }, (_, i) => `ns-${i % 7}/app-${i}`);

describe("rendezvous hashing", () => {
  it("is deterministic and independent of the members' order", () => {
    for (const k of keys.slice(0, 200)) {
      assert.equal(ownerOf(k, ["a", "b", "c"]), ownerOf(k, ["c", "a", "b"]));
      assert.equal(ownerOf(k, ["a", "b", "c"]), ownerOf(k, ["b", "c", "a"]));
    }
    assert.equal(ownerOf("x/y", []), undefined);
    assert.equal(ownerOf("x/y", ["only"]), "only");
  });

  it("spreads keys about evenly", () => {
    const members = ["m1", "m2", "m3", "m4"];
    for (const m of members) {
      const n = ownedBy(m, keys, members).length;
      assert.ok(n > keys.length / 4 - 150 && n < keys.length / 4 + 150, `${m} owns ${n} of ${keys.length}`);
    }
  });

  it("adding a member moves only ~1/N of the keys, all to the new member", () => {
    const before = ["m1", "m2", "m3"];
    const after = [...before, "m4"];
    let moved = 0;
    for (const k of keys) {
      const a = ownerOf(k, before);
      const b = ownerOf(k, after);
      if (a !== b) {
        moved++;
        assert.equal(b, "m4", `${k} moved from ${a} to ${b}, not to the new member`);
      }
    }
    assert.ok(moved > keys.length / 4 - 150 && moved < keys.length / 4 + 150, `moved ${moved}`);
  });

  it("removing a member moves only its keys", () => {
    const before = ["m1", "m2", "m3", "m4"];
    const after = ["m1", "m2", "m4"];
    for (const k of keys) {
      const a = ownerOf(k, before);
      const b = ownerOf(k, after);
      if (a !== "m3") assert.equal(b, a, `${k} moved from ${a} though m3 left`);
      else assert.notEqual(b, "m3");
    }
  });
});

describe("fence decision", () => {
  const m = (id: string, view: string[] | undefined, expired = false): MemberState => ({ id, expired, ...(view ? { view } : {}) });

  it("refuses a self-fenced member, a key it does not own, and a key another live member still claims", () => {
    const k = keys.find((x) => ownerOf(x, ["a", "b"]) === "a" && ownerOf(x, ["b"]) === "b")!;
    assert.deepEqual(refusal(k, { self: "a", view: ["a", "b"], fenced: true, others: [m("b", ["a", "b"])] }), { reason: "fenced" });
    assert.equal(refusal(k, { self: "a", view: ["a", "b"], fenced: false, others: [m("b", ["a", "b"])] }), undefined);
    assert.deepEqual(refusal(k, { self: "b", view: ["a", "b"], fenced: false, others: [m("a", ["a", "b"])] }), { reason: "not-owner", owner: "a" });
    // b still publishes a view without a, under which b owns k: a waits for b.
    assert.deepEqual(refusal(k, { self: "a", view: ["a", "b"], fenced: false, others: [m("b", ["b"])] }), { reason: "waiting", member: "b" });
    // ... unless b's Lease has expired (b self-fenced before that).
    assert.equal(refusal(k, { self: "a", view: ["a", "b"], fenced: false, others: [m("b", ["b"], true)] }), undefined);
    // A member with no published view is waited for.
    assert.deepEqual(refusal(k, { self: "a", view: ["a", "b"], fenced: false, others: [m("b", undefined)] }), { reason: "waiting", member: "b" });
  });

  it("never allows one key to two members, whatever views they published", () => {
    // Every pair of views two live members may hold over the ids a, b, c, each containing its holder.
    const ids = ["a", "b", "c"];
    const subsets = (must: string) => [[], ["b"], ["c"], ["a"], ["a", "b"], ["a", "c"], ["b", "c"], ["a", "b", "c"]].map((s) => [...new Set([must, ...s])].sort());
    let checked = 0;
    for (const k of keys.slice(0, 60))
      for (const va of subsets("a"))
        for (const vb of subsets("b"))
          for (const vc of subsets("c")) {
            const views: Record<string, string[]> = { a: va, b: vb, c: vc };
            const allowed = ids.filter((self) => refusal(k, { self, view: views[self]!, fenced: false, others: ids.filter((o) => o !== self).map((o) => m(o, views[o])) }) === undefined);
            assert.ok(allowed.length <= 1, `${k} allowed to ${allowed.join(" and ")} with views ${JSON.stringify(views)}`);
            checked++;
          }
    assert.ok(checked > 10_000);
  });

  it("allows every key to exactly one member once the views agree", () => {
    const view = ["a", "b", "c"];
    for (const k of keys.slice(0, 300)) {
      const allowed = view.filter((self) => refusal(k, { self, view, fenced: false, others: view.filter((o) => o !== self).map((o) => m(o, view)) }) === undefined);
      assert.deepEqual(allowed, [ownerOf(k, view)]);
    }
  });

  it("the live view leaves out expired members", () => {
    assert.deepEqual(liveView("b", [m("c", ["c"]), m("a", ["a"], true)]), ["b", "c"]);
  });
});

describe("member ids", () => {
  it("makes a Lease name part of a host name and pid, and refuses an empty one", () => {
    assert.equal(memberId("Node_1.Example-1234"), "node-1.example-1234");
    assert.throws(() => memberId("__"), /--member-id must hold letters or digits/);
  });
});
