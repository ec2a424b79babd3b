/**
 * A thin Kubernetes REST client: one keep-alive HTTPS agent per cluster, JSON in and out, typed errors.
 * Authentication and TLS come from @kubernetes/client-node's KubeConfig (certificates, tokens, exec
 * plugins), so plumb reads kubeconfigs exactly as kubectl does; the REST calls themselves are ours so that
 * the engine controls concurrency, dry-run, server-side apply and watches precisely.
 *
 * Owns: HTTP to the API server. Must not import: render, diff, health, sync (they sit above it).
 */
import { Agent, request, type RequestOptions } from "node:https";
import { request as httpRequest, Agent as HttpAgent } from "node:http";
// Loaded on first use: the library takes about a second to import, which every CLI start would pay.
import type { KubeConfig } from "@kubernetes/client-node";
import { PlumbError } from "../core/errors.js";
import { inClusterConfig, shouldUseInCluster, type TokenSource } from "./in-cluster.js";

/** A failed API call: the HTTP status and the API server's Status reason and message. */
export class ApiError extends PlumbError {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface KubeRequest {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
  /** Default 30 s. */
  timeoutMs?: number;
}

export interface ClientOptions {
  /** Upper bound on concurrent connections to the API server. Default 32. */
  maxSockets?: number;
  /** Time limit of a request without its own (KubeRequest.timeoutMs), connecting included. Default 30 s. */
  timeoutMs?: number;
  /** Told of each request that could not connect or got no answer in time (a cluster's health check reacts). */
  onConnectionError?: (err: ApiError) => void;
}

/**
 * Explicit credentials for one API server (what a cluster Secret's config holds, decoded): a bearer token
 * or basic auth, a client certificate, the CA to trust, and TLS verification settings. PEM text, not base64.
 */
export interface ClusterCredentials {
  bearerToken?: string;
  username?: string;
  password?: string;
  /** PEM CA bundle to trust (default: the system's). */
  ca?: string;
  /** PEM client certificate and key. */
  cert?: string;
  key?: string;
  /** Skip verifying the server's certificate. */
  insecure?: boolean;
  /** The name to verify the server's certificate against (SNI), when not the URL's host. */
  serverName?: string;
}

export class KubeClient {
  /** Requests sent: all, real writes (non-GET without dryRun) and dry-run writes. For metrics and benchmarks. */
  readonly counts = { total: 0, writes: 0, dryRuns: 0 };
  /**
   * Responses by "verb code" (`get 200`, `watch 410`, `patch 0` when no answer came), for
   * plumb_kube_requests_total; one map shared with the clients of withPool.
   */
  requests = new Map<string, number>();

