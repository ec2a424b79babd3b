import { describe, expect, it } from "vitest";
import { tabStop } from "./keys";

describe("tabStop", () => {
  it("keeps the active item when it is rendered, else the first rendered one", () => {
    expect(tabStop(5, [3, 4, 5, 6])).toBe(5);
    expect(tabStop(0, [10, 11, 12])).toBe(10);
    expect(tabStop(0, [])).toBe(-1);
  });
  it("prefers the first item in view to one rendered above it", () => {
    expect(tabStop(0, [10, 11, 12, 13], [12, 13])).toBe(12);
    expect(tabStop(11, [10, 11, 12, 13], [12, 13])).toBe(11);
  });
});
