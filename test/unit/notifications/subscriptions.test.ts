/** Subscriptions: annotations (both prefixes), default triggers, the project's, and selector subscriptions. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { destinationsOf } from "../../../src/notifications/subscriptions.js";

const cfg = {
  defaultTriggers: ["on-sync-succeeded", "on-sync-failed"],
  serviceDefaultTriggers: new Map([["github", ["on-sync-running"]]]),
  subscriptions: [
    { recipients: ["email:ops@example.com"], triggers: ["on-health-degraded"], selector: "env=prod" },
    { recipients: ["hook"], triggers: ["on-created"], selector: "env in (dev)" },
  ],
};

describe("subscriptions", () => {
  it("reads both annotation prefixes, recipients split by ;", () => {
    const { destinations } = destinationsOf(
      { metadata: { annotations: { "notifications.argoproj.io/subscribe.on-deployed.slack": "a; b", "plumb.dev/subscribe.on-deployed.email": "x@y", unrelated: "1" } } },
      undefined,
      { ...cfg, subscriptions: [] },
    );
    assert.deepEqual(destinations.get("on-deployed"), [
      { service: "slack", recipient: "a" },
      { service: "slack", recipient: "b" },
      { service: "email", recipient: "x@y" },
    ]);
    assert.equal(destinations.size, 1);
  });
  it("subscribe.<service> uses the service's default triggers, else defaultTriggers; empty value = one recipient \"\"", () => {
    const { destinations } = destinationsOf({ metadata: { annotations: { "notifications.argoproj.io/subscribe.hook": "", "notifications.argoproj.io/subscribe.github": "" } } }, undefined, { ...cfg, subscriptions: [] });
    assert.deepEqual([...destinations.keys()].sort(), ["on-sync-failed", "on-sync-running", "on-sync-succeeded"]);
    assert.deepEqual(destinations.get("on-sync-running"), [{ service: "github", recipient: "" }]);
    assert.deepEqual(destinations.get("on-sync-failed"), [{ service: "hook", recipient: "" }]);
  });
  it("adds the project's annotations and the ConfigMap subscriptions whose selector matches, without duplicates", () => {
    const { destinations } = destinationsOf(
      { metadata: { labels: { env: "prod" }, annotations: { "notifications.argoproj.io/subscribe.on-health-degraded.email": "ops@example.com" } } },
      { metadata: { annotations: { "notifications.argoproj.io/subscribe.on-sync-failed.slack": "team" } } },
      cfg,
    );
    assert.deepEqual(destinations.get("on-health-degraded"), [{ service: "email", recipient: "ops@example.com" }]);
    assert.deepEqual(destinations.get("on-sync-failed"), [{ service: "slack", recipient: "team" }]);
    assert.equal(destinations.has("on-created"), false);
  });
  it("a bad selector is a problem, not a match", () => {
    const { destinations, problems } = destinationsOf({ metadata: {} }, undefined, { ...cfg, subscriptions: [{ recipients: ["hook"], triggers: ["t"], selector: "a in b c" }] });
    assert.equal(destinations.size, 0);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^subscriptions: selector "a in b c": expected "\(" after "a in"/);
  });
});
