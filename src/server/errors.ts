/**
 * The API's errors and their one mapping to HTTP. Handlers and the modules they call throw typed errors
 * (these, or the core's PlumbError family); `onError` in server/app.ts turns each into a status and a JSON
 * body `{error, message}` — `error` a stable machine word, `message` what went wrong and what to do.
 * Nothing else in the server writes an error response.
 */
import { ConflictError, NotFoundError, PlumbError, UsageError } from "../core/errors.js";
import { HTTPException } from "hono/http-exception";
import { ApiError } from "../cluster/client.js";

/** No valid session or token (401). */
export class UnauthenticatedError extends PlumbError {}

/** Authenticated, but the role does not allow it (403). */
export class ForbiddenError extends PlumbError {}

// Not found (404) and conflict (409) are the core's (core/errors.ts): the Application client throws them too.
export { ConflictError, NotFoundError };

/** Too many attempts (429); `retryAfterSeconds` goes into the Retry-After header. */
export class RateLimitedError extends PlumbError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, `try again in ${retryAfterSeconds}s`);
  }
}

/** The request is malformed or names something invalid (400). */
export class InvalidRequestError extends PlumbError {}

/** The request body is larger than the server accepts (413). */
export class PayloadTooLargeError extends PlumbError {}

/** A service the server depends on (the identity provider) could not be reached or answered nonsense (502). */
export class UpstreamError extends PlumbError {}

/** Something the answer needs is not ready yet (a cache still filling); try again shortly (503). */
export class UnavailableError extends PlumbError {}

/** What the API answers for an error: the HTTP status and the JSON body. */
export interface ErrorResponse {
  status: 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429 | 500 | 502 | 503;
  body: { error: string; message: string };
  headers?: Record<string, string>;
}

/** The one mapping from an error to an HTTP answer. Unknown errors are 500 with a generic message. */
export function errorResponse(err: unknown): ErrorResponse {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof UnauthenticatedError) return { status: 401, body: { error: "Unauthenticated", message } };
  if (err instanceof ForbiddenError) return { status: 403, body: { error: "PermissionDenied", message } };
  if (err instanceof NotFoundError) return { status: 404, body: { error: "NotFound", message } };
  if (err instanceof ConflictError) return { status: 409, body: { error: "Conflict", message } };
  if (err instanceof RateLimitedError) return { status: 429, body: { error: "TooManyRequests", message }, headers: { "retry-after": String(err.retryAfterSeconds) } };
  if (err instanceof PayloadTooLargeError) return { status: 413, body: { error: "PayloadTooLarge", message } };
  if (err instanceof UnavailableError) return { status: 503, body: { error: "Unavailable", message }, headers: { "retry-after": "5" } };
  if (err instanceof UpstreamError) return { status: 502, body: { error: "IdentityProviderUnavailable", message } };
  if (err instanceof InvalidRequestError || err instanceof UsageError) return { status: 400, body: { error: "InvalidArgument", message } };
  if (err instanceof ApiError) {
    // The cluster refused a write the API passed on: its status says why (conflict, invalid, forbidden to
    // the server's own service account). 401/403 from the cluster are the server's problem, not the caller's.
    if (err.status === 404) return { status: 404, body: { error: "NotFound", message } };
    if (err.status === 409) return { status: 409, body: { error: "Conflict", message } };
    if (err.status === 422 || err.status === 400) return { status: 422, body: { error: "Invalid", message } };
    return { status: 502, body: { error: "ClusterError", message } };
  }
  if (err instanceof PlumbError) return { status: 422, body: { error: "FailedPrecondition", message } };
  // Hono's own refusals (a body that is not JSON, a malformed form): the caller's error, with its status.
  if (err instanceof HTTPException && err.status >= 400 && err.status < 500) return { status: err.status === 413 ? 413 : 400, body: { error: "InvalidArgument", message: `invalid request: ${message}` } };
  return { status: 500, body: { error: "Internal", message: "internal error; the server's log has the details" } };
}
