/**
 * A real Git server on loopback for tests and the demo: Git's smart HTTP protocol served by
 * `git http-backend` (run as a CGI program per request) behind a small Node HTTP server, with optional
 * basic auth. Repositories are bare folders under `root`; `http://127.0.0.1:<port>/<name>.git` clones them.
 *
 * The CGI contract (RFC 3875) in short: request facts go in as environment variables, the body on stdin;
 * the program answers with header lines, a blank line, then the body.
 *
 * Faults, for the fault tests (`fault`): "error500" answers every request with HTTP 500; "hang" accepts
 * every request and never answers (what a stuck server looks like to git); "none" serves normally. A
 * stopped server is `close()` and a new one on the same `port` and `root`.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { timingSafeEqual } from "node:crypto";
import { git } from "./git.js";

export interface GitServerOptions {
  /** Folder holding the bare repositories. Default: a new temp folder, removed on close. */
  root?: string;
  /** Port on 127.0.0.1. Default: a free one. */
  port?: number;
  /** Require these credentials (HTTP basic auth). */
  auth?: { username: string; password: string };
  /** What the credentials guard: every request, or only pushes. Default "all". */
  authScope?: "all" | "push";
}

/** What the server does with each request (see above). */
export type GitServerFault = "none" | "error500" | "hang";

export interface GitServer {
  root: string;
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
  /** The clone URL of repository `name` (without .git). */
  repoUrl(name: string): string;
  /** Creates an empty bare repository `name` (default branch main) and returns its clone URL. */
  createRepo(name: string): Promise<string>;
  /** Number of requests served, per repository and service (e.g. "app.git git-upload-pack"). */
  requests: Map<string, number>;
  /** The fault injected into every request from now on; "none" by default. */
  fault: GitServerFault;
  /** Stops listening (severing open connections) and removes a temp root. */
  close(): Promise<void>;
}

/** Starts a Git smart-HTTP server. */
export async function startGitServer(opts: GitServerOptions = {}): Promise<GitServer> {
  const ownRoot = opts.root === undefined;
  const root = opts.root ?? mkdtempSync(join(tmpdir(), "plumb-git-"));
  const requests = new Map<string, number>();
  const state = { fault: "none" as GitServerFault };

  const server: Server = createServer((req, res) => {
    if (state.fault === "error500") {
      req.resume();
      res.writeHead(500, { "content-type": "text/plain" });
      res.end("injected fault: internal server error\n");
      return;
    }
    if (state.fault === "hang") {
      req.resume(); // read, never answered; close() severs it
      return;
    }
    handle(req, res, root, opts, requests).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`git server error: ${err instanceof Error ? err.message : String(err)}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const addr = server.address();
  if (!addr || typeof addr === "string") throw new Error("git server has no address");
  const url = `http://127.0.0.1:${addr.port}`;

  return {
    root,
    port: addr.port,
    url,
    requests,
    get fault() {
      return state.fault;
    },
    set fault(f: GitServerFault) {
      state.fault = f;
    },
    repoUrl: (name) => `${url}/${name}.git`,
    async createRepo(name) {
      await git(["init", "--bare", "--quiet", "--initial-branch=main", join(root, `${name}.git`)]);
      return `${url}/${name}.git`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          if (ownRoot) rmSync(root, { recursive: true, force: true });
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

function isPush(req: IncomingMessage, url: URL): boolean {
  return url.pathname.endsWith("/git-receive-pack") || url.searchParams.get("service") === "git-receive-pack";
}

function authorized(req: IncomingMessage, auth: { username: string; password: string }): string | undefined {
  const header = req.headers.authorization ?? "";
  if (!header.startsWith("Basic ")) return undefined;
  const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
  const expected = `${auth.username}:${auth.password}`;
  const a = Buffer.from(decoded);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b) ? auth.username : undefined;
}

async function handle(req: IncomingMessage, res: ServerResponse, root: string, opts: GitServerOptions, requests: Map<string, number>): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  let user: string | undefined;
  if (opts.auth && (opts.authScope !== "push" || isPush(req, url))) {
    user = authorized(req, opts.auth);
    if (!user) {
      res.writeHead(401, { "www-authenticate": 'Basic realm="plumb git"', "content-type": "text/plain" });
      res.end("authentication required\n");
      req.resume();
      return;
    }
  }
  const service = url.searchParams.get("service") ?? url.pathname.split("/").pop() ?? "";
  const repo = url.pathname.split("/")[1] ?? "";
  const key = `${repo} ${service}`;
  requests.set(key, (requests.get(key) ?? 0) + 1);

  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: "1",
    // Pushes are allowed to whoever passed the auth check above (or to anyone when auth is off).
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "http.receivepack",
    GIT_CONFIG_VALUE_0: "true",
    REQUEST_METHOD: req.method ?? "GET",
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ""),
    CONTENT_TYPE: req.headers["content-type"] ?? "",
    REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
    REMOTE_USER: user ?? "",
    GIT_HTTP_MAX_REQUEST_BUFFER: "100M",
  };
  if (req.headers["content-length"]) env.CONTENT_LENGTH = req.headers["content-length"];
  if (req.headers["content-encoding"]) env.HTTP_CONTENT_ENCODING = req.headers["content-encoding"];
  if (req.headers["git-protocol"]) env.GIT_PROTOCOL = String(req.headers["git-protocol"]);

  const cgi = spawn("git", ["http-backend"], { env, stdio: ["pipe", "pipe", "pipe"] });
  req.pipe(cgi.stdin);
  cgi.stdin.on("error", () => {});
  let stderr = "";
  cgi.stderr.on("data", (c: Buffer) => (stderr += c.toString()));

  let head = Buffer.alloc(0);
  let headersDone = false;
  cgi.stdout.on("data", (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const sep = head.indexOf("\r\n\r\n");
    const sepLen = sep >= 0 ? 4 : 2;
    const end = sep >= 0 ? sep : head.indexOf("\n\n");
    if (end < 0) return;
    headersDone = true;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString("latin1").split(/\r?\n/)) {
      const colon = line.indexOf(":");
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === "status") status = parseInt(value, 10) || 200;
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    res.write(head.subarray(end + sepLen));
  });
  await new Promise<void>((resolve) => {
    cgi.on("close", (code) => {
      if (!headersDone) {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(`git http-backend failed (${code}): ${stderr}\n`);
      } else res.end();
      resolve();
    });
  });
}
