/**
 * `plumb controller`: runs the controller with a kubeconfig (how tests and the demo run it) or, with none,
 * in the cluster with its service account (cluster/in-cluster.ts). Structured JSON logs on stdout (pino); says "caches ready" when it starts reconciling; stops
 * cleanly on SIGINT/SIGTERM.
 */
import { chartSources } from "../../controller/chart-sources.js";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { pino } from "pino";
import { parseDuration } from "../../apps/retry.js";
import { UsageError } from "../../core/errors.js";
import { Controller, DEFAULT_WORKERS } from "../../controller/controller.js";
import { GitSources } from "../../controller/git-sources.js";
import { addKubeFlags, connect, type KubeFlags } from "../kube-flags.js";
import type { WebhookSecrets } from "../../webhooks/index.js";
import { untilStopped } from "../signals.js";
import { loadPluginsDir } from "../../controller/plugins.js";
import { DEFAULT_LEASE_DURATION_MS, defaultMemberId, memberId } from "../../controller/shard/membership.js";

interface ControllerFlags extends KubeFlags {
  namespace?: string;
  workers: string;
  resync: string;
  pollInterval: string;
  gitTimeout: string;
  gitLowSpeedTime: string;
  argoCompat?: boolean;
  installCrds: boolean;
  webhookPort?: string;
  metricsPort?: string;
  metricsAddress: string;
  cacheDir: string;
  reposNamespace?: string;
  clustersNamespace?: string;
  pluginsDir?: string;
  logLevel: string;
  syncTimeout: string;
  resourceCustomizations?: string;
  settingsNamespace: string;
  notifications: boolean;
  applicationsets: boolean;
  shard?: boolean;
  memberId?: string;
  leaseNamespace: string;
  leaseDuration: string;
}

