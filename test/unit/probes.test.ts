/** /healthz and /readyz (src/controller/probes.ts): readiness follows the flag, liveness does not. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { probeRoutes } from "../../src/controller/probes.js";

describe("probes", () => {
  it("/readyz is 503 before ready and 200 after; /healthz is 200 throughout", async () => {
    let ready = false;
    const app = probeRoutes(() => ready);
    assert.equal((await app.request("/readyz")).status, 503);
    assert.equal((await app.request("/healthz")).status, 200);
    ready = true;
    const r = await app.request("/readyz");
    assert.equal(r.status, 200);
    assert.equal(await r.text(), "ok");
  });
});
