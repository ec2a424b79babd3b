/**
 * Times for people, the one place the UI words them: `ago` ("3 min ago": relative, coarse — lists,
 * summaries), `exact` (the local date and time — a title, a detail), `age` (kubectl's compact "12m" —
 * the resource list's Age column, where a narrow column wants it). Each takes an ISO string or epoch
 * milliseconds; `Time.tsx` renders a <time> with them.
 */

/** An ISO string or epoch milliseconds as epoch milliseconds (NaN when absent or unreadable). */
function epoch(t: string | number | undefined): number {
  if (t === undefined || t === "") return NaN;
  return typeof t === "number" ? t : Date.parse(t);
}

/**
 * How long ago `t` was, coarsely: "just now", "42 s ago", "3 min ago", "5 h ago", "2 d ago", "3 mo ago",
 * "2 y ago" (a time in the future is "just now"); "" when absent or unreadable.
 */
export function ago(t: string | number | undefined, now = Date.now()): string {
  const ms = epoch(t);
  if (Number.isNaN(ms)) return "";
  const s = Math.round((now - ms) / 1000);
  if (s < 5) return "just now";
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  const d = Math.floor(s / 86_400);
  if (d < 60) return `${d} d ago`;
  if (d < 730) return `${Math.floor(d / 30)} mo ago`;
  return `${Math.floor(d / 365)} y ago`;
}

/** The exact time, in the browser's locale and zone; "" when absent, the text itself when unreadable. */
export function exact(t: string | number | undefined): string {
  const ms = epoch(t);
  if (Number.isNaN(ms)) return typeof t === "string" ? t : "";
  return new Date(ms).toLocaleString();
}

/** How old something made at `t` is, the way kubectl says it: 45s, 12m, 5h, 3d ("" when unknown). */
export function age(t: string | number | undefined, now = Date.now()): string {
  const ms = epoch(t);
  if (Number.isNaN(ms)) return "";
  const s = Math.max(0, Math.floor((now - ms) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}
