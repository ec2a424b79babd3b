/**
 * One conformance suite, run against every provider: the same promises hold for GitHub, GitLab, Bitbucket
 * Cloud and Gitea. What differs — realistic headers, how events are named and requests signed, the payloads
 * and the events expected from them — is data in test/fixtures/webhooks/<provider>/cases.json, so adding a
 * case is adding a payload file and a line there.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { detectProvider, providerNames, webhookApp, type WebhookSecrets } from "../../../src/webhooks/index.js";
import { eventHeaders, loadCases, memoryLogger, payload, post, recorder, sign, type ProviderCases } from "./support.js";

const secret = "It's a Secret to Everybody";

/** A receiver with a secret for `pc`'s provider only (or none), recording what it triggers. */
function receiver(pc: ProviderCases, secrets: WebhookSecrets = { [pc.name]: secret }) {
  const rec = recorder();
  const logger = memoryLogger();
  const app = webhookApp({ secrets, onPush: rec.onPush, logger });
  return { app, rec, logger };
}

for (const pc of loadCases()) {
  describe(`webhook conformance: ${pc.name}`, () => {
    const first = pc.pushes[0];
    assert.ok(first, `${pc.name}/cases.json has no push case`);
    const firstBody = payload(pc.name, first.file);

    for (const c of pc.pushes) {
      it(`${c.name}: a correctly signed request refreshes, with the payload's repository and ref`, async () => {
        const { app, rec } = receiver(pc);
        const body = payload(pc.name, c.file);
        const res = await post(app, { ...eventHeaders(pc, c.event), ...sign(pc.signature, body, secret) }, body);
        assert.equal(res.status, 200, JSON.stringify(res.json));
        assert.deepEqual(res.json, { refreshed: c.expect.length });
        assert.deepEqual(rec.events, c.expect);
      });
    }

    it("the provider is told from its headers alone", () => {
      for (const event of [...pc.pushes.map((c) => c.event), pc.ignored.event]) {
        assert.equal(detectProvider(new Headers(eventHeaders(pc, event)))?.name, pc.name, event);
      }
    });

    it("a wrong signature is refused with 401 and triggers nothing", async () => {
      const { app, rec, logger } = receiver(pc);
      const headers = { ...eventHeaders(pc, first.event), ...sign(pc.signature, firstBody, "not the secret") };
      const res = await post(app, headers, firstBody);
      assert.equal(res.status, 401);
      assert.match(String(res.json.error), new RegExp(pc.name));
      assert.equal(rec.events.length, 0);
      assert.ok(logger.lines.some((l) => l.level === "warn" && /refused/.test(l.msg)));
    });

    it("a missing signature is refused with 401 when a secret is configured", async () => {
      const { app, rec } = receiver(pc);
      const res = await post(app, eventHeaders(pc, first.event), firstBody);
      assert.equal(res.status, 401);
      assert.equal(typeof res.json.error, "string");
      assert.equal(rec.events.length, 0);
    });

    const tokenOnly = pc.signature.scheme === "token" && "the token does not cover the body";
    it("a body changed after signing is refused with 401", { skip: tokenOnly }, async () => {
      const { app, rec } = receiver(pc);
      const tampered = firstBody.replace(/guestbook/g, "evil");
      const res = await post(app, { ...eventHeaders(pc, first.event), ...sign(pc.signature, firstBody, secret) }, tampered);
      assert.equal(res.status, 401);
      assert.equal(rec.events.length, 0);
    });

    it("without its secret configured, unsigned events are accepted and a warning is logged once", async () => {
      const others = Object.fromEntries(providerNames.filter((n) => n !== pc.name).map((n) => [n, secret]));
      const { app, rec, logger } = receiver(pc, others);
      for (let i = 0; i < 2; i++) {
        const res = await post(app, eventHeaders(pc, first.event), firstBody);
        assert.equal(res.status, 200);
      }
      assert.deepEqual(rec.events, [...first.expect, ...first.expect]);
      const warnings = logger.lines.filter((l) => l.level === "warn");
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]?.msg ?? "", new RegExp(`no ${pc.name} webhook secret`));
    });

    it("a garbage body is refused with 400, signed or not", async () => {
      for (const secrets of [{ [pc.name]: secret }, {}]) {
        const { app, rec } = receiver(pc, secrets);
        const garbage = "{not json at all";
        const res = await post(app, { ...eventHeaders(pc, first.event), ...sign(pc.signature, garbage, secret) }, garbage);
        assert.equal(res.status, 400);
        assert.match(String(res.json.error), /JSON/);
        assert.equal(rec.events.length, 0);
      }
    });

    it("a push payload without ref or repository is refused with 400", async () => {
      const { app, rec } = receiver(pc);
      for (const body of ["{}", "[]", '"push"', JSON.stringify({ ref: "refs/heads/main" })]) {
        const res = await post(app, { ...eventHeaders(pc, first.event), ...sign(pc.signature, body, secret) }, body);
        assert.equal(res.status, 400, body);
        assert.match(String(res.json.error), new RegExp(`not a ${pc.name}`), body);
      }
      assert.equal(rec.events.length, 0);
    });

    const noPing = pc.ping === null && (pc.noPing ?? true);
    it("a ping is answered 200 and triggers nothing", { skip: noPing }, async () => {
      const ping = pc.ping as { event: string; file: string };
      const { app, rec } = receiver(pc);
      const body = payload(pc.name, ping.file);
      const res = await post(app, { ...eventHeaders(pc, ping.event), ...sign(pc.signature, body, secret) }, body);
      assert.equal(res.status, 200);
      assert.equal(res.json.refreshed, 0);
      assert.equal(rec.events.length, 0);
    });

    it("a ping with a wrong signature is refused like any request", { skip: noPing }, async () => {
      const ping = pc.ping as { event: string; file: string };
      const { app } = receiver(pc);
      const body = payload(pc.name, ping.file);
      const res = await post(app, { ...eventHeaders(pc, ping.event), ...sign(pc.signature, body, "not the secret") }, body);
      assert.equal(res.status, 401);
    });

    it("other event types are answered 202 and trigger nothing", async () => {
      const { app, rec } = receiver(pc);
      const body = payload(pc.name, pc.ignored.file);
      const res = await post(app, { ...eventHeaders(pc, pc.ignored.event), ...sign(pc.signature, body, secret) }, body);
      assert.equal(res.status, 202);
      assert.deepEqual(res.json, { ignored: pc.ignored.event });
      assert.equal(rec.events.length, 0);
    });
  });
}
