/**
 * e2e helpers around `plumb server` run in-process: started against a local cluster with its own Git
 * mirrors, its log kept in memory (so a test can scan it for Secret values), and a small HTTP client that
 * records every response body it received (for the same scan).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import type { Resources } from "../../src/cluster/resources.js";
import { GitSources } from "../../src/controller/git-sources.js";
import { startServer, type RunningServer, type ServerOptions } from "../../src/server/server.js";

/** An answer as a test reads it; `body` is the parsed JSON (or the text), of whatever shape the endpoint has. */
export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test reads answers of many shapes
  body: any;
  text: string;
  headers: Headers;
}

export interface TestServer {
  server: RunningServer;
  url: string;
  adminPassword: string;
  /** Every log line the server wrote. */
  logs: string[];
  /** Every response body the client received. */
  bodies: string[];
  /** A request; `token` as a bearer header. Answers the status, the parsed body (or text) and the headers. */
  call(method: string, path: string, opts?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<Answer>;
  /** Logs in and answers the token (throws unless 200). */
  login(username: string, password: string): Promise<string>;
  stop(): Promise<void>;
}

/** `pollIntervalMs`: how often the server's mirrors fetch by themselves (default 1 s; long, to prove a fetch was asked for). */
export async function startTestServer(resources: Resources, opts: Partial<ServerOptions> & { pollIntervalMs?: number } = {}): Promise<TestServer> {
  const { pollIntervalMs, ...serverOpts } = opts;
  const cacheDir = mkdtempSync(join(tmpdir(), "plumb-server-"));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      if (process.env.PLUMB_TEST_LOG) process.stdout.write(chunk);
      done();
    },
  });
  const log = pino({ level: "debug" }, sink);
  const repos = new GitSources({ cacheDir, pollIntervalMs: pollIntervalMs ?? 1000, resources, log, secretsNamespace: serverOpts.namespace ?? "plumb" });
  const server = await startServer({ resources, namespace: "plumb", log, version: "test", repos, port: 0, tls: "none", controller: { resyncMs: 300_000 }, ...serverOpts });
  const bodies: string[] = [];
  const call: TestServer["call"] = async (method, path, o = {}) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), ...(o.body !== undefined ? { "content-type": "application/json" } : {}), ...(o.headers ?? {}) },
      ...(o.body !== undefined ? { body: typeof o.body === "string" ? o.body : JSON.stringify(o.body) } : {}),
    });
    const text = await res.text();
    bodies.push(text);
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body, text, headers: res.headers };
  };
  const adminPassword = server.generatedAdminPassword ?? "";
  return {
    server,
    url: server.url,
    adminPassword,
    logs,
    bodies,
    call,
    async login(username, password) {
      const r = await call("POST", "/api/v1/session", { body: { username, password } });
      if (r.status !== 200) throw new Error(`login of ${username} failed: ${r.status} ${r.text}`);
      return (r.body as { token: string }).token;
    },
    async stop() {
      await server.close();
      await repos.close();
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}
