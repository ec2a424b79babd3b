/**
 * The CLI's HTTP client of the plumb server: server addresses, the bearer token on the wire, the server's
 * error answers mapped to the CLI's errors and exit codes, and TLS — a self-signed certificate refused
 * with a hint, accepted with --insecure. Against real HTTP(S) servers on loopback.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { ApiClient, ApiUnauthenticatedError, PermissionDeniedError, queryString, serverURL, ServerUnreachableError } from "../../../src/cli/api-client.js";
import { exitCodeFor } from "../../../src/cli/program.js";
import { ConflictError, NotFoundError, UsageError } from "../../../src/core/errors.js";
import { generateCertificates } from "../../../src/localcluster/certs.js";

describe("serverURL", () => {
  const cases: Array<[string, boolean, string]> = [
    ["plumb.example.com", false, "https://plumb.example.com"],
    ["localhost:8080", true, "http://localhost:8080"],
    ["https://plumb.example.com/", false, "https://plumb.example.com"],
    ["http://127.0.0.1:9/", false, "http://127.0.0.1:9"],
    ["https://h/prefix/", false, "https://h/prefix"],
  ];
  for (const [input, plaintext, want] of cases) it(`${input}${plaintext ? " --plaintext" : ""} → ${want}`, () => assert.equal(serverURL(input, plaintext), want));
  it("refuses other schemes and --plaintext with https://", () => {
    assert.throws(() => serverURL("ssh://h"), UsageError);
    assert.throws(() => serverURL("https://h", true), /--plaintext with an https:\/\/ URL/);
  });
  it("repeats array query keys", () => assert.equal(queryString({ projects: ["a", "b"], x: undefined, upsert: "true" }), "?projects=a&projects=b&upsert=true"));
});

/** A loopback server answering from a table of path → [status, body]; records the requests. */
function handler(seen: Array<{ method?: string; url?: string; auth?: string; body: string }>) {
  const answers: Record<string, [number, unknown, Record<string, string>?]> = {
    "/api/v1/ok": [200, { fine: true }],
    "/api/v1/bad": [400, { error: "InvalidArgument", message: "name: a lower-case DNS name" }],
    "/api/v1/unauth": [401, { error: "Unauthenticated", message: "token expired" }],
    "/api/v1/denied": [403, { error: "PermissionDenied", message: "permission denied: applications, sync, default/web (user \"dev\")" }],
    "/api/v1/forbidden": [403, { error: "PermissionDenied", message: "cross-site request refused" }],
    "/api/v1/missing": [404, { error: "NotFound", message: "application \"x\" not found" }],
    "/api/v1/conflict": [409, { error: "Conflict", message: "another operation is already in progress" }],
    "/api/v1/slow-down": [429, { error: "TooManyRequests", message: "too many login attempts" }, { "retry-after": "7" }],
    "/api/v1/broken": [500, { error: "Internal", message: "internal error" }],
  };
  return (req: IncomingMessage, res: ServerResponse): void => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, body });
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (path === "/html") {
        res.writeHead(200, { "content-type": "text/html" }).end("<html>not the API</html>");
        return;
      }
      const [status, answer, headers] = answers[path] ?? [404, { error: "NotFound", message: "no such endpoint" }];
      res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(answer));
    });
  };
}

const listen = (s: Server): Promise<number> => new Promise((resolve) => s.listen(0, "127.0.0.1", () => resolve((s.address() as AddressInfo).port)));

