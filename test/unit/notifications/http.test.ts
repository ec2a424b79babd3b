/**
 * The services' HTTP requests against real loopback servers (node:http): an answer is read up to
 * MAX_RESPONSE_BYTES (an endless body, a compression bomb), within the time limit (no headers, a body that
 * stalls; an SMTP server that answers a line at a time), redirects are never followed (a second server shows that nothing reaches it, credentials
 * least of all), and no message carries a URL's path, where tokens live.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import { gzipSync } from "node:zlib";
import { DeliveryError, MAX_RESPONSE_BYTES, send } from "../../../src/notifications/services/http.js";
import { sendEmail } from "../../../src/notifications/services/email.js";
import { sendSlack } from "../../../src/notifications/services/slack.js";
import { sendWebhook } from "../../../src/notifications/services/webhook.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A loopback server whose handler each test sets; it records the requests (method, path, headers). */
async function loopback(): Promise<{ server: Server; url: string; seen: IncomingMessage[]; handle: (h: Handler) => void }> {
  let handler: Handler = (_req, res) => void res.end("ok");
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, handle: (h) => (handler = h) };
}

const isDelivery = (re: RegExp, retryable?: boolean) => (err: unknown) => err instanceof DeliveryError && re.test(err.message) && (retryable === undefined || err.retryable === retryable);

describe("notifications: HTTP delivery limits", { timeout: 30_000 }, () => {
  let a: Awaited<ReturnType<typeof loopback>>;
  let b: Awaited<ReturnType<typeof loopback>>;
  before(async () => {
    [a, b] = await Promise.all([loopback(), loopback()]);
  });
  after(async () => {
    for (const s of [a.server, b.server]) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });

  it("an endless answer is read up to the cap, then the connection is dropped", async () => {
    let closed!: Promise<void>;
    a.handle((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      const chunk = Buffer.alloc(16 * 1024, "x");
      closed = new Promise((resolve) => res.on("close", () => resolve()));
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once("drain", pump);
      };
      pump();
    });
    const r = await send({ method: "POST", url: `${a.url}/hook`, headers: {}, body: "{}" });
    assert.equal(r.status, 200);
    assert.equal(r.body.length, MAX_RESPONSE_BYTES);
    assert.equal(r.complete, false, "a cut answer says so");
    await closed; // the server sees the client go away: nothing more is read
  });

  it("a compression bomb is cut at the cap too (the cap counts decompressed bytes)", async () => {
    const bomb = gzipSync(Buffer.alloc(32 * 1024 * 1024, "a"));
    a.handle((_req, res) => void res.writeHead(200, { "content-encoding": "gzip", "content-type": "text/plain" }).end(bomb));
    const r = await send({ method: "GET", url: `${a.url}/bomb`, headers: {} });
    assert.equal(r.body.length, MAX_RESPONSE_BYTES);
    assert.equal(r.complete, false);
  });

  it("no answer within the time limit is a retryable DeliveryError", async () => {
    a.handle(() => undefined); // accepts, never answers
    await assert.rejects(send({ method: "POST", url: `${a.url}/slow`, headers: {}, body: "{}", timeoutMs: 300 }), isDelivery(/no answer within 0\.3 s/, true));
  });

  it("an answer whose body stalls ends at the time limit, marked incomplete", async () => {
    a.handle((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"ok":'); // and nothing more
    });
    const r = await send({ method: "POST", url: `${a.url}/stall`, headers: {}, body: "{}", timeoutMs: 300 });
    assert.equal(r.status, 200);
    assert.equal(r.complete, false);
    // Slack's bot API needs the answer: an incomplete one is an error that says what happened, not "not ok"
    await assert.rejects(sendSlack({ token: "xoxb-secret", apiURL: `${a.url}/api/` }, { message: "m" }, "#ch", AbortSignal.timeout(300)), isDelivery(/did not arrive whole/, false));
  });

  it("a redirect to another host is not followed: nothing, and no credential, reaches it", async () => {
    b.seen.length = 0;
    a.handle((_req, res) => void res.writeHead(302, { location: `${b.url}/collect?token=abc` }).end());
    const webhook = { url: `${a.url}/hooks/T0KEN`, basicAuth: { username: "u", password: "pw" }, headers: [{ name: "X-Api-Key", value: "k3y" }] };
    await assert.rejects(sendWebhook("w", webhook, { message: "m" }, ""), (err: unknown) => {
      assert.ok(err instanceof DeliveryError);
      assert.equal(err.retryable, false);
      assert.match(err.message, new RegExp(`redirect to ${b.url.replace(/[.:/]/g, "\\$&")}.*not follow`));
      assert.doesNotMatch(err.message, /T0KEN|collect|token=abc|pw|k3y/);
      return true;
    });
    assert.equal(b.seen.length, 0, "the other host got no request");
    // the same holds for 307/308, which would replay the body and the headers
    for (const status of [301, 307, 308]) {
      a.handle((_req, res) => void res.writeHead(status, { location: `${b.url}/x` }).end());
      await assert.rejects(send({ method: "POST", url: `${a.url}/r`, headers: { Authorization: "Bearer t" }, body: "{}" }), isDelivery(/not follow/, false));
    }
    assert.equal(b.seen.length, 0);
  });

  it("an error answer names the host and status, never the URL's path or query", async () => {
    a.handle((_req, res) => void res.writeHead(500).end("boom"));
    await assert.rejects(send({ method: "POST", url: `${a.url}/services/T000/B000/XXXXSECRET?sig=1`, headers: {}, body: "{}" }), (err: unknown) => {
      assert.ok(err instanceof DeliveryError && err.retryable);
      assert.match(err.message, new RegExp(`POST ${a.url.replace(/[.:/]/g, "\\$&")} answered 500: boom`));
      assert.doesNotMatch(err.message, /SECRET|sig=/);
      return true;
    });
  });
});

describe("notifications: SMTP delivery limit", { timeout: 30_000 }, () => {
  it("a server that answers a line at a time cannot stretch a send past timeoutSeconds", async () => {
    const sockets = new Set<Socket>();
    const server = createNetServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => undefined);
      socket.write("220 slow.example ESMTP\r\n");
      socket.once("data", () => {
        // EHLO: an answer that never ends, one continuation line every 50 ms (each resets nodemailer's inactivity timer)
        const drip = setInterval(() => socket.write("250-slow.example still thinking\r\n"), 50);
        socket.on("close", () => clearInterval(drip));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      await assert.rejects(sendEmail({ host: "127.0.0.1", port, from: "plumb@example.com", timeoutSeconds: 0.5 }, { message: "m" }, "ops@example.com"), isDelivery(/not sent within 0\.5 s/, true));
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
