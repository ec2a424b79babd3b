/**
 * One HTTP request of a service: a whole-request time limit, at most 64 KiB of the answer read (the rest is
 * dropped, the connection closed), and an outcome that says whether trying again may help (network errors,
 * time-outs, 408, 429 and 5xx) or not (other 4xx: the request itself is wrong).
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
  body: string;
}

async function readBounded(res: Response, max: number): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = max - size;
    chunks.push(value.byteLength > room ? value.subarray(0, room) : value);
    size += Math.min(value.byteLength, room);
    if (size >= max) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return Buffer.concat(chunks).toString("utf8");
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
  let body: string;
  try {
    body = await readBounded(res, MAX_RESPONSE_BYTES);
  } catch {
    body = "";
  }
  if (res.status < 200 || res.status >= 300) {
    const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
    throw new DeliveryError(`${req.method} ${hostOf(req.url)} answered ${res.status}${body ? `: ${body.slice(0, 200).replace(/\s+/g, " ")}` : ""}`, retryable);
  }
  return { status: res.status, body };
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
