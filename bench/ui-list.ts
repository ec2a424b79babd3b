/**
 * Benchmark (issue 11): the applications list in Chromium with 10,000 Applications — time to interactive,
 * search response, 100 status updates a second without long tasks, and the page's JS heap.
 *
 * The apps (seeded once, `--create-concurrency` at a time, server-side apply then the status subresource,
 * as the controller writes it: bench/server-common.ts's app and synced-app status) are varied so the
 * filters have something to do: four projects (team-0…team-3), labels team/tier/env, sync Synced (80 %),
 * OutOfSync (15 %) or Unknown (5 %), health Healthy (70 %), Progressing, Degraded (10 % each), Missing,
 * Suspended (5 % each). plumb server runs in this process with the controller off; Chromium logs in as
 * admin through the form. Then:
 *
 *   1. list interactive (`--runs` times, each in a new tab with the session cookie set): from navigation
 *      start (page.goto of /applications) to the performance mark "plumb:list-ready" (its startTime is
 *      relative to navigation start); a page without the mark: the first frame with a `[data-app]` row.
 *      The HTTP cache is warm (a returning visitor) unless `--cold`. Resource Timing splits it: the list
 *      request's own time (sent → last byte) and the page's part after that answer.
 *   2. search response (`--queries` different queries, each matching ~1 % of the apps, e.g. "app-001"
 *      of 10,000): fill `input[name="search"]` (one input event, as a paste), time from that event (a
 *      capture listener installed before the page's scripts) to the mark "plumb:list-filtered"; without
 *      the mark, to the first frame where `[data-testid="app-count"]` shows another text. The box is
 *      cleared (and the list back to all apps) between queries.
 *   3. updates: for `--update-seconds` (10) s, `--updates-per-second` (100) apps' status patched each
 *      second from here at a steady pace (status subresource, merge patch, sync and health flipped, up to
 *      `--update-concurrency` in flight), among them the rows on screen; in the page, the long tasks of
 *      that window (a PerformanceObserver of "longtask", buffered). Then the rows on screen must
 *      show the health last written (the updates reached the page).
 *   4. the JS heap in use after a forced GC, and the DOM's node count, with every app loaded.
 *
 *   npm run build && npm --prefix ui run build && node dist/bench/ui-list.js [--apps 10000] [--runs 5] [--queries 10] [--update-seconds 10] [--updates-per-second 100] [--cold] [--create-concurrency 16] [--update-concurrency 32] [--parts interactive,search,updates,heap]
 *
 * Output: a table on stderr, one JSON line on stdout (machine, date, /proc/stat busy and steal over the
 * measurements, figures).
 */
import { parseArgs } from "node:util";
import type { Page } from "playwright-core";
import type { Resources } from "../src/cluster/resources.js";
import { mapLimit, sleep } from "../src/core/concurrency.js";
import { Harness } from "./controller-common.js";
import { appName, benchApp, benchStatus, patchStatus } from "./server-common.js";
import { cpuMeter, longTasks, markCount, markOrSelector, NS, needSelector, pageMetrics, type PageGlobals, requestTiming, type UiWorld, printTable, round1, runInfo, setCache, stats, uiWorld, verdict, waitForMark, waterfall } from "./ui-common.js";

const { values: args } = parseArgs({
  options: {
    apps: { type: "string", default: "10000" },
    runs: { type: "string", default: "5" },
    queries: { type: "string", default: "10" },
    "update-seconds": { type: "string", default: "10" },
    "updates-per-second": { type: "string", default: "100" },
    cold: { type: "boolean", default: false },
    "create-concurrency": { type: "string", default: "16" },
    "update-concurrency": { type: "string", default: "32" },
    /** Which measurements, comma-separated (e.g. "interactive,updates" on a list page without a search box yet). */
    parts: { type: "string", default: "interactive,search,updates,heap" },
  },
});
const APPS = Number(args.apps);
const RUNS = Number(args.runs);
const QUERIES = Number(args.queries);
const UPDATE_SECONDS = Number(args["update-seconds"]);
const PER_SECOND = Number(args["updates-per-second"]);
const CONCURRENCY = Number(args["create-concurrency"]);
const UPDATE_CONCURRENCY = Number(args["update-concurrency"]);
const PARTS = new Set(args.parts.split(","));
for (const p of PARTS) if (!["interactive", "search", "updates", "heap"].includes(p)) throw new Error(`--parts: unknown part "${p}" (interactive, search, updates, heap)`);

