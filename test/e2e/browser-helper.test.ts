/**
 * The browser tests' watchdog (test/helpers/browser.ts) in Chromium against a loopback HTTP server: an
 * answer of 404 fails `assertClean` unless the story said it expects it — and an expectation lasts until
 * that story's `assertClean`, never excusing the same failure in a later story.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync } from "node:fs";
import { CHROMIUM, launchBrowser, type TestBrowser } from "../helpers/browser.js";

describe("the browser tests' watchdog", { skip: existsSync(CHROMIUM) ? false : "no /usr/bin/chromium", timeout: 60_000 }, () => {
  let server: Server;
  let url: string;
  let browser: TestBrowser;
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === "/") {
        res.writeHead(200, { "content-type": "text/html" });
        res.end("<!doctype html><title>t</title><p>hello</p>");
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
  });

  it("an expected failure is excused in its story only", async () => {
    const page = await browser.page();
    await page.goto(url);
    const missing = () => page.evaluate(async () => (await fetch("/missing")).status);
    browser.expectFailure(/\/missing$/, 404);
    assert.equal(await missing(), 404);
    browser.assertClean("the story that expects the 404");
    assert.equal(await missing(), 404);
    assert.throws(() => browser.assertClean("a later story"), /HTTP 404: GET .*\/missing/);
    await page.reload();
    browser.assertClean("the record was cleared by the failed check");
  });
});
