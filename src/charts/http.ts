/**
 * One HTTP(S) GET with the limits a controller needs against untrusted servers: a time limit for the whole
 * request, a size limit on the body (a larger one is an error, not a truncation), TLS options (extra CA,
 * client certificate, insecure), and basic auth. Redirects are followed (at most 5); credentials go only to
 * the origin they were given for. node:http(s) directly, because fetch cannot take a client certificate.
 */
import http from "node:http";
import https from "node:https";
import type { ChartCredentials } from "./credentials.js";
import { ChartError } from "./errors.js";
import { displayURL } from "./url.js";

export interface GetOptions {
  credentials?: ChartCredentials;
  /** Send basic auth (the caller decides by origin). */
  sendAuth: boolean;
  timeoutMs: number;
  maxBytes: number;
  headers?: Record<string, string>;
  /** What is fetched, for messages ("index of https://…"). */
  what: string;
}

export interface GetResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function requestOnce(url: URL, opts: GetOptions, auth: boolean): Promise<GetResult> {
  const c = opts.credentials;
  const headers: Record<string, string> = { "user-agent": "plumb", ...opts.headers };
  if (auth && c && (c.username || c.password)) headers.authorization = `Basic ${Buffer.from(`${c.username ?? ""}:${c.password ?? ""}`).toString("base64")}`;
  const tls: https.RequestOptions = {};
  if (url.protocol === "https:") {
    if (c?.caData) tls.ca = c.caData;
    if (c?.tlsClientCertData && c.tlsClientCertKey) {
      tls.cert = c.tlsClientCertData;
      tls.key = c.tlsClientCertKey;
    }
    if (c?.insecure) tls.rejectUnauthorized = false;
  }
  const mod = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(url, { method: "GET", headers, ...tls, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const declared = Number(res.headers["content-length"] ?? "0");
      if (declared > opts.maxBytes) {
        req.destroy();
        reject(new ChartError("invalid", `${opts.what} is ${declared} bytes, more than the limit of ${opts.maxBytes}`));
        return;
      }
      res.on("data", (b: Buffer) => {
        size += b.length;
        if (size > opts.maxBytes) {
          req.destroy();
          reject(new ChartError("invalid", `${opts.what} is larger than the limit of ${opts.maxBytes} bytes`));
          return;
        }
        chunks.push(b);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", (e) => reject(e));
    });
    // A whole-request limit, not an idle one: a server dribbling a byte now and then must not hold a worker.
    const total = setTimeout(() => req.destroy(new Error(`no complete answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    req.on("close", () => clearTimeout(total));
    req.on("error", (e) => reject(e));
    req.end();
  });
}

/** GET `url`, following redirects; network failures are ChartError "unreachable". */
export async function httpGet(url: string, opts: GetOptions): Promise<GetResult> {
  let current = new URL(url);
  const origin = current.origin;
  const deadline = Date.now() + opts.timeoutMs;
  for (let hop = 0; hop <= 5; hop++) {
    const left = deadline - Date.now();
    if (left <= 0) throw new ChartError("unreachable", `${opts.what}: no answer within ${opts.timeoutMs} ms; check the URL and that the server is up`);
    let res: GetResult;
    try {
      res = await requestOnce(current, { ...opts, timeoutMs: left }, opts.sendAuth && current.origin === origin);
    } catch (err) {
      if (err instanceof ChartError) throw err;
      throw new ChartError("unreachable", `${opts.what}: ${describeNetworkError(err as NodeJS.ErrnoException)}; check the URL, the network and the TLS settings (caData, insecure) of the repository`);
    }
    const location = res.headers.location;
    if (res.status >= 300 && res.status < 400 && location) {
      current = new URL(location, current);
      continue;
    }
    return res;
  }
  throw new ChartError("unreachable", `${opts.what}: more than 5 redirects from ${displayURL(url)}`);
}

function describeNetworkError(err: NodeJS.ErrnoException): string {
  const code = err.code ? `${err.code}: ` : "";
  // Messages of node's TLS and socket errors name hosts and reasons, never request headers.
  return `${code}${err.message}`.split("\n")[0] ?? "request failed";
}