const EXTRA_PROJECTS = ["team-2", "team-3"];
const SYNCS = (i: number): string => (i % 20 < 16 ? "Synced" : i % 20 < 19 ? "OutOfSync" : "Unknown");
const HEALTHS = (i: number): string => {
  const k = i % 20;
  return k < 14 ? "Healthy" : k < 16 ? "Progressing" : k < 18 ? "Degraded" : k < 19 ? "Missing" : "Suspended";
};
const BUILT = "is the UI built with the list page merged? npm --prefix ui run build";

/** App `i` of the varied fleet (see the module comment). */
function listApp(i: number): ReturnType<typeof benchApp> {
  const app = benchApp(i);
  const project = `team-${i % 4}`;
  return { ...app, metadata: { ...app.metadata, labels: { ...app.metadata.labels, team: project, env: ["dev", "staging", "prod"][i % 3]! } }, spec: { ...(app.spec as object), project } };
}

async function seed(h: Harness, resources: Resources): Promise<void> {
  for (const p of EXTRA_PROJECTS) {
    await resources.apply({ apiVersion: "plumb.dev/v1alpha1", kind: "AppProject", metadata: { name: p, namespace: NS }, spec: { sourceRepos: ["*"], destinations: [{ server: "*", namespace: "*" }] } });
  }
  let done = 0;
  const t0 = Date.now();
  await mapLimit(
    Array.from({ length: APPS }, (_, i) => i),
    CONCURRENCY,
    async (i) => {
      await resources.apply(listApp(i));
      const status = benchStatus(i, HEALTHS(i));
      await patchStatus(resources, appName(i), { ...status, sync: { ...status.sync, status: SYNCS(i) } });
      if (++done % 1000 === 0) h.log(`created ${done} apps (${Math.round((done / (Date.now() - t0)) * 1000)}/s)`);
    },
  );
}

/** The ~1 %-of-the-apps queries: a name prefix fixing enough digits of app-NNNNN. */
function queries(n: number): Array<{ q: string; matches: number }> {
  const fixed = Math.min(5, Math.max(1, Math.round(5 - Math.log10(Math.max(1, n * 0.01)))));
  const per = 10 ** (5 - fixed);
  const groups = Math.max(1, Math.floor(n / per));
  const picks = [...new Set(Array.from({ length: QUERIES }, (_, k) => Math.floor(((k + 0.5) * groups) / QUERIES)))];
  return picks.map((g) => ({ q: `app-${String(g).padStart(fixed, "0")}`, matches: Math.min(per, n - g * per) }));
}

const h = new Harness("ui-list", 60 * 60_000);

