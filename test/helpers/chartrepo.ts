/**
 * A real Helm chart repository on loopback for tests: a static HTTP(S) server (node:http / node:https)
 * serving a folder that the real `helm package` and `helm repo index` fill. Optional basic auth, optional
 * TLS (certificates from a fresh CA, made with @peculiar/x509; optionally requiring a client certificate).
 * Every request is recorded as "METHOD /path STATUS".
 */
import { execFile } from "node:child_process";
import { createReadStream, existsSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, normalize } from "node:path";
import { promisify } from "node:util";
import { generateCertificates, type PemPair } from "../../src/localcluster/certs.js";
import { findBinary } from "../../src/tools/binaries.js";

const run = promisify(execFile);

export interface ChartRepoOptions {
  username?: string;
  password?: string;
  tls?: boolean;
  /** With tls: refuse clients without a certificate signed by the repository's CA. */
  clientCert?: boolean;
  /** Index chart URLs relative to the repository (`helm repo index` without --url). */
  relativeUrls?: boolean;
}

export interface ChartRepo {
  url: string;
  /** Packages a chart folder with `helm package` into the repository and re-indexes it. */
  publish(chartDir: string): Promise<void>;
  /** "GET /index.yaml 200", … in arrival order. */
  requests: string[];
  /** With tls: the CA (PEM) that signed the server's and the client's certificates. */
  ca?: string;
  /** With tls: a client certificate the server accepts. */
  clientCert?: PemPair;
  close(): Promise<void>;
}

/** Runs the pinned helm with homes in `home` (never the user's). */
export async function helmRun(args: string[], home: string, stdin?: string): Promise<string> {
  const helm = findBinary("helm");
  const env = { ...process.env, HELM_CACHE_HOME: join(home, "cache"), HELM_CONFIG_HOME: join(home, "config"), HELM_DATA_HOME: join(home, "data"), HELM_REGISTRY_CONFIG: join(home, "registry.json") };
  if (stdin === undefined) return (await run(helm, args, { env })).stdout;
  return new Promise((resolve, reject) => {
    const child = execFile(helm, args, { env }, (err, stdout, stderr) => (err ? reject(new Error(`helm ${args[0]} failed: ${stderr}`)) : resolve(stdout)));
    child.stdin?.end(stdin);
  });
}

export async function startChartRepo(opts: ChartRepoOptions = {}): Promise<ChartRepo> {
  const root = await mkdtemp(join(tmpdir(), "plumb-chartrepo-"));
  const served = join(root, "served");
  const home = join(root, "helm");
  await run("mkdir", ["-p", served, home]);
  const requests: string[] = [];
  const expected = opts.username !== undefined ? `Basic ${Buffer.from(`${opts.username}:${opts.password ?? ""}`).toString("base64")}` : undefined;
  const handler: http.RequestListener = (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const done = (status: number, body?: string) => {
      requests.push(`${req.method} ${path} ${status}`);
      if (status === 401) res.setHeader("www-authenticate", 'Basic realm="charts"');
      res.writeHead(status, { "content-type": "text/plain" });
      res.end(body ?? "");
    };
    if (expected && req.headers.authorization !== expected) return done(401, "unauthorized");
    const file = normalize(join(served, path));
    if (!file.startsWith(served + "/") || !existsSync(file) || !statSync(file).isFile()) return done(404, "not found");
    requests.push(`${req.method} ${path} 200`);
    res.writeHead(200, { "content-type": file.endsWith(".yaml") ? "text/yaml" : "application/gzip", "content-length": statSync(file).size });
    createReadStream(file).pipe(res);
  };
  let server: http.Server;
  let ca: string | undefined;
  let clientCert: PemPair | undefined;
  if (opts.tls) {
    const certs = await generateCertificates(1);
    ca = certs.ca.cert;
    clientCert = certs.admin;
    server = https.createServer({ cert: certs.apiserver.cert, key: certs.apiserver.key, ca: certs.ca.cert, requestCert: !!opts.clientCert, rejectUnauthorized: !!opts.clientCert }, handler);
  } else {
    server = http.createServer(handler);
  }
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `${opts.tls ? "https" : "http"}://127.0.0.1:${port}/charts`;
  // Served under /charts so that relative chart URLs are joined below the repository path.
  const charts = join(served, "charts");
  await run("mkdir", ["-p", charts]);
  return {
    url,
    requests,
    ca,
    clientCert,
    async publish(chartDir: string) {
      await helmRun(["package", chartDir, "--destination", charts], home);
      await helmRun(["repo", "index", charts, ...(opts.relativeUrls ? [] : ["--url", url])], home);
    },
    async close() {
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Writes a minimal chart (one ConfigMap naming its version) to `dir/<name>` and returns that folder. */
export async function writeChart(dir: string, name: string, version: string, extra: { dependencies?: Array<{ name: string; version: string; repository: string }> } = {}): Promise<string> {
  const { mkdir, writeFile } = await import("node:fs/promises");
  const { stringify } = await import("yaml");
  const chart = join(dir, name);
  await mkdir(join(chart, "templates"), { recursive: true });
  await writeFile(join(chart, "Chart.yaml"), stringify({ apiVersion: "v2", name, version, ...(extra.dependencies ? { dependencies: extra.dependencies } : {}) }));
  await writeFile(join(chart, "values.yaml"), "greeting: hello\n");
  await writeFile(
    join(chart, "templates", "cm.yaml"),
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Chart.Name }}-{{ .Release.Name }}\ndata:\n  chartVersion: {{ .Chart.Version | quote }}\n  greeting: {{ .Values.greeting | quote }}\n`,
  );
  return chart;
}
