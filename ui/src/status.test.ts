import { describe, expect, it } from "vitest";
import { eventTypeLook, severityLook } from "./status";

describe("severity and event looks", () => {
  it("give each severity its own icon and word", () => {
    const looks = (["error", "warning", "info"] as const).map(severityLook);
    expect(new Set(looks.map((l) => l.icon)).size).toBe(3);
    expect(looks.map((l) => l.label)).toEqual(["Error", "Warning", "Info"]);
  });
  it("mark a Warning event as a warning and a Normal (or untyped) one as information, by its own word", () => {
    expect(eventTypeLook("Warning")).toMatchObject({ label: "Warning", icon: severityLook("warning").icon });
    expect(eventTypeLook("Normal")).toMatchObject({ label: "Normal", icon: severityLook("info").icon });
    expect(eventTypeLook(undefined).label).toBe("Normal");
  });
});
