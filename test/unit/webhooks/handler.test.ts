/** The receiver's behaviour shared by all providers: size limit, unknown senders, encodings, failures, options. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultWebhookOptions, webhookApp } from "../../../src/webhooks/index.js";
import { eventHeaders, loadCases, memoryLogger, payload, post, recorder, sign } from "./support.js";

const github = loadCases().find((c) => c.name === "github");
if (!github) throw new Error("no github cases");
const body = payload("github", "push.json");
const secret = "s3cret";
const signed = (b: string, s = secret) => ({ ...eventHeaders(github, "push"), ...sign(github.signature, b, s) });

describe("webhookApp", () => {
  it("has documented defaults", () => {
    const d = defaultWebhookOptions();
    assert.equal(d.maxBodyBytes, 1024 * 1024);
    assert.equal(d.path, "/api/webhook");
    assert.deepEqual(d.secrets, {});
  });

  it("refuses a request from no known provider with 400", async () => {
    const rec = recorder();
    const app = webhookApp({ onPush: rec.onPush, logger: memoryLogger() });
    const res = await post(app, { "Content-Type": "application/json", "X-Gogs-Event": "push" }, body);
    assert.equal(res.status, 400);
    assert.match(String(res.json.error), /unknown webhook provider/);
    assert.equal(rec.events.length, 0);
  });

  it("refuses a body over maxBodyBytes with 413, with or without Content-Length, before checking anything", async () => {
    const rec = recorder();
    const app = webhookApp({ secrets: { github: secret }, onPush: rec.onPush, maxBodyBytes: 1000, logger: memoryLogger() });
    const big = JSON.stringify({ ref: "refs/heads/main", padding: "x".repeat(2000) });
    const chunked = await post(app, signed(big), big);
    assert.equal(chunked.status, 413);
    const declared = await post(app, { ...signed(big), "Content-Length": String(big.length) }, big);
    assert.equal(declared.status, 413);
    assert.match(String(declared.json.error), /larger than 1000 bytes/);
    assert.equal(rec.events.length, 0);
    // The limit is on the body only: one just under it is read.
    const small = JSON.stringify({ ref: "refs/heads/main" });
    assert.equal((await post(app, signed(small), small)).status, 400);
  });

  it("reads GitHub's form encoding (payload=…) and verifies the form bytes as sent", async () => {
    const rec = recorder();
    const app = webhookApp({ secrets: { github: secret }, onPush: rec.onPush, logger: memoryLogger() });
    const form = new URLSearchParams({ payload: body }).toString();
    const headers = { ...signed(form), "Content-Type": "application/x-www-form-urlencoded" };
    const res = await post(app, headers, form);
    assert.equal(res.status, 200);
    assert.equal(rec.events[0]?.ref, "refs/heads/main");
    const empty = await post(app, { ...signed("a=b"), "Content-Type": "application/x-www-form-urlencoded" }, "a=b");
    assert.equal(empty.status, 400);
  });

  it("refuses a body that is not UTF-8 with 400", async () => {
    const app = webhookApp({ onPush: recorder().onPush, logger: memoryLogger() });
    const res = await post(app, eventHeaders(github, "push"), new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]));
    assert.equal(res.status, 400);
    assert.match(String(res.json.error), /UTF-8/);
  });

  it("answers 500 and logs when onPush fails, without leaking the error", async () => {
    const logger = memoryLogger();
    const app = webhookApp({ onPush: () => Promise.reject(new Error("queue closed: /var/secret")), logger });
    const res = await post(app, eventHeaders(github, "push"), body);
    assert.equal(res.status, 500);
    assert.doesNotMatch(JSON.stringify(res.json), /secret/);
    assert.ok(logger.lines.some((l) => l.level === "error" && String(l.fields.err).includes("queue closed")));
  });

  it("sums the refreshed counts onPush reports and logs one line per push", async () => {
    const logger = memoryLogger();
    const app = webhookApp({ onPush: () => Promise.resolve(3), logger });
    const res = await post(app, eventHeaders(github, "push"), body);
    assert.deepEqual(res.json, { refreshed: 3 });
    const info = logger.lines.filter((l) => l.level === "info");
    assert.equal(info.length, 1);
    assert.equal(info[0]?.fields.ref, "refs/heads/main");
    assert.equal(info[0]?.fields.refreshed, 3);
  });

  it("treats an empty secret as none", async () => {
    const logger = memoryLogger();
    const rec = recorder();
    const app = webhookApp({ secrets: { github: "" }, onPush: rec.onPush, logger });
    assert.equal((await post(app, eventHeaders(github, "push"), body)).status, 200);
    assert.equal(logger.lines.filter((l) => l.level === "warn").length, 1);
  });

  it("listens on the configured path, POST only", async () => {
    const app = webhookApp({ onPush: recorder().onPush, path: "/hooks/git", logger: memoryLogger() });
    assert.equal((await post(app, eventHeaders(github, "push"), body, "/hooks/git")).status, 200);
    assert.equal((await post(app, eventHeaders(github, "push"), body)).status, 404);
    assert.equal((await app.request("/hooks/git")).status, 404);
  });
});
