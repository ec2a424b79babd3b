/**
 * Sync windows (apps/windows.ts) on fixtures: which windows apply to an app, when a window is active (time
 * zones, durations, cron edge cases), Argo CD's CanSync rules for automated and manual syncs, and when a
 * blocked sync may run again.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  analyzeProject,
  appSyncWindows,
  blockedMessage,
  canSync,
  matchingWindows,
  nextAllowed,
  parseGoDuration,
  syncWindowState,
  windowActive,
  windowMatches,
  windowProblem,
  windowSummary,
  type SyncWindow,
  type WindowTarget,
} from "../../src/apps/index.js";

const T = (iso: string): number => Date.parse(iso);
const app: WindowTarget = { name: "guestbook-prod", destination: { server: "https://kubernetes.default.svc", name: "in-cluster", namespace: "prod" } };
const w = (over: Partial<SyncWindow>): SyncWindow => ({ kind: "deny", schedule: "0 22 * * *", duration: "1h", applications: ["*"], ...over });
const all = (windows: SyncWindow[]) => matchingWindows(windows, app);

describe("which windows apply to an app (Argo CD's Matches)", () => {
  const cases: Array<[string, Partial<SyncWindow>, boolean]> = [
    ["an application glob", { applications: ["guestbook-*"] }, true],
    ["an application glob that does not match", { applications: ["other-*"] }, false],
    ["a namespace", { applications: undefined, namespaces: ["prod"] }, true],
    ["a namespace glob that does not match", { applications: undefined, namespaces: ["dev*"] }, false],
    ["a cluster by server", { applications: undefined, clusters: ["https://kubernetes.default.svc"] }, true],
    ["a cluster by name", { applications: undefined, clusters: ["in-*"] }, true],
    ["no selector at all", { applications: undefined }, false],
    ["OR (default): one list matching is enough", { applications: ["other"], namespaces: ["prod"] }, true],
    ["andOperator: every list set must match", { applications: ["other"], namespaces: ["prod"], andOperator: true }, false],
    ["andOperator: all lists matching", { applications: ["guestbook-*"], namespaces: ["prod"], clusters: ["in-cluster"], andOperator: true }, true],
    ["andOperator: unset lists are not required", { applications: ["guestbook-prod"], andOperator: true }, true],
    ["empty lists count as unset", { applications: [], namespaces: ["prod"] }, true],
  ];
  for (const [name, over, expected] of cases) {
    it(name, () => assert.equal(windowMatches(w(over), app), expected));
  }

  it("keeps each window's index in the project's list", () => {
    const m = all([w({ applications: ["other"] }), w({}), w({ namespaces: ["prod"], applications: undefined })]);
    assert.deepEqual(m.map((x) => x.index), [1, 2]);
  });
});

describe("when a window is active", () => {
  it("is active strictly between a firing and its end (Argo CD's test)", () => {
    const d = w({});
    assert.equal(windowActive(d, T("2026-12-02T21:59:59Z")), false);
    assert.equal(windowActive(d, T("2026-12-02T22:00:00Z")), false, "at the firing itself it is not active yet, as in Argo CD");
    assert.equal(windowActive(d, T("2026-12-02T22:00:01Z")), true);
    assert.equal(windowActive(d, T("2026-12-02T22:59:59Z")), true);
    assert.equal(windowActive(d, T("2026-12-02T23:00:00Z")), false, "the end is not in the window");
  });

  it("reads the schedule in the window's time zone, daylight saving time included", () => {
    const berlin = w({ timeZone: "Europe/Berlin" });
    // 22:00 in Berlin is 21:00Z in winter (CET) and 20:00Z in summer (CEST).
    assert.equal(windowActive(berlin, T("2026-12-02T21:30:00Z")), true);
    assert.equal(windowActive(berlin, T("2026-12-02T22:30:00Z")), false);
    assert.equal(windowActive(berlin, T("2026-07-02T20:30:00Z")), true);
    assert.equal(windowActive(berlin, T("2026-07-02T21:30:00Z")), false);
    const ny = w({ schedule: "0 9 * * MON-FRI", duration: "8h", timeZone: "America/New_York" });
    assert.equal(windowActive(ny, T("2026-12-02T14:30:00Z")), true, "Wednesday 09:30 EST");
    assert.equal(windowActive(ny, T("2026-12-02T13:30:00Z")), false, "08:30 EST");
    assert.equal(windowActive(ny, T("2026-12-05T15:00:00Z")), false, "Saturday");
  });

  it("spans midnight and several firings", () => {
    const night = w({ schedule: "30 23 * * *", duration: "2h" });
    assert.equal(windowActive(night, T("2026-12-03T01:00:00Z")), true);
    assert.equal(windowActive(night, T("2026-12-03T01:31:00Z")), false);
    const long = w({ schedule: "0 0 * * 0", duration: "48h" });
    assert.equal(windowActive(long, T("2026-12-07T23:00:00Z")), true, "Sunday 00:00 + 47 h");
    assert.equal(windowActive(long, T("2026-12-08T00:00:01Z")), false);
  });

  it("ORs day-of-month and day-of-week when both are restricted, as cron does", () => {
    const both = w({ schedule: "0 12 1 * MON", duration: "1h" });
    assert.equal(windowActive(both, T("2026-12-01T12:30:00Z")), true, "the 1st (a Tuesday)");
    assert.equal(windowActive(both, T("2026-12-07T12:30:00Z")), true, "a Monday");
    assert.equal(windowActive(both, T("2026-12-08T12:30:00Z")), false, "neither");
    const monOnly = w({ schedule: "0 12 ? * 1", duration: "1h" });
    assert.equal(windowActive(monOnly, T("2026-12-07T12:30:00Z")), true, "? stands for * in the day fields");
    assert.equal(windowActive(monOnly, T("2026-12-01T12:30:00Z")), false);
  });

  it("steps and lists", () => {
    const q = w({ schedule: "*/15 8-9 * JAN,DEC *", duration: "5m" });
    assert.equal(windowActive(q, T("2026-12-02T08:46:00Z")), true);
    assert.equal(windowActive(q, T("2026-12-02T08:51:00Z")), false);
    assert.equal(windowActive(q, T("2026-11-02T08:46:00Z")), false, "not in November");
  });
});

