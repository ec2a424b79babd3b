/**
 * The notifications component: its own loop beside the controller's reconciles (never inside one),
 * watching the same Application informers. Every add or update of an Application enqueues its key; one
 * pass for a key at a time (later events for it coalesce into one more pass), at most `concurrency` keys
 * at once:
 *
 *   destinations (annotations, project, subscriptions) → per trigger, its conditions on `{app}` →
 *   for each condition that holds and each destination: the delivery key (state.ts); already in the
 *   state → nothing; else render (one batch per pass) and send, retrying with exponential backoff
 *   (bounded attempts) → the keys delivered are added to the state annotation with a merge patch that
 *   carries the resourceVersion read, so a concurrent edit makes it fail (409) and it is re-applied to the
 *   fresh object instead of overwriting it.
 *
 * Exactly once per key, as far as the receiver answers truthfully: a key is recorded only after its
 * delivery succeeded, and the pass that recorded it is the only one that could send it (passes of a key
 * never overlap; until the informer has seen the patched object, the state written last is used). After a
 * restart the annotation is the truth, so a condition that holds at the first look is not sent again.
 * A delivery that failed every attempt is a Warning Event on the Application (Secret values masked) and is
 * tried again no sooner than `failureCooldownMs` later.
 *
 * Configuration: the ConfigMaps and Secrets of config.ts in the settings namespace, watched; a change
 * re-reads them, logs their problems and looks at every app again.
 */
import { randomBytes } from "node:crypto";
import { atLeastVersion, InformerFactory, type Informer } from "../cluster/informer.js";
import type { Resources } from "../cluster/resources.js";
import { ApiError } from "../cluster/client.js";
import type { KubeObject } from "../core/object.js";
import { secretData } from "../core/secret.js";
import { sleep } from "../core/concurrency.js";
import type { renderGoTemplates } from "../template/index.js";
import { ARGO_CONFIGMAP, ARGO_SECRET, CONFIGMAP, parseConfig, redact, SECRET, type ConfigSource, type NotificationConfig } from "./config.js";
import { buildNotifications, templateData, type BuildRequest, type StatusFields } from "./render.js";
import { deliver, DeliveryError } from "./services/index.js";
import { stateForPhase } from "./services/commit-status.js";
import { alreadyNotified, deliveryKey, forgetFalse, markNotified, parseState, serializeState, stateAnnotation, type Destination, type NotifiedState } from "./state.js";
import { destinationsOf } from "./subscriptions.js";
import { runTrigger, type ConditionResult } from "./triggers.js";

export interface NotifierLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface RetryOptions {
  /** Attempts per delivery, the first included. Default 5. */
  attempts: number;
  /** Wait before the second attempt; doubled for each next one. Default 1 s. */
  baseMs: number;
  /** The longest wait between attempts. Default 30 s. */
  maxMs: number;
}

export function defaultRetryOptions(): RetryOptions {
  return { attempts: 5, baseMs: 1000, maxMs: 30_000 };
}

export interface NotifierOptions {
  resources: Resources;
  log: NotifierLogger;
  /** The Application informers (shared with the controller): events from here, objects by key from getApp. */
  apps: InformerFactory;
  getApp(key: string): KubeObject | undefined;
  allApps(): KubeObject[];
  getProject(group: string, namespace: string, name: string): KubeObject | undefined;
  /** Where the notifications ConfigMaps and Secrets are (`--settings-namespace`). */
  namespace: string;
  /** Also read argocd-notifications-cm/-secret. */
  argoCompat: boolean;
  /** Records an Event on the Application. */
  event(app: KubeObject, type: "Normal" | "Warning", reason: string, message: string): void;
  retry?: Partial<RetryOptions>;
  /** After a delivery gave up, no new attempt for this long. Default 5 minutes. */
  failureCooldownMs?: number;
  /** Apps looked at at once. Default 8. */
  concurrency?: number;
  /** The template renderer (src/template's renderGoTemplates); tests may pass the same function. */
  render?: typeof renderGoTemplates;
  /**
   * Sharded (controller/shard): runs one pass over an app only when this member owns the app (resolves
   * false, sending nothing, when it does not); `requeue` is called for the apps it gains.
   */
  gate?: (key: string, pass: () => Promise<void>) => Promise<boolean>;
}

export const EVENT_FAILED = "NotificationFailed";
export const EVENT_UNSUPPORTED = "NotificationTriggerUnsupported";
export const EVENT_CONDITION_ERROR = "NotificationConditionError";

interface Delivery {
  trigger: string;
  result: ConditionResult;
  dest: Destination;
  key: string;
}

/** What the last successful patch of an app left: its resourceVersion and the state it wrote. */
interface Written {
  resourceVersion: string;
  state: NotifiedState;
}

