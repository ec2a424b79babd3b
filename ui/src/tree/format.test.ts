import { describe, expect, it } from "vitest";
import { infoText } from "./format";

describe("infoText", () => {
  it("joins the values, leaving out the Pod's node", () => {
    expect(infoText({ info: [{ name: "Status Reason", value: "Running" }, { name: "Node", value: "kwok-0" }, { name: "Containers", value: "1/1" }] })).toBe("Running · 1/1");
    expect(infoText({})).toBe("");
  });
});