describe("reading schedules, durations and time zones", () => {
  it("parses Go durations only", () => {
    assert.equal(parseGoDuration("75s"), 75_000);
    assert.equal(parseGoDuration("1h30m"), 5_400_000);
    assert.equal(parseGoDuration("1.5h"), 5_400_000);
    assert.equal(parseGoDuration(".5h"), 1_800_000);
    assert.equal(parseGoDuration("300ms"), 300);
    assert.equal(parseGoDuration("0"), 0);
    for (const bad of ["10", "1d", "1 h", "h", "", "-1h", "1h-"]) assert.equal(parseGoDuration(bad), undefined, bad);
  });

  const problems: Array<[string, Partial<SyncWindow>, RegExp]> = [
    ["six fields (seconds)", { schedule: "0 0 22 * * *" }, /5 fields/],
    ["a descriptor", { schedule: "@daily" }, /5 fields/],
    ["Quartz's L", { schedule: "0 22 L * *" }, /day of month field 'L'/],
    ["Quartz's #", { schedule: "0 22 * * 1#2" }, /day of week field/],
    ["a minute out of range", { schedule: "61 * * * *" }, /not valid/],
    ["an unknown month name", { schedule: "0 0 1 FOO *" }, /month field/],
    ["a duration without unit", { duration: "60" }, /not a Go duration/],
    ["a zero duration", { duration: "0s" }, /more than 0/],
    ["an unknown time zone", { timeZone: "Mars/Olympus" }, /not an IANA time zone/],
  ];
  for (const [name, over, re] of problems) {
    it(`refuses ${name}`, () => assert.match(windowProblem(w(over)) ?? "", re));
  }

  it("accepts names, ranges, steps and a time zone", () => {
    assert.equal(windowProblem(w({ schedule: "0 9-17/2 * * mon-fri", duration: "2h45m", timeZone: "Asia/Kolkata" })), undefined);
  });

  it("reports invalid windows and syncOverrun on the project, and no longer calls sync windows unsupported", () => {
    const r = analyzeProject({ spec: { sourceRepos: ["*"], syncWindows: [w({}), w({ duration: "1d" }), w({ syncOverrun: true })] } });
    assert.ok(r.spec);
    assert.deepEqual(r.problems.map((p) => [p.type, p.field]), [["InvalidSpecError", "spec.syncWindows[1]"], ["UnsupportedField", "spec.syncWindows[2].syncOverrun"]]);
  });

  it("refuses a window of an unknown kind in the schema", () => {
    const r = analyzeProject({ spec: { syncWindows: [{ kind: "maybe", schedule: "* * * * *", duration: "1h", applications: ["*"] }] } });
    assert.equal(r.spec, undefined);
    assert.ok(r.problems.some((p) => p.type === "InvalidSpecError" && p.field.startsWith("spec.syncWindows[0]")));
  });
});

