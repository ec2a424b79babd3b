/** The receiver over real HTTP: serveWebhooks on 127.0.0.1, port 0, called with fetch. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { serveWebhooks, webhookApp, type ServedWebhooks } from "../../../src/webhooks/index.js";
import { eventHeaders, loadCases, memoryLogger, payload, recorder, sign } from "./support.js";

const cases = loadCases();
const secret = "over-the-wire";

describe("serveWebhooks", () => {
  const rec = recorder();
  let served: ServedWebhooks;

  before(async () => {
    const secrets = { github: secret, gitlab: secret, bitbucket: secret, gitea: secret };
    served = await serveWebhooks(webhookApp({ secrets, onPush: rec.onPush, maxBodyBytes: 64 * 1024, logger: memoryLogger() }), {
      port: 0,
      host: "127.0.0.1",
    });
  });
  after(async () => {
    await served.close();
  });

  it("reports the URL it listens on", () => {
    assert.match(served.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(served.url, "http://127.0.0.1:0");
  });

  it("takes a signed push from every provider and refuses a badly signed one", async () => {
    for (const pc of cases) {
      const c = pc.pushes[0];
      assert.ok(c);
      const body = payload(pc.name, c.file);
      rec.events.length = 0;
      const ok = await fetch(`${served.url}/api/webhook`, {
        method: "POST",
        headers: { ...eventHeaders(pc, c.event), ...sign(pc.signature, body, secret) },
        body,
      });
      assert.equal(ok.status, 200, pc.name);
      assert.deepEqual(await ok.json(), { refreshed: c.expect.length });
      assert.deepEqual(rec.events, c.expect);

      rec.events.length = 0;
      const bad = await fetch(`${served.url}/api/webhook`, {
        method: "POST",
        headers: { ...eventHeaders(pc, c.event), ...sign(pc.signature, body, "wrong") },
        body,
      });
      assert.equal(bad.status, 401, pc.name);
      assert.equal(bad.headers.get("content-type")?.startsWith("application/json"), true);
      assert.equal(typeof ((await bad.json()) as { error?: unknown }).error, "string");
      assert.equal(rec.events.length, 0);
    }
  });

  it("answers 413 to a body over the limit sent with Content-Length", async () => {
    const github = cases.find((c) => c.name === "github");
    assert.ok(github);
    const big = JSON.stringify({ padding: "x".repeat(100 * 1024) });
    const res = await fetch(`${served.url}/api/webhook`, {
      method: "POST",
      headers: { ...eventHeaders(github, "push"), ...sign(github.signature, big, secret) },
      body: big,
    });
    assert.equal(res.status, 413);
    await res.body?.cancel();
  });

  it("refuses to start on a port already taken", async () => {
    const port = Number(new URL(served.url).port);
    await assert.rejects(serveWebhooks(webhookApp({ onPush: rec.onPush, logger: memoryLogger() }), { port }), /EADDRINUSE/);
  });
});
