/**
 * The diff view: live (left) against desired (right), side by side or unified (the choice kept in
 * localStorage), line numbers, a +/− sign in the gutter as well as the colour, unchanged regions folded
 * into an "N unchanged lines" button that expands them. Virtualised (fixed row height): only the rows on
 * screen are in the DOM and highlighted, so a 5,000-line object opens as fast as a small one.
 */
import { useVirtualizer } from "@tanstack/react-virtual";
import { useLayoutEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { highlightLine } from "./highlight";
import { lineDiff, splitRows, unifiedRows, type DiffLine, type Fold, type LineDiff, type SplitRow, type UnifiedRow } from "./lines";
import "./diff.css";

export type DiffMode = "split" | "unified";
const MODE_KEY = "plumb.diff.mode";
export const ROW_HEIGHT = 20;
const NONE: ReadonlySet<number> = new Set();

function savedMode(): DiffMode {
  try {
    return localStorage.getItem(MODE_KEY) === "unified" ? "unified" : "split";
  } catch {
    return "split";
  }
}

export interface DiffViewProps {
  /** The live text (old). */
  left: string;
  /** The desired text (new). */
  right: string;
  leftTitle?: string;
  rightTitle?: string;
}

/** Live against desired, as a person reads a diff. Shows "No differences" when the texts are the same. */
export function DiffView({ left, right, leftTitle = "Live", rightTitle = "Desired" }: DiffViewProps) {
  const [mode, setModeState] = useState<DiffMode>(savedMode);
  const diff = useMemo(() => lineDiff(left, right), [left, right]);
  // Opened folds belong to one diff: new texts start folded again.
  const [opened, setOpened] = useState<{ of: LineDiff; ids: ReadonlySet<number> }>({ of: diff, ids: NONE });
  const expanded = opened.of === diff ? opened.ids : NONE;
  const unified = useMemo(() => unifiedRows(diff, expanded), [diff, expanded]);
  const split = useMemo(() => (mode === "split" ? splitRows(unified) : []), [unified, mode]);

  const setMode = (m: DiffMode) => {
    setModeState(m);
    try {
      localStorage.setItem(MODE_KEY, m);
    } catch {
      // private mode: the choice lasts for this page only
    }
  };
  const expand = (id: number) => setOpened({ of: diff, ids: new Set(expanded).add(id) });

  useLayoutEffect(() => {
    performance.mark("plumb:diff-ready");
  }, [diff]);

  return (
    <div className="diff" data-testid="diff-view">
      <div className="diff-bar">
        <div role="group" aria-label="Diff layout">
          <button type="button" aria-pressed={mode === "split"} onClick={() => setMode("split")}>
            Side by side
          </button>
          <button type="button" aria-pressed={mode === "unified"} onClick={() => setMode("unified")}>
            Unified
          </button>
        </div>
        {!diff.identical && (
          <span className="muted diff-counts">
            <span className="diff-count-add">+{diff.added}</span> <span className="diff-count-remove">−{diff.removed}</span>
            <span className="sr-only"> ({diff.added} lines added, {diff.removed} removed)</span>
          </span>
        )}
      </div>
      {diff.identical ? (
        <p className="diff-empty" role="status">
          No differences: the live state matches the desired state.
        </p>
      ) : mode === "split" ? (
        <SplitBody rows={split} expand={expand} leftTitle={leftTitle} rightTitle={rightTitle} />
      ) : (
        <UnifiedBody rows={unified} expand={expand} leftTitle={leftTitle} rightTitle={rightTitle} />
      )}
    </div>
  );
}

interface BodyProps<R> {
  rows: R[];
  expand: (id: number) => void;
  leftTitle: string;
  rightTitle: string;
}

/** The scrolling, virtualised list of rows (both modes). */
function Rows<R>({ rows, render, label }: { rows: R[]; render: (row: R) => ReactNode; label: string }) {
  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 20, initialRect: { width: 800, height: 600 } });
  const height = Math.min(rows.length * ROW_HEIGHT, 600);
  return (
    <div className="diff-scroll" ref={scroller} style={{ height }} role="table" aria-label={label} aria-rowcount={rows.length} tabIndex={0}>
      <div className="diff-rows" style={{ height: v.getTotalSize() }} role="rowgroup">
        {v.getVirtualItems().map((item) => (
          <div key={item.key} className="diff-row" role="row" aria-rowindex={item.index + 1} style={{ transform: `translateY(${item.start}px)` }}>
            {render(rows[item.index]!)}
          </div>
        ))}
      </div>
    </div>
  );
}

