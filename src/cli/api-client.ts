/**
 * The CLI's client of the plumb API server: JSON over HTTP(S) with the bearer token, and the one mapping
 * from the server's error answers (`{error, message}` with a status) to the CLI's typed errors, so they get
 * the CLI's exit codes in main.ts:
 *
 *   400 InvalidArgument → UsageError (exit 2)        404 NotFound → NotFoundError (exit 1)
 *   401 Unauthenticated → "log in again" (exit 1)    409 Conflict → ConflictError (exit 1)
 *   403 PermissionDenied → "permission denied" (1)   429 → says when to try again (exit 1)
 *
 * Requests go through node:http/https rather than the global fetch, because skipping TLS verification for
 * one server (--insecure, a self-signed certificate) needs a per-request option that Node's fetch only
 * offers through a separate package. `fetch` adapts the same transport to the fetch signature, for the SSO
 * login. No token is ever part of an error message.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { ConflictError, NotFoundError, PlumbError, UsageError } from "../core/errors.js";

/** Where the server is and how to talk to it. */
export interface ServerTarget {
  /** The server's base URL, with its scheme (https://host:port or, for --plaintext, http://…). */
  server: string;
  /** The bearer token; none for the public endpoints (login, version, settings). */
  token?: string;
  /** Skip TLS certificate verification. */
  insecure?: boolean;
  /** Per-request time limit in milliseconds; default 60 s. */
  timeoutMs?: number;
}

/** The server refused the token (or none was given): log in again. */
export class ApiUnauthenticatedError extends PlumbError {}

/** Logged in, but RBAC does not allow it. */
export class PermissionDeniedError extends PlumbError {}

/** The server could not be reached or answered something that is not the API. */
export class ServerUnreachableError extends PlumbError {}

/**
 * The server URL for what a user typed: `host:port` gets https:// (http:// with `plaintext`); a URL keeps
 * its scheme. Trailing slashes are dropped. UsageError for anything that is not a host or an http(s) URL.
 */
export function serverURL(value: string, plaintext = false): string {
  const raw = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `${plaintext ? "http" : "https"}://${value}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`server "${value}" is not a host[:port] or an http(s) URL`, "e.g. plumb login plumb.example.com, or plumb login localhost:8080 --plaintext");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new UsageError(`server "${value}": only https:// and http:// are supported`);
  if (plaintext && url.protocol === "https:") throw new UsageError(`--plaintext with an https:// URL (${value}): give the host alone or an http:// URL`);
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/** A query string from a record; arrays repeat the key (projects=a&projects=b), undefined is left out. */
export function queryString(query: Record<string, string | string[] | boolean | undefined> | undefined): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) q.append(k, String(item));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** The CLI error for an error answer of the server. */
export function errorForResponse(status: number, body: unknown, server: string, retryAfter?: string): Error {
  const b = (body && typeof body === "object" ? body : {}) as { error?: unknown; message?: unknown };
  const message = typeof b.message === "string" && b.message ? b.message : `the server answered ${status}`;
  const host = safeHost(server);
  switch (status) {
    case 400:
      return new UsageError(message);
    case 401:
      return new ApiUnauthenticatedError(`${host}: not logged in or the session has expired (${message})`, `log in again: plumb login ${host}`);
    case 403:
      return new PermissionDeniedError(/^permission denied/i.test(message) ? message : `permission denied: ${message}`, "ask an administrator for the permission (plumb account can-i ACTION RESOURCE OBJECT tells what you may do)");
    case 404:
      return new NotFoundError(message);
    case 409:
      return new ConflictError(message);
    case 429:
      return new PlumbError(`${host}: too many requests: ${message}`, retryAfter ? `try again in ${retryAfter}s` : "try again later");
    default:
      return new PlumbError(`${host} answered ${status}${typeof b.error === "string" ? ` ${b.error}` : ""}: ${message}`);
  }
}

function safeHost(server: string): string {
  try {
    return new URL(server).host;
  } catch {
    return server;
  }
}

