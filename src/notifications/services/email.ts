/**
 * Email over SMTP with nodemailer: `host`, `port`, `from`, optional `username`/`password`; `secure` for TLS
 * from the first byte (port 465), `startTLS` to refuse sending unless the server upgrades the connection
 * (without either, nodemailer upgrades when the server offers STARTTLS). Subject: the template's
 * `email.subject`, else its title; body: the message (as HTML with `html: true`). One message per
 * recipient address. SMTP 4xx answers and network failures may succeed later; 5xx answers do not.
 *
 * Time limits: nodemailer's per-phase ones (connect, greeting, and inactivity on the socket) and one for the
 * whole send (`timeoutSeconds`, default 30), which a server that answers a byte at a time cannot stretch.
 */
import { createTransport } from "nodemailer";
import type { EmailSettings } from "../config.js";
import type { Notification } from "../render.js";
import { DeliveryError } from "./http.js";

const TIMEOUT_MS = 10_000;
/** The whole send's default time limit. */
export const EMAIL_TIMEOUT_MS = 30_000;

export async function sendEmail(s: EmailSettings, n: Notification, recipient: string, signal?: AbortSignal): Promise<void> {
  if (!recipient) throw new DeliveryError("an email subscription needs an address as recipient (subscribe.<trigger>.email: someone@example.com)", false);
  const transport = createTransport({
    host: s.host,
    port: s.port,
    secure: Boolean(s.secure),
    requireTLS: Boolean(s.startTLS),
    ...(s.username ? { auth: { user: s.username, pass: s.password ?? "" } } : {}),
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
  });
  const totalMs = s.timeoutSeconds ? s.timeoutSeconds * 1000 : EMAIL_TIMEOUT_MS;
  const deadline = AbortSignal.timeout(totalMs);
  try {
    await transport.sendMail({ from: s.from, to: recipient, subject: n.email?.subject ?? n.title ?? "", ...(s.html ? { html: n.message } : { text: n.message }), signal: signal ? AbortSignal.any([deadline, signal]) : deadline });
  } catch (err) {
    if (deadline.aborted) throw new DeliveryError(`SMTP ${s.host}:${s.port}: not sent within ${totalMs / 1000} s`, true);
    const e = err as { responseCode?: number; code?: string; message?: string };
    const code = e.responseCode;
    throw new DeliveryError(`SMTP ${s.host}:${s.port}: ${code ? `${code} ` : ""}${e.code ?? ""}${e.message ? ` ${e.message.split("\n")[0]}` : ""}`.trim(), code === undefined || (code >= 400 && code < 500));
  } finally {
    transport.close();
  }
}