export class Notifier {
  private config?: NotificationConfig;
  private readonly settings: InformerFactory;
  private cms?: Informer;
  private secrets?: Informer;
  private readonly written = new Map<string, Written>();
  /** Delivery keys (app key + delivery key) that gave up, and when they may be tried again. */
  private readonly cooldown = new Map<string, number>();
  /** Messages already reported per app (Events are not repeated for every pass). */
  private readonly reported = new Set<string>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly dirty = new Set<string>();
  private readonly waiting: string[] = [];
  private active = 0;
  private readonly stopping = new AbortController();
  private readonly retry: RetryOptions;

  constructor(private readonly opts: NotifierOptions) {
    this.settings = new InformerFactory(opts.resources, { namespace: opts.namespace });
    this.retry = { ...defaultRetryOptions(), ...opts.retry };
  }

  async start(): Promise<void> {
    this.cms = await this.settings.ensure("v1", "ConfigMap");
    this.secrets = await this.settings.ensure("v1", "Secret");
    const names = new Set([CONFIGMAP, SECRET, ...(this.opts.argoCompat ? [ARGO_CONFIGMAP, ARGO_SECRET] : [])]);
    const changed = (o: KubeObject): void => {
      if (names.has(o.metadata.name)) this.reload();
    };
    this.settings.on("add", changed);
    this.settings.on("update", (_old, o) => changed(o));
    this.settings.on("delete", changed);
    await this.settings.waitForSync();
    this.reload();
    this.opts.apps.on("add", (o) => this.enqueue(o));
    this.opts.apps.on("update", (_old, o) => this.enqueue(o));
    for (const app of this.opts.allApps()) this.enqueue(app);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.waiting.length = 0;
    while (this.running.size) await Promise.all([...this.running.values()]);
    await this.settings.stop();
  }

  /** The configuration in force (undefined before start). */
  get current(): NotificationConfig | undefined {
    return this.config;
  }

  private reload(): void {
    const sources: ConfigSource[] = [];
    const pairs: Array<[string, string]> = [...(this.opts.argoCompat ? [[ARGO_CONFIGMAP, ARGO_SECRET] as [string, string]] : []), [CONFIGMAP, SECRET]];
    for (const [cmName, secretName] of pairs) {
      const cm = this.cms?.get({ group: "", kind: "ConfigMap", namespace: this.opts.namespace, name: cmName });
      if (!cm) continue;
      const secret = this.secrets?.get({ group: "", kind: "Secret", namespace: this.opts.namespace, name: secretName });
      sources.push({ name: cmName, data: (cm.data as Record<string, string> | undefined) ?? {}, secretName, secret: secret ? secretData(secret) : {} });
    }
    const cfg = parseConfig(sources);
    this.config = cfg;
    for (const p of cfg.problems) this.opts.log.warn({ problem: redact(p, cfg.secretValues) }, "notifications configuration");
    for (const t of cfg.triggers.values()) if (t.unsupported) this.opts.log.warn({ trigger: t.name, problem: t.unsupported }, "notification trigger unsupported");
    this.opts.log.info({ services: cfg.services.size, triggers: cfg.triggers.size, templates: cfg.templates.size, sources: sources.map((s) => s.name) }, "notifications configuration read");
    this.reported.clear();
    this.cooldown.clear();
    for (const app of this.opts.allApps()) this.enqueue(app);
  }

  /** Looks at these apps again (keys this member has just gained). */
  requeue(keys: Iterable<string>): void {
    for (const k of keys) {
      const app = this.opts.getApp(k);
      if (app) this.enqueue(app);
    }
  }

  private enqueue(app: KubeObject): void {
    if (this.stopping.signal.aborted) return;
    const key = `${app.metadata.namespace ?? ""}/${app.metadata.name}`;
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    const p = this.loop(key).finally(() => this.running.delete(key));
    this.running.set(key, p);
  }

  private async slot(): Promise<void> {
    const limit = this.opts.concurrency ?? 8;
    if (this.active < limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waitingResolvers.push(resolve));
    this.active++;
  }

  private readonly waitingResolvers: Array<() => void> = [];

  private release(): void {
    this.active--;
    this.waitingResolvers.shift()?.();
  }

  private async loop(key: string): Promise<void> {
    do {
      this.dirty.delete(key);
      await this.slot();
      try {
        const gate = this.opts.gate;
        await (gate ? gate(key, () => this.process(key)) : this.process(key));
      } catch (err) {
        this.opts.log.error({ app: key, error: this.mask(err instanceof Error ? err.message : String(err)) }, "notifications pass failed");
      } finally {
        this.release();
      }
    } while (this.dirty.has(key) && !this.stopping.signal.aborted);
  }

  private mask(text: string): string {
    return this.config ? redact(text, this.config.secretValues) : text;
  }