/** The error for a request that got no answer. */
function transportError(err: NodeJS.ErrnoException, target: ServerTarget): Error {
  const host = safeHost(target.server);
  const code = err.code ?? "";
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) {
    return new ServerUnreachableError(`${host}: the server's TLS certificate is not trusted (${code})`, "for a server with a self-signed certificate, use --insecure");
  }
  if (code === "EPROTO" || /wrong version number|packet length too long/i.test(err.message)) {
    return new ServerUnreachableError(`${host}: the server does not speak TLS`, "for a server without TLS (plumb server --insecure), use --plaintext");
  }
  if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EHOSTUNREACH" || code === "ECONNRESET") {
    return new ServerUnreachableError(`cannot reach the plumb server at ${target.server} (${code})`, "is the server running, and is the address right?");
  }
  return new ServerUnreachableError(`request to ${target.server} failed: ${err.message}`);
}

/** A raw answer: status, headers, body text. */
interface RawResponse {
  status: number;
  headers: IncomingMessage["headers"];
  text: string;
}

/** A client of one plumb server. */
export class ApiClient {
  constructor(readonly target: ServerTarget) {}

  /** The server's base URL. */
  get server(): string {
    return this.target.server;
  }

  /** One request, raw: the transport both `request` and `fetch` use. */
  private send(method: string, url: URL, headers: Record<string, string>, body: string | undefined): Promise<RawResponse> {
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        url,
        {
          method,
          // Always a Content-Length off GET/HEAD: a body-less DELETE without one makes the server read a
          // body stream it then fails to re-create (hono's bodyLimit under @hono/node-server answers 500).
          headers: { ...headers, ...(body !== undefined || (method !== "GET" && method !== "HEAD") ? { "content-length": String(body === undefined ? 0 : Buffer.byteLength(body)) } : {}) },
          ...(url.protocol === "https:" ? { rejectUnauthorized: !this.target.insecure } : {}),
          timeout: this.target.timeoutMs ?? 60_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
          res.on("error", (err) => reject(transportError(err, this.target)));
        },
      );
      req.on("timeout", () => req.destroy(Object.assign(new Error(`no answer within ${Math.round((this.target.timeoutMs ?? 60_000) / 1000)}s`), { code: "ETIMEDOUT" })));
      req.on("error", (err) => reject(transportError(err, this.target)));
      req.end(body);
    });
  }

  /**
   * A JSON request to `path` (e.g. /api/v1/applications); resolves to the parsed answer, throws the CLI's
   * error for an error answer (see errorForResponse).
   */
  async request<T>(method: string, path: string, opts: { query?: Record<string, string | string[] | boolean | undefined>; body?: unknown } = {}): Promise<T> {
    const url = new URL(`${this.target.server}${path}${queryString(opts.query)}`);
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.target.token) headers.authorization = `Bearer ${this.target.token}`;
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await this.send(method, url, headers, body);
    let parsed: unknown;
    try {
      parsed = res.text ? JSON.parse(res.text) : {};
    } catch {
      if (res.status >= 200 && res.status < 300) throw new ServerUnreachableError(`${this.target.server}${path} did not answer JSON: is ${this.target.server} a plumb server?`);
      parsed = {};
    }
    if (res.status < 200 || res.status >= 300) {
      const retry = res.headers["retry-after"];
      throw errorForResponse(res.status, parsed, this.target.server, Array.isArray(retry) ? retry[0] : retry);
    }
    return parsed as T;
  }

  get<T>(path: string, query?: Record<string, string | string[] | boolean | undefined>): Promise<T> {
    return this.request<T>("GET", path, query ? { query } : {});
  }

  /** The same transport with fetch's signature (no streaming; enough for the SSO login's code exchange). */
  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => (headers[k] = v));
    const body = init?.body === undefined || init.body === null ? undefined : typeof init.body === "string" ? init.body : init.body instanceof URLSearchParams ? init.body.toString() : String(init.body as unknown);
    if (init?.body instanceof URLSearchParams && !headers["content-type"]) headers["content-type"] = "application/x-www-form-urlencoded";
    const res = await this.send(init?.method ?? "GET", url, headers, body);
    const out = new Headers();
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(", ") : v);
    return new Response(res.status === 204 ? null : res.text, { status: res.status, headers: out });
  };
}
