/**
 * What the web UI's browser benchmarks share (ui-list.ts, ui-tree.ts, ui-diff.ts; ui-bundle.ts uses the
 * printing part only): a world of a local cluster, `plumb server` in this process with the controller off
 * (a silent log, the real authentication and RBAC), a Git server when asked, and Chromium (the browser
 * tests' own launch, test/helpers/browser.ts) logged in as admin through the login form; and, in the page,
 * the readers of what the UI reports about itself — performance marks ("plumb:list-ready" and the like),
 * long tasks (a PerformanceObserver installed before any page script runs), the JS heap and DOM size (CDP
 * Performance.getMetrics) — plus the machine's CPU and steal over a run (/proc/stat, docs/benchmarks.md's
 * preamble), medians, and a Markdown table.
 *
 * The server serves this worktree's ui/dist, or the folder in PLUMB_BENCH_UI_DIR (another build of the UI,
 * e.g. a branch's, to measure it before it is merged).
 *
 * A mark or selector that never appears fails the benchmark with a sentence saying what to check, never a
 * bare timeout.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { pino } from "pino";
import { installCRDs } from "../src/apps/index.js";
import { KubeClient } from "../src/cluster/client.js";
import { Resources } from "../src/cluster/resources.js";
import { GitSources } from "../src/controller/git-sources.js";
import { startGitServer, type GitServer } from "../src/gitserver/server.js";
import { WorkDir } from "../src/gitserver/workdir.js";
import type { KubeObject } from "../src/core/object.js";
import { startLocalCluster, type LocalCluster } from "../src/localcluster/cluster.js";
import { startServer, type RunningServer } from "../src/server/server.js";
import { browserSkip, CHROMIUM, launchBrowser, logIn, type TestBrowser } from "../test/helpers/browser.js";
import { machine, machineCpu, quantile, type Harness } from "./controller-common.js";
import { benchSettings, NS } from "./server-common.js";

export { NS };

/** What a UI benchmark runs against. */
export interface UiWorld {
  cluster: LocalCluster;
  resources: Resources;
  server: RunningServer;
  url: string;
  adminPassword: string;
  git?: GitServer;
  browser: TestBrowser;
  /** A page logged in as admin (the session cookie is the context's: new pages share it). */
  page: Page;
}

/** Fails at once, with what to do, when Chromium or the built UI is missing. */
export function requireBrowser(): void {
  if (process.env.PLUMB_BENCH_UI_DIR && existsSync(join(process.env.PLUMB_BENCH_UI_DIR, "index.html")) && existsSync(CHROMIUM)) return;
  if (browserSkip) throw new Error(`cannot run a browser benchmark: ${browserSkip}`);
}

/**
 * A local cluster (plumb's CRDs, the namespace, the benchmarks' AppProjects and settings), a Git server
 * when `git`, plumb server in-process with the controller off. `seed` runs once the cluster is ready and
 * before the server starts (so its caches start full); then Chromium logs in. Everything is stopped at the
 * harness's cleanup.
 */