/** 1. Navigation start → "plumb:list-ready" (or the first [data-app] row), `runs` times, each in a new tab; answers the times and the last tab, left open. */
async function listInteractive(world: UiWorld, runs: number): Promise<{ ms: number[]; afterApi: number[]; apiTook: number[]; via: string; page: Page; requests: Awaited<ReturnType<typeof waterfall>> }> {
  const ms: number[] = [];
  const afterApi: number[] = [];
  const apiTook: number[] = [];
  let via = "";
  for (let r = 0; ; r++) {
    const page = await world.browser.page();
    if (args.cold) await setCache(page, false);
    await page.goto(`${world.url}/applications`, { waitUntil: "commit" });
    const seen = await markOrSelector(page, "plumb:list-ready", "[data-app]", { timeoutMs: 60_000, hint: BUILT });
    ms.push(seen.ms);
    via = seen.via;
    const api = await requestTiming(page, /^\/api\/v1\/applications(\?|$)/);
    if (api) afterApi.push(seen.ms - api.responseEndMs);
    if (api) apiTook.push(api.responseEndMs - api.startMs);
    h.log(`list interactive, run ${r + 1}: ${round1(seen.ms)} ms (${seen.via})${api ? `; the list sent at ${api.startMs} ms, answered at ${api.responseEndMs} ms` : ""}`);
    if (r === runs - 1) return { ms, afterApi, apiTook, via, page, requests: await waterfall(page) };
    await page.close();
  }
}

/** 2. Input event → "plumb:list-filtered" (or a new app-count text), per query. */
async function searchResponse(page: Page): Promise<Array<{ q: string; matches: number; ms: number; via: string }>> {
  await needSelector(page, 'input[name="search"]', `the list page has no search box: ${BUILT}`, 15_000);
  const countText = (): Promise<string | null> => page.evaluate(() => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid="app-count"]')?.textContent ?? null);
  const out: Array<{ q: string; matches: number; ms: number; via: string }> = [];
  // Clears the box (when it holds a query) and waits until the list has shown all apps again, so that a
  // query's measure never ends on the clear's render.
  const clear = async (): Promise<void> => {
    if ((await page.inputValue('input[name="search"]')) === "") return;
    const k = await markCount(page, "plumb:list-filtered");
    const t = await countText();
    await page.fill('input[name="search"]', "");
    await page
      .waitForFunction(([mark, n, old]) => performance.getEntriesByName(mark as string, "mark").length > (n as number) || ((globalThis as unknown as PageGlobals).document.querySelector('[data-testid="app-count"]')?.textContent ?? null) !== old, ["plumb:list-filtered", k, t] as const, { timeout: 15_000, polling: "raf" })
      .catch(() => {
        throw new Error(`clearing the search box re-rendered nothing within 15 s (no new "plumb:list-filtered", app-count still "${t}")`);
      });
    await sleep(200);
  };
  for (const { q, matches } of queries(APPS)) {
    await clear();
    const before = await markCount(page, "plumb:list-filtered");
    const textBefore = await countText();
    await page.fill('input[name="search"]', q);
    let end: number;
    let how: string;
    if (before > 0 || (await markCount(page, "plumb:list-filtered")) > 0) {
      end = await waitForMark(page, "plumb:list-filtered", { after: before, timeoutMs: 15_000, hint: "the search box changed but the list never set plumb:list-filtered again" });
      how = "mark";
    } else {
      if (textBefore === null) throw new Error(`neither the mark "plumb:list-filtered" nor [data-testid="app-count"] on ${page.url()}: ${BUILT}`);
      try {
        const handle = await page.waitForFunction(
          ([mark, old]) => {
            const m = performance.getEntriesByName(mark, "mark").at(-1);
            if (m) return m.startTime;
            const t = (globalThis as unknown as PageGlobals).document.querySelector('[data-testid="app-count"]')?.textContent ?? null;
            return t !== old ? performance.now() : false;
          },
          ["plumb:list-filtered", textBefore] as const,
          { timeout: 15_000, polling: "raf" },
        );
        end = (await handle.jsonValue()) as number;
      } catch {
        throw new Error(`after typing "${q}", neither the mark "plumb:list-filtered" nor a new [data-testid="app-count"] text (still "${textBefore}") within 15 s`);
      }
      how = "app-count";
    }
    const input = await page.evaluate(() => (globalThis as unknown as PageGlobals).__plumbLastInput);
    out.push({ q, matches, ms: end - input, via: how });
    h.log(`search "${q}" (${matches} apps): ${round1(end - input)} ms (${how})`);
  }
  await clear();
  return out;
}

