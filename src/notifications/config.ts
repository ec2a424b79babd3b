/**
 * The notifications configuration, in Argo CD Notifications' shape
 * (https://argo-cd.readthedocs.io/en/stable/operator-manual/notifications/): a ConfigMap whose keys are
 * `service.<type>[.<name>]`, `template.<name>`, `trigger.<name>`, `defaultTriggers[.<service>]`,
 * `subscriptions` and `context` (each value YAML), and a Secret whose keys the services name as `$key`.
 * plumb reads `plumb-notifications-cm`/`plumb-notifications-secret`, and with --argo-compat also
 * `argocd-notifications-cm`/`argocd-notifications-secret` (each ConfigMap's `$key`s resolve in its own
 * Secret; plumb's keys win over Argo CD's).
 *
 * Everything wrong is a problem naming the key and what to change, and the item it concerns is left out
 * (a service that cannot be used is not half-used). A problem never holds a Secret value: schema messages
 * are checked before the references are resolved, and say which `$key` is missing, not what was found.
 *
 * Pure.
 */
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { CATALOG_TRIGGERS, compileTrigger, type Condition, type CompiledTrigger } from "./triggers.js";
import { CATALOG_TEMPLATES } from "./catalog.js";

export const CONFIGMAP = "plumb-notifications-cm";
export const SECRET = "plumb-notifications-secret";
export const ARGO_CONFIGMAP = "argocd-notifications-cm";
export const ARGO_SECRET = "argocd-notifications-secret";

export const SERVICE_TYPES = ["webhook", "slack", "email", "github", "gitlab", "gitea"] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

const Header = z.strictObject({ name: z.string().min(1), value: z.string() });
const WebhookService = z.strictObject({
  url: z.string().url(),
  headers: z.array(Header).optional(),
  basicAuth: z.strictObject({ username: z.string(), password: z.string() }).optional(),
  /** plumb: signs each body with HMAC-SHA256 (header X-Plumb-Signature-256: sha256=<hex>). */
  hmacSecret: z.string().min(1).optional(),
  timeoutSeconds: z.number().positive().max(300).optional(),
});
const SlackService = z
  .strictObject({
    /** An incoming-webhook URL (Slack, Mattermost, Rocket.Chat…): the message is POSTed there as JSON. */
    webhook: z.string().url().optional(),
    /** A bot token: chat.postMessage at apiURL, one message per channel (the recipient). */
    token: z.string().min(1).optional(),
    apiURL: z.string().url().optional(),
    username: z.string().optional(),
    icon: z.string().optional(),
  })
  .refine((s) => Boolean(s.webhook) !== Boolean(s.token), { message: "set exactly one of webhook (an incoming-webhook URL) or token (a bot token)" });
const EmailService = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  from: z.string().min(1),
  username: z.string().optional(),
  password: z.string().optional(),
  html: z.boolean().optional(),
  /** plumb: refuse to send unless the server offers STARTTLS (nodemailer requireTLS). */
  startTLS: z.boolean().optional(),
  /** plumb: TLS from the first byte (port 465). */
  secure: z.boolean().optional(),
  insecure_skip_verify: z.boolean().optional(),
  /** plumb: the whole send's time limit (default 30 s). */
  timeoutSeconds: z.number().positive().max(300).optional(),
});
const CommitStatusService = z.strictObject({
  token: z.string().min(1),
  /** The API's base URL: https://api.github.com, https://gitlab.com, https://gitea.example.com. */
  apiURL: z.string().url().optional(),
  /** Argo CD's name of the GitHub Enterprise base URL (https://host/api/v3). */
  enterpriseBaseURL: z.string().url().optional(),
});
const SERVICE_SCHEMAS: Record<ServiceType, z.ZodType> = { webhook: WebhookService, slack: SlackService, email: EmailService, github: CommitStatusService, gitlab: CommitStatusService, gitea: CommitStatusService };

export type WebhookSettings = z.infer<typeof WebhookService>;
export type SlackSettings = z.infer<typeof SlackService>;
export type EmailSettings = z.infer<typeof EmailService>;
export type CommitStatusSettings = z.infer<typeof CommitStatusService>;

export interface ServiceConfig {
  type: ServiceType;
  name: string;
  settings: Record<string, unknown>;
}

