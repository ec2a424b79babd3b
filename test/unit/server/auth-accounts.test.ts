/** Accounts read from plumb-cm and plumb-secret as Argo CD reads argocd-cm and argocd-secret, in a table. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatTokens, NewPassword, parseAccounts, parseDuration, secretKeys, TokenOptions, type Account } from "../../../src/server/auth/accounts.js";

const HASH = "$2a$10$" + "a".repeat(53);

interface Row {
  name: string;
  cm: Record<string, string>;
  secret?: Record<string, string>;
  /** Expected accounts (only the fields given are compared); an account named with `undefined` must be absent. */
  want: Record<string, Partial<Account> | undefined>;
  /** Keys of the expected problems (in any order). */
  problems?: string[];
}

const rows: Row[] = [
  { name: "nothing configured: admin alone, enabled, login only", cm: {}, want: { admin: { enabled: true, capabilities: ["login"], tokens: [] } } },
  { name: "admin.enabled false disables admin", cm: { "admin.enabled": "false" }, want: { admin: { enabled: false } } },
  { name: "admin.enabled in Go's other spellings", cm: { "admin.enabled": "F" }, want: { admin: { enabled: false } } },
  { name: "an account with both capabilities", cm: { "accounts.alice": "apiKey, login" }, want: { alice: { enabled: true, capabilities: ["apiKey", "login"] } } },
  { name: "an API-only account", cm: { "accounts.ci": "apiKey" }, want: { ci: { capabilities: ["apiKey"] } } },
  { name: "no capability at all", cm: { "accounts.bob": "" }, want: { bob: { enabled: true, capabilities: [] } } },
  { name: "accounts.<name>.enabled false disables it", cm: { "accounts.alice": "login", "accounts.alice.enabled": "false" }, want: { alice: { enabled: false } } },
  { name: "enabled may come first in the map", cm: { "accounts.alice.enabled": "false", "accounts.alice": "login" }, want: { alice: { enabled: false, capabilities: ["login"] } } },
  { name: "accounts.admin gives admin other capabilities", cm: { "accounts.admin": "apiKey, login" }, want: { admin: { capabilities: ["apiKey", "login"] } } },
  {
    name: "a bad capability word is reported and left out",
    cm: { "accounts.alice": "apikey, login, write" },
    want: { alice: { capabilities: ["login"] } },
    problems: ["plumb-cm accounts.alice", "plumb-cm accounts.alice"],
  },
  { name: "an unreadable enabled disables the account", cm: { "accounts.alice": "login", "accounts.alice.enabled": "nope" }, want: { alice: { enabled: false } }, problems: ["plumb-cm accounts.alice.enabled"] },
  { name: "enabled of an undeclared account", cm: { "accounts.ghost.enabled": "true" }, want: { ghost: undefined }, problems: ["plumb-cm accounts.ghost.enabled"] },
  { name: "an unknown sub-key", cm: { "accounts.alice": "login", "accounts.alice.groups": "x" }, want: { alice: { capabilities: ["login"] } }, problems: ["plumb-cm accounts.alice.groups"] },
  { name: "a name over 32 characters is ignored", cm: { [`accounts.${"a".repeat(33)}`]: "login" }, want: { ["a".repeat(33)]: undefined }, problems: [`plumb-cm accounts.${"a".repeat(33)}`] },
  {
    name: "passwords, mtimes and tokens from the Secret",
    cm: { "accounts.alice": "apiKey, login" },
    secret: {
      "admin.password": HASH,
      "admin.passwordMtime": "2024-01-31T12:00:00Z",
      "accounts.alice.password": HASH,
      "accounts.alice.tokens": formatTokens([{ id: "t1", issuedAt: 100 }, { id: "t2", issuedAt: 200, expiresAt: 300 }]),
    },
    want: {
      admin: { passwordHash: HASH, passwordMtime: Date.parse("2024-01-31T12:00:00Z") },
      alice: { passwordHash: HASH, tokens: [{ id: "t1", issuedAt: 100 }, { id: "t2", issuedAt: 200, expiresAt: 300 }] },
    },
  },
  {
    name: "Argo CD's token format is read as is",
    cm: { "accounts.ci": "apiKey" },
    secret: { "accounts.ci.tokens": '[{"id":"abc","iat":1700000000,"exp":1800000000}]' },
    want: { ci: { tokens: [{ id: "abc", issuedAt: 1700000000, expiresAt: 1800000000 }] } },
  },
  { name: "a password that is not a bcrypt hash is refused", cm: {}, secret: { "admin.password": "hunter22" }, want: { admin: { passwordHash: undefined } }, problems: ["plumb-secret admin.password"] },
  { name: "unreadable tokens list no token", cm: { "accounts.ci": "apiKey" }, secret: { "accounts.ci.tokens": "[{" }, want: { ci: { tokens: [] } }, problems: ["plumb-secret accounts.ci.tokens"] },
  { name: "an unreadable mtime is reported", cm: {}, secret: { "admin.passwordMtime": "yesterday" }, want: { admin: { passwordMtime: undefined } }, problems: ["plumb-secret admin.passwordMtime"] },
  { name: "Secret keys of an undeclared account are ignored", cm: {}, secret: { "accounts.eve.password": HASH }, want: { eve: undefined } },
];