  private tally(verb: string, code: number): void {
    const key = `${verb} ${code}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  private constructor(
    readonly server: string,
    private readonly base: RequestOptions,
    private readonly secure: boolean,
    private readonly defaultTimeoutMs = 30_000,
    private readonly onConnectionError?: (err: ApiError) => void,
    /** A bearer token that can change (a rotated service-account token): read per request, not fixed in `base`. */
    private readonly token?: TokenSource,
  ) {}

  /**
   * The in-cluster client: the service account's token, CA and the API server from
   * KUBERNETES_SERVICE_HOST/PORT (in-cluster.ts). The token is re-read when it rotates.
   */
  static inCluster(opts: ClientOptions = {}, env: NodeJS.ProcessEnv = process.env): KubeClient {
    const cfg = inClusterConfig(env);
    const agent = new Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 32, ca: cfg.ca, rejectUnauthorized: true });
    return new KubeClient(cfg.server, { agent, headers: {} }, true, opts.timeoutMs, opts.onConnectionError, cfg.token);
  }

  /** A client for `server` with explicit credentials (a cluster Secret's, src/clusters), no kubeconfig. */
  static fromCredentials(server: string, creds: ClusterCredentials, opts: ClientOptions = {}): KubeClient {
    const secure = server.startsWith("https:");
    const agentOpts = { keepAlive: true, maxSockets: opts.maxSockets ?? 32 };
    const agent = secure
      ? new Agent({ ...agentOpts, ...(creds.ca ? { ca: creds.ca } : {}), ...(creds.cert ? { cert: creds.cert } : {}), ...(creds.key ? { key: creds.key } : {}), rejectUnauthorized: !creds.insecure, ...(creds.serverName ? { servername: creds.serverName } : {}) })
      : (new HttpAgent(agentOpts) as unknown as Agent);
    const headers: Record<string, string> = {};
    if (creds.bearerToken) headers.authorization = `Bearer ${creds.bearerToken}`;
    else if (creds.username !== undefined) headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password ?? ""}`).toString("base64")}`;
    return new KubeClient(server.replace(/\/+$/, ""), { agent, headers }, secure, opts.timeoutMs, opts.onConnectionError);
  }

  /** Loads a kubeconfig file (or the default chain: $KUBECONFIG, ~/.kube/config) as kubectl does. */
  static async fromKubeconfigFile(path?: string, context?: string, opts: ClientOptions = {}): Promise<KubeClient> {
    // No kubeconfig anywhere but the in-cluster variables set: the service account, as client-go does.
    if (!path && !context && shouldUseInCluster()) return KubeClient.inCluster(opts);
    const { KubeConfig } = await import("@kubernetes/client-node");
    const kc = new KubeConfig();
    if (path) kc.loadFromFile(path);
    else kc.loadFromDefault();
    if (context) kc.setCurrentContext(context);
    return KubeClient.fromKubeConfig(kc, opts);
  }

  static async fromKubeConfig(kc: KubeConfig, opts: ClientOptions = {}): Promise<KubeClient> {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new PlumbError("the kubeconfig has no current cluster", "set a current context (kubectl config use-context NAME) or pass --context");
    const httpsOpts: RequestOptions = {};
    await kc.applyToHTTPSOptions(httpsOpts);
    const secure = cluster.server.startsWith("https:");
    const agentOpts = { keepAlive: true, maxSockets: opts.maxSockets ?? 32 };
    const agent = secure
      ? new Agent({ ...agentOpts, ca: httpsOpts.ca, cert: httpsOpts.cert, key: httpsOpts.key, rejectUnauthorized: httpsOpts.rejectUnauthorized ?? true, servername: httpsOpts.servername })
      : (new HttpAgent(agentOpts) as unknown as Agent);
    return new KubeClient(cluster.server.replace(/\/+$/, ""), { agent, headers: { ...(httpsOpts.headers as Record<string, string>) } }, secure, opts.timeoutMs, opts.onConnectionError);
  }

  /**
   * A client for the same server and credentials with a connection pool of its own: for long-running
   * watches that must not take the connections other requests need.
   */
  withPool(maxSockets: number): KubeClient {
    const options = { ...((this.base.agent as { options?: object } | undefined)?.options ?? {}), keepAlive: true, maxSockets };
    const agent = this.secure ? new Agent(options) : (new HttpAgent(options) as unknown as Agent);
    const pooled = new KubeClient(this.server, { ...this.base, agent }, this.secure, this.defaultTimeoutMs, this.onConnectionError, this.token);
    pooled.requests = this.requests;
    return pooled;
  }

  /**
   * Performs one request and decodes the JSON answer; non-2xx answers become ApiError. A 401 with a
   * rotating token re-reads the token file and, when it changed, tries once more with the new one.
   */
  async request<T = unknown>(req: KubeRequest): Promise<T> {
    const res = await this.send(req).catch((err: unknown) => {
      if (err instanceof ApiError && err.status === 401 && this.token?.refresh()) return this.send(req);
      throw err;
    });
    return (res.text ? JSON.parse(res.text) : undefined) as T;
  }

  /** The headers every request carries: the fixed ones and, with a rotating token, its current value. */
  private headers(): Record<string, string> {
    const fixed = this.base.headers as Record<string, string>;
    return this.token ? { ...fixed, authorization: `Bearer ${this.token.current()}` } : { ...fixed };
  }

  /**
   * Opens a streaming GET (watch) and yields each newline-delimited JSON value until the server closes it or
   * `signal` aborts. `opened` is called once the server has answered 2xx, before the first value.
   */
  async *stream<T = unknown>(req: KubeRequest, signal?: AbortSignal, opened?: () => void): AsyncGenerator<T> {
    const url = this.url(req);
    const res = await new Promise<import("node:http").IncomingMessage>((resolve, reject) => {
      const r = (this.secure ? request : httpRequest)(url, { ...this.base, method: "GET", headers: { ...this.headers(), accept: "application/json" }, signal }, resolve);
      r.on("error", (err) => {
        if (!signal?.aborted) this.tally("watch", 0);
        reject(err);
      });
      r.end();
    });
    this.tally("watch", res.statusCode ?? 0);
    if ((res.statusCode ?? 0) >= 300) {
      let text = "";
      for await (const c of res) text += String(c);
      // A rejected token: the watch's retry carries the re-read one.
      if (res.statusCode === 401) this.token?.refresh();
      throw toApiError(res.statusCode ?? 0, text);
    }
    opened?.();
    let buf = "";
    res.setEncoding("utf8");
    for await (const chunk of res) {
      buf += chunk as string;
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) yield JSON.parse(line) as T;
      }
    }
  }

  private url(req: KubeRequest): string {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) q.set(k, String(v));
    const qs = q.toString();
    return `${this.server}${req.path}${qs ? `?${qs}` : ""}`;
  }

  private send(req: KubeRequest): Promise<{ status: number; text: string }> {
    const url = this.url(req);
    const timeoutMs = req.timeoutMs ?? this.defaultTimeoutMs;
    const verb = (req.method ?? "GET").toLowerCase();
    this.counts.total++;
    if ((req.method ?? "GET") !== "GET") {
      if (req.query?.dryRun || (req.body as { dryRun?: unknown } | undefined)?.dryRun) this.counts.dryRuns++;
      else this.counts.writes++;
    }
    const body = req.body === undefined ? undefined : typeof req.body === "string" ? req.body : JSON.stringify(req.body);
    const headers: Record<string, string> = { ...this.headers(), accept: req.accept ?? "application/json" };
    if (body !== undefined) {
      headers["content-type"] = req.contentType ?? "application/json";
      headers["content-length"] = String(Buffer.byteLength(body));
    }
    return new Promise((resolve, reject) => {
      const r = (this.secure ? request : httpRequest)(url, { ...this.base, method: req.method ?? "GET", headers, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const status = res.statusCode ?? 0;
          this.tally(verb, status);
          if (status >= 200 && status < 300) resolve({ status, text });
          else reject(toApiError(status, text));
        });
        res.on("error", reject);
      });
      r.on("timeout", () => r.destroy(new ApiError(0, "Timeout", `${req.method ?? "GET"} ${req.path}: no answer within ${timeoutMs / 1000} s`)));
      r.on("error", (err) => {
        const e = err instanceof ApiError ? err : new ApiError(0, "ConnectionError", `cannot reach the API server at ${this.server}: ${err.message}`);
        this.tally(verb, 0);
        this.onConnectionError?.(e);
        reject(e);
      });
      if (body !== undefined) r.write(body);
      r.end();
    });
  }

  /** Closes idle connections (call when done, so the process can exit). */
  close(): void {
    (this.base.agent as Agent | undefined)?.destroy();
  }
}

function toApiError(status: number, text: string): ApiError {
  try {
    const s = JSON.parse(text) as { reason?: string; message?: string; details?: unknown };
    return new ApiError(status, s.reason ?? String(status), s.message ?? text, s.details);
  } catch {
    return new ApiError(status, String(status), text.trim() || `HTTP ${status}`);
  }
}
