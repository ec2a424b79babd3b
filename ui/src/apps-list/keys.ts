/**
 * Keyboard for the virtualised list (one handler on the scroll container): Enter opens the focused app;
 * arrows move between apps (Up/Down by a row of `perRow`, Left/Right by one), Home/End to the first and
 * last — scrolling the one asked for into the rendered window first, then focusing it.
 *
 * The list is one stop of the Tab order (a roving tabindex): the app last focused, or — when that one is
 * scrolled out of the rendered window — the first one in view.
 */
import type { KeyboardEvent } from "react";

export interface ListKeys {
  count: number;
  perRow: number;
  /** Scrolls the row holding item `index` into view (the virtualiser renders it). */
  reveal(row: number): void;
  open(href: string): void;
}

/** The keydown handler; items carry data-pos (their index) and data-href. */
export function onListKey(e: KeyboardEvent<HTMLElement>, k: ListKeys): void {
  const item = (e.target as HTMLElement).closest<HTMLElement>("[data-pos]");
  if (!item || e.altKey || e.ctrlKey || e.metaKey) return;
  const pos = Number(item.dataset.pos);
  if (e.key === "Enter") {
    if ((e.target as HTMLElement).tagName === "A") return; // the link opens itself
    e.preventDefault();
    if (item.dataset.href) k.open(item.dataset.href);
    return;
  }
  const step: Record<string, number> = { ArrowDown: k.perRow, ArrowUp: -k.perRow, ArrowRight: 1, ArrowLeft: -1, Home: -Infinity, End: Infinity };
  const d = step[e.key];
  if (d === undefined || (k.perRow === 1 && (e.key === "ArrowLeft" || e.key === "ArrowRight"))) return;
  e.preventDefault();
  const next = Math.min(k.count - 1, Math.max(0, d === Infinity ? k.count - 1 : d === -Infinity ? 0 : pos + d));
  if (next === pos) return;
  const container = e.currentTarget;
  k.reveal(Math.floor(next / k.perRow));
  const focus = (tries: number) => {
    const el = container.querySelector<HTMLElement>(`[data-pos="${next}"]`);
    if (el) el.focus({ preventScroll: false });
    else if (tries > 0) requestAnimationFrame(() => focus(tries - 1));
  };
  requestAnimationFrame(() => focus(5));
}

/**
 * The index that takes the list's Tab stop: `active` when rendered, else the first one in view (else the
 * first rendered; -1: none).
 */
export function tabStop(active: number, rendered: readonly number[], inView: readonly number[] = rendered): number {
  return rendered.includes(active) ? active : (inView[0] ?? rendered[0] ?? -1);
}
