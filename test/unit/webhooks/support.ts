/**
 * Shared helpers of the webhook tests: the per-provider fixture tables (test/fixtures/webhooks/<provider>/
 * cases.json), request signing done independently of the code under test, and an in-process client.
 */
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Hono } from "hono";
import type { ProviderName, PushEvent, WebhookLogger } from "../../../src/webhooks/index.js";
import { providerNames } from "../../../src/webhooks/index.js";
import { fixture } from "../../helpers/paths.js";

/** How a provider authenticates a request, as described in its cases.json. */
export type Signature =
  | { scheme: "hmac-sha256"; headers: { name: string; prefix: string }[] }
  | { scheme: "token"; header: string };

export interface PushCase {
  name: string;
  event: string;
  file: string;
  expect: PushEvent[];
}

/** One provider's table: realistic headers, how it names events and signs, and its cases. */
export interface ProviderCases {
  name: ProviderName;
  about: string;
  headers: Record<string, string>;
  eventHeaders: string[];
  signature: Signature;
  pushes: PushCase[];
  ping: { event: string; file: string } | null;
  noPing?: string;
  ignored: { event: string; file: string };
}

/** The tables of every provider. */
export function loadCases(): ProviderCases[] {
  return providerNames.map((name) => ({
    name,
    ...(JSON.parse(readFileSync(fixture("webhooks", name, "cases.json"), "utf8")) as Omit<ProviderCases, "name">),
  }));
}

/** A fixture payload as raw text: the exact bytes are what gets signed. */
export function payload(provider: ProviderName, file: string): string {
  return readFileSync(fixture("webhooks", provider, file), "utf8");
}

/** The authentication headers the provider would send for `body` with `secret`. */
export function sign(sig: Signature, body: string, secret: string): Record<string, string> {
  if (sig.scheme === "token") return { [sig.header]: secret };
  const hex = createHmac("sha256", secret).update(body, "utf8").digest("hex");
  return Object.fromEntries(sig.headers.map((h) => [h.name, h.prefix + hex]));
}

/** The headers of a request for `event`, without authentication. */
export function eventHeaders(pc: ProviderCases, event: string): Record<string, string> {
  return { ...pc.headers, ...Object.fromEntries(pc.eventHeaders.map((h) => [h, event])) };
}

/** An onPush that records its events and reports one refreshed app per event. */
export function recorder(): { onPush: (e: PushEvent) => Promise<number>; events: PushEvent[] } {
  const events: PushEvent[] = [];
  return {
    events,
    onPush: (e) => {
      events.push(e);
      return Promise.resolve(1);
    },
  };
}

export interface LogLine {
  level: "info" | "warn" | "error";
  msg: string;
  fields: Record<string, unknown>;
}

/** A logger keeping its lines in memory. */
export function memoryLogger(): WebhookLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine["level"]) => (fields: Record<string, unknown>, msg: string) => {
    lines.push({ level, msg, fields });
  };
  return { lines, info: at("info"), warn: at("warn"), error: at("error") };
}

/** POSTs to the app in-process and returns the status and the decoded JSON answer. */
export async function post(
  app: Hono,
  headers: Record<string, string>,
  body: string | Uint8Array,
  path = "/api/webhook",
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await app.request(path, { method: "POST", headers, body });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { text };
  }
  return { status: res.status, json };
}
