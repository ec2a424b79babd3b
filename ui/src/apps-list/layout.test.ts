import { describe, expect, it } from "vitest";
import { TILE_GAP, TILE_MIN_W, TILE_PAD, tilesPerRow } from "./layout";

describe("tilesPerRow", () => {
  it("fits as many whole tiles as the width allows, and at least one", () => {
    const exact = (n: number) => n * TILE_MIN_W + (n - 1) * TILE_GAP + 2 * TILE_PAD;
    expect(tilesPerRow(exact(3))).toBe(3);
    expect(tilesPerRow(exact(3) - 1)).toBe(2);
    expect(tilesPerRow(exact(4) - 1)).toBe(3);
    expect(tilesPerRow(100)).toBe(1);
    expect(tilesPerRow(0)).toBe(1);
  });
});