  /** Reports `message` about `app` once (per configuration), as a log line and a Warning Event. */
  private reportOnce(app: KubeObject, reason: string, message: string): void {
    const id = `${app.metadata.uid ?? app.metadata.name}:${reason}:${message}`;
    if (this.reported.has(id)) return;
    this.reported.add(id);
    const masked = this.mask(message);
    this.opts.log.warn({ app: `${app.metadata.namespace}/${app.metadata.name}`, reason, problem: masked }, "notification problem");
    this.opts.event(app, "Warning", reason, masked);
  }

  /** One pass over the app of `key` (see the module comment). */
  private async process(key: string): Promise<void> {
    const cfg = this.config;
    const app = this.opts.getApp(key);
    if (!cfg || !app) {
      if (!app) this.written.delete(key);
      return;
    }
    const group = app.apiVersion.split("/")[0]!;
    const spec = app.spec as { project?: string } | undefined;
    const project = this.opts.getProject(group, app.metadata.namespace ?? "", spec?.project || "default");
    const { destinations, problems } = destinationsOf(app, project, cfg);
    for (const p of problems) this.reportOnce(app, EVENT_FAILED, p);
    if (destinations.size === 0) return;

    const annotation = stateAnnotation(group);
    const known = this.written.get(key);
    const base = known && !atLeastVersion(app.metadata.resourceVersion, known.resourceVersion) ? known.state : parseState(app.metadata.annotations?.[annotation]);
    const state: NotifiedState = { ...base };
    const removed: string[] = [];
    const added: NotifiedState = {};
    const vars = { app };
    const deliveries: Delivery[] = [];
    const now = Date.now();
    for (const [trigger, dests] of destinations) {
      const t = cfg.triggers.get(trigger);
      if (!t) {
        this.reportOnce(app, EVENT_FAILED, `trigger "${trigger}" is not configured (subscribed by an annotation or subscription; add trigger.${trigger} to the notifications ConfigMap)`);
        continue;
      }
      if (t.unsupported) {
        this.reportOnce(app, EVENT_UNSUPPORTED, `trigger "${trigger}" is not evaluated: ${t.unsupported}`);
        continue;
      }
      for (const result of runTrigger(t, vars)) {
        if (result.error) this.reportOnce(app, EVENT_CONDITION_ERROR, `trigger "${trigger}": ${result.error} (counted as not triggered, as Argo CD does)`);
        for (const dest of dests) {
          if (!result.triggered) {
            const k = deliveryKey(trigger, { key: result.key }, dest);
            if (forgetFalse(state, trigger, result, dest)) removed.push(k);
            continue;
          }
          const k = deliveryKey(trigger, result, dest);
          if (alreadyNotified(state, k)) continue;
          if ((this.cooldown.get(`${key}|${k}`) ?? 0) > now) continue;
          deliveries.push({ trigger, result, dest, key: k });
        }
      }
    }

    if (deliveries.length) {
      const delivered = await this.send(app, project, cfg, deliveries);
      for (const k of delivered) {
        markNotified(state, k, Math.floor(Date.now() / 1000));
        added[k] = state[k]!;
      }
    }
    if (removed.length || Object.keys(added).length) await this.persist(key, app, annotation, state, added, removed);
  }

  /** Renders and sends `deliveries`; returns the keys delivered. */
  private async send(app: KubeObject, project: KubeObject | undefined, cfg: NotificationConfig, deliveries: Delivery[]): Promise<string[]> {
    const requests: Array<BuildRequest | undefined> = deliveries.map((d) => {
      const service = cfg.services.get(d.dest.service);
      if (!service) return undefined;
      return { templates: d.result.templates, serviceType: service.type, service: service.name, data: templateData(app, project, cfg.context, service.type, d.dest.recipient) };
    });
    const built = await buildNotifications(
      requests.filter((r): r is BuildRequest => Boolean(r)),
      cfg.templates,
      ...(this.opts.render ? [this.opts.render] : []),
    );
    let i = 0;
    const fallback = statusFallback(app, cfg.context);
    const outcomes = await Promise.all(
      deliveries.map(async (d, n) => {
        const service = cfg.services.get(d.dest.service);
        if (!requests[n] || !service) {
          this.fail(app, d, `service "${d.dest.service}" is not configured (add service.<type>.${d.dest.service} to the notifications ConfigMap; its problems, if any, are in the controller log)`);
          return undefined;
        }
        const b = built[i++]!;
        if (!b.ok) {
          this.fail(app, d, b.error);
          return undefined;
        }
        for (let attempt = 1; ; attempt++) {
          try {
            await deliver(service, b.notification, d.dest.recipient, fallback, this.stopping.signal);
            this.opts.log.info({ app: `${app.metadata.namespace}/${app.metadata.name}`, trigger: d.trigger, service: d.dest.service, recipient: d.dest.recipient, attempt, oncePer: d.result.oncePer }, "notification sent");
            return d.key;
          } catch (err) {
            const message = err instanceof Error ? err.message : String(err);
            const retryable = !(err instanceof DeliveryError) || err.retryable;
            if (!retryable || attempt >= this.retry.attempts || this.stopping.signal.aborted) {
              if (!this.stopping.signal.aborted) this.fail(app, d, `${message} (after ${attempt} attempt${attempt > 1 ? "s" : ""})`);
              return undefined;
            }
            const wait = Math.min(this.retry.maxMs, this.retry.baseMs * 2 ** (attempt - 1));
            this.opts.log.warn({ app: `${app.metadata.namespace}/${app.metadata.name}`, trigger: d.trigger, service: d.dest.service, attempt, retryInMs: wait, error: this.mask(message) }, "notification attempt failed");
            await sleep(wait, this.stopping.signal);
          }
        }
      }),
    );
    return outcomes.filter((k): k is string => Boolean(k));
  }

