/** The one mapping from errors to HTTP answers: each typed error to its status and a `{error, message}` body. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ApiError } from "../../../src/cluster/client.js";
import { PlumbError, UsageError } from "../../../src/core/errors.js";
import { AppNotFoundError } from "../../../src/apps/client.js";
import { ConflictError, errorResponse, ForbiddenError, InvalidRequestError, NotFoundError, PayloadTooLargeError, RateLimitedError, UnauthenticatedError } from "../../../src/server/errors.js";

describe("server/errors: errorResponse", () => {
  const cases: Array<[string, unknown, number, string]> = [
    ["unauthenticated", new UnauthenticatedError("no"), 401, "Unauthenticated"],
    ["forbidden", new ForbiddenError("no"), 403, "PermissionDenied"],
    ["not found", new NotFoundError("no"), 404, "NotFound"],
    ["an app not found (the client's error)", new AppNotFoundError("a", "plumb", "plumb.dev"), 404, "NotFound"],
    ["conflict", new ConflictError("busy"), 409, "Conflict"],
    ["too many", new RateLimitedError("slow down", 30), 429, "TooManyRequests"],
    ["too large", new PayloadTooLargeError("big"), 413, "PayloadTooLarge"],
    ["invalid", new InvalidRequestError("bad"), 400, "InvalidArgument"],
    ["usage", new UsageError("bad flag"), 400, "InvalidArgument"],
    ["the cluster's 409", new ApiError(409, "Conflict", "changed"), 409, "Conflict"],
    ["the cluster's 422", new ApiError(422, "Invalid", "bad"), 422, "Invalid"],
    ["the cluster's 500", new ApiError(500, "InternalError", "oops"), 502, "ClusterError"],
    ["another plumb error", new PlumbError("cannot"), 422, "FailedPrecondition"],
    ["anything else", new Error("secret stack detail"), 500, "Internal"],
  ];
  for (const [what, err, status, word] of cases) {
    it(`${what} → ${status} ${word}`, () => {
      const r = errorResponse(err);
      assert.equal(r.status, status);
      assert.equal(r.body.error, word);
      assert.equal(typeof r.body.message, "string");
    });
  }
  it("never shows an unexpected error's message (it may hold internals)", () => {
    assert.doesNotMatch(errorResponse(new Error("secret stack detail")).body.message, /secret/);
  });
  it("says when to retry a rate-limited request", () => {
    assert.equal(errorResponse(new RateLimitedError("slow down", 30)).headers?.["retry-after"], "30");
  });
});
