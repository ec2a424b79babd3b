/**
 * The controller's Prometheus metrics (prom-client, a registry of its own per controller so that two
 * controllers in one process do not mix): reconciles, syncs by outcome and trigger, prunes, webhook pushes,
 * remembered dry runs, and the work queue's gauges. Names follow Argo CD's where one exists
 * (argocd_app_sync_total → plumb_app_sync_total, with the app's namespace, name and phase as labels).
 * `text()` is the exposition format that a /metrics endpoint serves.
 */
import { Counter, Gauge, Registry } from "prom-client";
import type { PredictionStats } from "../engine/predictions.js";
import type { QueueMetrics } from "./queue.js";

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

  constructor(sources: { queue: () => QueueMetrics; predictions: () => PredictionStats; shard?: () => { members: number; owned: number } }) {
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

    // --- sharding (issue 15, docs/adr/0023-sharding.md) ---
    const shard = sources.shard ?? (() => ({ members: 1, owned: 0 }));
    gauge("plumb_shard_members", "Live controller members in this member's published view (1 when sharding is off).", () => shard().members);
    gauge("plumb_shard_owned_applications", "Applications this member may reconcile now.", () => shard().owned);
    // --- end sharding ---
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
