/**
 * `plumb login --sso`: the CLI's half of an SSO login (RFC 8252, native apps through the system browser).
 *
 *   1. pick a secret (the verifier) and send only its SHA-256 (the challenge);
 *   2. listen on 127.0.0.1, on a free port, for one request to /callback;
 *   3. open <server>/auth/login?cli_port=<port>&cli_challenge=<challenge> in the user's browser, which logs
 *      in at the identity provider and is sent back by the server to our port with a one-time code;
 *   4. trade code + verifier at POST <server>/auth/cli-token for the session token.
 *
 * The token never appears in a URL or in the browser; a code that reaches the port from elsewhere is
 * useless without the verifier, and one sent by someone else's login fails the challenge check. This file
 * knows nothing of commander: the command wiring calls `loginWithSso`.
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { PlumbError } from "../core/errors.js";

/** The SSO login did not complete (refused, timed out, or the server answered an error). */
export class SsoLoginError extends PlumbError {}

export interface SsoLoginOptions {
  /** Shows the login URL to the user: print it, and try to open a browser. A rejection ends the login. */
  open: (url: string) => void | Promise<void>;
  /** How long to wait for the browser to come back, milliseconds; default 5 minutes. */
  timeoutMs?: number;
  /** The fetch used for the code exchange (e.g. one that skips TLS verification for --insecure); default global fetch. */
  fetch?: typeof globalThis.fetch;
  /** Ends the wait early (e.g. Ctrl-C). */
  signal?: AbortSignal;
}

/** What the browser is shown on the loopback page. */
const PAGE = (msg: string) => `<!doctype html><html><head><meta charset="utf-8"><title>plumb login</title></head><body><p>${msg.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)}</p></body></html>`;

/**
 * Logs in to the plumb server at `serverURL` through its SSO provider and resolves to the session token.
 * Throws SsoLoginError with what to do when the login is refused or does not complete in time.
 */
export async function loginWithSso(serverURL: string, opts: SsoLoginOptions): Promise<string> {
  const base = serverURL.replace(/\/+$/, "");
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const timeoutMs = opts.timeoutMs ?? 5 * 60 * 1000;

  let settle!: { resolve: (code: string) => void; reject: (err: Error) => void };
  const arrived = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
  let done = false;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.method !== "GET" || url.pathname !== "/callback") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    if (done) {
      res.writeHead(410, { "content-type": "text/html; charset=utf-8" }).end(PAGE("This login has finished already; you can close this window."));
      return;
    }
    const code = url.searchParams.get("code");
    const error = url.searchParams.get("error");
    done = true;
    if (code) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(PAGE("You are logged in to plumb. You can close this window and return to the terminal."));
      settle.resolve(code);
    } else {
      const why = url.searchParams.get("error_description") ?? error ?? "the server sent no code";
      res.writeHead(401, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(PAGE(`The login failed: ${why}`));
      settle.reject(new SsoLoginError(`the SSO login failed: ${why}`));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => settle.reject(new SsoLoginError("the SSO login was cancelled"));
  try {
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SsoLoginError(`no SSO login came back within ${Math.round(timeoutMs / 1000)}s`, "run plumb login --sso again and finish the login in the browser")), timeoutMs);
    });
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    if (opts.signal?.aborted) onAbort();
    const loginURL = `${base}/auth/login?cli_port=${port}&cli_challenge=${challenge}`;
    const code = await Promise.race([Promise.resolve(opts.open(loginURL)).then(() => Promise.race([arrived, timedOut])), arrived, timedOut]);
    return await redeem(base, code, verifier, opts.fetch ?? globalThis.fetch);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onAbort);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function redeem(base: string, code: string, verifier: string, fetcher: typeof globalThis.fetch): Promise<string> {
  let res: Response;
  try {
    res = await fetcher(`${base}/auth/cli-token`, { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body: JSON.stringify({ code, verifier }) });
  } catch (err) {
    throw new SsoLoginError(`could not reach ${base} to finish the SSO login: ${err instanceof Error ? err.message : String(err)}`);
  }
  const body = (await res.json().catch(() => ({}))) as { token?: unknown; message?: unknown };
  if (!res.ok || typeof body.token !== "string") {
    throw new SsoLoginError(`the server refused the SSO login (${res.status}): ${typeof body.message === "string" ? body.message : "no reason given"}`, "run plumb login --sso again");
  }
  return body.token;
}
