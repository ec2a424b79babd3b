import { describe, expect, it } from "vitest";
import { lineDiff, splitRows, unifiedRows, type UnifiedRow } from "./lines";

const numbered = (n: number, prefix = "line") => Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`);
const text = (lines: string[]) => `${lines.join("\n")}\n`;
const kinds = (rows: UnifiedRow[]) => rows.map((r) => r.kind);

describe("lineDiff", () => {
  it("numbers the lines of both sides and counts additions and removals", () => {
    const d = lineDiff("a\nb\nc\n", "a\nB\nc\nd\n");
    expect(d.lines).toEqual([
      { kind: "same", text: "a", oldNo: 1, newNo: 1 },
      { kind: "remove", text: "b", oldNo: 2 },
      { kind: "add", text: "B", newNo: 2 },
      { kind: "same", text: "c", oldNo: 3, newNo: 3 },
      { kind: "add", text: "d", newNo: 4 },
    ]);
    expect(d.added).toBe(2);
    expect(d.removed).toBe(1);
    expect(d.identical).toBe(false);
  });

  it("calls identical texts identical, a missing final newline included", () => {
    const d = lineDiff("a\nb", "a\nb\n");
    expect(d.identical).toBe(true);
    expect(d.lines.every((l) => l.kind === "same")).toBe(true);
  });

  it("an empty side is all additions (a resource not yet created)", () => {
    const d = lineDiff("", "x: 1\ny: 2\n");
    expect(d.lines.map((l) => l.kind)).toEqual(["add", "add"]);
  });
});

describe("unifiedRows", () => {
  const before = numbered(20);
  const after = [...before];
  after[9] = "changed 10";

  it("folds unchanged runs longer than 2×context, keeping 3 lines next to the change", () => {
    const rows = unifiedRows(lineDiff(text(before), text(after)));
    expect(kinds(rows)).toEqual(["collapsed", "same", "same", "same", "remove", "add", "same", "same", "same", "collapsed"]);
    const [first, , , , , , , , , last] = rows;
    expect(first).toMatchObject({ kind: "collapsed", count: 6 });
    expect(last).toMatchObject({ kind: "collapsed", count: 7 });
    expect(rows[1]).toMatchObject({ text: "line 7", oldNo: 7, newNo: 7 });
  });

  it("expanding a fold by its id shows its lines, the other fold stays", () => {
    const diff = lineDiff(text(before), text(after));
    const folded = unifiedRows(diff);
    const first = folded[0]!;
    if (first.kind !== "collapsed") throw new Error("expected a fold");
    const rows = unifiedRows(diff, new Set([first.id]));
    expect(rows.length).toBe(folded.length - 1 + first.count);
    expect(rows.slice(0, 6).map((r) => (r.kind === "collapsed" ? "fold" : r.text))).toEqual(numbered(6));
    expect(rows[rows.length - 1]!.kind).toBe("collapsed");
  });

  it("keeps a middle run of at most 2×context unfolded", () => {
    const a = ["x", ...numbered(6), "y"];
    const b = ["X", ...numbered(6), "Y"];
    expect(kinds(unifiedRows(lineDiff(text(a), text(b)))).filter((k) => k === "collapsed")).toEqual([]);
    const c = ["x", ...numbered(7), "y"];
    const d = ["X", ...numbered(7), "Y"];
    const rows = unifiedRows(lineDiff(text(c), text(d)));
    expect(rows.filter((r) => r.kind === "collapsed")).toEqual([expect.objectContaining({ count: 1 })]);
  });

  it("identical texts fold into one row", () => {
    const rows = unifiedRows(lineDiff(text(before), text(before)));
    expect(rows).toEqual([{ kind: "collapsed", id: 0, count: 20 }]);
  });
});

describe("splitRows", () => {
  it("pairs removals with additions on one row; extras stand alone; same lines on both sides", () => {
    const rows = splitRows(unifiedRows(lineDiff("a\nb\nc\nz\n", "a\nB\nz\nnew\n")));
    expect(rows).toEqual([
      { kind: "pair", left: { kind: "same", text: "a", oldNo: 1, newNo: 1 }, right: { kind: "same", text: "a", oldNo: 1, newNo: 1 } },
      { kind: "pair", left: { kind: "remove", text: "b", oldNo: 2 }, right: { kind: "add", text: "B", newNo: 2 } },
      { kind: "pair", left: { kind: "remove", text: "c", oldNo: 3 } },
      { kind: "pair", left: { kind: "same", text: "z", oldNo: 4, newNo: 3 }, right: { kind: "same", text: "z", oldNo: 4, newNo: 3 } },
      { kind: "pair", right: { kind: "add", text: "new", newNo: 4 } },
    ]);
  });

  it("keeps folds as one row across both sides", () => {
    const a = numbered(30);
    const b = [...a];
    b[15] = "changed";
    const rows = splitRows(unifiedRows(lineDiff(text(a), text(b))));
    expect(rows.filter((r) => r.kind === "collapsed").length).toBe(2);
    expect(rows.length).toBe(2 + 3 + 1 + 3);
  });
});

describe("a 5,000-line input", () => {
  it("diffs and folds a 5,000-line input into the expected rows (its time printed)", () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `  key-${String(i).padStart(4, "0")}: value-${i}`);
    const live = ["apiVersion: v1", "data:", ...keys, "kind: ConfigMap"];
    const desired = [...live];
    desired[1000] = "  key-0998: changed";
    desired[4000] = "  key-3998: changed too";
    const start = performance.now();
    const diff = lineDiff(text(live), text(desired));
    const unified = unifiedRows(diff);
    const split = splitRows(unified);
    const ms = performance.now() - start;
    console.log(`5,003-line diff: ${ms.toFixed(1)} ms, ${unified.length} unified rows, ${split.length} side-by-side rows`);
    expect(diff.lines.length).toBe(5005);
    expect(diff.added).toBe(2);
    expect(diff.removed).toBe(2);
    expect(unified.filter((r) => r.kind === "collapsed").length).toBe(3);
    expect(split.length).toBe(3 + 2 * (3 + 1 + 3));
  });
});
