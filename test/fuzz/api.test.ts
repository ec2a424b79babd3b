/**
 * Properties of every API route's request validation, over random requests to each operation of the
 * OpenAPI document (the real app of src/server, in-process through `app.request`; behind the routes the
 * dependencies are a stand-in that records that it was reached and throws — what matters here is the edge):
 *  - without a token, every route outside the public list answers 401 and reaches nothing;
 *  - with a token, random path parameters, queries and bodies (random JSON, and objects with the schema's
 *    own field names holding random values) are answered with a 4xx naming the problem, or pass
 *    validation and reach a dependency — never a 500 of the route's own making, and never a crash.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { createApp, openAPIConfig, type ApiDeps } from "../../src/server/app.js";
import { openAPIDocument } from "../../src/server/openapi-doc.js";
import { mountApi, type AllRouteDeps } from "../../src/server/routes/index.js";
import type { StreamRouteDeps } from "../../src/server/routes/streams.js";
import { UnauthenticatedError } from "../../src/server/errors.js";
import { who } from "../unit/server/rbac-support.js";
import { checkAsync, jsonValue, text } from "./support.js";

/** Thrown by every dependency: the request got past validation. */
class Reached extends Error {
  constructor(readonly what: string) {
    super(`REACHED ${what}`);
  }
}

/** A dependency tree where every member is a function that throws Reached (and has members of its own). */
function reaching(path: string): unknown {
  const fn = () => {
    throw new Reached(path);
  };
  return new Proxy(fn, {
    get: (_t, key) => (key === "then" ? undefined : typeof key === "symbol" ? undefined : reaching(`${path}.${key}`)),
    apply: () => {
      throw new Reached(path);
    },
  });
}

function server() {
  const reached: string[] = [];
  const errors: string[] = [];
  const log = { info: () => undefined, warn: () => undefined, debug: () => undefined, error: (f: { error?: string }) => void errors.push(String(f.error)), child: () => log };
  const deps = new Proxy({} as Record<string, unknown>, {
    get: (_t, key) => {
      if (key === "namespace") return "plumb";
      if (key === "version") return "0.0.0-fuzz";
      if (key === "bodyLimit" || key === "externalURL") return undefined;
      if (key === "log") return log;
      if (key === "auth") return { verify: async (token: string) => (token === "good" ? who("admin") : Promise.reject(new UnauthenticatedError("bad token"))) };
      if (key === "trees") return { treeFor: async () => ({}), onTreeChange: () => () => undefined };
      reached.push(String(key));
      return reaching(String(key));
    },
  });
  const app = createApp(deps as unknown as ApiDeps, (api) => mountApi(api, deps as unknown as AllRouteDeps, deps as unknown as StreamRouteDeps));
  void openAPIConfig;
  return { app, reached, errors, reset: () => void (reached.length = 0, errors.length = 0) };
}

/** One app for all cases (mounting every route costs more than a request). */
const shared = server();

interface Operation {
  method: string;
  path: string;
  params: string[];
  query: string[];
  bodyKeys: string[] | undefined;
}

/** The operations of the OpenAPI document, with their parameters and top-level body fields. */
function operations(): Operation[] {
  const doc = openAPIDocument() as { paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }>; requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown>; $ref?: string } }> } }>>; components?: { schemas?: Record<string, { properties?: Record<string, unknown> }> } };
  const out: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = (op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name);
      const query = (op.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name);
      const schema = op.requestBody?.content?.["application/json"]?.schema;
      const resolved = schema?.$ref ? doc.components?.schemas?.[schema.$ref.split("/").pop()!] : schema;
      out.push({ method: method.toUpperCase(), path, params, query, bodyKeys: op.requestBody ? Object.keys(resolved?.properties ?? {}) : undefined });
    }
  }
  return out;
}

const ops = operations();
const PUBLIC = [/^POST \/api\/v1\/session$/, /^GET \/api\/v1\/session\/userinfo$/, /^GET \/api\/version$/, /^GET \/api\/v1\/settings$/, /^GET \/api\/openapi\.json$/];
const isPublic = (op: Operation) => PUBLIC.some((p) => p.test(`${op.method} ${op.path}`));

