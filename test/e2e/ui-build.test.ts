/**
 * The real UI build (ui/dist, from `npm --prefix ui run build` or hack/setup.sh) served through
 * server/static.ts: index.html names a hashed JS bundle that exists, is served immutable, and has a brotli
 * variant the server sends to a browser that accepts it; the page carries no inline script (the server's
 * CSP, default-src 'self', would block it). Skipped, saying why, when the UI is not built.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { brotliDecompressSync } from "node:zlib";
import { DEFAULT_UI_DIR, IMMUTABLE, NO_CACHE, staticUI } from "../../src/server/static.js";

const built = existsSync(join(DEFAULT_UI_DIR, "index.html"));

describe("the built UI", { skip: built ? false : `ui/dist is not built (${DEFAULT_UI_DIR}): run npm --prefix ui ci && npm --prefix ui run build` }, () => {
  const app = staticUI();

  it("index.html references a hashed JS asset served immutable, with a .br variant", async () => {
    const page = await app.request("/", { headers: { "accept-encoding": "br" } });
    assert.equal(page.status, 200);
    assert.equal(page.headers.get("cache-control"), NO_CACHE);
    const html = page.headers.get("content-encoding") === "br" ? brotliDecompressSync(Buffer.from(await page.arrayBuffer())).toString() : await page.text();
    const src = html.match(/<script[^>]*type="module"[^>]*src="(\/assets\/[^"]+-[A-Za-z0-9_-]{8,}\.js)"/)?.[1];
    assert.ok(src, `index.html has no hashed module script: ${html.slice(0, 300)}`);
    assert.ok(existsSync(join(DEFAULT_UI_DIR, src)), `${src} is not in ui/dist`);
    assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>/.test(html), "index.html has an inline script (the CSP would block it)");

    const js = await app.request(src, { headers: { "accept-encoding": "gzip, deflate, br" } });
    assert.equal(js.status, 200);
    assert.equal(js.headers.get("cache-control"), IMMUTABLE);
    assert.equal(js.headers.get("content-encoding"), "br");
    assert.equal(js.headers.get("vary"), "Accept-Encoding");
    assert.match(js.headers.get("content-type") ?? "", /^text\/javascript/);
    const code = brotliDecompressSync(Buffer.from(await js.arrayBuffer())).toString();
    assert.ok(code.length > 1000, "the bundle decompresses to real code");

    const plain = await app.request(src);
    assert.equal(plain.headers.get("content-encoding"), null);
    assert.equal(await plain.text(), code, "the .br variant is the same bundle");
  });

  it("an app route gets the page (SPA fallback)", async () => {
    const res = await app.request("/applications/plumb/guestbook");
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<div id="root">/);
  });
});