interface UpdateFigures {
  perSecond: number;
  seconds: number;
  patched: number;
  windowS: number;
  achievedPerSecond: number;
  latestPatchLateMs: number;
  rowsChecked: number;
  longTasks: Awaited<ReturnType<typeof longTasks>>;
}

/** 3. PER_SECOND status patches a second for UPDATE_SECONDS s (the rows on screen among them); long tasks meanwhile; the rows must show the last health. */
async function updates(world: UiWorld, page: Page): Promise<UpdateFigures> {
  const onScreen = await page.$$eval("[data-app]", (rows) => rows.slice(0, 20).map((r) => r.getAttribute("data-app") ?? ""));
  if (onScreen.length === 0) throw new Error(`no [data-app] row on screen: ${BUILT}`);
  const since = await page.evaluate(() => performance.now());
  const last = new Map<string, string>();
  let patched = 0;
  const t0 = Date.now();
  // Patch k is due at t0 + k / PER_SECOND s; UPDATE_CONCURRENCY workers send them in order, each waiting
  // for its due time (a steady rate, not a burst each second). Each second's patches flip the health and
  // sync of that second's apps: the rows on screen and others spread over the fleet.
  const plan: Array<{ due: number; name: string; health: string; sync: string }> = [];
  for (let s = 0; s < UPDATE_SECONDS; s++) {
    const names = new Set(onScreen);
    for (let k = 0; names.size < Math.min(PER_SECOND, APPS); k++) names.add(appName((s * PER_SECOND * 7 + k * 97) % APPS));
    [...names].forEach((name, k) => plan.push({ due: t0 + s * 1000 + (k * 1000) / PER_SECOND, name, health: s % 2 === 0 ? "Degraded" : "Progressing", sync: s % 2 === 0 ? "OutOfSync" : "Synced" }));
  }
  let lateMs = 0;
  await mapLimit(plan, UPDATE_CONCURRENCY, async (p) => {
    const wait = p.due - Date.now();
    if (wait > 0) await sleep(wait);
    else lateMs = Math.max(lateMs, -wait);
    await patchStatus(world.resources, p.name, { sync: { status: p.sync }, health: { status: p.health }, reconciledAt: new Date().toISOString().replace(/\.\d+Z$/, "Z") });
    last.set(p.name, p.health);
    patched++;
  });
  const windowS = (Date.now() - t0) / 1000;
  const tasks = await longTasks(page, since);
  // The rows on screen must show the health written last; a row may have left the screen (a list sorted
  // by status), so the rows still there are judged.
  const want = onScreen.map((n) => [n, last.get(n)!] as const);
  const deadline = Date.now() + 10_000;
  let stale: string[] = [];
  let present = 0;
  for (;;) {
    const seen = await page.evaluate((w) => w.map(([n, hl]) => ({ n, hl, text: (globalThis as unknown as PageGlobals).document.querySelector(`[data-app="${n}"]`)?.textContent ?? null })), want as Array<readonly [string, string]>);
    present = seen.filter((r) => r.text !== null).length;
    stale = seen.filter((r) => r.text !== null && !r.text.includes(r.hl)).map((r) => r.n);
    if (present > 0 && stale.length === 0) break;
    if (Date.now() > deadline) throw new Error(`the updates did not reach the page within 10 s: ${present === 0 ? "none of the patched rows is on screen any more" : `${stale.length} of ${present} patched rows on screen do not show their last health (${stale.slice(0, 5).join(", ")})`}`);
    await sleep(200);
  }
  if (patched / windowS < PER_SECOND * 0.9) h.log(`WARNING: the cluster took ${round1(patched / windowS)} patches/s, not ${PER_SECOND}: the page had fewer updates to show than asked (a busy or stolen machine; try --update-concurrency 64)`);
  h.log(`updates: ${patched} patches in ${windowS.toFixed(1)} s; long tasks ${JSON.stringify(tasks)}; ${present} rows on screen show the last health`);
  return { perSecond: PER_SECOND, seconds: UPDATE_SECONDS, patched, windowS: round1(windowS), achievedPerSecond: round1(patched / windowS), latestPatchLateMs: Math.round(lateMs), rowsChecked: present, longTasks: tasks };
}

