/**
 * The UI's file server (server/static.ts) in-process, over a temp folder with a fake build (index.html, a
 * hashed asset with real .br/.gz siblings, a favicon) next to a secret file the server must never send:
 * SPA fallback, cache headers, the encoding chosen from Accept-Encoding (and Vary), no path escape in any
 * spelling, the missing-build message — and, through the real createApp chain, that `/` needs no session
 * while /api still does.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from "node:zlib";
import { createApp, type ApiDeps } from "../../../src/server/app.js";
import { UnauthenticatedError } from "../../../src/server/errors.js";
import { acceptedEncodings, BUILD_HINT, IMMUTABLE, NO_CACHE, safeSegments, staticUI } from "../../../src/server/static.js";

const INDEX = '<!doctype html><html><head><script type="module" src="/assets/app-Ab12Cd34.js"></script></head><body><div id="root"></div></body></html>';
const JS = `console.log(${JSON.stringify("plumb ".repeat(200))});`;
const SECRET = "TOP-SECRET-CONTENT";

let root: string;
let dist: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), "plumb-static-"));
  dist = join(root, "dist");
  mkdirSync(join(dist, "assets"), { recursive: true });
  writeFileSync(join(root, "secret.txt"), SECRET);
  writeFileSync(join(dist, "index.html"), INDEX);
  writeFileSync(join(dist, "favicon.svg"), "<svg/>");
  writeFileSync(join(dist, "assets", "app-Ab12Cd34.js"), JS);
  writeFileSync(join(dist, "assets", "app-Ab12Cd34.js.br"), brotliCompressSync(JS));
  writeFileSync(join(dist, "assets", "app-Ab12Cd34.js.gz"), gzipSync(JS));
  writeFileSync(join(dist, "assets", "plain-Zz99.css"), "body{}");
  symlinkSync(join(root, "secret.txt"), join(dist, "assets", "link-Ee55.js"));
});
after(() => rmSync(root, { recursive: true, force: true }));

const get = (path: string, headers: Record<string, string> = {}) => staticUI({ dir: dist }).request(path, { headers });

describe("static UI: what is sent for a path", () => {
  const cases: Array<{ name: string; path: string; status: number; body?: string; cache?: string; type?: RegExp }> = [
    { name: "/ is index.html", path: "/", status: 200, body: INDEX, cache: NO_CACHE, type: /^text\/html/ },
    { name: "an app route falls back to index.html", path: "/applications/argocd/guestbook", status: 200, body: INDEX, cache: NO_CACHE },
    { name: "a hashed asset is immutable", path: "/assets/app-Ab12Cd34.js", status: 200, body: JS, cache: IMMUTABLE, type: /^text\/javascript/ },
    { name: "an asset without siblings is sent as is", path: "/assets/plain-Zz99.css", status: 200, body: "body{}", cache: IMMUTABLE, type: /^text\/css/ },
    { name: "a top-level file is not immutable", path: "/favicon.svg", status: 200, body: "<svg/>", cache: NO_CACHE, type: /^image\/svg/ },
    { name: "a missing asset is a 404, not HTML", path: "/assets/app-OLD.js", status: 404 },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const res = await get(c.path);
      assert.equal(res.status, c.status);
      const text = await res.text();
      if (c.body !== undefined) assert.equal(text, c.body);
      else assert.notEqual(text, INDEX);
      if (c.cache) assert.equal(res.headers.get("cache-control"), c.cache);
      if (c.type) assert.match(res.headers.get("content-type") ?? "", c.type);
    });
  }

  it("passes /api and /auth on (the routes after it answer)", async () => {
    for (const path of ["/api/v1/applications", "/api", "/auth/login"]) assert.equal((await get(path)).status, 404, path);
    assert.equal(await (await get("/apiary")).text(), INDEX, "only the /api folder itself is passed on");
  });
});

describe("static UI: precompressed siblings by Accept-Encoding", () => {
  const cases: Array<{ accept?: string; encoding: string | null }> = [
    { accept: "gzip, deflate, br", encoding: "br" },
    { accept: "br;q=0.5, gzip", encoding: "br" }, // our preference among the accepted ones: br is smaller
    { accept: "gzip", encoding: "gzip" },
    { accept: "br;q=0, gzip", encoding: "gzip" },
    { accept: "*", encoding: "br" },
    { accept: "*;q=0, gzip", encoding: "gzip" },
    { accept: "identity", encoding: null },
    { encoding: null },
  ];
  for (const c of cases) {
    it(`Accept-Encoding ${c.accept ?? "(none)"} → ${c.encoding ?? "identity"}`, async () => {
      const res = await get("/assets/app-Ab12Cd34.js", c.accept ? { "accept-encoding": c.accept } : {});
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-encoding"), c.encoding);
      assert.equal(res.headers.get("vary"), "Accept-Encoding");
      assert.equal(res.headers.get("cache-control"), IMMUTABLE);
      assert.match(res.headers.get("content-type") ?? "", /^text\/javascript/, "the type is the file's, not the sibling's");
      const bytes = Buffer.from(await res.arrayBuffer());
      assert.equal(res.headers.get("content-length"), String(bytes.length));
      const plain = c.encoding === "br" ? brotliDecompressSync(bytes) : c.encoding === "gzip" ? gunzipSync(bytes) : bytes;
      assert.equal(plain.toString(), JS);
    });
  }

  it("index.html without siblings still says Vary", async () => {
    const res = await get("/", { "accept-encoding": "br" });
    assert.equal(res.headers.get("content-encoding"), null);
    assert.equal(res.headers.get("vary"), "Accept-Encoding");
  });

  it("acceptedEncodings reads q-values", () => {
    assert.deepEqual(acceptedEncodings("gzip;q=0.8, br;q=0"), ["gzip"]);
    assert.deepEqual(acceptedEncodings("BR, GZIP;q=1.0"), ["br", "gzip"]);
    assert.deepEqual(acceptedEncodings("deflate"), []);
    assert.deepEqual(acceptedEncodings(undefined), []);
  });
});

describe("static UI: no path leaves the folder", () => {
  const attempts = [
    "/assets/../../secret.txt",
    "/assets/../../etc/passwd",
    "/assets/%2e%2e/%2e%2e/secret.txt",
    "/assets/..%2f..%2fsecret.txt",
    "/assets/..%2F..%2Fsecret.txt",
    "/..%2fsecret.txt",
    "/assets/..%5c..%5csecret.txt",
    "/assets/%252e%252e/secret.txt",
    "/assets/app-Ab12Cd34.js%00.html",
    "/assets/%E0%A4%A",
    "/assets/link-Ee55.js",
  ];
  for (const path of attempts) {
    it(path, async () => {
      const res = await get(path);
      const text = await res.text();
      assert.ok(!text.includes(SECRET), `${path} sent the secret`);
      assert.ok(!/root:/.test(text), `${path} sent /etc/passwd`);
      assert.ok([200, 400, 404].includes(res.status), `status ${res.status}`);
      if (res.status === 200) assert.equal(text, INDEX, "only the SPA fallback may answer 200");
    });
  }

  it("safeSegments refuses dot segments, slashes, backslashes and NUL in any spelling", () => {
    assert.deepEqual(safeSegments("/assets/app.js"), ["assets", "app.js"]);
    assert.deepEqual(safeSegments("/a%20b/c"), ["a b", "c"]);
    for (const bad of ["/..", "/a/%2e%2e", "/a/.", "/a%2fb", "/a%5cb", "/a%00", "/%E0%A4%A"]) assert.equal(safeSegments(bad), undefined, bad);
  });
});

describe("static UI: not built", () => {
  it("/ and app routes say how to build it; assets are 404", async () => {
    const empty = mkdtempSync(join(tmpdir(), "plumb-static-empty-"));
    try {
      const app = staticUI({ dir: empty });
      for (const path of ["/", "/applications"]) {
        const res = await app.request(path);
        assert.equal(res.status, 404);
        assert.equal(await res.text(), BUILD_HINT);
        assert.match(BUILD_HINT, /npm --prefix ui ci && npm --prefix ui run build/);
      }
      assert.equal((await app.request("/assets/x.js")).status, 404);
      const missing = staticUI({ dir: join(empty, "no-such-folder") });
      assert.equal(await (await missing.request("/")).text(), BUILD_HINT);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe("static UI behind the API's middleware (createApp)", () => {
  // Only what the middleware chain touches: an authenticator that knows no token, and a log.
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
  const deps = {
    namespace: "plumb",
    version: "test",
    log,
    auth: {
      verify: async (token: string) => {
        if (token === "good") return { subject: "alice", username: "alice", groups: [], via: "local", issuer: "plumb" };
        throw new UnauthenticatedError("invalid token");
      },
    },
  } as unknown as ApiDeps;
  const app = createApp(deps, (api) => {
    api.get("/api/v1/probe", (c) => c.json({ ok: true }));
    api.route("/", staticUI({ dir: dist }));
  });

  it("GET / needs no session and carries the CSP", async () => {
    const res = await app.request("/");
    assert.equal(res.status, 200);
    assert.equal(await res.text(), INDEX);
    assert.match(res.headers.get("content-security-policy") ?? "", /default-src 'self'/);
  });

  it("a stale session cookie does not lock the browser out of the page", async () => {
    const res = await app.request("/applications", { headers: { cookie: "plumb.token=stale" } });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), INDEX);
  });

  it("/api still needs a session, and an unknown /api path is JSON, not the page", async () => {
    assert.equal((await app.request("/api/v1/probe")).status, 401);
    assert.equal((await app.request("/api/v1/nope", { headers: { authorization: "Bearer x" } })).status, 401);
    const res = await app.request("/api/v1/nope", { headers: { authorization: "Bearer good" } });
    assert.equal(res.status, 404);
    assert.match(res.headers.get("content-type") ?? "", /json/);
    assert.match(await res.text(), /no such endpoint/);
    assert.equal((await app.request("/api/openapi.json")).status, 200, "routes registered after it still answer");
  });
});
