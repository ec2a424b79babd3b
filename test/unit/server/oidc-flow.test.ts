/** The SSO login's pure parts: return paths, CLI parameters, the sealed flow cookie, one-time CLI codes, groups. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newSigningKey } from "../../../src/server/auth/jwt.js";
import { groupsOf } from "../../../src/server/auth/oidc.js";
import { CLI_CODE_TTL_MS, CliCodes, FLOW_TTL_SECONDS, flowCookieName, openFlow, parseCliParams, s256, safeReturnPath, sealFlow, type Flow } from "../../../src/server/auth/oidc-flow.js";
import { InvalidRequestError, UnauthenticatedError } from "../../../src/server/errors.js";

const EXTERNAL = "https://plumb.example.com";

describe("safeReturnPath", () => {
  const cases: Array<[string | undefined, string]> = [
    [undefined, "/"],
    ["", "/"],
    ["/", "/"],
    ["/applications", "/applications"],
    ["/applications/guestbook?view=tree#top", "/applications/guestbook?view=tree#top"],
    ["https://plumb.example.com/settings", "/settings"],
    ["https://evil.example/x", "/"],
    ["http://plumb.example.com/x", "/"],
    ["https://plumb.example.com.evil.example/x", "/"],
    ["//evil.example/x", "/"],
    ["/\\evil.example/x", "/"],
    ["\\\\evil.example", "/"],
    ["/\t/evil.example", "/"],
    ["/.//evil.example", "/"],
    ["javascript:alert(1)", "/"],
    ["applications", "/"],
    ["?x=1", "/"],
    [`/${"a".repeat(3000)}`, "/"],
  ];
  for (const [raw, expect] of cases) {
    it(`${JSON.stringify(raw)} → ${expect}`, () => assert.equal(safeReturnPath(raw, EXTERNAL), expect));
  }
});

describe("parseCliParams", () => {
  const challenge = s256("a-verifier");
  it("is undefined for a browser login", () => assert.equal(parseCliParams(undefined, undefined), undefined));
  it("reads a port and a challenge", () => assert.deepEqual(parseCliParams("53682", challenge), { port: 53682, challenge }));
  const bad: Array<[string | undefined, string | undefined, RegExp]> = [
    ["53682", undefined, /needs both/],
    [undefined, challenge, /needs both/],
    ["0", challenge, /cli_port must be a TCP port/],
    ["65536", challenge, /cli_port must be a TCP port/],
    ["80a", challenge, /cli_port must be a TCP port/],
    ["-1", challenge, /cli_port must be a TCP port/],
    ["8080", "short", /cli_challenge must be the base64url SHA-256/],
    ["8080", `${challenge.slice(0, 42)}+`, /cli_challenge must be/],
  ];
  for (const [port, ch, expect] of bad) {
    it(`refuses cli_port=${port} cli_challenge=${ch}`, () => assert.throws(() => parseCliParams(port, ch), (e: unknown) => e instanceof InvalidRequestError && expect.test(e.message)));
  }
});

describe("the flow cookie", () => {
  const key = newSigningKey();
  const flow: Flow = { state: "state-1", nonce: "n", verifier: "v", returnPath: "/apps", cli: { port: 4000, challenge: s256("x") } };
  const now = Date.parse("2025-01-01T00:00:00Z");

  it("opens what it sealed, and is encrypted (nothing readable in it)", async () => {
    const sealed = await sealFlow(key, flow, now);
    assert.equal(sealed.split(".").length, 5, "a JWE");
    assert.ok(!Buffer.from(sealed.split(".")[3]!, "base64url").toString().includes("/apps"));
    assert.deepEqual(await openFlow(key, sealed, "state-1", now + 1000), flow);
  });

  const refusals: Array<{ name: string; open: (sealed: string) => Promise<Flow>; expect: RegExp }> = [
    { name: "no cookie", open: () => openFlow(key, undefined, "state-1", now), expect: /did not start this login/ },
    { name: "after 5 minutes", open: (s) => openFlow(key, s, "state-1", now + (FLOW_TTL_SECONDS + 1) * 1000), expect: /expired or not valid/ },
    { name: "under another key", open: (s) => openFlow(newSigningKey(), s, "state-1", now), expect: /expired or not valid/ },
    { name: "tampered", open: (s) => openFlow(key, s.slice(0, -4) + (s.endsWith("AAAA") ? "BBBB" : "AAAA"), "state-1", now), expect: /expired or not valid/ },
    { name: "for another state", open: (s) => openFlow(key, s, "state-2", now), expect: /state does not match/ },
  ];
  for (const r of refusals) {
    it(`is refused: ${r.name}`, async () => {
      const sealed = await sealFlow(key, flow, now);
      await assert.rejects(r.open(sealed), (e: unknown) => e instanceof UnauthenticatedError && r.expect.test(e.message));
    });
  }

  it("has a name per state", () => {
    assert.notEqual(flowCookieName("a"), flowCookieName("b"));
    assert.equal(flowCookieName("a"), flowCookieName("a"));
    assert.match(flowCookieName("a"), /^plumb\.oidc\.[A-Za-z0-9_-]{16}$/);
  });
});

describe("CliCodes", () => {
  const verifier = "v".repeat(43);
  const t0 = 1_000_000;

  it("gives the token once for the right verifier", () => {
    const codes = new CliCodes();
    const code = codes.issue("tok", s256(verifier), t0);
    assert.equal(codes.redeem(code, verifier, t0 + 1000), "tok");
    assert.throws(() => codes.redeem(code, verifier, t0 + 2000), /unknown, used already/);
  });

  it("refuses a wrong verifier, and the code is used up", () => {
    const codes = new CliCodes();
    const code = codes.issue("tok", s256(verifier), t0);
    assert.throws(() => codes.redeem(code, "w".repeat(43), t0), /verifier does not match/);
    assert.throws(() => codes.redeem(code, verifier, t0), /unknown, used already/);
  });

  it("forgets codes after 2 minutes", () => {
    const codes = new CliCodes();
    const code = codes.issue("tok", s256(verifier), t0);
    assert.throws(() => codes.redeem(code, verifier, t0 + CLI_CODE_TTL_MS), UnauthenticatedError);
    codes.issue("tok", s256(verifier), t0);
    codes.issue("tok", s256(verifier), t0 + CLI_CODE_TTL_MS);
    assert.equal(codes.size, 1, "expired codes are pruned");
  });

  it("keeps at most its limit, dropping the oldest", () => {
    const codes = new CliCodes(2);
    const first = codes.issue("a", s256(verifier), t0);
    codes.issue("b", s256(verifier), t0);
    const third = codes.issue("c", s256(verifier), t0);
    assert.equal(codes.size, 2);
    assert.throws(() => codes.redeem(first, verifier, t0));
    assert.equal(codes.redeem(third, verifier, t0), "c");
  });
});

describe("groupsOf", () => {
  const cases: Array<[unknown, string[]]> = [
    [["a", "b"], ["a", "b"]],
    ["a", ["a"]],
    ["", []],
    [undefined, []],
    [[], []],
    [["a", 1, null, "", "b"], ["a", "b"]],
    [{ a: 1 }, []],
  ];
  for (const [claim, expect] of cases) it(`${JSON.stringify(claim)} → ${JSON.stringify(expect)}`, () => assert.deepEqual(groupsOf(claim), expect));
});
