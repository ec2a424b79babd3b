/** Failed logins limited per username and per client address; a success clears the username's count. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RateLimitedError } from "../../../src/server/errors.js";
import { defaultLoginLimits, LoginLimiter } from "../../../src/server/auth/ratelimit.js";

const limited = (p: Promise<void>) => assert.rejects(p, (err: unknown) => err instanceof RateLimitedError && err.retryAfterSeconds > 0);

describe("LoginLimiter", () => {
  it("defaults: 5 per user and 20 per address in 5 minutes", () => {
    assert.deepEqual(defaultLoginLimits(), { maxFailuresPerUser: 5, maxFailuresPerAddress: 20, windowSeconds: 300 });
  });

  it("N failures of one username → limited, for any address; other usernames are not", async () => {
    const l = new LoginLimiter({ maxFailuresPerUser: 3, maxFailuresPerAddress: 100, windowSeconds: 60 });
    for (let i = 0; i < 3; i++) {
      await l.check("alice", `10.0.0.${i}`);
      await l.failed("alice", `10.0.0.${i}`);
    }
    await limited(l.check("alice", "10.0.0.99"));
    await assert.rejects(l.check("alice", "10.0.0.99"), (err: unknown) => err instanceof RateLimitedError && err.retryAfterSeconds <= 60);
    await l.check("bob", "10.0.0.1");
  });

  it("a success resets the username's count", async () => {
    const l = new LoginLimiter({ maxFailuresPerUser: 3, maxFailuresPerAddress: 100, windowSeconds: 60 });
    await l.failed("alice", "a");
    await l.failed("alice", "a");
    await l.succeeded("alice");
    await l.failed("alice", "a");
    await l.failed("alice", "a");
    await l.check("alice", "a");
    await l.failed("alice", "a");
    await limited(l.check("alice", "a"));
  });

  it("one address failing on many usernames is limited for every username; other addresses are not", async () => {
    const l = new LoginLimiter({ maxFailuresPerUser: 3, maxFailuresPerAddress: 5, windowSeconds: 60 });
    for (let i = 0; i < 5; i++) await l.failed(`user${i}`, "192.0.2.7");
    await limited(l.check("someone-new", "192.0.2.7"));
    await l.check("someone-new", "192.0.2.8");
    // a success for one username does not give the address its tries back
    await l.succeeded("user0");
    await limited(l.check("user0", "192.0.2.7"));
  });

  it("concurrent attempts: the point is taken before the password check, so only the allowance is evaluated", async () => {
    const l = new LoginLimiter({ maxFailuresPerUser: 5, maxFailuresPerAddress: 100, windowSeconds: 60 });
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => l.attempt("alice", `10.0.0.${i}`)));
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 5, "5 evaluated");
    assert.ok(results.filter((r) => r.status === "rejected").every((r) => (r as PromiseRejectedResult).reason instanceof RateLimitedError), "the other 45 are rate limited");
    await limited(l.attempt("alice", "10.0.0.200"));
  });

  it("concurrent attempts from one address are bounded by its allowance across usernames; a refusal takes no point", async () => {
    const l = new LoginLimiter({ maxFailuresPerUser: 5, maxFailuresPerAddress: 10, windowSeconds: 60 });
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => l.attempt(`user${i}`, "192.0.2.7")));
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 10);
    // the refused ones gave their username's point back: user40 has all 5 left from another address
    for (let i = 0; i < 5; i++) await l.attempt("user40", "192.0.2.8");
    await limited(l.attempt("user40", "192.0.2.9"));
  });

  it("a success after attempt gives the points back", async () => {
    const l = new LoginLimiter({ maxFailuresPerUser: 2, maxFailuresPerAddress: 2, windowSeconds: 60 });
    await l.attempt("alice", "a");
    await l.succeeded("alice", "a");
    await l.attempt("alice", "a");
    await l.succeeded("alice", "a");
    await l.attempt("bob", "a");
    await l.attempt("bob", "a"); // two failures: the address's 2 points used, none by alice's successes
    await limited(l.attempt("carol", "a"));
  });

  it("the window ends", async () => {
    const l = new LoginLimiter({ maxFailuresPerUser: 1, maxFailuresPerAddress: 1, windowSeconds: 1 });
    await l.failed("alice", "a");
    await limited(l.check("alice", "a"));
    await new Promise((r) => setTimeout(r, 1100));
    await l.check("alice", "a");
  });
});
