import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isOwnedBy, ownerOf, parseTrackingId, trackingId, withTracking } from "../../../src/core/tracking.js";
import { keyString, parseKeyString, type KubeObject } from "../../../src/core/object.js";

const cm: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings", namespace: "web", labels: { a: "b" } } };
const deploy: KubeObject = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "api", namespace: "web" } };

describe("resource tracking", () => {
  it("labels and annotates an object with its owner, keeping its own labels", () => {
    const t = withTracking(cm, "shop");
    assert.equal(t.metadata.labels?.["plumb.dev/app"], "shop");
    assert.equal(t.metadata.labels?.a, "b");
    assert.equal(t.metadata.annotations?.["plumb.dev/tracking-id"], "shop:/ConfigMap:web/settings");
    assert.equal(cm.metadata.annotations, undefined, "the input is not changed");
  });

  it("round-trips tracking ids", () => {
    const id = trackingId("shop", { group: "apps", kind: "Deployment", namespace: "web", name: "api" });
    assert.equal(id, "shop:apps/Deployment:web/api");
    assert.deepEqual(parseTrackingId(id), { app: "shop", key: { group: "apps", kind: "Deployment", namespace: "web", name: "api" } });
    assert.deepEqual(parseTrackingId("shop:/Namespace:/web")?.key, { group: "", kind: "Namespace", namespace: "", name: "web" });
    assert.equal(parseTrackingId("garbage"), undefined);
  });

  it("owns only the very object its annotation names", () => {
    const owned = withTracking(deploy, "shop");
    assert.equal(isOwnedBy(owned, "shop"), true);
    assert.equal(isOwnedBy(owned, "other"), false);
    assert.equal(ownerOf(owned), "shop");
    // A copy under another name (e.g. the annotation copied by hand) is not owned.
    const copied = { ...owned, metadata: { ...owned.metadata, name: "api-copy" } };
    assert.equal(isOwnedBy(copied, "shop"), false);
    // Only the label: not owned.
    const labelled = { ...deploy, metadata: { ...deploy.metadata, labels: { "plumb.dev/app": "shop" } } };
    assert.equal(isOwnedBy(labelled, "shop"), false);
    assert.equal(ownerOf(labelled), undefined);
  });

  it("has one string form of a key that splits back", () => {
    const key = { group: "", kind: "Namespace", namespace: "", name: "web" };
    assert.equal(keyString(key), "/Namespace//web");
    assert.deepEqual(parseKeyString(keyString(key)), key);
    assert.throws(() => parseKeyString("a/b"), /not a resource key/);
  });
});