describe("whether a sync may run (Argo CD's CanSync)", () => {
  const at = T("2026-12-02T22:30:00Z"); // a 22:00 window is active, a 02:00 one is not
  const activeDeny = w({});
  const inactiveDeny = w({ schedule: "0 2 * * *" });
  const activeAllow = w({ kind: "allow" });
  const inactiveAllow = w({ kind: "allow", schedule: "0 2 * * *" });
  const table: Array<[string, SyncWindow[], boolean, boolean]> = [
    // name, windows, automated allowed, manual allowed
    ["no windows", [], true, true],
    ["an active deny window", [activeDeny], false, false],
    ["an active deny window with manualSync", [{ ...activeDeny, manualSync: true }], false, true],
    ["two active deny windows, one without manualSync", [{ ...activeDeny, manualSync: true }, { ...activeDeny, schedule: "0 21 * * *", duration: "2h" }], false, false],
    ["an inactive deny window", [inactiveDeny], true, true],
    ["an active allow window", [activeAllow], true, true],
    ["an inactive allow window", [inactiveAllow], false, false],
    ["an inactive allow window with manualSync", [{ ...inactiveAllow, manualSync: true }], false, true],
    ["an active allow and an active deny window: deny wins", [activeAllow, activeDeny], false, false],
    ["an active allow and an inactive allow window", [activeAllow, inactiveAllow], true, true],
    ["an inactive allow and an inactive deny window", [inactiveAllow, inactiveDeny], false, false],
    ["an active deny with manualSync and an inactive allow without", [{ ...activeDeny, manualSync: true }, inactiveAllow], false, true],
    ["a window that does not apply", [{ ...activeDeny, applications: ["other"] }], true, true],
    ["an unreadable window that applies blocks", [{ ...inactiveDeny, schedule: "bad" }], false, false],
  ];
  for (const [name, windows, auto, manual] of table) {
    it(name, () => {
      assert.equal(canSync(all(windows), at, false).allowed, auto, "automated");
      assert.equal(canSync(all(windows), at, true).allowed, manual, "manual");
    });
  }

  it("names the blocking windows: the active deny ones, or the inactive allow ones", () => {
    const d = canSync(all([{ ...activeDeny, manualSync: true }, { ...activeDeny, schedule: "0 21 * * *", duration: "2h" }]), at, true);
    assert.deepEqual(d.blocking.map((m) => m.index), [1], "the one without manualSync blocks the manual sync");
    const a = canSync(all([inactiveAllow, inactiveDeny]), at, false);
    assert.deepEqual(a.blocking.map((m) => m.index), [0]);
  });
});

