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

  it("the window ends", async () => {
    const l = new LoginLimiter({ maxFailuresPerUser: 1, maxFailuresPerAddress: 1, windowSeconds: 1 });
    await l.failed("alice", "a");
    await limited(l.check("alice", "a"));
    await new Promise((r) => setTimeout(r, 1100));
    await l.check("alice", "a");
  });
});
