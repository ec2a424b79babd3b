/**
 * A manifest as YAML to read: highlighted, numbered, virtualised (only the lines on screen are drawn and
 * highlighted), with a Copy button that copies the whole text.
 */
import { useVirtualizer } from "@tanstack/react-virtual";
import { useMemo, useRef, useState } from "react";
import { highlightLine } from "./highlight";
import "./diff.css";

const ROW = 20;

/** The YAML text, line by line. */
export function YamlView({ text, label = "Manifest" }: { text: string; label?: string }) {
  const lines = useMemo(() => {
    const l = text.split("\n");
    if (l[l.length - 1] === "") l.pop();
    return l;
  }, [text]);
  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: lines.length, getScrollElement: () => scroller.current, estimateSize: () => ROW, overscan: 20, initialRect: { width: 800, height: 600 } });
  return (
    <div className="yaml" data-testid="yaml-view">
      <div className="yaml-bar">
        <CopyButton text={text} />
      </div>
      <div className="yaml-scroll" ref={scroller} style={{ height: Math.min(lines.length * ROW, 640) }} role="region" aria-label={label} tabIndex={0}>
        <div className="yaml-rows" style={{ height: v.getTotalSize() }}>
          {v.getVirtualItems().map((item) => (
            <div key={item.key} className="yaml-row" style={{ transform: `translateY(${item.start}px)` }}>
              <div className="yaml-line" data-yaml-line="">
                <span className="diff-no">{item.index + 1}</span>
                {/* highlight.js escapes the text it highlights; the only HTML inserted. */}
                <code className="yaml-code" title={lines[item.index]!.length > 100 ? lines[item.index] : undefined} dangerouslySetInnerHTML={{ __html: highlightLine(lines[item.index]!) }} />
              </div>
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}

function CopyButton({ text }: { text: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  const copy = () => {
    navigator.clipboard.writeText(text).then(
      () => setState("copied"),
      () => setState("failed"),
    );
  };
  return (
    <>
      <span role="status" className="muted">
        {state === "copied" ? "Copied" : state === "failed" ? "Copy failed: select the text and copy it by hand" : ""}
      </span>
      <button type="button" onClick={copy}>
        Copy
      </button>
    </>
  );
}
