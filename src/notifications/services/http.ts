/**
 * One HTTP request of a service: a whole-request time limit (connecting, the headers and the body of the
 * answer), at most 64 KiB of the answer read — decompressed bytes, so a compression bomb is cut too; the
 * rest is dropped and the connection closed — and an outcome that says whether trying again may help
 * (network errors, time-outs, 408, 429 and 5xx) or not (other 4xx: the request itself is wrong).
 *
 * Redirects are never followed: the request carries the service's credentials (a token, basic auth, an
 * HMAC, headers), and a 307/308 would replay them, with the body, to wherever Location points. A 3xx is a
 * DeliveryError naming where it points (scheme, host and port only), so the admin can set the URL there.
 * Messages name the scheme, host and port of a URL, never its path or query (a Slack webhook's path is its
 * token).
 */

export const MAX_RESPONSE_BYTES = 64 * 1024;
export const DEFAULT_TIMEOUT_MS = 10_000;

/** A delivery that failed; `retryable` when another attempt may succeed. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = "DeliveryError";
  }
}

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** The answer's first MAX_RESPONSE_BYTES, as UTF-8. */
  body: string;
  /** False when the answer was cut at the cap, or did not finish within the time limit. */
  complete: boolean;
}

/** Reads at most `max` bytes of the body; `complete` false when it was cut or its reading failed (time-out). */
async function readBounded(res: Response, max: number): Promise<{ body: string; complete: boolean }> {
  if (!res.body) return { body: "", complete: true };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let complete = true;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const room = max - size;
      chunks.push(value.byteLength > room ? value.subarray(0, room) : value);
      size += Math.min(value.byteLength, room);
      if (value.byteLength > room || (size >= max && !(await reader.read().then((r) => r.done)))) {
        complete = false;
        break;
      }
    }
  } catch {
    complete = false;
  }
  if (!complete) await reader.cancel().catch(() => undefined);
  return { body: Buffer.concat(chunks).toString("utf8"), complete };
}

/** Sends `req`; a non-2xx answer is a DeliveryError with the status and the start of the answer. */
export async function send(req: HttpRequest): Promise<HttpResponse> {
  const timeout = AbortSignal.timeout(req.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const signal = req.signal ? AbortSignal.any([timeout, req.signal]) : timeout;
  let res: Response;
  try {
    res = await fetch(req.url, { method: req.method, headers: req.headers, ...(req.body !== undefined ? { body: req.body } : {}), signal, redirect: "manual" });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = timeout.aborted ? `no answer within ${(req.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000} s` : (cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err)));
    throw new DeliveryError(`${req.method} ${hostOf(req.url)}: ${why}`, true);
  }
  const { body, complete } = await readBounded(res, MAX_RESPONSE_BYTES);
  if (res.status >= 300 && res.status < 400) {
    const location = res.headers.get("location");
    const where = location ? `a redirect to ${hostOf(new URL(location, req.url).href)}` : "a redirect";
    throw new DeliveryError(`${req.method} ${hostOf(req.url)} answered ${res.status}, ${where}: plumb does not follow redirects (the request's credentials would go along); set the service's URL to the address it redirects to`, false);
  }
  if (res.status < 200 || res.status >= 300) {
    const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
    throw new DeliveryError(`${req.method} ${hostOf(req.url)} answered ${res.status}${body ? `: ${body.slice(0, 200).replace(/\s+/g, " ")}` : ""}`, retryable);
  }
  return { status: res.status, body, complete };
}

/** Scheme, host and port of a URL — never its path or query, which may hold a token (Slack webhooks do). */
export function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return "(invalid URL)";
  }
}