describe("parseAccounts", () => {
  for (const row of rows) {
    it(row.name, () => {
      const parsed = parseAccounts(row.cm, row.secret ?? {});
      for (const [name, want] of Object.entries(row.want)) {
        const got = parsed.accounts.get(name);
        if (want === undefined) {
          assert.equal(got, undefined, `${name} should not be an account`);
          continue;
        }
        assert.ok(got, `${name} should be an account`);
        for (const [field, value] of Object.entries(want)) assert.deepEqual(got[field as keyof Account], value, `${name}.${field}`);
      }
      assert.deepEqual(parsed.problems.map((p) => p.key).sort(), [...(row.problems ?? [])].sort());
    });
  }

  it("never puts a Secret value in a problem", () => {
    const secret = { "admin.password": "plain-secret-1", "admin.passwordMtime": "secret-mtime-2", "admin.tokens": "secret-tokens-3" };
    const { problems } = parseAccounts({}, secret);
    assert.equal(problems.length, 3);
    const text = JSON.stringify(problems);
    for (const v of Object.values(secret)) assert.ok(!text.includes(v), `problem text contains ${v}`);
  });
});

describe("settings keys and durations", () => {
  it("admin's keys are admin.*, the others accounts.<name>.*", () => {
    assert.deepEqual(secretKeys("admin"), { password: "admin.password", passwordMtime: "admin.passwordMtime", tokens: "admin.tokens" });
    assert.deepEqual(secretKeys("alice"), { password: "accounts.alice.password", passwordMtime: "accounts.alice.passwordMtime", tokens: "accounts.alice.tokens" });
  });

  const durations: Array<[string, number | undefined]> = [["24h", 86400], ["1h30m", 5400], ["90s", 90], ["0.5h", 1800], ["10", undefined], ["1d", undefined], ["", undefined]];
  for (const [text, want] of durations) it(`duration "${text}" → ${want}`, () => assert.equal(parseDuration(text), want));

  it("users.session.duration sets the session length; a bad one is reported and the default used", () => {
    assert.equal(parseAccounts({ "users.session.duration": "2h" }, {}).sessionSeconds, 7200);
    const bad = parseAccounts({ "users.session.duration": "forever" }, {});
    assert.equal(bad.sessionSeconds, 86400);
    assert.deepEqual(bad.problems.map((p) => p.key), ["plumb-cm users.session.duration"]);
  });
});

describe("input rules", () => {
  const passwords: Array<[string, boolean]> = [["short", false], ["12345678", true], ["é".repeat(36), true], ["é".repeat(37), false]];
  for (const [pw, ok] of passwords) it(`new password of ${pw.length} characters ${ok ? "accepted" : "refused"}`, () => assert.equal(NewPassword.safeParse(pw).success, ok));

  const options: Array<[string, unknown, boolean]> = [
    ["none", {}, true],
    ["an id and a lifetime", { id: "ci-2024", expiresInSeconds: 3600 }, true],
    ["a negative lifetime", { expiresInSeconds: -1 }, false],
    ["a fractional lifetime", { expiresInSeconds: 1.5 }, false],
    ["an id with a space", { id: "a b" }, false],
    ["an unknown option", { ttl: 3 }, false],
  ];
  for (const [name, opts, ok] of options) it(`token options: ${name}`, () => assert.equal(TokenOptions.safeParse(opts).success, ok));
});