export function seconds(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number of seconds, got "${value}"`);
  return n * 1000;
}

export function duration(value: string, flag: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new UsageError(`${flag} must be a duration such as 90s, 10m or 1h (0 for no limit), got "${value}"`);
  return ms;
}

export function port(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(Number.isInteger(n) && n >= 0 && n < 65536)) throw new UsageError(`${flag} must be a port number (0 for any free port), got "${value}"`);
  return n;
}

/** The webhook secrets from PLUMB_WEBHOOK_GITHUB_SECRET, _GITLAB_, _BITBUCKET_, _GITEA_. */
export function webhookSecretsFromEnv(env = process.env): WebhookSecrets {
  return {
    ...(env.PLUMB_WEBHOOK_GITHUB_SECRET ? { github: env.PLUMB_WEBHOOK_GITHUB_SECRET } : {}),
    ...(env.PLUMB_WEBHOOK_GITLAB_SECRET ? { gitlab: env.PLUMB_WEBHOOK_GITLAB_SECRET } : {}),
    ...(env.PLUMB_WEBHOOK_BITBUCKET_SECRET ? { bitbucket: env.PLUMB_WEBHOOK_BITBUCKET_SECRET } : {}),
    ...(env.PLUMB_WEBHOOK_GITEA_SECRET ? { gitea: env.PLUMB_WEBHOOK_GITEA_SECRET } : {}),
  };
}

/** The mirrors' time limits from --git-timeout and --git-low-speed-time. */
export function gitLimits(f: { gitTimeout: string; gitLowSpeedTime: string }): { fetchTimeoutMs: number; lowSpeedTimeMs: number } {
  return { fetchTimeoutMs: seconds(f.gitTimeout, "--git-timeout"), lowSpeedTimeMs: seconds(f.gitLowSpeedTime, "--git-low-speed-time") };
}

/** The controller's tuning flags, shared by `plumb controller` and `plumb server`. */
export function addControllerOptions(cmd: Command): Command {
  return cmd
    .option("--workers <n>", "controller: reconciles at once", String(DEFAULT_WORKERS))
    .option("--resync <seconds>", "controller: compare every app this often even without a trigger", "180")
    .option("--poll-interval <seconds>", "fetch each repository this often (with ±10% jitter)", "180")
    .option("--git-timeout <seconds>", "kill a git fetch (and the helpers it started) still running after this long", "120")
    .option("--git-low-speed-time <seconds>", "cut a git fetch that received under 1000 bytes/s for this long (a server that hangs); over SSH, how long the server may stay silent", "30")
    .option("--sync-timeout <duration>", "controller: fail a sync operation still running after this long, e.g. 10m, 1h, 0 for no limit (an Application's plumb.dev/sync-timeout annotation overrides it)", "10m")
    .option("--cache-dir <dir>", "repository mirrors and trees", join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "plumb", "repos"))
    .option("--log-level <level>", "debug, info, warn or error", "info");
}

export function register(program: Command): void {
  const cmd = program.command("controller").description("run the controller: keep every Application equal to Git (auto-sync, prune, self-heal)");
  addControllerOptions(addKubeFlags(cmd))
    .option("--namespace <ns>", "only Applications in this namespace (default: all)")
    .option("--argo-compat", "also reconcile argoproj.io/v1alpha1 Applications (Argo CD manifests, unchanged)")
    .option("--no-install-crds", "do not install or update the CRDs at start")
    .option("--webhook-port <port>", "serve the Git webhook receiver on this port (secrets from PLUMB_WEBHOOK_GITHUB_SECRET, _GITLAB_, _BITBUCKET_, _GITEA_)")
    .option("--metrics-port <port>", "serve Prometheus metrics at /metrics, and the probes /healthz and /readyz, on this port")
    .option("--metrics-address <host>", "interface of --metrics-port (0.0.0.0 in a Pod, so the kubelet reaches the probes)", "127.0.0.1")
    .option("--repos-namespace <ns>", "read repository credential Secrets (Argo CD's format) from this namespace")
    .option("--clusters-namespace <ns>", "read cluster Secrets (destination clusters, Argo CD's format) from this namespace and record their connection states there (default: --repos-namespace, else --settings-namespace)")
    .option("--resource-customizations <dir>", "Lua health checks laid out as Argo CD's resource_customizations (<group>/<kind>/health.lua; _ as a wildcard)")
    .option("--settings-namespace <ns>", "namespace of plumb-cm and plumb-notifications-cm/-secret (and Argo CD's argocd-cm, argocd-notifications-cm/-secret with --argo-compat)", "plumb")
    .option("--no-notifications", "do not send notifications (plumb-notifications-cm, and argocd-notifications-cm with --argo-compat, in the settings namespace)")
    .option("--no-applicationsets", "do not run the ApplicationSet controller (nor install its CRD)")
    .option("--plugins-dir <dir>", "config management plugins: every *.yaml file in this folder holds Argo CD ConfigManagementPlugin definitions")
    .option("--shard", "share the Applications with the other controllers run with --shard: each holds a Lease in --lease-namespace and reconciles only the apps hashed to it (docs/ha.md)")
    .option("--member-id <id>", "with --shard: this member's id, its Lease is plumb-controller-<id> (default: POD_NAME, else hostname-pid)")
    .option("--lease-namespace <ns>", "with --shard: namespace of the members' Leases", "plumb")
    .option("--lease-duration <seconds>", "with --shard: lease period; renewed every third of it, a dead member's apps move within about 1.3 of it", String(DEFAULT_LEASE_DURATION_MS / 1000))
    .action(async (f: ControllerFlags) => {
      if (!f.shard && f.memberId) throw new UsageError("--member-id needs --shard");
      const leaseDurationMs = seconds(f.leaseDuration, "--lease-duration");
      if (leaseDurationMs < 1000) throw new UsageError(`--lease-duration must be at least 1 second, got "${f.leaseDuration}"`);
      // Log lines are written asynchronously: a synchronous write per line blocked the event loop whenever
      // the disk or pipe behind stdout was slow (under load, 1.3 s of a 1,000-app burst). At most the line
      // in flight is lost if the process is killed; a normal stop flushes.
      const out = pino.destination({ dest: 1, sync: false });
      const log = pino({ level: f.logLevel, base: { component: "controller" } }, out);
      const resources = await connect(f);
      const sources = new GitSources({ cacheDir: f.cacheDir, pollIntervalMs: seconds(f.pollInterval, "--poll-interval"), mirrorOptions: gitLimits(f), ...(f.reposNamespace ? { secretsNamespace: f.reposNamespace } : {}), resources, log });
      const webhookPort = port(f.webhookPort, "--webhook-port");
      const metricsPort = port(f.metricsPort, "--metrics-port");
      const plugins = f.pluginsDir ? await loadPluginsDir(f.pluginsDir) : undefined;
      const charts = chartSources({ cacheDir: join(f.cacheDir, "charts"), ...(f.reposNamespace ? { secretsNamespace: f.reposNamespace } : {}), resources, log });
      const controller = new Controller({
        resources,
        repos: sources,
        charts,
        ...(plugins ? { plugins } : {}),
        log,
        workers: Number(f.workers) || DEFAULT_WORKERS,
        resyncMs: seconds(f.resync, "--resync"),
        syncTimeoutMs: duration(f.syncTimeout, "--sync-timeout"),
        argoCompat: Boolean(f.argoCompat),
        installCRDs: f.installCrds,
        applicationSets: f.applicationsets,
        clusters: { namespace: f.clustersNamespace ?? f.reposNamespace ?? f.settingsNamespace },
        customizations: { namespace: f.settingsNamespace, ...(f.resourceCustomizations ? { dir: f.resourceCustomizations } : {}) },
        ...(f.notifications ? { notifications: { namespace: f.settingsNamespace } } : {}),
        ...(f.namespace ? { namespace: f.namespace } : {}),
        ...(f.shard ? { shard: { memberId: f.memberId ? memberId(f.memberId) : defaultMemberId(), namespace: f.leaseNamespace, leaseDurationMs } } : {}),
        ...(metricsPort !== undefined ? { metrics: { port: metricsPort, host: f.metricsAddress } } : {}),
        ...(webhookPort !== undefined
          ? {
              webhook: {
                port: webhookPort,
                secrets: webhookSecretsFromEnv(),
              },
            }
          : {}),
      });
      await controller.start();
      if (controller.webhookURL) log.info({ url: `${controller.webhookURL}/api/webhook` }, "webhook receiver listening");
      if (controller.metricsURL) log.info({ url: `${controller.metricsURL}/metrics` }, "metrics served");
      await untilStopped();
      log.info({}, "stopping");
      await controller.stop();
      await sources.close();
      resources.client.close();
      out.flushSync();
    });
}