const SIGN: Record<DiffLine["kind"], string> = { add: "+", remove: "−", same: " " };
const WORD: Record<DiffLine["kind"], string> = { add: "added", remove: "removed", same: "" };

function Code({ text }: { text: string }) {
  // highlight.js escapes the text it highlights; this is the only HTML inserted.
  return <code className="diff-code" title={text.length > 80 ? text : undefined} dangerouslySetInnerHTML={{ __html: highlightLine(text) }} />;
}

function FoldButton({ fold, expand }: { fold: Fold; expand: (id: number) => void }) {
  return (
    <div className="diff-line diff-fold" data-diff-line="" data-kind="collapsed" role="cell">
      <button type="button" onClick={() => expand(fold.id)} aria-label={`Show ${fold.count} unchanged lines`}>
        ⋯ {fold.count} unchanged {fold.count === 1 ? "line" : "lines"}
      </button>
    </div>
  );
}

function UnifiedBody({ rows, expand, leftTitle, rightTitle }: BodyProps<UnifiedRow>) {
  return (
    <>
      <div className="diff-head diff-head-unified" aria-hidden="true">
        <span className="diff-remove-sign">−</span>
        <span>{leftTitle}</span>
        <span className="diff-add-sign">+</span>
        <span>{rightTitle}</span>
      </div>
      <Rows
        rows={rows}
        label={`Unified diff of ${leftTitle} and ${rightTitle}`}
        render={(row) =>
          row.kind === "collapsed" ? (
            <FoldButton fold={row} expand={expand} />
          ) : (
            <div className={`diff-line diff-${row.kind}`} data-diff-line="" data-kind={row.kind} role="cell">
              <span className="diff-no">{row.oldNo ?? ""}</span>
              <span className="diff-no">{row.newNo ?? ""}</span>
              <span className="diff-sign" aria-label={WORD[row.kind] || undefined}>
                {SIGN[row.kind]}
              </span>
              <Code text={row.text} />
            </div>
          )
        }
      />
    </>
  );
}

function Half({ line, side }: { line: DiffLine | undefined; side: "left" | "right" }) {
  if (!line) return <div className="diff-line diff-half diff-none" role="cell" />;
  return (
    <div className={`diff-line diff-half diff-${line.kind}`} data-diff-line="" data-kind={line.kind} data-side={side} role="cell">
      <span className="diff-no">{(side === "left" ? line.oldNo : line.newNo) ?? ""}</span>
      <span className="diff-sign" aria-label={WORD[line.kind] || undefined}>
        {SIGN[line.kind]}
      </span>
      <Code text={line.text} />
    </div>
  );
}

function SplitBody({ rows, expand, leftTitle, rightTitle }: BodyProps<SplitRow>) {
  return (
    <>
      <div className="diff-head diff-head-split" aria-hidden="true">
        <span>{leftTitle}</span>
        <span>{rightTitle}</span>
      </div>
      <Rows
        rows={rows}
        label={`Side-by-side diff: ${leftTitle} left, ${rightTitle} right`}
        render={(row) =>
          row.kind === "collapsed" ? (
            <FoldButton fold={row} expand={expand} />
          ) : (
            <>
              <Half line={row.left} side="left" />
              <Half line={row.right} side="right" />
            </>
          )
        }
      />
    </>
  );
}
