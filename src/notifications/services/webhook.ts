/**
 * The generic webhook (Argo CD's `service.webhook.<name>`): the template's `webhook.<name>` gives the method
 * (default GET, as Argo CD), a path appended to the service URL, and the body; without such a section plumb
 * POSTs `{"title", "message", "recipient"}` as JSON. Headers and basic auth from the service. With
 * `hmacSecret`, each request carries `X-Plumb-Signature-256: sha256=<hex HMAC-SHA256 of the body>` (the body
 * as sent, an empty one for a request without body) — GitHub's webhook signature format, so receivers can
 * verify it with the code they have.
 */
import { createHmac } from "node:crypto";
import type { WebhookSettings } from "../config.js";
import type { Notification } from "../render.js";
import { send } from "./http.js";

export const SIGNATURE_HEADER = "X-Plumb-Signature-256";

/** The signature header value of `body` under `secret`. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export async function sendWebhook(name: string, s: WebhookSettings, n: Notification, recipient: string, signal?: AbortSignal): Promise<void> {
  const req = n.webhook?.[name];
  const method = (req ? req.method || "GET" : "POST").toUpperCase();
  const body = req ? (req.body ?? "") : JSON.stringify({ title: n.title ?? "", message: n.message, recipient });
  const url = s.url.replace(/\/+$/, "") + (req?.path ? (req.path.startsWith("/") ? req.path : `/${req.path}`) : "");
  const headers: Record<string, string> = {};
  for (const h of s.headers ?? []) headers[h.name] = h.value;
  if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-type") && body) headers["Content-Type"] = "application/json";
  if (s.basicAuth) headers.Authorization = `Basic ${Buffer.from(`${s.basicAuth.username}:${s.basicAuth.password}`).toString("base64")}`;
  if (s.hmacSecret) headers[SIGNATURE_HEADER] = signature(s.hmacSecret, body);
  const withBody = method !== "GET" && method !== "HEAD";
  await send({ method, url, headers, ...(withBody ? { body } : {}), ...(s.timeoutSeconds ? { timeoutMs: s.timeoutSeconds * 1000 } : {}), ...(signal ? { signal } : {}) });
}
