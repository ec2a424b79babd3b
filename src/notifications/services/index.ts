/** One entry point for every service type: deliver a rendered notification to one recipient. */
import type { CommitStatusSettings, EmailSettings, ServiceConfig, SlackSettings, WebhookSettings } from "../config.js";
import type { Notification, StatusFields } from "../render.js";
import { sendCommitStatus } from "./commit-status.js";
import { sendEmail } from "./email.js";
import { sendSlack } from "./slack.js";
import { sendWebhook } from "./webhook.js";
export { DeliveryError } from "./http.js";

export async function deliver(service: ServiceConfig, n: Notification, recipient: string, fallback: StatusFields, signal?: AbortSignal): Promise<void> {
  switch (service.type) {
    case "webhook":
      return sendWebhook(service.name, service.settings as WebhookSettings, n, recipient, signal);
    case "slack":
      return sendSlack(service.settings as SlackSettings, n, recipient, signal);
    case "email":
      return sendEmail(service.settings as EmailSettings, n, recipient, signal);
    case "github":
    case "gitlab":
    case "gitea":
      return sendCommitStatus(service.type, service.settings as CommitStatusSettings, n, fallback, signal);
  }
}
