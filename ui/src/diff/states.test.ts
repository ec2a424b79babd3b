import { describe, expect, it } from "vitest";
import { lineDiff } from "./lines";
import { diffTexts, isOutOfSync } from "./states";

const live = { kind: "Deployment", apiVersion: "apps/v1", metadata: { name: "web", managedFields: [{ manager: "plumb" }] }, spec: { replicas: 5 } };
const predicted = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { replicas: 2 } };
const target = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { replicas: 3 } };

describe("diffTexts", () => {
  it("compares live with the predicted state, both normalised alike: the change is the only difference", () => {
    const t = diffTexts({ liveState: JSON.stringify(live), predictedLiveState: JSON.stringify(predicted), targetState: JSON.stringify(target) });
    const d = lineDiff(t.live, t.desired);
    expect(d.lines.filter((l) => l.kind !== "same").map((l) => `${l.kind} ${l.text}`)).toEqual(["remove   replicas: 5", "add   replicas: 2"]);
    expect(t.live).not.toContain("managedFields");
  });

  it("falls back to the desired manifest without a predicted state; a missing live object is empty", () => {
    expect(diffTexts({ liveState: JSON.stringify(live), targetState: JSON.stringify(target) }).desired).toContain("replicas: 3");
    expect(diffTexts({ liveState: JSON.stringify(live), predictedLiveState: "null", targetState: JSON.stringify(target) }).desired).toContain("replicas: 3");
    expect(diffTexts({ targetState: JSON.stringify(target) }).live).toBe("");
  });
});

describe("isOutOfSync", () => {
  it("modified or any status but Synced", () => {
    expect(isOutOfSync({ modified: false, status: "Synced" })).toBe(false);
    expect(isOutOfSync({ modified: true, status: "Synced" })).toBe(true);
    expect(isOutOfSync({ modified: false, status: "OutOfSync" })).toBe(true);
  });
});