const segment = fc.oneof(fc.constantFrom("guestbook", "default", "a", "..", "%", "%2F", "x/y", "", " ", "__proto__", "constructor"), text);

function request(op: Operation) {
  return fc.record({
    params: fc.tuple(...op.params.map(() => segment)),
    query: fc.dictionary(fc.constantFrom(...op.query, "x"), fc.oneof(text, fc.constantFrom("true", "false", "1", "-1", "")), { maxKeys: 3, noNullPrototype: true }),
    body: op.bodyKeys ? fc.oneof(jsonValue, fc.dictionary(fc.constantFrom(...op.bodyKeys, "extra"), jsonValue, { maxKeys: 5, noNullPrototype: true })) : fc.constant(undefined),
    rawBody: fc.option(fc.constantFrom("{", "[1,", "null", "\u0000", "{}".repeat(3)), { nil: undefined, freq: 8 }),
  });
}

function urlOf(op: Operation, params: string[], query: Record<string, string>): string {
  let i = 0;
  const path = op.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(params[i++] ?? "x"));
  const qs = new URLSearchParams(query).toString();
  return qs ? `${path}?${qs}` : path;
}

describe("fuzz: API request validation", () => {
  it("the document has operations to fuzz", () => {
    assert.ok(ops.length >= 20, `only ${ops.length} operations found`);
    assert.ok(ops.some((o) => o.bodyKeys && o.bodyKeys.length > 0), "bodies with fields");
  });

  it("a body that is not JSON is a 400 naming it (found by this fuzzing: it was a 500)", async () => {
    shared.reset();
    const res = await shared.app.request("/api/v1/session", { method: "POST", headers: { "content-type": "application/json", "content-length": "1" }, body: "{" });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { message: string }).message, /Malformed JSON/);
  });

  it("without a token, every non-public route answers 401 and reaches nothing", async () => {
    const closed = ops.filter((o) => !isPublic(o) && !o.path.startsWith("/api/webhook"));
    await checkAsync("api unauthenticated", fc.constantFrom(...closed).chain((op) => fc.tuple(fc.constant(op), request(op), fc.constantFrom(undefined, "Bearer bad", "Basic YTpi", "bearer"))), async ([op, req, authorization]) => {
      shared.reset();
      const { app, reached } = shared;
      const body = op.bodyKeys ? (req.rawBody ?? JSON.stringify(req.body) ?? "null") : undefined;
      const res = await app.request(urlOf(op, req.params, req.query), { method: op.method, headers: { ...(authorization ? { authorization } : {}), ...(body !== undefined ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) } : {}) }, ...(body !== undefined ? { body } : {}) });
      assert.equal(res.status, 401, `${op.method} ${op.path} answered ${res.status} without a valid token`);
      assert.deepEqual(reached, [], `${op.method} ${op.path} reached ${reached.join(", ")}`);
    });
  });

  it("random requests get a 4xx or pass validation, never a 500 of their own", async () => {
    await checkAsync("api request schemas", fc.constantFrom(...ops).chain((op) => fc.tuple(fc.constant(op), request(op))), async ([op, req]) => {
      shared.reset();
      const { app, errors } = shared;
      const body = op.bodyKeys ? (req.rawBody ?? JSON.stringify(req.body) ?? "null") : undefined;
      const res = await app.request(urlOf(op, req.params, req.query), { method: op.method, headers: { authorization: "Bearer good", ...(body !== undefined ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) } : {}) }, ...(body !== undefined ? { body } : {}) });
      if (res.status >= 500) {
        assert.ok(errors.length > 0 && errors.every((e) => e.startsWith("REACHED")), `${op.method} ${op.path} answered ${res.status}: ${errors.join("; ") || (await res.text()).slice(0, 300)}`);
      } else if (res.status >= 400) {
        const answer = (await res.json()) as { message?: string; error?: string };
        assert.ok(typeof answer.message === "string" || typeof answer.error === "string", `${res.status} without a message`);
      }
    }, 2);
  });
});
