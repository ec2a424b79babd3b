/**
 * The webhook receiver: one HTTP endpoint (`POST /api/webhook`, as in Argo CD) taking push events from
 * GitHub, GitLab, Bitbucket Cloud and Gitea, and turning each into "repository X, ref Y moved" for the
 * controller. A request goes through these steps, each a guard that answers and stops:
 *
 *   1. size       body over `maxBodyBytes`                              → 413 (before anything is parsed)
 *   2. provider   which event header is present (Gitea before GitHub)   → 400 when none
 *   3. auth       the provider's signature or token over the raw bytes  → 401 when a secret is configured
 *                 and it is missing or wrong; onPush is never called
 *   4. decode     JSON (or GitHub/Gitea's form encoding, `payload=…`)   → 400 when unreadable
 *   5. classify   push → onPush per moved ref → 200 {refreshed: n};  ping → 200;  other events → 202
 *
 * A provider without a configured secret is accepted unsigned, as Argo CD does, with one warning per
 * provider in the log. The receiver never decides which apps to refresh: `onPush` does (see `match.ts`), and
 * only enqueues them — the reconciler is level-based, so a duplicate or replayed event costs one refresh.
 *
 * Errors are typed (`WebhookPayloadError`, `WebhookAuthError`) and mapped to HTTP in one `onError`.
 */
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { detectProvider } from "./providers.js";
import { WebhookAuthError, WebhookPayloadError, type ProviderName, type PushEvent } from "./types.js";

/** The secret configured in each provider's webhook settings. Unset (or empty): unsigned events are accepted. */
export type WebhookSecrets = Partial<Record<ProviderName, string>>;

/** A structured logger; pino's loggers fit. */
export interface WebhookLogger {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

/** Options of `webhookApp`. */
export interface WebhookOptions {
  /** Secret or token per provider, as configured in the provider's webhook settings. */
  secrets: WebhookSecrets;
  /**
   * Called once per moved ref, after verification, in payload order. Resolves to how many applications it
   * refreshed (enqueued); the sum is answered as `{refreshed}`. A rejection answers 500.
   */
  onPush: (event: PushEvent) => Promise<number>;
  /** The largest body accepted, in bytes; larger requests get 413 unread. Default 1 MiB. */
  maxBodyBytes: number;
  /** Where warnings and one line per push go. Default: JSON lines on stderr. */
  logger: WebhookLogger;
  /** The path the receiver listens on. Default `/api/webhook`. */
  path: string;
}

/** A logger writing one JSON object per line to stderr. */
export function stderrLogger(): WebhookLogger {
  const line = (level: string) => (fields: Record<string, unknown>, msg: string) =>
    process.stderr.write(
      `${JSON.stringify({ level, time: new Date().toISOString(), component: "webhooks", msg, ...fields })}\n`,
    );
  return { info: line("info"), warn: line("warn"), error: line("error") };
}

/** The defaults of every option but `onPush`. */
export function defaultWebhookOptions(): Omit<WebhookOptions, "onPush"> {
  return { secrets: {}, maxBodyBytes: 1024 * 1024, logger: stderrLogger(), path: "/api/webhook" };
}

/** The JSON answer of an error: the message's first line (a PlumbError appends its hint on the next ones). */
function errorBody(err: Error): { error: string } {
  return { error: err.message.split("\n")[0] ?? "error" };
}

/** Decodes the verified raw body: UTF-8 JSON, or a form with the JSON in its `payload` field. */
function decodeBody(raw: Uint8Array, contentType: string | null): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch {
    throw new WebhookPayloadError("body is not UTF-8 text");
  }
  if (contentType?.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    const payload = new URLSearchParams(text).get("payload");
    if (payload === null) throw new WebhookPayloadError("form-encoded body without a payload field");
    text = payload;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new WebhookPayloadError("body is not valid JSON");
  }
}

/**
 * Builds the receiver as a Hono app mounting `POST <path>` (default `/api/webhook`). Mount it in a larger
 * app with `app.route("/", webhookApp(…))`, call it in-process with `app.request(…)`, or serve it alone
 * with `serveWebhooks`.
 */
export function webhookApp(options: Partial<WebhookOptions> & Pick<WebhookOptions, "onPush">): Hono {
  const d = defaultWebhookOptions();
  const opts: WebhookOptions = {
    secrets: options.secrets ?? d.secrets,
    onPush: options.onPush,
    maxBodyBytes: options.maxBodyBytes ?? d.maxBodyBytes,
    logger: options.logger ?? d.logger,
    path: options.path ?? d.path,
  };
  const { logger, onPush, secrets } = opts;
  const warnedUnsigned = new Set<ProviderName>();
  const app = new Hono();

  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    if (err instanceof WebhookAuthError) return c.json(errorBody(err), 401);
    if (err instanceof WebhookPayloadError) return c.json(errorBody(err), 400);
    logger.error({ err: err.message }, "webhook failed");
    return c.json({ error: "internal error while handling the webhook" }, 500);
  });

  const tooLarge = (c: Context) => c.json({ error: `body larger than ${opts.maxBodyBytes} bytes` }, 413);

  app.post(opts.path, bodyLimit({ maxSize: opts.maxBodyBytes, onError: tooLarge }), async (c) => {
    const headers = c.req.raw.headers;
    const provider = detectProvider(headers);
    if (!provider) {
      throw new WebhookPayloadError(
        "unknown webhook provider: no X-GitHub-Event, X-Gitlab-Event, X-Event-Key or X-Gitea-Event header",
      );
    }
    const raw = new Uint8Array(await c.req.arrayBuffer());
    const secret = secrets[provider.name];
    if (secret) {
      const verdict = provider.verify(headers, raw, secret);
      if (!verdict.ok) {
        const fields = { provider: provider.name, event: provider.eventName(headers), reason: verdict.reason };
        logger.warn(fields, "webhook refused");
        throw new WebhookAuthError(`${provider.name} webhook: ${verdict.reason}`);
      }
    } else if (!warnedUnsigned.has(provider.name)) {
      warnedUnsigned.add(provider.name);
      const msg = `no ${provider.name} webhook secret configured: accepting unsigned ${provider.name} events`;
      logger.warn({ provider: provider.name }, msg);
    }

    const hook = provider.parse(headers, decodeBody(raw, headers.get("content-type")));
    if (hook.kind === "ping") return c.json({ refreshed: 0, message: "pong" }, 200);
    if (hook.kind === "ignored") return c.json({ ignored: hook.event || "unnamed event" }, 202);

    let refreshed = 0;
    for (const event of hook.events) {
      const n = await onPush(event);
      refreshed += n;
      const { ref, after, deleted } = event;
      logger.info({ provider: event.provider, repo: event.repoURLs[0], ref, after, deleted, refreshed: n }, "webhook push");
    }
    return c.json({ refreshed }, 200);
  });

  return app;
}