  private fail(app: KubeObject, d: Delivery, message: string): void {
    const key = `${app.metadata.namespace ?? ""}/${app.metadata.name}`;
    this.cooldown.set(`${key}|${d.key}`, Date.now() + (this.opts.failureCooldownMs ?? 5 * 60_000));
    const text = this.mask(`notification ${d.trigger} to ${d.dest.service}${d.dest.recipient ? `:${d.dest.recipient}` : ""} failed: ${message}`);
    this.opts.log.warn({ app: key, trigger: d.trigger, service: d.dest.service, error: text }, "notification failed");
    this.opts.event(app, "Warning", EVENT_FAILED, text);
  }

  /**
   * Writes the state annotation: a merge patch of that one annotation with the resourceVersion read as a
   * precondition; on 409 the object is read again and the same additions and removals are applied to it.
   */
  private async persist(key: string, app: KubeObject, annotation: string, state: NotifiedState, added: NotifiedState, removed: string[]): Promise<void> {
    const group = app.apiVersion.split("/")[0]!;
    const path = `/apis/${group}/v1alpha1/namespaces/${app.metadata.namespace}/applications/${app.metadata.name}`;
    let target = state;
    let resourceVersion = this.written.get(key) && !atLeastVersion(app.metadata.resourceVersion, this.written.get(key)!.resourceVersion) ? this.written.get(key)!.resourceVersion : app.metadata.resourceVersion;
    for (let attempt = 1; attempt <= 5; attempt++) {
      try {
        const updated = await this.opts.resources.client.request<KubeObject>({
          method: "PATCH",
          path,
          contentType: "application/merge-patch+json",
          body: { metadata: { resourceVersion, annotations: { [annotation]: serializeState(target) } } },
        });
        this.written.set(key, { resourceVersion: updated.metadata.resourceVersion ?? "", state: parseState(updated.metadata.annotations?.[annotation]) });
        return;
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return;
        if (!(err instanceof ApiError && err.status === 409) || attempt === 5) {
          this.opts.log.error({ app: key, error: err instanceof Error ? err.message : String(err), keys: Object.keys(added).length }, "could not record notifications sent");
          this.opts.event(app, "Warning", EVENT_FAILED, `the notifications sent could not be recorded in ${annotation}; they may be sent again: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
          return;
        }
        const fresh = await this.opts.resources.get({ apiVersion: app.apiVersion, kind: app.kind, namespace: app.metadata.namespace ?? "", name: app.metadata.name });
        if (!fresh) return;
        resourceVersion = fresh.metadata.resourceVersion;
        target = parseState(fresh.metadata.annotations?.[annotation]);
        for (const k of removed) delete target[k];
        Object.assign(target, added);
        await sleep(50 * attempt + Number(randomBytes(1)[0]));
      }
    }
  }
}

/** The commit status an app's state means, for services whose template has no status section. */
function statusFallback(app: KubeObject, context: Record<string, unknown>): StatusFields {
  const status = app.status as { operationState?: { phase?: string; syncResult?: { revision?: string } }; sync?: { revision?: string } } | undefined;
  const spec = app.spec as { source?: { repoURL?: string }; sources?: Array<{ repoURL?: string }> } | undefined;
  const state = stateForPhase(status?.operationState?.phase);
  const repoURL = spec?.source?.repoURL ?? spec?.sources?.[0]?.repoURL;
  const revision = status?.operationState?.syncResult?.revision ?? status?.sync?.revision;
  const base = typeof context.argocdUrl === "string" ? context.argocdUrl.replace(/\/+$/, "") : "";
  return {
    ...(state ? { state } : {}),
    label: `plumb/${app.metadata.name}`,
    ...(repoURL ? { repoURL } : {}),
    ...(revision ? { revision } : {}),
    ...(base ? { targetURL: `${base}/applications/${app.metadata.namespace}/${app.metadata.name}` } : {}),
  };
}
