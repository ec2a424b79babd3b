/**
 * A line diff of two texts made into the rows the diff view draws, for its two modes: unified (one column,
 * removed then added lines) and side by side (the old line left, the new right, a change paired on one
 * row). Unchanged regions longer than 2×context are folded into one "N unchanged lines" row, which the
 * view can expand by its id. Pure: no DOM, so it is unit-tested on fixtures.
 */
import { diffLines } from "diff";

export type LineKind = "add" | "remove" | "same";

/** One line of either text: its kind and its numbers in the old (left) and new (right) text. */
export interface DiffLine {
  kind: LineKind;
  text: string;
  /** 1-based line number in the old text (not for an added line). */
  oldNo?: number;
  /** 1-based line number in the new text (not for a removed line). */
  newNo?: number;
}

/** A folded run of unchanged lines: `id` names it for expanding (stable while the texts are the same). */
export interface Fold {
  kind: "collapsed";
  id: number;
  count: number;
}

export type UnifiedRow = DiffLine | Fold;

/** A side-by-side row: the old line left, the new right (either may be absent), or a fold across both. */
export type SplitRow = { kind: "pair"; left?: DiffLine; right?: DiffLine } | Fold;

export interface LineDiff {
  lines: DiffLine[];
  added: number;
  removed: number;
  identical: boolean;
}

export const CONTEXT = 3;

function splitText(text: string): string[] {
  if (text === "") return [];
  const parts = text.split("\n");
  if (parts[parts.length - 1] === "") parts.pop();
  return parts;
}

/** The line diff of `left` (old) against `right` (new), every line of both in order. */
export function lineDiff(left: string, right: string): LineDiff {
  const a = left === "" || left.endsWith("\n") ? left : `${left}\n`;
  const b = right === "" || right.endsWith("\n") ? right : `${right}\n`;
  const lines: DiffLine[] = [];
  let oldNo = 0;
  let newNo = 0;
  let added = 0;
  let removed = 0;
  if (a === b) {
    for (const text of splitText(a)) lines.push({ kind: "same", text, oldNo: ++oldNo, newNo: ++newNo });
    return { lines, added, removed, identical: true };
  }
  for (const change of diffLines(a, b)) {
    for (const text of splitText(change.value)) {
      if (change.added) {
        lines.push({ kind: "add", text, newNo: ++newNo });
        added++;
      } else if (change.removed) {
        lines.push({ kind: "remove", text, oldNo: ++oldNo });
        removed++;
      } else lines.push({ kind: "same", text, oldNo: ++oldNo, newNo: ++newNo });
    }
  }
  return { lines, added, removed, identical: added === 0 && removed === 0 };
}

/**
 * The lines with long unchanged runs folded: a run keeps `context` lines next to each change; what is left
 * becomes a fold when the run is longer than 2×context (a run at the start or end keeps context on its
 * changed side only). Folds whose id is in `expanded` stay open. Identical texts fold into one row.
 */
export function unifiedRows(diff: LineDiff, expanded: ReadonlySet<number> = new Set(), context = CONTEXT): UnifiedRow[] {
  const rows: UnifiedRow[] = [];
  const { lines } = diff;
  let i = 0;
  while (i < lines.length) {
    if (lines[i]!.kind !== "same") {
      rows.push(lines[i]!);
      i++;
      continue;
    }
    let end = i;
    while (end < lines.length && lines[end]!.kind === "same") end++;
    const atStart = i === 0;
    const atEnd = end === lines.length;
    const keepBefore = atStart ? 0 : context;
    const keepAfter = atEnd ? 0 : context;
    const length = end - i;
    const hidden = length - keepBefore - keepAfter;
    if (length > 2 * context && hidden > 0 && !expanded.has(i + keepBefore)) {
      for (let k = i; k < i + keepBefore; k++) rows.push(lines[k]!);
      rows.push({ kind: "collapsed", id: i + keepBefore, count: hidden });
      for (let k = end - keepAfter; k < end; k++) rows.push(lines[k]!);
    } else for (let k = i; k < end; k++) rows.push(lines[k]!);
    i = end;
  }
  return rows;
}

/** The unified rows paired for side by side: a block of removals and additions shares rows, in order. */
export function splitRows(unified: readonly UnifiedRow[]): SplitRow[] {
  const rows: SplitRow[] = [];
  let i = 0;
  while (i < unified.length) {
    const row = unified[i]!;
    if (row.kind === "collapsed") {
      rows.push(row);
      i++;
    } else if (row.kind === "same") {
      rows.push({ kind: "pair", left: row, right: row });
      i++;
    } else {
      const removes: DiffLine[] = [];
      const adds: DiffLine[] = [];
      while (i < unified.length) {
        const r = unified[i]!;
        if (r.kind === "remove") removes.push(r);
        else if (r.kind === "add") adds.push(r);
        else break;
        i++;
      }
      for (let k = 0; k < Math.max(removes.length, adds.length); k++) {
        const left = removes[k];
        const right = adds[k];
        rows.push({ kind: "pair", ...(left ? { left } : {}), ...(right ? { right } : {}) });
      }
    }
  }
  return rows;
}