export async function uiWorld(h: Harness, opts: { name: string; git?: boolean; seed?: (resources: Resources, git: GitServer | undefined) => Promise<void> }): Promise<UiWorld> {
  requireBrowser();
  const cluster = await startLocalCluster({ name: opts.name, nodes: 1 });
  h.defer("local cluster", () => cluster.stop());
  const resources = new Resources(await KubeClient.fromKubeConfig(cluster.kubeConfig));
  h.defer("client", () => resources.client.close());
  await installCRDs(resources);
  await benchSettings(resources);
  let git: GitServer | undefined;
  if (opts.git) {
    git = await startGitServer();
    h.defer("git server", () => git!.close());
  }
  h.log("cluster ready; seeding");
  const t0 = Date.now();
  await opts.seed?.(resources, git);
  h.log(`seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const cacheDir = mkdtempSync(join(tmpdir(), "plumb-bench-ui-"));
  h.defer("server cache dir", () => rmSync(cacheDir, { recursive: true, force: true }));
  const log = pino({ level: process.env.PLUMB_BENCH_LOG ?? "silent" });
  const repos = new GitSources({ cacheDir, pollIntervalMs: 3_600_000, resources, log, secretsNamespace: NS });
  h.defer("server git sources", () => repos.close());
  const uiDir = process.env.PLUMB_BENCH_UI_DIR;
  if (uiDir) h.log(`serving the UI of ${uiDir} (PLUMB_BENCH_UI_DIR)`);
  const server = await startServer({ resources, namespace: NS, log, version: "bench", repos, port: 0, tls: "none", controller: false, ...(uiDir ? { uiDir } : {}) });
  h.defer("server", () => server.close());
  if (git) {
    // The server's mirrors fetch the apps' repositories first, as a running installation's would have
    // (its controller syncs from them), so the page's first look finds the commits there.
    const apps = await resources.list("plumb.dev/v1alpha1", "Application", { namespace: NS });
    const urls = new Set(apps.items.map((a) => (a.spec as { source?: { repoURL?: string } } | undefined)?.source?.repoURL).filter((u): u is string => !!u && u.startsWith(git.url)));
    for (const u of urls) {
      repos.watch(u);
      await repos.refresh(u);
    }
    if (urls.size > 0) h.log(`the server's mirrors fetched ${urls.size} ${urls.size === 1 ? "repository" : "repositories"}`);
  }
  const adminPassword = server.generatedAdminPassword ?? "";
  if (!adminPassword) throw new Error("the server generated no admin password (a fresh cluster should get one)");

  const browser = await launchBrowser();
  h.defer("browser", () => browser.close());
  await browser.context.addInitScript({ content: PAGE_PROBES });
  // Before the login the page asks who is logged in: a 401, as designed.
  browser.expectFailure(/\/api\/v1\/session\/userinfo$/, 401);
  const page = await browser.page();
  await logIn(page, server.url, "admin", adminPassword).catch((err: unknown) => {
    throw new Error(`could not log in through the form at ${server.url} (is the UI built? npm --prefix ui run build): ${err instanceof Error ? err.message : String(err)}`);
  });
  h.log(`logged in at ${server.url}`);
  return { cluster, resources, server, url: server.url, adminPassword, ...(git ? { git } : {}), browser, page };
}

/**
 * Installed in every page before its scripts (addInitScript, which CSP does not block): long tasks,
 * buffered from the start, into window.__plumbLongTasks; the time of the last `input` event (capture
 * phase, before any handler of the page) into window.__plumbLastInput, of the last click into
 * window.__plumbLastClick.
 */
const PAGE_PROBES = `(() => {
  window.__plumbLongTasks = [];
  window.__plumbLastInput = -1;
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__plumbLongTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: "longtask", buffered: true });
  } catch (e) { window.__plumbLongTasks = null; }
  window.__plumbLastClick = -1;
  document.addEventListener("input", () => { window.__plumbLastInput = performance.now(); }, true);
  document.addEventListener("click", () => { window.__plumbLastClick = performance.now(); }, true);
})();`;

/**
 * What the page's globals look like to code run in it through page.evaluate (the root project has no DOM
 * types): `const g = globalThis as unknown as PageGlobals` inside the callback.
 */
export interface PageGlobals {
  document: { querySelector(selector: string): { textContent: string | null } | null; querySelectorAll(selector: string): { length: number } };
  __plumbLongTasks: Array<{ start: number; duration: number }> | null;
  __plumbLastInput: number;
  __plumbLastClick: number;
}

/** How many entries of the performance mark `name` the page has. */
export function markCount(page: Page, name: string): Promise<number> {
  return page.evaluate((n) => performance.getEntriesByName(n, "mark").length, name);
}

/**
 * Waits until the page has more than `after` entries of the mark `name` and answers the newest one's
 * startTime (ms since the page's navigation start). Throws `hint` (a sentence) after `timeoutMs`.
 */
