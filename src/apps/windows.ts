/**
 * Sync windows of an AppProject (`spec.syncWindows`), with Argo CD's rules
 * (https://argo-cd.readthedocs.io/en/stable/user-guide/sync_windows/ and its SyncWindows.Matches / active /
 * CanSync):
 *
 * - Which windows apply to an application (`matchingWindows`): a window lists `applications` (globs over the
 *   app's name), `namespaces` (over the destination namespace) and `clusters` (over the destination's server
 *   or name). By default (Argo CD's OR) a window applies when any one of its lists has a matching entry; with
 *   `andOperator: true` every list it sets must have one. A window with no lists applies to nothing.
 * - When a window is active (`windowActive`): its `schedule` (5-field cron, read in `timeZone`, UTC by
 *   default) fires at s, and the window is active for `duration` after it — strictly between s and s+d,
 *   as Argo CD computes it (the next firing after t−d comes before t).
 * - Whether a sync may run (`canSync`), over the windows that apply: none → yes. An active deny window →
 *   no; a manual sync only when every active deny window has `manualSync`. Else an active allow window →
 *   yes. Else, when allow windows apply but none is active → no; a manual sync only when one of them has
 *   `manualSync`. Else yes. A window that applies but cannot be read (schedule, duration or time zone)
 *   blocks every sync, as Argo CD's CanSync error does.
 * - When a blocked sync may run again (`nextAllowed`): canSync only changes where a window opens (just
 *   after a firing) or where a run of overlapping firings of one window ends; those instants (1 ms past
 *   each) are visited in order until canSync holds (bounded: a year ahead, 500 firings of one window).
 *
 * Differences from Argo CD, on purpose: the time zone is applied to every firing (daylight saving time
 * moves a window's UTC start), where Argo CD applies the offset the zone has at the moment of the check;
 * `syncOverrun` (a running sync going on past a window boundary) is reported as unsupported — a sync
 * already running always finishes.
 *
 * Pure: imports nothing that does I/O (croner computes cron firings).
 */
import { Cron } from "croner";
import { z } from "zod";
import { PlumbError } from "../core/errors.js";
import { globMatch } from "./glob.js";
import { parseDuration } from "./retry.js";

/** One sync window, in Argo CD's field names. */
export const SyncWindow = z.strictObject({
  kind: z.enum(["allow", "deny"]),
  /** When it opens: a 5-field cron expression (minute hour day-of-month month day-of-week). */
  schedule: z.string().min(1).max(256),
  /** How long it stays open: a Go duration ("1h", "30m", "1h30m", "90s"). */
  duration: z.string().min(1).max(64),
  applications: z.array(z.string()).optional(),
  namespaces: z.array(z.string()).optional(),
  clusters: z.array(z.string()).optional(),
  /** Manual syncs may run when this window would block them. */
  manualSync: z.boolean().optional(),
  /** The IANA time zone the schedule is read in (default UTC). */
  timeZone: z.string().max(64).optional(),
  /** Every selector list set must match (default: any one). */
  andOperator: z.boolean().optional(),
  description: z.string().max(255).optional(),
  /** Argo CD 3.x: a running sync goes on past the window's boundary. Reported, not implemented. */
  syncOverrun: z.boolean().optional(),
});
export type SyncWindow = z.infer<typeof SyncWindow>;

/** What a window is matched against: the application's name and destination. */
export interface WindowTarget {
  name: string;
  destination: { server?: string; name?: string; namespace?: string };
}

