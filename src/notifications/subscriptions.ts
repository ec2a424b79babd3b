/**
 * Who gets told about which trigger: the destinations of an Application, by trigger, from
 * - its annotations `<prefix>/subscribe.<trigger>.<service>: r1;r2` and `<prefix>/subscribe.<service>: r1`
 *   (the latter for the service's default triggers, `defaultTriggers.<service>`, else `defaultTriggers`),
 *   where the prefix is Argo CD's `notifications.argoproj.io` or plumb's `plumb.dev` — both are read on
 *   apps of either API group;
 * - the same annotations on its AppProject (Argo CD reads the project's too);
 * - the ConfigMap's `subscriptions` whose `selector` (a label selector) matches the app's labels.
 * Duplicates are merged. An empty annotation value is one recipient "" (services that need no recipient:
 * webhook, commit status).
 *
 * Pure.
 */
import { parseSelector } from "../core/labels.js";
import type { NotificationConfig } from "./config.js";
import type { Destination } from "./state.js";

export const SUBSCRIBE_PREFIXES = ["notifications.argoproj.io/", "plumb.dev/"];

export type Destinations = Map<string, Destination[]>;

function add(out: Destinations, trigger: string, d: Destination): void {
  const list = out.get(trigger) ?? [];
  if (!list.some((x) => x.service === d.service && x.recipient === d.recipient)) list.push(d);
  out.set(trigger, list);
}

function recipients(value: string): string[] {
  const parts = value.split(/[;,]/).map((s) => s.trim()).filter(Boolean);
  return parts.length ? parts : [""];
}

/** Destinations from one object's annotations. */
export function annotationDestinations(annotations: Record<string, string> | undefined, cfg: Pick<NotificationConfig, "defaultTriggers" | "serviceDefaultTriggers">, out: Destinations = new Map()): Destinations {
  for (const [key, value] of Object.entries(annotations ?? {})) {
    const prefix = SUBSCRIBE_PREFIXES.find((p) => key.startsWith(`${p}subscribe.`));
    if (!prefix) continue;
    const parts = key.slice(prefix.length + "subscribe.".length).split(".");
    if (parts.length === 1 && parts[0]) {
      const service = parts[0];
      const triggers = cfg.serviceDefaultTriggers.get(service) ?? cfg.defaultTriggers;
      for (const t of triggers) for (const r of recipients(value)) add(out, t, { service, recipient: r });
    } else if (parts.length >= 2 && parts[0]) {
      const [trigger, ...svc] = parts;
      for (const r of recipients(value)) add(out, trigger!, { service: svc.join("."), recipient: r });
    }
  }
  return out;
}

/** Every destination of an app: its annotations, its project's, and the ConfigMap's matching subscriptions. */
export function destinationsOf(
  app: { metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } },
  project: { metadata: { annotations?: Record<string, string> } } | undefined,
  cfg: Pick<NotificationConfig, "defaultTriggers" | "serviceDefaultTriggers" | "subscriptions">,
): { destinations: Destinations; problems: string[] } {
  const out: Destinations = new Map();
  const problems: string[] = [];
  annotationDestinations(app.metadata.annotations, cfg, out);
  if (project) annotationDestinations(project.metadata.annotations, cfg, out);
  for (const s of cfg.subscriptions) {
    let matches = true;
    if (s.selector) {
      try {
        matches = parseSelector(s.selector)(app.metadata.labels);
      } catch (err) {
        // a LabelSelectorError names the selector and the forms allowed already
        problems.push(`subscriptions: ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
    }
    if (!matches) continue;
    for (const rec of s.recipients) {
      const colon = rec.indexOf(":");
      const service = colon < 0 ? rec : rec.slice(0, colon);
      const recipient = colon < 0 ? "" : rec.slice(colon + 1);
      for (const t of s.triggers) add(out, t, { service, recipient });
    }
  }
  return { destinations: out, problems };
}