describe("when a blocked sync may run again", () => {
  const at = T("2026-12-02T22:30:00Z");
  it("at the end of an active deny window", () => {
    assert.equal(nextAllowed(all([w({})]), at, false), T("2026-12-02T23:00:00Z") + 1);
  });
  it("when an inactive allow window opens", () => {
    assert.equal(nextAllowed(all([w({ kind: "allow", schedule: "0 2 * * *" })]), at, false), T("2026-12-03T02:00:00Z") + 1);
  });
  it("past a deny window that starts where another ends", () => {
    assert.equal(nextAllowed(all([w({}), w({ schedule: "0 23 * * *" })]), at, false), T("2026-12-03T00:00:00Z") + 1);
  });
  it("past overlapping firings of one window", () => {
    assert.equal(nextAllowed(all([w({ schedule: "*/20 22 * * *", duration: "30m" })]), at, false), T("2026-12-02T23:10:00Z") + 1);
  });
  it("when an allow window opens after a deny window ends inside it", () => {
    assert.equal(nextAllowed(all([w({}), w({ kind: "allow", schedule: "0 21 * * *", duration: "3h" })]), at, false), T("2026-12-02T23:00:00Z") + 1);
  });
  it("in the window's time zone", () => {
    assert.equal(nextAllowed(all([w({ timeZone: "Asia/Tokyo", schedule: "0 7 * * *" })]), at, false), T("2026-12-02T23:00:00Z") + 1, "07:00 JST is 22:00Z");
  });
  it("never, when no window opens within a year", () => {
    assert.equal(nextAllowed(all([w({ kind: "allow", schedule: "0 0 30 2 *" })]), at, false), undefined, "February 30th never comes");
    const started = Date.now();
    assert.equal(nextAllowed(all([w({ schedule: "*/10 * * * *", duration: "15m" })]), at, false), undefined, "a deny window that never closes");
    assert.ok(Date.now() - started < 5000, "bounded work");
  });
  it("at once when allowed now", () => {
    assert.equal(nextAllowed(all([w({ schedule: "0 2 * * *" })]), at, false), at);
  });
});

describe("the state the controller, the API and the CLI report", () => {
  const at = T("2026-12-02T22:30:00Z");
  it("says which window blocks, and when syncs are allowed again", () => {
    const s = syncWindowState([w({ manualSync: true })], app, at);
    assert.equal(s.automated.allowed, false);
    assert.equal(s.manual.allowed, true);
    assert.equal(blockedMessage(s.automated, "automated sync"), "automated sync is blocked by sync window 0 (deny '0 22 * * *' 1h); syncs are allowed again at 2026-12-02T23:00:00Z");
    assert.equal(windowSummary(s), "Manual Allowed — deny '0 22 * * *' 1h; opens at 2026-12-02T23:00:00Z");
  });
  it("says Sync Denied for a window without manualSync, and names the inactive allow windows", () => {
    const s = syncWindowState([w({ kind: "allow", schedule: "0 2 * * *", timeZone: "Europe/Berlin" })], app, at);
    assert.equal(windowSummary(s), "Sync Denied — allow '0 2 * * *' 1h (Europe/Berlin) not active; opens at 2026-12-03T01:00:00Z");
    assert.match(blockedMessage(s.manual, "manual sync"), /manual sync is blocked by sync window 0 \(allow '0 2 \* \* \*' 1h \(Europe\/Berlin\), not active\); manual syncs are allowed again at 2026-12-03T01:00:00Z \(a window with manualSync: true/);
  });
  it("reads the project object as stored; none or the implicit project: no windows", () => {
    assert.equal(appSyncWindows(app, undefined, at).automated.allowed, true);
    assert.equal(windowSummary(appSyncWindows(app, undefined, at)), "Sync Allowed (no sync windows apply)");
    const proj = { spec: { syncWindows: [w({})] } };
    assert.equal(appSyncWindows(app, proj, at).automated.allowed, false);
    assert.equal(appSyncWindows(app, proj, T("2026-12-02T23:30:00Z")).automated.allowed, true);
  });
});