/** A window with its index in the project's list (Argo CD's `proj windows` ids start at 0). */
export interface IndexedWindow {
  index: number;
  window: SyncWindow;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const FIELD_NAMES = ["minute", "hour", "day of month", "month", "day of week"];

/**
 * A window's schedule as croner reads it, or why it cannot be read. Argo CD's parser (robfig/cron with
 * the five standard fields) takes numbers, `*`, ranges, lists, steps and month/day names, `?` as `*` in the
 * day fields; no seconds, no descriptors (`@daily`), no Quartz extensions (`L`, `W`, `#`).
 */
function cronOf(w: SyncWindow): Cron | string {
  const fields = w.schedule.trim().split(/\s+/);
  if (fields.length !== 5) return `schedule '${w.schedule}' must have 5 fields (minute hour day-of-month month day-of-week), it has ${fields.length}`;
  for (const [i, f] of fields.entries()) {
    const names = i === 3 ? MONTHS : i === 4 ? DAYS : [];
    const bare = f.toLowerCase().replace(/[a-z]{3}/g, (m) => (names.includes(m) ? "0" : m));
    const allowed = i === 2 || i === 4 ? /^[\d*?,/-]+$/ : /^[\d*,/-]+$/;
    if (!allowed.test(bare)) return `schedule '${w.schedule}': the ${FIELD_NAMES[i]} field '${f}' is not a cron field (numbers, *, ranges a-b, lists a,b, steps */n${names.length ? ", names" : ""})`;
  }
  const pattern = fields.map((f, i) => (i === 2 || i === 4 ? f.replace(/\?/g, "*") : f)).join(" ");
  const tz = zoneProblem(w.timeZone);
  if (tz) return tz;
  try {
    // UTC as an offset: croner computes it four times faster than through the "Etc/UTC" zone.
    return new Cron(pattern, { paused: true, mode: "5-part", ...(w.timeZone && w.timeZone !== "UTC" ? { timezone: w.timeZone } : { utcOffset: 0 }) });
  } catch (err) {
    return `schedule '${w.schedule}' is not valid: ${(err instanceof Error ? err.message : String(err)).replace(/^CronPattern: /, "")}`;
  }
}

function zoneProblem(tz: string | undefined): string | undefined {
  if (!tz) return undefined;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return undefined;
  } catch {
    return `timeZone '${tz}' is not an IANA time zone (e.g. UTC, Europe/Berlin, America/New_York)`;
  }
}

