import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../../../src/core/object.js";
import { LAST_APPLIED_ANNOTATION, maskOf, maskSecret, maskSecretVersions } from "../../../src/diff/index.js";

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");

function secret(data?: Record<string, string>, stringData?: Record<string, string>, annotations?: Record<string, string>): KubeObject {
  const s: KubeObject = { apiVersion: "v1", kind: "Secret", metadata: { name: "db", namespace: "web" } };
  if (annotations) s.metadata.annotations = annotations;
  if (data) s.data = data;
  if (stringData) s.stringData = stringData;
  return s;
}

describe("maskSecretVersions", () => {
  it("gives the same value the same mask and a changed value another", () => {
    const live = secret({ user: b64("admin"), pass: b64("old") });
    const predicted = secret({ user: b64("admin"), pass: b64("a much longer new password") });
    const [l, p] = maskSecretVersions([live, predicted]);
    assert.deepEqual(l?.data, { user: maskOf(0), pass: maskOf(0) });
    assert.deepEqual(p?.data, { user: maskOf(0), pass: maskOf(1) });
    assert.notEqual(maskOf(0), maskOf(1));
    assert.match(maskOf(0), /^\++$/);
  });

  it("masks per key: keys sharing a value do not reveal it", () => {
    const [s] = maskSecretVersions([secret({ a: b64("same"), b: b64("same"), c: b64("other") })]);
    assert.deepEqual(s?.data, { a: maskOf(0), b: maskOf(0), c: maskOf(0) });
  });

  it("treats stringData like the data it becomes", () => {
    const [desired, live, changed] = maskSecretVersions([
      secret(undefined, { pass: "s3cret" }),
      secret({ pass: b64("s3cret") }),
      secret(undefined, { pass: "other" }),
    ]);
    assert.equal((desired?.stringData as Record<string, string>).pass, (live?.data as Record<string, string>).pass);
    assert.notEqual((changed?.stringData as Record<string, string>).pass, (live?.data as Record<string, string>).pass);
  });

  it("masks kubectl's last-applied annotation, which holds plaintext", () => {
    const s = secret({ pass: b64("pw") }, undefined, { [LAST_APPLIED_ANNOTATION]: '{"stringData":{"pass":"pw"}}', keep: "me" });
    const masked = maskSecret(s);
    assert.equal(masked.metadata.annotations?.[LAST_APPLIED_ANNOTATION], maskOf(0));
    assert.equal(masked.metadata.annotations?.keep, "me");
    assert.ok(!JSON.stringify(masked).includes("pw\""));
  });

  it("leaves inputs, non-Secrets and Secrets of other groups unchanged", () => {
    const s = secret({ pass: b64("pw") });
    const before = JSON.stringify(s);
    maskSecret(s);
    assert.equal(JSON.stringify(s), before);
    const cm: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { pass: "pw" } };
    assert.deepEqual(maskSecret(cm), cm);
    const crd: KubeObject = { apiVersion: "example.com/v1", kind: "Secret", metadata: { name: "c" }, data: { pass: "pw" } };
    assert.deepEqual(maskSecret(crd), crd);
    assert.deepEqual(maskSecretVersions([undefined, s]).map((x) => x === undefined), [true, false]);
  });

  it("does not reveal a value's length", () => {
    const [a, b] = maskSecretVersions([secret({ k: b64("x") }), secret({ k: b64("x".repeat(500)) })]);
    assert.equal(String((a?.data as Record<string, string>).k).length, maskOf(0).length);
    assert.equal(String((b?.data as Record<string, string>).k).length, maskOf(1).length);
  });
});