export async function waitForMark(page: Page, name: string, opts: { after?: number; timeoutMs?: number; hint: string }): Promise<number> {
  const after = opts.after ?? 0;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  try {
    await page.waitForFunction(([n, k]) => performance.getEntriesByName(n as string, "mark").length > (k as number), [name, after] as const, { timeout: timeoutMs, polling: "raf" });
  } catch {
    throw new Error(`no performance mark "${name}" after ${Math.round(timeoutMs / 1000)} s on ${page.url()}: ${opts.hint}`);
  }
  return page.evaluate((n) => performance.getEntriesByName(n, "mark").at(-1)!.startTime, name);
}

/**
 * The mark `name` if the page sets one, else the first frame where `selector` matches (performance.now()
 * then): for pages that predate the mark. Answers the time and which signal gave it.
 */
export async function markOrSelector(page: Page, name: string, selector: string, opts: { timeoutMs?: number; hint: string }): Promise<{ ms: number; via: "mark" | "selector" }> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  try {
    const handle = await page.waitForFunction(
      ([n, sel]) => {
        const mark = performance.getEntriesByName(n, "mark")[0];
        if (mark) return { ms: mark.startTime, via: "mark" as const };
        return (globalThis as unknown as PageGlobals).document.querySelector(sel) ? { ms: performance.now(), via: "selector" as const } : false;
      },
      [name, selector] as const,
      { timeout: timeoutMs, polling: "raf" },
    );
    const seen = (await handle.jsonValue()) as { ms: number; via: "mark" | "selector" };
    if (seen.via === "selector") {
      // The selector may have come first in a frame where the mark was set too: prefer the mark.
      const mark = await page.evaluate((n) => performance.getEntriesByName(n, "mark")[0]?.startTime, name);
      if (mark !== undefined) return { ms: mark, via: "mark" };
    }
    return seen;
  } catch {
    throw new Error(`neither the performance mark "${name}" nor ${selector} after ${Math.round(timeoutMs / 1000)} s on ${page.url()}: ${opts.hint}`);
  }
}

/**
 * The page's last fetch whose URL path matches `pathRegex` (Resource Timing, ms since navigation start):
 * when it was sent and when its answer's last byte arrived — what the server's part of a measure was.
 */
export async function requestTiming(page: Page, pathRegex: RegExp): Promise<{ url: string; startMs: number; responseEndMs: number } | undefined> {
  return page.evaluate((src) => {
    const re = new RegExp(src);
    const hit = (performance.getEntriesByType("resource") as unknown as Array<{ name: string; startTime: number; responseEnd: number }>).filter((e) => re.test(new URL(e.name).pathname + new URL(e.name).search)).at(-1);
    return hit ? { url: hit.name.replace(/^https?:\/\/[^/]+/, ""), startMs: Math.round(hit.startTime * 10) / 10, responseEndMs: Math.round(hit.responseEnd * 10) / 10 } : undefined;
  }, pathRegex.source);
}

/** Every request the page made so far, in order: path, sent and last byte (ms since navigation start). */
export function waterfall(page: Page): Promise<Array<{ path: string; startMs: number; endMs: number }>> {
  return page.evaluate(() =>
    (performance.getEntriesByType("resource") as unknown as Array<{ name: string; startTime: number; responseEnd: number }>).map((e) => ({ path: e.name.replace(/^https?:\/\/[^/]+/, ""), startMs: Math.round(e.startTime), endMs: Math.round(e.responseEnd) })),
  );
}

/** Fails with `hint` unless `selector` matches within `timeoutMs`. */
export async function needSelector(page: Page, selector: string, hint: string, timeoutMs = 30_000): Promise<void> {
  try {
    await page.waitForSelector(selector, { timeout: timeoutMs, state: "attached" });
  } catch {
    throw new Error(`no ${selector} after ${Math.round(timeoutMs / 1000)} s on ${page.url()}: ${hint}`);
  }
}

