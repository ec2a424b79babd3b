/**
 * In-cluster configuration: how plumb reaches its own cluster when it runs in a Pod, as client-go's
 * rest.InClusterConfig does — the API server from KUBERNETES_SERVICE_HOST/PORT, the service account's
 * token, CA and namespace from /var/run/secrets/kubernetes.io/serviceaccount (PLUMB_SERVICEACCOUNT_DIR
 * overrides the folder, for tests).
 *
 * The kubelet rotates a projected token (it expires after an hour by default), so the token is a
 * TokenSource, not a string: read again at most every `refreshMs` (one minute, as client-go's
 * cachingTokenSource) or at once when the API server answers 401.
 *
 * Owns: reading the service-account files. Must not import: anything above cluster/.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { PlumbError } from "../core/errors.js";

export const DEFAULT_SERVICEACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
/** How long a read token is used before the file is read again. */
export const TOKEN_REFRESH_MS = 60_000;

/** A bearer token that may change under us. */
export interface TokenSource {
  /** The token to send now (re-read from its file when older than the refresh period). */
  current(): string;
  /** Re-reads the file at once (after a 401); true when the token changed. */
  refresh(): boolean;
}

/** A token kept in a file and re-read when the file may have been rotated. */
export class TokenFile implements TokenSource {
  private token = "";
  private readAt = -Infinity;

  constructor(
    readonly path: string,
    private readonly refreshMs = TOKEN_REFRESH_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.read();
  }

  current(): string {
    if (this.now() - this.readAt >= this.refreshMs) this.read();
    return this.token;
  }

  refresh(): boolean {
    const before = this.token;
    this.read();
    return this.token !== before;
  }

  private read(): void {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8").trim();
    } catch (err) {
      // Keep the last good token: the kubelet swaps the file atomically, but a read may race it.
      if (this.token) return;
      throw new PlumbError(`cannot read the service-account token ${this.path}: ${(err as Error).message}`, "mount the service account's token (automountServiceAccountToken) or pass --kubeconfig");
    }
    if (!text) {
      if (this.token) return;
      throw new PlumbError(`the service-account token ${this.path} is empty`, "mount the service account's token or pass --kubeconfig");
    }
    this.token = text;
    this.readAt = this.now();
  }
}

export interface InClusterConfig {
  server: string;
  ca: string;
  namespace: string;
  token: TokenSource;
}

/** The folder that holds token, ca.crt and namespace. */
export function serviceAccountDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.PLUMB_SERVICEACCOUNT_DIR || DEFAULT_SERVICEACCOUNT_DIR;
}

/**
 * True when no kubeconfig is given or found ($KUBECONFIG, ~/.kube/config) and the in-cluster variables are
 * set: then plumb uses its service account (kubectl's order: an explicit kubeconfig always wins).
 */
export function shouldUseInCluster(env: NodeJS.ProcessEnv = process.env, home: string = env.HOME ?? homedir()): boolean {
  if (!env.KUBERNETES_SERVICE_HOST || !env.KUBERNETES_SERVICE_PORT) return false;
  if (env.KUBECONFIG) return false;
  return !existsSync(join(home, ".kube", "config"));
}

/** Reads the in-cluster configuration; a clear error names what is missing. */
export function inClusterConfig(env: NodeJS.ProcessEnv = process.env): InClusterConfig {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new PlumbError("not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set", "pass --kubeconfig, or run plumb in a Pod");
  const dir = serviceAccountDir(env);
  const file = (name: string): string => {
    try {
      return readFileSync(join(dir, name), "utf8");
    } catch (err) {
      throw new PlumbError(`cannot read ${join(dir, name)}: ${(err as Error).message}`, "mount the service account (automountServiceAccountToken: true) or pass --kubeconfig");
    }
  };
  const ca = file("ca.crt");
  const namespace = existsSync(join(dir, "namespace")) ? file("namespace").trim() : "default";
  const token = new TokenFile(join(dir, "token"), Number(env.PLUMB_SERVICEACCOUNT_TOKEN_REFRESH_MS) || TOKEN_REFRESH_MS);
  // An IPv6 service address needs brackets in a URL.
  const server = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
  return { server, ca, namespace, token };
}
