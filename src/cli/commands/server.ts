/**
 * `plumb server`: the API server (REST under /api/v1, live streams, login, SSO, RBAC) and — unless
 * `--no-controller` — the controller and the Git webhook receiver (/api/webhook) in the same process,
 * sharing their watches and mirrors. HTTPS with a generated self-signed certificate unless one is given
 * (`--tls-cert/--tls-key`) or `--insecure` (plain HTTP behind a TLS-terminating proxy). On a fresh
 * installation it prints the generated admin password once (it is also in Secret
 * plumb-initial-admin-secret). JSON logs on stdout; stops cleanly on SIGINT/SIGTERM.
 */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { pino } from "pino";
import { UsageError } from "../../core/errors.js";
import { DEFAULT_WORKERS } from "../../controller/controller.js";
import { GitSources } from "../../controller/git-sources.js";
import { startServer } from "../../server/server.js";
import { addKubeFlags, connect, type KubeFlags } from "../kube-flags.js";
import { addControllerOptions, duration, gitLimits, port, seconds, webhookSecretsFromEnv } from "./controller.js";
import { untilStopped } from "../signals.js";

interface ServerFlags extends KubeFlags {
  namespace: string;
  appNamespace?: string;
  port: string;
  address: string;
  insecure?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  externalUrl?: string;
  controller: boolean;
  argoCompat?: boolean;
  workers: string;
  resync: string;
  pollInterval: string;
  gitTimeout: string;
  gitLowSpeedTime: string;
  syncTimeout: string;
  metricsPort?: string;
  cacheDir: string;
  reposNamespace?: string;
  clustersNamespace?: string;
  logLevel: string;
}

export function register(program: Command): void {
  const cmd = program.command("server").description("run the API server (REST, streams, login, SSO, RBAC) with the controller and the webhook receiver");
  addControllerOptions(addKubeFlags(cmd))
    .option("--namespace <ns>", "namespace of the server's settings (plumb-cm, plumb-rbac-cm, plumb-secret) and default namespace of Applications", "plumb")
    .option("--app-namespace <ns>", "serve only Applications of this namespace (default: all)")
    .option("--port <port>", "port to listen on (0: any free port)", "8080")
    .option("--address <host>", "interface to listen on", "127.0.0.1")
    .option("--insecure", "serve plain HTTP (behind a proxy that terminates TLS)")
    .option("--tls-cert <file>", "PEM certificate to serve (default: a generated self-signed one)")
    .option("--tls-key <file>", "PEM private key of --tls-cert")
    .option("--external-url <url>", "the URL people reach the server at (SSO redirects, origin checks; default plumb-cm url)")
    .option("--no-controller", "serve the API only; run `plumb controller` elsewhere")
    .option("--argo-compat", "also serve and reconcile argoproj.io/v1alpha1 Applications")
    .option("--metrics-port <port>", "serve the controller's Prometheus metrics at /metrics on this port of --address (\"none\": do not)", "8083")
    .option("--repos-namespace <ns>", "read repository credential Secrets from this namespace (default: --namespace)")
    .option("--clusters-namespace <ns>", "read cluster Secrets (destination clusters) from this namespace and record their states there (default: --namespace)")
    .action(async (f: ServerFlags) => {
      if (Boolean(f.tlsCert) !== Boolean(f.tlsKey)) throw new UsageError("--tls-cert and --tls-key go together");
      if (f.insecure && f.tlsCert) throw new UsageError("--insecure serves plain HTTP: give no --tls-cert with it");
      const listenPort = port(f.port, "--port") ?? 8080;
      const out = pino.destination({ dest: 1, sync: false });
      const log = pino({ level: f.logLevel, base: { component: "server" } }, out);
      const resources = await connect(f);
      const repos = new GitSources({ cacheDir: f.cacheDir, pollIntervalMs: seconds(f.pollInterval, "--poll-interval"), mirrorOptions: gitLimits(f), secretsNamespace: f.reposNamespace ?? f.namespace, resources, log });
      const metricsPort = f.metricsPort === "none" ? undefined : port(f.metricsPort, "--metrics-port");
      const tls = f.insecure ? ("none" as const) : f.tlsCert ? { cert: await readFile(f.tlsCert, "utf8"), key: await readFile(f.tlsKey!, "utf8") } : ("self-signed" as const);
      const server = await startServer({
        resources,
        namespace: f.namespace,
        clustersNamespace: f.clustersNamespace ?? f.namespace,
        ...(f.appNamespace ? { appNamespace: f.appNamespace } : {}),
        log,
        version: process.env.npm_package_version ?? "0.1.0",
        repos,
        host: f.address,
        port: listenPort,
        tls,
        ...(f.externalUrl ? { externalURL: f.externalUrl } : {}),
        argoCompat: Boolean(f.argoCompat),
        controller: f.controller
          ? {
              workers: Number(f.workers) || DEFAULT_WORKERS,
              resyncMs: seconds(f.resync, "--resync"),
              syncTimeoutMs: duration(f.syncTimeout, "--sync-timeout"),
              ...(metricsPort !== undefined ? { metrics: { port: metricsPort, host: f.address } } : {}),
            }
          : false,
        webhookSecrets: webhookSecretsFromEnv(),
      });
      if (server.generatedAdminPassword) {
        process.stderr.write(`plumb: the initial password of "admin" is: ${server.generatedAdminPassword}\n  (also in Secret plumb-initial-admin-secret in namespace ${f.namespace}; change it with: plumb account update-password)\n`);
      }
      process.stderr.write(`plumb: server listening at ${server.url}\n`);
      await untilStopped();
      log.info({}, "stopping");
      await server.close();
      await repos.close();
      resources.client.close();
      out.flushSync();
    });
}
