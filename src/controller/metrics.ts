/**
 * The controller's Prometheus metrics (prom-client, a registry of its own per controller so that two
 * controllers in one process do not mix): reconciles, syncs by outcome and trigger, prunes, webhook pushes,
 * remembered dry runs, the work queue's gauges; per app its info, sync and health (read from the watch
 * cache when scraped); reconcile and sync duration histograms; Git fetches by repository (URL without
 * credentials) with their durations; Kubernetes requests by verb and HTTP code (KubeClient.requests); and the
 * shard's membership and owned apps. Names follow Argo CD's where one exists (argocd_app_sync_total →
 * plumb_app_sync_total, argocd_app_info → plumb_app_info). docs/metrics.md lists them all.
 * `text()` is the exposition format that a /metrics endpoint serves.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { PredictionStats } from "../engine/predictions.js";
import type { AppInfo } from "./app-info.js";
import { repoLabel } from "./app-info.js";
import type { QueueMetrics } from "./queue.js";

/** Where the scrape-time gauges read from. */
export interface MetricsSources {
  queue: () => QueueMetrics;
  predictions: () => PredictionStats;
  /** The apps this controller sees, for plumb_app_info, _sync_status and _health_status. */
  apps?: () => AppInfo[];
  /** Kubernetes responses so far by "verb code" (KubeClient.requests). */
  kube?: () => ReadonlyMap<string, number>;
}

/** A shard's view of itself: how many members hold a Lease, and how many apps this one owns. */
export interface ShardState {
  members: number;
  owned: number;
}

/** Seconds buckets of the reconcile histogram: most reconciles take milliseconds, a render can take seconds. */
export const RECONCILE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Seconds buckets of syncs and Git fetches: waves wait for health, fetches cross networks. */
export const LONG_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** Why a sync ran. */
export type SyncTrigger = "manual" | "automated" | "self-heal" | "retry" | "resumed";

export class ControllerMetrics {
  readonly registry = new Registry();
  readonly reconciles = new Counter({ name: "plumb_reconcile_total", help: "Reconciles of Applications run.", registers: [this.registry] });
  readonly reconcileErrors = new Counter({ name: "plumb_reconcile_errors_total", help: "Reconciles that failed unexpectedly (retried with backoff).", registers: [this.registry] });
  readonly syncs = new Counter({
    name: "plumb_app_sync_total",
    help: "Sync operations finished, by application, phase (Succeeded, Failed) and trigger.",
    labelNames: ["namespace", "name", "phase", "trigger"] as const,
    registers: [this.registry],
  });
  readonly prunes = new Counter({ name: "plumb_app_pruned_total", help: "Objects deleted by syncs because Git no longer has them.", labelNames: ["namespace", "name"] as const, registers: [this.registry] });
  readonly comparisonErrors = new Counter({ name: "plumb_app_comparison_errors_total", help: "Comparisons that failed (Git unreachable, render or dry-run errors).", labelNames: ["namespace", "name"] as const, registers: [this.registry] });
  readonly webhookPushes = new Counter({ name: "plumb_webhook_push_total", help: "Verified webhook push events received.", registers: [this.registry] });

  readonly reconcileDuration = new Histogram({ name: "plumb_app_reconcile_duration_seconds", help: "Time one reconcile of an Application took (compare, status, one operation step).", buckets: RECONCILE_BUCKETS, registers: [this.registry] });
  readonly syncDuration = new Histogram({
    name: "plumb_app_sync_duration_seconds",
    help: "Time from an operation's start to its end, by phase (Succeeded, Failed).",
    labelNames: ["phase"] as const,
    buckets: LONG_BUCKETS,
    registers: [this.registry],
  });
  readonly gitRequests = new Counter({
    name: "plumb_git_request_total",
    help: "Git requests run against a repository (URL without credentials), by request (fetch) and result (ok, error).",
    labelNames: ["repo", "request", "result"] as const,
    registers: [this.registry],
  });
  readonly gitDuration = new Histogram({
    name: "plumb_git_request_duration_seconds",
    help: "Time Git requests took, by repository (URL without credentials) and request (fetch).",
    labelNames: ["repo", "request"] as const,
    buckets: LONG_BUCKETS,
    registers: [this.registry],
  });
  private shard: () => ShardState;

  constructor(sources: MetricsSources) {
    const apps = sources.apps ?? (() => []);
    this.shard = () => ({ members: 1, owned: apps().length });
    const info = (name: string, help: string, labels: readonly (keyof AppInfo)[]) =>
      new Gauge({
        name,
        help,
        labelNames: labels,
        registers: [this.registry],
        collect() {
          this.reset();
          for (const a of apps()) this.set(Object.fromEntries(labels.map((l) => [l, a[l]])), 1);
        },
      });
    info("plumb_app_info", "Information about an Application (1 per app): project, repository, destination, sync and health status.", ["namespace", "name", "project", "repo", "dest_server", "dest_namespace", "sync_status", "health_status"]);
    info("plumb_app_sync_status", "An Application's sync status (1 for its current sync_status).", ["namespace", "name", "project", "sync_status"]);
    info("plumb_app_health_status", "An Application's health status (1 for its current health_status).", ["namespace", "name", "project", "health_status"]);
    const kube = sources.kube;
    new Counter({
      name: "plumb_kube_requests_total",
      help: "Requests to the Kubernetes API server by verb (get, watch, post, put, patch, delete) and HTTP code (0: no answer).",
      labelNames: ["verb", "code"] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [key, n] of kube?.() ?? []) {
          const [verb = "", code = ""] = key.split(" ");
          this.inc({ verb, code }, n);
        }
      },
    });
    const shard = () => this.shard();
    new Gauge({ name: "plumb_shard_members", help: "Controller members sharing the Applications (1 without sharding).", registers: [this.registry], collect() { this.set(shard().members); } });
    new Gauge({ name: "plumb_shard_owned_applications", help: "Applications this member owns (all of them without sharding).", registers: [this.registry], collect() { this.set(shard().owned); } });
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(read());
        },
      });
    gauge("plumb_workqueue_depth", "Application keys waiting for a worker.", () => sources.queue().depth);
    gauge("plumb_workqueue_processing", "Application keys being reconciled now.", () => sources.queue().processing);
    gauge("plumb_workqueue_delayed", "Application keys waiting for a requeue time.", () => sources.queue().delayed);
    gauge("plumb_workqueue_retries", "Keys requeued with backoff after a failure, since start.", () => sources.queue().retries);
    gauge("plumb_dry_run_remembered_hits", "Comparisons answered from a remembered dry run, since start.", () => sources.predictions().hits);
    gauge("plumb_dry_run_remembered_misses", "Comparisons that needed a dry run, since start.", () => sources.predictions().misses);
  }

  /** Replaces where the shard gauges read from (the sharding code calls this once it holds its Lease). */
  setShard(read: () => ShardState): void {
    this.shard = read;
  }

  /** Records one Git request of a repository: its result and how long it took. */
  gitRequest(repoURL: string, request: "fetch", ok: boolean, seconds: number): void {
    const repo = repoLabel(repoURL);
    this.gitRequests.inc({ repo, request, result: ok ? "ok" : "error" });
    this.gitDuration.observe({ repo, request }, seconds);
  }

  /** A counter's total over all its labels. */
  static async total(counter: Counter<string>): Promise<number> {
    return (await counter.get()).values.reduce((n, v) => n + v.value, 0);
  }

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The content type of `text()`. */
  get contentType(): string {
    return this.registry.contentType;
  }
}