const WebhookRequest = z.strictObject({ method: z.string().optional(), path: z.string().optional(), body: z.string().optional() });
const StatusTemplate = z.strictObject({
  status: z.strictObject({ state: z.string(), label: z.string().optional(), targetURL: z.string().optional() }).optional(),
  repoURLPath: z.string().optional(),
  revisionPath: z.string().optional(),
});
export const Template = z.strictObject({
  message: z.string().optional(),
  title: z.string().optional(),
  email: z.strictObject({ subject: z.string().optional() }).optional(),
  slack: z
    .strictObject({
      text: z.string().optional(),
      attachments: z.string().optional(),
      blocks: z.string().optional(),
      username: z.string().optional(),
      icon: z.string().optional(),
      groupingKey: z.string().optional(),
      notifyBroadcast: z.boolean().optional(),
      deliveryPolicy: z.string().optional(),
    })
    .optional(),
  webhook: z.record(z.string(), WebhookRequest).optional(),
  github: StatusTemplate.optional(),
  gitlab: StatusTemplate.optional(),
  gitea: StatusTemplate.optional(),
});
export type Template = z.infer<typeof Template>;

const ConditionSchema = z.strictObject({ when: z.string(), send: z.array(z.string()).min(1), oncePer: z.string().optional(), description: z.string().optional() });
const SubscriptionSchema = z.strictObject({ recipients: z.array(z.string()).min(1), triggers: z.array(z.string()).min(1), selector: z.string().optional() });
export type Subscription = z.infer<typeof SubscriptionSchema>;

export interface NotificationConfig {
  services: Map<string, ServiceConfig>;
  templates: Map<string, Template>;
  triggers: Map<string, CompiledTrigger>;
  defaultTriggers: string[];
  serviceDefaultTriggers: Map<string, string[]>;
  subscriptions: Subscription[];
  context: Record<string, unknown>;
  /** Every Secret value a service uses (to mask in anything that is logged or recorded). */
  secretValues: string[];
  problems: string[];
}

/** The default `context` (Argo CD's argocdUrl default). */
export const DEFAULT_CONTEXT = { argocdUrl: "https://localhost:4000" };

function issues(err: z.ZodError): string {
  return err.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
}

const SECRET_REF = /\$([A-Za-z0-9_][A-Za-z0-9_.-]*)/g;

/** Replaces `$key` in every string of `v` by the Secret's value; names the keys that are missing. */
function resolveSecrets(v: unknown, secret: Record<string, string>, used: string[], missing: Set<string>): unknown {
  if (typeof v === "string") {
    return v.replace(SECRET_REF, (whole, key: string) => {
      if (!Object.hasOwn(secret, key)) {
        missing.add(key);
        return whole;
      }
      used.push(secret[key]!);
      return secret[key]!;
    });
  }
  if (Array.isArray(v)) return v.map((x) => resolveSecrets(x, secret, used, missing));
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveSecrets(x, secret, used, missing)]));
  return v;
}

function yamlOf(source: string, key: string, text: string, problems: string[]): unknown {
  try {
    return parseYaml(text);
  } catch (err) {
    problems.push(`${source} ${key}: not valid YAML (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`);
    return undefined;
  }
}

/** One ConfigMap's data (with its Secret's values) read into the parts of a configuration. */
export interface ConfigSource {
  /** The ConfigMap's name, for problems. */
  name: string;
  data: Record<string, string>;
  /** The Secret's name, for problems. */
  secretName: string;
  secret: Record<string, string>;
}

/**
 * The configuration from `sources`, later ones winning per key, over the built-in catalog of triggers and
 * templates.
 */