await h.run(async () => {
  const world = await uiWorld(h, { name: "bench-ui-list", seed: (r) => seed(h, r) });
  const cpu = cpuMeter();
  await world.page.close();
  const first = await listInteractive(world, PARTS.has("interactive") ? RUNS : 1);
  const page = first.page;
  const search = PARTS.has("search") ? await searchResponse(page) : undefined;
  const upd = PARTS.has("updates") ? await updates(world, page) : undefined;
  const metrics = PARTS.has("heap") ? await pageMetrics(page) : undefined;
  const usage = cpu();

  const rows: Array<Array<string | number>> = [];
  const inter = stats(first.ms);
  if (PARTS.has("interactive")) rows.push([`list interactive, ${APPS} apps (${RUNS} runs, ${args.cold ? "cold" : "warm"} cache, via ${first.via})`, `${inter.median} ms`, `${inter.min}–${inter.max} ms`, "≤ 1500 ms", verdict(inter.median, 1500)]);
  const after = first.afterApi.length > 0 ? stats(first.afterApi) : undefined;
  const took = first.apiTook.length > 0 ? stats(first.apiTook) : undefined;
  if (PARTS.has("interactive") && took) rows.push(["the list request, sent → last byte (the server's part)", `${took.median} ms`, `${took.min}–${took.max} ms`, "", ""]);
  if (PARTS.has("interactive") && after) rows.push(["of which after the list answer's last byte (the page's own part)", `${after.median} ms`, `${after.min}–${after.max} ms`, "", ""]);
  const srch = search ? stats(search.map((s) => s.ms)) : undefined;
  if (search && srch) rows.push([`search response (${search.length} queries of ~1 %, via ${[...new Set(search.map((s) => s.via))].join("/")})`, `${srch.median} ms`, `${srch.min}–${srch.max} ms`, "≤ 100 ms", verdict(srch.median, 100)]);
  if (upd) rows.push([`${PER_SECOND} updates/s for ${UPDATE_SECONDS} s (${upd.achievedPerSecond}/s achieved): long tasks > 50 ms`, upd.longTasks ? `${upd.longTasks.over50} (longest ${upd.longTasks.longestMs} ms)` : "n/a", "", "0", upd.longTasks ? (upd.longTasks.over50 === 0 ? "met" : "NOT met") : ""]);
  if (metrics) rows.push([`JS heap used after GC, ${APPS} apps`, `${metrics.jsHeapUsedMiB} MiB`, `${metrics.domNodes} DOM nodes`, "", ""]);
  printTable(["measure", "median", "min–max", "goal", ""], rows);
  process.stderr.write(`machine busy ${usage.busyPct} %, steal ${usage.stealPct} % (${usage.note}); browser problems: ${world.browser.problems.length}\n`);
  process.stdout.write(
    `${JSON.stringify({
      benchmark: "ui-list",
      ...runInfo(),
      cpuOverRun: usage,
      apps: APPS,
      cache: args.cold ? "cold" : "warm",
      ...(PARTS.has("interactive") ? { listInteractiveMs: { ...inter, via: first.via }, ...(after ? { afterListAnswerMs: after } : {}), ...(took ? { listRequestMs: took } : {}) } : {}),
      ...(search && srch ? { searchMs: { ...srch, queries: search.map((s) => ({ ...s, ms: round1(s.ms) })) } } : {}),
      waterfallOfLastOpen: first.requests,
      ...(upd ? { updates: upd } : {}),
      ...(metrics ? { page: metrics } : {}),
      browserProblems: world.browser.problems.slice(0, 20),
    })}\n`,
  );
});