/** Milliseconds of a Go duration (a unit on every number, "0" alone allowed), or undefined. */
export function parseGoDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === "0") return 0;
  if (!/^((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/u.test(s)) return undefined;
  return parseDuration(s.replace(/μs/gu, "µs").replace(/(^|[a-zµ])\./gu, "$10."));
}

interface Parsed {
  cron: Cron;
  durationMs: number;
}

/** Parsed windows, so one evaluation reads each schedule once (windows are plain objects of one parsed spec). */
const parsedCache = new WeakMap<SyncWindow, Parsed | string>();

function parsed(w: SyncWindow): Parsed | string {
  let p = parsedCache.get(w);
  if (p === undefined) {
    p = parse(w);
    parsedCache.set(w, p);
  }
  return p;
}

function parse(w: SyncWindow): Parsed | string {
  if (typeof w.schedule !== "string" || typeof w.duration !== "string") return "a window needs a schedule and a duration";
  const cron = cronOf(w);
  if (typeof cron === "string") return cron;
  const d = parseGoDuration(w.duration);
  if (d === undefined) return `duration '${w.duration}' is not a Go duration (e.g. 1h, 30m, 1h30m, 90s)`;
  if (d <= 0) return `duration '${w.duration}' must be more than 0`;
  return { cron, durationMs: d };
}

/** Why the window cannot be used, or undefined when it can (schedule, duration, time zone; syncOverrun). */
export function windowProblem(w: SyncWindow): string | undefined {
  const p = parsed(w);
  return typeof p === "string" ? p : undefined;
}

/** Whether the window applies to the application (see the module comment). */
export function windowMatches(w: SyncWindow, app: WindowTarget): boolean {
  const dst = app.destination;
  const lists: Array<[string[] | undefined, () => boolean]> = [
    [w.applications, () => (w.applications ?? []).some((p) => globMatch(p, app.name))],
    [w.clusters, () => (w.clusters ?? []).some((p) => (!!dst.name && globMatch(p, dst.name)) || (!!dst.server && globMatch(p, dst.server)))],
    [w.namespaces, () => (w.namespaces ?? []).some((p) => globMatch(p, dst.namespace ?? ""))],
  ];
  const set = lists.filter(([l]) => l !== undefined && l.length > 0);
  if (set.length === 0) return false;
  return w.andOperator ? set.every(([, m]) => m()) : set.some(([, m]) => m());
}

/** The project's windows that apply to the application, with their indexes. */
export function matchingWindows(windows: readonly SyncWindow[] | undefined, app: WindowTarget): IndexedWindow[] {
  return (windows ?? []).flatMap((window, index) => (windowMatches(window, app) ? [{ index, window }] : []));
}

/** The firing that makes the window active at t, or undefined (Argo CD's test: the next firing after t−d is before t). */
function activeFiring(p: Parsed, t: number): number | undefined {
  const next = p.cron.nextRun(new Date(t - p.durationMs));
  return next && next.getTime() < t ? next.getTime() : undefined;
}

/** Whether the window is active at time t (ms); an unreadable window is never active. */
export function windowActive(w: SyncWindow, t: number): boolean {
  const p = parsed(w);
  return typeof p !== "string" && activeFiring(p, t) !== undefined;
}

/** The most firings followed to find where a run of overlapping firings ends (each costs ~0.05–0.2 ms). */
const MAX_STEPS = 500;
/** How far ahead nextAllowed looks. */
const HORIZON_MS = 366 * 24 * 3_600_000;

/**
 * Where the active stretch of a window containing t ends: the end of the last of its overlapping firings;
 * undefined when it goes on past MAX_STEPS firings (a window that never closes, or not soon).
 */
function activeUntil(p: Parsed, firing: number): number | undefined {
  let end = firing + p.durationMs;
  let at = firing;
  for (let i = 0; i < MAX_STEPS; i++) {
    const next = p.cron.nextRun(new Date(at));
    if (!next || next.getTime() >= end) return end;
    at = next.getTime();
    end = at + p.durationMs;
  }
  return undefined;
}

/** The decision for one kind of sync at one time, with the windows that make it. */
export interface WindowDecision {
  allowed: boolean;
  /** When blocked: the windows that block (active deny windows, or the inactive allow windows; or unreadable ones). */
  blocking: IndexedWindow[];
  /** When blocked: why some blocking windows cannot be read. */
  errors: string[];
}

/**
 * Whether a sync may run at t, over the windows that apply to the app (`matching`), per Argo CD's CanSync;
 * `manual` for a sync someone asked for, false for an automated one (auto-sync, self-heal).
 */
export function canSync(matching: readonly IndexedWindow[], t: number, manual: boolean): WindowDecision {
  if (matching.length === 0) return { allowed: true, blocking: [], errors: [] };
  const broken = matching.flatMap((m) => {
    const p = windowProblem(m.window);
    return p ? [{ m, p }] : [];
  });
  if (broken.length > 0) return { allowed: false, blocking: broken.map((b) => b.m), errors: broken.map((b) => `window ${b.m.index}: ${b.p}`) };
  const active = matching.filter((m) => windowActive(m.window, t));
  const denies = active.filter((m) => m.window.kind === "deny");
  if (denies.length > 0) {
    const allowed = manual && denies.every((m) => m.window.manualSync);
    return { allowed, blocking: allowed ? [] : manual ? denies.filter((m) => !m.window.manualSync) : denies, errors: [] };
  }
  if (active.some((m) => m.window.kind === "allow")) return { allowed: true, blocking: [], errors: [] };
  const allows = matching.filter((m) => m.window.kind === "allow");
  if (allows.length > 0) {
    const allowed = manual && allows.some((m) => m.window.manualSync);
    return { allowed, blocking: allowed ? [] : allows, errors: [] };
  }
  return { allowed: true, blocking: [], errors: [] };
}

/**
 * The first time at or after t when canSync holds, or undefined when none comes within a year (or a
 * window cannot be read). Only window boundaries can change the answer: just after a firing, and where a
 * window's run of overlapping firings ends.
 */
export function nextAllowed(matching: readonly IndexedWindow[], t: number, manual: boolean): number | undefined {
  if (matching.some((m) => windowProblem(m.window))) return undefined;
  const ps = matching.map((m) => parsed(m.window) as Parsed);
  let at = t;
  for (let i = 0; i < 200 && at <= t + HORIZON_MS; i++) {
    if (canSync(matching, at, manual).allowed) return at;
    let next = Infinity;
    for (const p of ps) {
      const firing = activeFiring(p, at);
      const until = firing !== undefined ? activeUntil(p, firing) : (p.cron.nextRun(new Date(at))?.getTime() ?? Infinity);
      if (until === undefined) return undefined;
      // 1 ms past the edge: a window is active strictly after its firing, and no longer at its end.
      if (until + 1 > at) next = Math.min(next, until + 1);
    }
    if (!Number.isFinite(next)) return undefined;
    at = next;
  }
  return undefined;
}

/** "deny '0 22 * * *' 1h" with the time zone when not UTC, and the manual-sync override when set. */
export function describeWindow(w: SyncWindow): string {
  const tz = w.timeZone && w.timeZone !== "UTC" ? ` (${w.timeZone})` : "";
  return `${w.kind} '${w.schedule}' ${w.duration}${tz}`;
}

/** An instant as the messages write it: ISO 8601 in UTC, to the second. */
export function showInstant(ms: number): string {
  return new Date(Math.round(ms / 1000) * 1000).toISOString().replace(/\.000Z$/, "Z");
}

/** The sync-window state of one application at one time: what the API, the CLI and the controller report. */
export interface SyncWindowState {
  /** The windows that apply to the app. */
  assigned: IndexedWindow[];
  /** Those active now. */
  active: IndexedWindow[];
  automated: WindowDecision & { allowedAt?: number };
  manual: WindowDecision & { allowedAt?: number };
}

/** The state of the windows for an app at t (ms). */
export function syncWindowState(windows: readonly SyncWindow[] | undefined, app: WindowTarget, t: number): SyncWindowState {
  const assigned = matchingWindows(windows, app);
  const active = assigned.filter((m) => windowActive(m.window, t));
  const decide = (manual: boolean) => {
    const d = canSync(assigned, t, manual);
    if (d.allowed) return d;
    const at = nextAllowed(assigned, t, manual);
    return at !== undefined ? { ...d, allowedAt: at } : d;
  };
  return { assigned, active, automated: decide(false), manual: decide(true) };
}

/**
 * Why a sync is blocked, naming the windows and when it may run, e.g.
 * `automated sync is blocked by sync window 0 (deny '0 22 * * *' 1h); syncs are allowed again at 2026-…Z`.
 */
export function blockedMessage(d: WindowDecision & { allowedAt?: number }, what: "automated sync" | "manual sync"): string {
  const names = d.blocking.map((m) => `${m.index} (${describeWindow(m.window)}${m.window.kind === "allow" ? ", not active" : ""})`);
  const by = `sync window${names.length > 1 ? "s" : ""} ${names.join(", ")}`;
  const errors = d.errors.length ? `: ${d.errors.join("; ")}` : "";
  const when = d.errors.length ? "; fix the project's syncWindows" : d.allowedAt !== undefined ? `; ${what === "manual sync" ? "manual syncs" : "syncs"} are allowed again at ${showInstant(d.allowedAt)}` : "; no opening was found ahead (looked a year, or 500 firings of a window, ahead)";
  const hint = what === "manual sync" && !d.errors.length ? " (a window with manualSync: true lets manual syncs through)" : "";
  return `${what} is blocked by ${by}${errors}${when}${hint}`;
}

/** The one-line summary `app get` prints: "Sync Allowed", "Manual Allowed — …", "Sync Denied — …; opens at …". */
export function windowSummary(s: SyncWindowState): string {
  if (s.assigned.length === 0) return "Sync Allowed (no sync windows apply)";
  const list = (ms: IndexedWindow[]) => ms.map((m) => describeWindow(m.window)).join(", ");
  if (s.automated.allowed) return `Sync Allowed${s.active.length ? ` — ${list(s.active)} active` : ""}`;
  const opens = s.automated.allowedAt !== undefined ? `; opens at ${showInstant(s.automated.allowedAt)}` : s.automated.errors.length ? `; ${s.automated.errors.join("; ")}` : "; no opening found ahead";
  const head = s.manual.allowed ? "Manual Allowed" : "Sync Denied";
  return `${head} — ${list(s.automated.blocking)}${s.automated.blocking.every((m) => m.window.kind === "allow") ? " not active" : ""}${opens}`;
}

/** One window as the API answers it (Argo CD's ApplicationSyncWindow fields, and its index). */
export type WindowAnswer = Omit<SyncWindow, "syncOverrun"> & { index: number };

/**
 * The answer of `GET /api/v1/applications/{name}/syncwindows` (and `plumb app get`'s source in core mode):
 * Argo CD's assignedWindows, activeWindows and canSync (a manual sync may run), and plumb's additions.
 */
export interface SyncWindowsAnswer {
  assignedWindows: WindowAnswer[];
  activeWindows: WindowAnswer[];
  canSync: boolean;
  automatedCanSync: boolean;
  automatedAllowedAt?: string;
  manualAllowedAt?: string;
  summary: string;
  manualBlockedMessage?: string;
}

function answerOf(m: IndexedWindow): WindowAnswer {
  const { syncOverrun: _overrun, ...w } = m.window;
  return { ...w, index: m.index };
}

/** The API's answer for a window state. */
export function syncWindowsAnswer(s: SyncWindowState): SyncWindowsAnswer {
  return {
    assignedWindows: s.assigned.map(answerOf),
    activeWindows: s.active.map(answerOf),
    canSync: s.manual.allowed,
    automatedCanSync: s.automated.allowed,
    ...(s.automated.allowedAt !== undefined ? { automatedAllowedAt: showInstant(s.automated.allowedAt) } : {}),
    ...(s.manual.allowedAt !== undefined ? { manualAllowedAt: showInstant(s.manual.allowedAt) } : {}),
    summary: windowSummary(s),
    ...(!s.manual.allowed ? { manualBlockedMessage: blockedMessage(s.manual, "manual sync") } : {}),
  };
}

/** A manual sync refused because a sync window blocks it (the API answers 422 FailedPrecondition; CLI exit 1). */
export class SyncWindowBlockedError extends PlumbError {}