export function parseConfig(sources: readonly ConfigSource[]): NotificationConfig {
  const problems: string[] = [];
  const services = new Map<string, ServiceConfig>();
  const templates = new Map<string, Template>(Object.entries(CATALOG_TEMPLATES));
  const triggerDefs = new Map<string, Condition[]>(Object.entries(CATALOG_TRIGGERS));
  let defaultTriggers: string[] = [];
  const serviceDefaultTriggers = new Map<string, string[]>();
  let subscriptions: Subscription[] = [];
  let context: Record<string, unknown> = { ...DEFAULT_CONTEXT };
  const secretValues: string[] = [];
  for (const src of sources) {
    for (const [key, text] of Object.entries(src.data)) {
      const where = src.name;
      if (key.startsWith("service.")) {
        const [type, ...rest] = key.slice("service.".length).split(".");
        const name = rest.length ? rest.join(".") : type!;
        if (!(SERVICE_TYPES as readonly string[]).includes(type!)) {
          problems.push(`${where} ${key}: the service type "${type}" is not supported (plumb sends to ${SERVICE_TYPES.join(", ")}); its subscriptions are reported as failed`);
          continue;
        }
        const raw = yamlOf(where, key, text, problems);
        const parsed = SERVICE_SCHEMAS[type as ServiceType].safeParse(raw ?? {});
        if (!parsed.success) {
          problems.push(`${where} ${key}: ${issues(parsed.error)}`);
          continue;
        }
        const missing = new Set<string>();
        const used: string[] = [];
        const settings = resolveSecrets(parsed.data, src.secret, used, missing) as Record<string, unknown>;
        if (missing.size) {
          problems.push(`${where} ${key}: ${[...missing].map((m) => `$${m}`).join(", ")} not found in the Secret ${src.secretName} (add the key there)`);
          continue;
        }
        if (type === "email" && (settings as EmailSettings).insecure_skip_verify) {
          problems.push(`${where} ${key}: insecure_skip_verify is not supported (give the server a certificate the controller trusts)`);
          continue;
        }
        secretValues.push(...used.filter((u) => u.length >= 3));
        services.set(name, { type: type as ServiceType, name, settings });
      } else if (key.startsWith("template.")) {
        const name = key.slice("template.".length);
        const raw = yamlOf(where, key, text, problems);
        if (raw === undefined) continue;
        const parsed = Template.safeParse(raw);
        if (parsed.success) {
          templates.set(name, parsed.data);
          continue;
        }
        // Sections plumb has no service for (teams, telegram…) are reported and the rest of the template is used.
        const unknown = parsed.error.issues.filter((i) => i.code === "unrecognized_keys" && i.path.length === 0).flatMap((i) => (i as { keys?: string[] }).keys ?? []);
        const rest = unknown.length && raw && typeof raw === "object" ? Object.fromEntries(Object.entries(raw).filter(([k]) => !unknown.includes(k))) : undefined;
        const again = rest ? Template.safeParse(rest) : undefined;
        if (again?.success) {
          problems.push(`${where} ${key}: ${unknown.join(", ")} not supported (no such service in plumb); the other fields are used`);
          templates.set(name, again.data);
        } else problems.push(`${where} ${key}: ${issues(parsed.error)}`);
      } else if (key.startsWith("trigger.")) {
        const name = key.slice("trigger.".length);
        const parsed = z.array(ConditionSchema).min(1).safeParse(yamlOf(where, key, text, problems));
        if (!parsed.success) problems.push(`${where} ${key}: ${issues(parsed.error)}`);
        else triggerDefs.set(name, parsed.data);
      } else if (key === "defaultTriggers" || key.startsWith("defaultTriggers.")) {
        const parsed = z.array(z.string()).safeParse(yamlOf(where, key, text, problems));
        if (!parsed.success) problems.push(`${where} ${key}: must be a YAML list of trigger names`);
        else if (key === "defaultTriggers") defaultTriggers = parsed.data;
        else serviceDefaultTriggers.set(key.slice("defaultTriggers.".length), parsed.data);
      } else if (key === "subscriptions") {
        const parsed = z.array(SubscriptionSchema).safeParse(yamlOf(where, key, text, problems));
        if (!parsed.success) problems.push(`${where} ${key}: ${issues(parsed.error)}`);
        else subscriptions = parsed.data;
      } else if (key === "context") {
        const parsed = z.record(z.string(), z.unknown()).safeParse(yamlOf(where, key, text, problems));
        if (!parsed.success) problems.push(`${where} context: must be a YAML map`);
        else context = { ...context, ...parsed.data };
      } else {
        problems.push(`${where} ${key}: not a notifications setting (service.*, template.*, trigger.*, defaultTriggers, subscriptions, context)`);
      }
    }
  }
  const triggers = new Map<string, CompiledTrigger>();
  for (const [name, conds] of triggerDefs) triggers.set(name, compileTrigger(name, conds));
  return { services, templates, triggers, defaultTriggers, serviceDefaultTriggers, subscriptions, context, secretValues, problems };
}

/** `text` with every Secret value replaced by `***` (for logs, Events and errors). */
export function redact(text: string, secretValues: readonly string[]): string {
  let out = text;
  for (const v of [...secretValues].sort((a, b) => b.length - a.length)) if (v) out = out.split(v).join("***");
  return out;
}
