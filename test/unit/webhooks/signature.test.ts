/** The signature and token helpers, and each provider's `verify` on the forms the conformance suite does not send. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hmacSha256Hex, safeEqual, verifyHmacSha256 } from "../../../src/webhooks/index.js";
import { bitbucket, gitea, github, gitlab } from "../../../src/webhooks/index.js";
import { verifySignatureHeaders, verifyTokenHeader } from "../../../src/webhooks/signature.js";

const enc = (s: string) => new TextEncoder().encode(s);

// GitHub's documented test vector (docs.github.com, "Validating webhook deliveries").
const ghSecret = "It's a Secret to Everybody";
const ghBody = "Hello, World!";
const ghHex = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

describe("hmacSha256Hex", () => {
  it("matches GitHub's documented test vector, for bytes and for strings", () => {
    assert.equal(hmacSha256Hex(ghSecret, enc(ghBody)), ghHex);
    assert.equal(hmacSha256Hex(ghSecret, ghBody), ghHex);
  });
});

describe("safeEqual", () => {
  it("is true only for identical strings, whatever their lengths", () => {
    assert.equal(safeEqual("abc", "abc"), true);
    assert.equal(safeEqual("", ""), true);
    assert.equal(safeEqual("abc", "abd"), false);
    assert.equal(safeEqual("abc", "abcd"), false);
    assert.equal(safeEqual("", "a"), false);
    assert.equal(safeEqual("é", "e\u0301"), false);
  });
});

describe("verifyHmacSha256", () => {
  const body = enc(ghBody);
  it("accepts the right digest with its prefix, in either case, around whitespace", () => {
    assert.equal(verifyHmacSha256(body, ghSecret, `sha256=${ghHex}`, "sha256="), true);
    assert.equal(verifyHmacSha256(body, ghSecret, `SHA256=${ghHex.toUpperCase()}`, "sha256="), true);
    assert.equal(verifyHmacSha256(body, ghSecret, ` ${ghHex}\n`), true);
  });
  it("refuses another secret, another body, a missing or foreign prefix, a truncated digest", () => {
    assert.equal(verifyHmacSha256(body, "other", `sha256=${ghHex}`, "sha256="), false);
    assert.equal(verifyHmacSha256(enc("Hello, World?"), ghSecret, `sha256=${ghHex}`, "sha256="), false);
    assert.equal(verifyHmacSha256(body, ghSecret, ghHex, "sha256="), false);
    assert.equal(verifyHmacSha256(body, ghSecret, `sha1=${ghHex}`, "sha256="), false);
    assert.equal(verifyHmacSha256(body, ghSecret, `sha256=${ghHex.slice(0, 40)}`, "sha256="), false);
    assert.equal(verifyHmacSha256(body, ghSecret, ""), false);
  });
});

describe("verifySignatureHeaders and verifyTokenHeader", () => {
  const accepted = [
    { header: "X-First", prefix: "" },
    { header: "X-Second", prefix: "sha256=" },
  ];
  it("checks the first header present and says which one failed", () => {
    const body = enc(ghBody);
    assert.deepEqual(verifySignatureHeaders(new Headers({ "x-second": `sha256=${ghHex}` }), body, ghSecret, accepted), { ok: true });
    const wrong = verifySignatureHeaders(new Headers({ "X-First": "00", "X-Second": `sha256=${ghHex}` }), body, ghSecret, accepted);
    assert.deepEqual(wrong, { ok: false, reason: "X-First does not match the payload" });
    assert.deepEqual(verifySignatureHeaders(new Headers(), body, ghSecret, accepted), {
      ok: false,
      reason: "missing X-First or X-Second header",
    });
  });
  it("compares tokens whole, ignoring surrounding whitespace", () => {
    assert.deepEqual(verifyTokenHeader(new Headers({ "X-Token": " s3cret " }), "X-Token", "s3cret"), { ok: true });
    assert.equal(verifyTokenHeader(new Headers({ "X-Token": "s3cre" }), "X-Token", "s3cret").ok, false);
    assert.deepEqual(verifyTokenHeader(new Headers(), "X-Token", "s3cret"), { ok: false, reason: "missing X-Token header" });
  });
});

describe("provider verify: the forms beyond the conformance suite", () => {
  const body = enc('{"ref":"refs/heads/main"}');
  const hex = hmacSha256Hex("s", body);

  it("GitHub ignores the legacy SHA-1 X-Hub-Signature", () => {
    assert.equal(github.verify(new Headers({ "X-Hub-Signature": `sha1=${hex}` }), body, "s").ok, false);
  });

  it("Gitea accepts X-Hub-Signature-256 alone, and checks X-Gitea-Signature first when both are sent", () => {
    assert.deepEqual(gitea.verify(new Headers({ "X-Hub-Signature-256": `sha256=${hex}` }), body, "s"), { ok: true });
    assert.equal(gitea.verify(new Headers({ "X-Hub-Signature-256": hex }), body, "s").ok, false);
    const mixed = new Headers({ "X-Gitea-Signature": "bad", "X-Hub-Signature-256": `sha256=${hex}` });
    assert.equal(gitea.verify(mixed, body, "s").ok, false);
  });

  it("GitLab compares the token, not a digest of the body", () => {
    assert.deepEqual(gitlab.verify(new Headers({ "X-Gitlab-Token": "s" }), body, "s"), { ok: true });
    assert.equal(gitlab.verify(new Headers({ "X-Gitlab-Token": hex }), body, "s").ok, false);
  });

  it("Bitbucket takes the signature when sent, else Argo CD's webhook-UUID form", () => {
    const uuid = "{2d4f6a8c-0e2b-4d6f-8a0c-2e4b6d8f0a2c}";
    assert.deepEqual(bitbucket.verify(new Headers({ "X-Hook-UUID": uuid }), body, uuid), { ok: true });
    assert.equal(bitbucket.verify(new Headers({ "X-Hook-UUID": uuid }), body, "another").ok, false);
    // A signature present is authoritative: a matching UUID does not rescue a wrong signature.
    const both = new Headers({ "X-Hook-UUID": uuid, "X-Hub-Signature": "sha256=00" });
    assert.equal(bitbucket.verify(both, body, uuid).ok, false);
    assert.deepEqual(bitbucket.verify(new Headers({ "X-Hub-Signature": `sha256=${hex}` }), body, "s"), { ok: true });
  });
});