describe("ApiClient over HTTP", () => {
  const seen: Array<{ method?: string; url?: string; auth?: string; body: string }> = [];
  const server = createServer(handler(seen));
  let api: ApiClient;
  before(async () => (api = new ApiClient({ server: `http://127.0.0.1:${await listen(server)}`, token: "tok-123" })));
  after(() => server.close());

  it("sends the bearer token, the query and the JSON body", async () => {
    assert.deepEqual(await api.request("POST", "/api/v1/ok", { query: { upsert: "true" }, body: { a: 1 } }), { fine: true });
    const last = seen.at(-1)!;
    assert.equal(last.auth, "Bearer tok-123");
    assert.equal(last.url, "/api/v1/ok?upsert=true");
    assert.equal(last.body, '{"a":1}');
  });

  const mapped: Array<[string, (e: unknown) => boolean, number, RegExp]> = [
    ["/api/v1/bad", (e) => e instanceof UsageError, 2, /name: a lower-case DNS name/],
    ["/api/v1/unauth", (e) => e instanceof ApiUnauthenticatedError, 1, /log in again: plumb login 127\.0\.0\.1:\d+/],
    ["/api/v1/denied", (e) => e instanceof PermissionDeniedError, 1, /^permission denied: applications, sync, default\/web \(user "dev"\)\n {2}→ ask an administrator/],
    ["/api/v1/forbidden", (e) => e instanceof PermissionDeniedError, 1, /^permission denied: cross-site request refused/],
    ["/api/v1/missing", (e) => e instanceof NotFoundError, 1, /application "x" not found/],
    ["/api/v1/conflict", (e) => e instanceof ConflictError, 1, /already in progress/],
    ["/api/v1/slow-down", () => true, 1, /too many login attempts[\s\S]*try again in 7s/],
    ["/api/v1/broken", () => true, 1, /answered 500 Internal: internal error/],
  ];
  for (const [path, kind, code, message] of mapped) {
    it(`${path} → exit ${code}: ${message.source}`, async () => {
      const err = await api.get(path).then(() => assert.fail("no error"), (e: unknown) => e);
      assert.ok(kind(err), `error type of ${path}: ${String(err)}`);
      assert.equal(exitCodeFor(err), code);
      assert.match((err as Error).message, message);
      assert.doesNotMatch((err as Error).message, /tok-123/, "no token in an error");
    });
  }

  it("an answer that is not JSON says the server is not a plumb server", async () => {
    await assert.rejects(api.get("/html"), (e: Error) => e instanceof ServerUnreachableError && /is http:\/\/127\.0\.0\.1:\d+ a plumb server/.test(e.message));
  });

  it("a port nobody listens on: cannot reach, is the server running", async () => {
    const closed = createServer();
    const port = await listen(closed);
    closed.close();
    await assert.rejects(new ApiClient({ server: `http://127.0.0.1:${port}` }).get("/api/v1/ok"), (e: Error) => e instanceof ServerUnreachableError && /cannot reach the plumb server.*ECONNREFUSED/s.test(e.message));
  });

  it("fetch() has fetch's shape over the same transport", async () => {
    const res = await api.fetch(`${api.server}/api/v1/denied`, { method: "POST", headers: { "x-y": "1" }, body: "k=v" });
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { error: string }).error, "PermissionDenied");
    assert.equal(seen.at(-1)?.body, "k=v");
  });
});

describe("ApiClient over HTTPS with a self-signed certificate", () => {
  let server: Server;
  let url: string;
  before(async () => {
    const certs = await generateCertificates(1);
    server = createHttpsServer({ cert: certs.apiserver.cert, key: certs.apiserver.key }, handler([]));
    url = `https://127.0.0.1:${await listen(server)}`;
  });
  after(() => server.close());

  it("is refused with a hint to use --insecure", async () => {
    await assert.rejects(new ApiClient({ server: url }).get("/api/v1/ok"), (e: Error) => e instanceof ServerUnreachableError && /TLS certificate is not trusted[\s\S]*--insecure/.test(e.message));
  });
  it("is accepted with insecure", async () => {
    assert.deepEqual(await new ApiClient({ server: url, insecure: true }).get("/api/v1/ok"), { fine: true });
  });
  it("https:// against a plain HTTP server hints at --plaintext", async () => {
    const plain = createServer(handler([]));
    const port = await listen(plain);
    try {
      await assert.rejects(new ApiClient({ server: `https://127.0.0.1:${port}` }).get("/api/v1/ok"), (e: Error) => /does not speak TLS[\s\S]*--plaintext/.test(e.message));
    } finally {
      plain.close();
    }
  });
});