/** The long tasks the page has seen since `sinceMs` (its performance clock), or null when the browser has no longtask entries. */
export async function longTasks(page: Page, sinceMs = 0): Promise<{ count: number; over50: number; longestMs: number; totalMs: number } | null> {
  const tasks = await page.evaluate(() => (globalThis as unknown as PageGlobals).__plumbLongTasks);
  if (tasks === null) return null;
  const mine = tasks.filter((t) => t.start >= sinceMs);
  return { count: mine.length, over50: mine.filter((t) => t.duration > 50).length, longestMs: round1(Math.max(0, ...mine.map((t) => t.duration))), totalMs: round1(mine.reduce((s, t) => s + t.duration, 0)) };
}

/** The page's JS heap in use and its DOM node count (CDP Performance.getMetrics), after a forced GC when `gc`. */
export async function pageMetrics(page: Page, gc = true): Promise<{ jsHeapUsedMiB: number; jsHeapTotalMiB: number; domNodes: number }> {
  const cdp = await page.context().newCDPSession(page);
  try {
    if (gc) await cdp.send("HeapProfiler.collectGarbage");
    await cdp.send("Performance.enable");
    const { metrics } = await cdp.send("Performance.getMetrics");
    const get = (n: string): number => metrics.find((m) => m.name === n)?.value ?? NaN;
    return { jsHeapUsedMiB: round1(get("JSHeapUsedSize") / 2 ** 20), jsHeapTotalMiB: round1(get("JSHeapTotalSize") / 2 ** 20), domNodes: get("Nodes") };
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}

/** Turns the page's HTTP cache off (a first visit every time) or on. */
export async function setCache(page: Page, enabled: boolean): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: !enabled });
}

/** A CPU meter over the machine: call the answer at the end for busy and steal in percent of one core. */
export function cpuMeter(): () => { busyPct: number; stealPct: number; note: string } {
  const c0 = machineCpu();
  return () => {
    const c1 = machineCpu();
    const wall = c1.busy + c1.idle + c1.steal - (c0.busy + c0.idle + c0.steal) || 1;
    const pct = (part: number): number => Math.round((part / wall) * cpus().length * 100 * 10) / 10;
    return { busyPct: pct(c1.busy - c0.busy), stealPct: pct(c1.steal - c0.steal), note: `percent of one core (${cpus().length} cores: ${cpus().length * 100} % in all)` };
  };
}

/** The machine line and the date, for the JSON. */
export function runInfo(): { machine: string; date: string } {
  return { machine: machine(), date: new Date().toISOString() };
}

/** The median (nearest rank) of `xs`. */
export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** Median, min and max of `xs`, rounded to 0.1. */
export function stats(xs: readonly number[]): { n: number; median: number; min: number; max: number; runs: number[] } {
  return { n: xs.length, median: round1(median(xs)), min: round1(Math.min(...xs)), max: round1(Math.max(...xs)), runs: xs.map(round1) };
}

export const round1 = (x: number): number => Math.round(x * 10) / 10;

/** Bytes as KiB with one decimal. */
export const kib = (bytes: number): string => (bytes / 1024).toFixed(1);

/** A Markdown table on stderr (stdout holds only the JSON line). */
export function printTable(head: string[], rows: Array<Array<string | number>>): void {
  const line = (cells: Array<string | number>): string => `| ${cells.join(" | ")} |`;
  process.stderr.write(`${[line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n")}\n`);
}

/** "met" / "NOT met" for a measured value against a goal (≤). */
export const verdict = (value: number, goal: number): string => (value <= goal ? "met" : "NOT met");

/** A new repository on the loopback Git server holding `files` on main; answers its URL and the commit. */
export async function pushRepo(h: Harness, git: GitServer, name: string, files: Record<string, string>): Promise<{ url: string; sha: string }> {
  const url = await git.createRepo(name);
  const wd = await WorkDir.clone(url);
  h.defer(`work tree of ${name}`, () => rmSync(wd.dir, { recursive: true, force: true }));
  const sha = await wd.write(files).commit(`${name}: the benchmark's manifests`);
  await wd.push("main");
  return { url, sha };
}

