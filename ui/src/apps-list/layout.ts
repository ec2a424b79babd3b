/** The tiles' geometry (list.css holds the same numbers): their height, gap and smallest width, in px. */

export const TILE_H = 150;
export const TILE_GAP = 12;
export const TILE_MIN_W = 290;
/** The space around the tiles inside the scroll container. */
export const TILE_PAD = 4;

/** How many tiles fit side by side in a container this wide (at least one). */
export function tilesPerRow(width: number): number {
  return Math.max(1, Math.floor((width - 2 * TILE_PAD + TILE_GAP) / (TILE_MIN_W + TILE_GAP)));
}
