/**
 * Slack-compatible messages: to an incoming-webhook URL (`webhook`, what Slack, Mattermost and Rocket.Chat
 * accept: `{text, attachments, blocks, username, icon_emoji|icon_url, channel}` as JSON), or with a bot
 * `token` through chat.postMessage (Argo CD's slack service; `apiURL` default https://slack.com/api/), one
 * message per channel (the recipient). The template's `slack.attachments`/`slack.blocks` must render to
 * JSON arrays.
 */
import type { SlackSettings } from "../config.js";
import type { Notification } from "../render.js";
import { DeliveryError, send } from "./http.js";

function jsonArray(text: string | undefined, field: string): unknown[] | undefined {
  if (!text || !text.trim()) return undefined;
  try {
    const v = JSON.parse(text) as unknown;
    if (Array.isArray(v)) return v;
  } catch {
    // reported below
  }
  throw new DeliveryError(`the template's slack.${field} did not render to a JSON array`, false);
}

/** The JSON payload of a Slack message. */
export function slackPayload(s: SlackSettings, n: Notification, recipient: string): Record<string, unknown> {
  const icon = n.slack?.icon ?? s.icon;
  const attachments = jsonArray(n.slack?.attachments, "attachments");
  const blocks = jsonArray(n.slack?.blocks, "blocks");
  return {
    text: n.slack?.text ?? n.message,
    ...(recipient ? { channel: recipient } : {}),
    ...(attachments ? { attachments } : {}),
    ...(blocks ? { blocks } : {}),
    ...((n.slack?.username ?? s.username) ? { username: n.slack?.username ?? s.username } : {}),
    ...(icon ? (/^https?:/.test(icon) ? { icon_url: icon } : { icon_emoji: icon }) : {}),
  };
}

export async function sendSlack(s: SlackSettings, n: Notification, recipient: string, signal?: AbortSignal): Promise<void> {
  const payload = slackPayload(s, n, recipient);
  if (s.webhook) {
    await send({ method: "POST", url: s.webhook, headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload), ...(signal ? { signal } : {}) });
    return;
  }
  if (!recipient) throw new DeliveryError("a slack subscription with a token needs a channel as recipient (subscribe.<trigger>.slack: my-channel)", false);
  const base = (s.apiURL ?? "https://slack.com/api/").replace(/\/*$/, "/");
  const res = await send({ method: "POST", url: `${base}chat.postMessage`, headers: { "Content-Type": "application/json; charset=utf-8", Authorization: `Bearer ${s.token}` }, body: JSON.stringify(payload), ...(signal ? { signal } : {}) });
  // not retried: Slack answered 200, so the message may well have been posted
  if (!res.complete) throw new DeliveryError("slack chat.postMessage: the answer did not arrive whole (cut at the size limit or the time limit); not retried, the message may have been posted", false);
  let answer: { ok?: boolean; error?: string } = {};
  try {
    answer = JSON.parse(res.body) as typeof answer;
  } catch {
    // not JSON: treated as not ok below
  }
  if (answer.ok !== true) throw new DeliveryError(`slack chat.postMessage: ${answer.error ?? "the answer was not {ok: true}"}`, answer.error === "ratelimited");
}
