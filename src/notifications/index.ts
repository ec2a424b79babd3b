/**
 * notifications/: tells people and systems what happened to an Application — Argo CD Notifications'
 * model and configuration (triggers → templates → services, subscriptions by annotation), run as its own
 * component of the controller process (notifier.ts), sent once per (trigger, oncePer value, service,
 * recipient) with the state kept on the Application. See docs/notifications.md and
 * docs/adr/0020-notifications.md.
 *
 * Pure: expr.ts (the condition language), triggers.ts, state.ts, subscriptions.ts, config.ts, catalog.ts,
 * services/commit-status.ts's request building. I/O: notifier.ts (informers, patches, Events), render.ts
 * (the Go template tool), services/ (HTTP and SMTP).
 *
 * Owns: the notifications ConfigMaps' meaning, the state annotations. Must not import: controller, sync,
 * render, diff, cli (the controller starts it and hands it the informers).
 */
export * from "./config.js";
export * from "./expr.js";
export * from "./notifier.js";
export * from "./render.js";
export * from "./state.js";
export * from "./subscriptions.js";
export * from "./triggers.js";
export { signature, SIGNATURE_HEADER } from "./services/webhook.js";
export { commitStatusRequest, repoPath } from "./services/commit-status.js";
export { slackPayload } from "./services/slack.js";
export { DeliveryError } from "./services/http.js";
