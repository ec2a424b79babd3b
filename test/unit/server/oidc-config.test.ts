/** `oidc.config` parsing: defaults, secret references, warnings for unknown keys, errors that say what to fix. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { generateCertificates } from "../../../src/localcluster/certs.js";
import { DEFAULT_SCOPES, expandLogoutURL, externalURLFrom, OidcConfigError, oidcSettings, parseOidcConfig } from "../../../src/server/auth/oidc-config.js";

const SECRET = "very-secret-value";
const base = "issuer: https://idp.example.com\nclientID: plumb\n";

describe("parseOidcConfig", () => {
  it("fills Argo CD's defaults", () => {
    const { config, warnings } = parseOidcConfig(base, {});
    assert.deepEqual(config, { name: "SSO", issuer: "https://idp.example.com", clientID: "plumb", requestedScopes: [...DEFAULT_SCOPES], groupsClaim: "groups" });
    assert.deepEqual(config.requestedScopes, ["openid", "profile", "email", "groups"]);
    assert.deepEqual(warnings, []);
  });

  it("reads every known key", () => {
    const yaml = `${base}name: Okta\nclientSecret: $oidc.clientSecret\nrequestedScopes: [openid, email]\nrequestedIDTokenClaims:\n  groups: {essential: true}\n  acr: {values: [a, b]}\ngroupsClaim: roles\nlogoutURL: https://idp.example.com/logout?to={{logoutRedirectURL}}\n`;
    const { config, warnings } = parseOidcConfig(yaml, { "oidc.clientSecret": SECRET });
    assert.equal(config.name, "Okta");
    assert.equal(config.clientSecret, SECRET);
    assert.deepEqual(config.requestedScopes, ["openid", "email"]);
    assert.deepEqual(config.requestedIDTokenClaims, { groups: { essential: true }, acr: { values: ["a", "b"] } });
    assert.equal(config.groupsClaim, "roles");
    assert.equal(expandLogoutURL(config, "https://plumb.example.com"), "https://idp.example.com/logout?to=https%3A%2F%2Fplumb.example.com%2F");
    assert.deepEqual(warnings, []);
  });

  it("accepts a rootCA of PEM certificates", async () => {
    const pem = (await generateCertificates(1)).ca.cert;
    const indented = pem.trim().split("\n").map((l) => `  ${l}`).join("\n");
    assert.equal(parseOidcConfig(`${base}rootCA: |\n${indented}\n`, {}).config.rootCA?.trim(), pem.trim());
  });

  it("resolves $key references to plumb-secret in clientID and clientSecret", () => {
    const { config } = parseOidcConfig("issuer: https://idp.example.com\nclientID: $oidc.clientID\nclientSecret: $oidc.clientSecret\n", { "oidc.clientID": "from-secret", "oidc.clientSecret": SECRET });
    assert.equal(config.clientID, "from-secret");
    assert.equal(config.clientSecret, SECRET);
  });

  it("adds openid when requestedScopes leaves it out, once", () => {
    assert.deepEqual(parseOidcConfig(`${base}requestedScopes: [email, groups, email]\n`, {}).config.requestedScopes, ["openid", "email", "groups"]);
  });

  const warningCases: Array<{ name: string; yaml: string; expect: RegExp }> = [
    { name: "an unknown key", yaml: `${base}clientId: typo\n`, expect: /unknown key "clientId" is ignored \(known: .*clientID/ },
    { name: "a client secret written in the ConfigMap", yaml: `${base}clientSecret: ${SECRET}\n`, expect: /clientSecret is written in ConfigMap plumb-cm.*\$oidc\.clientSecret/ },
    { name: "a plain-http issuer off this machine", yaml: "issuer: http://idp.example.com\nclientID: plumb\n", expect: /plain http/ },
    { name: "{{token}} in logoutURL", yaml: `${base}logoutURL: https://idp.example.com/logout?id_token_hint={{token}}\n`, expect: /\{\{token\}\} is not supported/ },
  ];
  for (const c of warningCases) {
    it(`warns about ${c.name}, and still parses`, () => {
      const { warnings } = parseOidcConfig(c.yaml, {});
      assert.equal(warnings.length, 1, warnings.join("\n"));
      assert.match(warnings[0]!, c.expect);
      assert.ok(!warnings[0]!.includes(SECRET), "a warning quotes the secret");
    });
  }

  it("does not warn about http on loopback", () => {
    assert.deepEqual(parseOidcConfig("issuer: http://127.0.0.1:5556\nclientID: plumb\n", {}).warnings, []);
  });

  const errorCases: Array<{ name: string; yaml: string; secret?: Record<string, string>; expect: RegExp }> = [
    { name: "invalid YAML", yaml: `issuer: https://idp.example.com\nclientSecret: "${SECRET}\n  bad: [`, expect: /not valid YAML at line \d+, column \d+/ },
    { name: "a list instead of a mapping", yaml: "- issuer\n", expect: /must be a YAML mapping/ },
    { name: "a scalar", yaml: "just text", expect: /must be a YAML mapping/ },
    { name: "no issuer", yaml: "clientID: plumb\n", expect: /issuer: issuer must be a URL/ },
    { name: "an issuer that is no URL", yaml: "issuer: idp.example.com\nclientID: plumb\n", expect: /issuer must be an http\(s\) URL/ },
    { name: "no clientID", yaml: "issuer: https://idp.example.com\n", expect: /clientID is required/ },
    { name: "scopes not a list", yaml: `${base}requestedScopes: openid email\n`, expect: /requestedScopes must be a list/ },
    { name: "a scope with a space", yaml: `${base}requestedScopes: ["openid email"]\n`, expect: /requestedScopes\.0: each scope must be one word/ },
    { name: "a claim request with an unknown field", yaml: `${base}requestedIDTokenClaims:\n  groups: {required: true}\n`, expect: /requestedIDTokenClaims\.groups/ },
    { name: "a missing secret key", yaml: `${base}clientSecret: $oidc.clientSecret\n`, expect: /refers to key "oidc\.clientSecret" of Secret plumb-secret, which is missing or empty: add it there/ },
    { name: "an empty secret key", yaml: `${base}clientSecret: $oidc.clientSecret\n`, secret: { "oidc.clientSecret": "" }, expect: /missing or empty/ },
    { name: "a reference to another Secret", yaml: `${base}clientSecret: $other-secret:key\n`, expect: /only keys of Secret plumb-secret can be referenced/ },
    { name: "a bare $", yaml: `${base}clientSecret: $\n`, expect: /"\$" must be followed by a key/ },
    { name: "a rootCA that is not PEM", yaml: `${base}rootCA: not a certificate\n`, expect: /rootCA must hold PEM certificates/ },
    { name: "a rootCA whose certificate is broken", yaml: `${base}rootCA: |\n  -----BEGIN CERTIFICATE-----\n  AAAA\n  -----END CERTIFICATE-----\n`, expect: /rootCA: certificate 1 cannot be read/ },
    { name: "a logoutURL that is no URL", yaml: `${base}logoutURL: /logout\n`, expect: /logoutURL must be an http\(s\) URL/ },
    { name: "a typo that leaves a required key out", yaml: "issuer: https://idp.example.com\nclientId: plumb\n", expect: /clientID is required.*unknown key "clientId"/ },
  ];
  for (const c of errorCases) {
    it(`refuses ${c.name}, saying what to fix`, () => {
      assert.throws(
        () => parseOidcConfig(c.yaml, c.secret ?? {}),
        (err: unknown) => {
          assert.ok(err instanceof OidcConfigError, String(err));
          assert.match(err.message, /^plumb-cm oidc\.config is not valid: /);
          assert.match(err.message, c.expect);
          assert.match(err.message, /fix oidc\.config in ConfigMap plumb-cm/);
          assert.ok(!err.message.includes(SECRET), "the error quotes the secret");
          return true;
        },
      );
    });
  }

  it("lists every problem at once", () => {
    assert.throws(() => parseOidcConfig("issuer: nope\n", {}), (err: OidcConfigError) => err.problems.length === 2);
  });
});

describe("externalURLFrom and oidcSettings", () => {
  const cases: Array<{ cm: Record<string, string>; override?: string; expect: string | RegExp }> = [
    { cm: { url: "https://plumb.example.com/" }, expect: "https://plumb.example.com" },
    { cm: { url: "https://plumb.example.com/plumb/" }, expect: "https://plumb.example.com/plumb" },
    { cm: { url: "https://ignored.example.com" }, override: "http://127.0.0.1:8080", expect: "http://127.0.0.1:8080" },
    { cm: {}, expect: /external URL is not set: set url in plumb-cm/ },
    { cm: { url: "plumb.example.com" }, expect: /must be an absolute URL/ },
    { cm: { url: "ftp://plumb.example.com" }, expect: /must be an http\(s\) URL/ },
    { cm: { url: "https://plumb.example.com/?x=1" }, expect: /without credentials, query or fragment/ },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.cm)}${c.override ? ` with ${c.override}` : ""} → ${String(c.expect)}`, () => {
      if (typeof c.expect === "string") assert.equal(externalURLFrom(c.cm, c.override), c.expect);
      else assert.throws(() => externalURLFrom(c.cm, c.override), (err: unknown) => err instanceof OidcConfigError && (c.expect as RegExp).test(err.message));
    });
  }

  it("is off when oidc.config is absent or blank", () => {
    assert.equal(oidcSettings({}, {}), undefined);
    assert.equal(oidcSettings({ "oidc.config": "  \n" }, {}), undefined);
  });

  it("reads oidc.config and url together", () => {
    const s = oidcSettings({ "oidc.config": `${base}clientSecret: $s\n`, url: "https://plumb.example.com" }, { s: SECRET });
    assert.equal(s?.externalURL, "https://plumb.example.com");
    assert.equal(s?.config.clientSecret, SECRET);
    assert.throws(() => oidcSettings({ "oidc.config": base }, {}), /set url in plumb-cm/);
  });
});
