import { describe, expect, it } from "vitest";
import { phaseLook } from "../../status";

describe("phaseLook", () => {
  it("gives each operation phase its own icon and its name as the word", () => {
    const phases = ["Running", "Succeeded", "Failed", "Error", "Terminating"];
    const looks = phases.map(phaseLook);
    expect(looks.map((l) => l.label)).toEqual(phases);
    expect(new Set(looks.map((l) => l.icon)).size).toBe(phases.length);
    expect(phaseLook("Succeeded").colour).not.toBe(phaseLook("Failed").colour);
  });

  it("shows an unknown or missing phase as Unknown", () => {
    expect(phaseLook(undefined)).toMatchObject({ label: "Unknown", icon: "?" });
    expect(phaseLook("Weird").icon).toBe("?");
  });
});