/** An Application of plumb's namespace tracking main of `repoURL` (plain YAML at the root), no automated sync. */
export function gitApp(name: string, repoURL: string, destNamespace: string): KubeObject {
  return {
    apiVersion: "plumb.dev/v1alpha1",
    kind: "Application",
    metadata: { name, namespace: NS },
    spec: { project: "team-0", source: { repoURL, targetRevision: "main", path: "." }, destination: { server: "https://kubernetes.default.svc", namespace: destNamespace } },
  };
}

/** One entry of status.resources. */
export interface StatusEntry {
  group: string;
  version: string;
  kind: string;
  namespace?: string;
  name: string;
  status: "Synced" | "OutOfSync";
  health?: { status: string };
}

/**
 * The status the controller leaves on an app compared at `sha` with these resources: sync Synced unless
 * an entry is OutOfSync, health Healthy, an operation that succeeded and one history entry.
 */
export function comparedStatus(app: KubeObject, sha: string, resources: StatusEntry[]): Record<string, unknown> {
  const spec = app.spec as { source: Record<string, unknown>; destination: Record<string, unknown> };
  const at = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  return {
    sync: { status: resources.some((r) => r.status === "OutOfSync") ? "OutOfSync" : "Synced", revision: sha, comparedTo: { source: spec.source, destination: spec.destination } },
    health: { status: "Healthy" },
    resources,
    reconciledAt: at,
    observedAt: at,
    sourceType: "Directory",
    operationState: { operation: { sync: { revision: sha } }, phase: "Succeeded", message: "successfully synced (all tasks run)", startedAt: at, finishedAt: at, syncResult: { revision: sha, source: spec.source } },
    history: [{ id: 0, revision: sha, deployedAt: at, deployStartedAt: at, source: spec.source }],
    controllerNamespace: NS,
  };
}

/** GET of the server's API as admin (a session of its own); the parsed body, or throws with the status. */
export async function apiGet<T>(world: UiWorld, path: string): Promise<T> {
  const login = await fetch(`${world.url}/api/v1/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "admin", password: world.adminPassword }) });
  const { token } = (await login.json()) as { token: string };
  const res = await fetch(`${world.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

/**
 * `runs` navigations to `path`, each in a new tab (the session cookie set): the startTime of the mark
 * `mark` (ms since navigation start) each time; the last tab stays open and is answered.
 */
export async function timedOpens(h: Harness, world: UiWorld, path: string, mark: string, runs: number, opts: { cold?: boolean; hint: string; timeoutMs?: number; firstRun?: number; api?: RegExp }): Promise<{ ms: number[]; apiEndMs: Array<number | undefined>; apiTookMs: Array<number | undefined>; page: Page }> {
  const ms: number[] = [];
  const apiEndMs: Array<number | undefined> = [];
  const apiTookMs: Array<number | undefined> = [];
  for (let r = 0; ; r++) {
    const page = await world.browser.page();
    if (opts.cold) await setCache(page, false);
    await page.goto(`${world.url}${path}`, { waitUntil: "commit" });
    ms.push(await waitForMark(page, mark, { hint: opts.hint, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) }));
    const api = opts.api ? await requestTiming(page, opts.api) : undefined;
    apiEndMs.push(api?.responseEndMs);
    apiTookMs.push(api ? api.responseEndMs - api.startMs : undefined);
    h.log(`${path} → ${mark}, run ${(opts.firstRun ?? 1) + r}: ${round1(ms.at(-1)!)} ms${api ? ` (${api.url} sent at ${api.startMs} ms, answered at ${api.responseEndMs} ms)` : ""}`);
    if (r === runs - 1) return { ms, apiEndMs, apiTookMs, page };
    await page.close();
  }
}
