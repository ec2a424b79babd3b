/**
 * Benchmark (issue 11): the resource tree of one Application of 2,000 resources in Chromium — from
 * navigation to the tree drawn, and the time to expand a group of nodes.
 *
 * The app is what a sync leaves, without waiting for one: its Git repository (on the loopback Git server)
 * holds `--resources` small ConfigMaps in `--files` plain-YAML files; the same ConfigMaps are created in
 * the cluster by server-side apply with plumb's field manager and tracking label and annotation
 * (src/core/tracking.ts withTracking: exactly what the engine applies), and the app's status is the one
 * the controller writes after that sync (Synced at the commit, Healthy, every ConfigMap listed in
 * status.resources). The server's resource tree finds them as it finds any app's objects: the status
 * entries, and the tracking label's watch cache (src/server/tree/children.ts). The controller stays off:
 * a sync of 2,000 objects would measure the engine, not the page. Before the browser starts, the API's
 * resource-tree answer must hold all of them.
 *
 * Per run (`--runs`, each in a new tab with the session cookie set):
 *   1. open: from navigation start (page.goto of /applications/plumb/<app>?view=tree) to the performance
 *      mark "plumb:tree-ready" (split by Resource Timing: the resource-tree request's own time, and the
 *      page's part after its answer);
 *   2. expand: a click on the first `[data-group]` node (a collapsed group; `--group-selector`), timed in
 *      the page from the click to the first frame that holds more `[data-node-key]` elements
 *      (`--node-selector`) than before — a tree drawn by viewport never holds all 2,000 — or a new
 *      "plumb:tree-ready" mark, once that frame is painted (a task after the next animation frame). A
 *      tree without a `[data-group]` (nothing collapsed) reports expand as not applicable.
 * Then the JS heap after a forced GC and the DOM's node count with the tree open.
 *
 *   npm run build && npm --prefix ui run build && node dist/bench/ui-tree.js [--resources 2000] [--files 4] [--runs 5] [--cold] [--node-selector '[data-node-key]'] [--group-selector '[data-group]'] [--check-synced]
 *
 * Output: a table on stderr, one JSON line on stdout.
 */
import { parseArgs } from "node:util";
import type { Page } from "playwright-core";
import { stringify } from "yaml";
import type { Resources } from "../src/cluster/resources.js";
import { mapLimit } from "../src/core/concurrency.js";
import type { KubeObject } from "../src/core/object.js";
import { withTracking } from "../src/core/tracking.js";
import type { GitServer } from "../src/gitserver/server.js";
import { Harness } from "./controller-common.js";
import { patchStatus } from "./server-common.js";
import { apiGet, comparedStatus, cpuMeter, gitApp, NS, pageMetrics, type PageGlobals, printTable, pushRepo, round1, runInfo, stats, timedOpens, uiWorld, verdict, waterfall } from "./ui-common.js";

const { values: args } = parseArgs({
  options: {
    resources: { type: "string", default: "2000" },
    files: { type: "string", default: "4" },
    runs: { type: "string", default: "5" },
    cold: { type: "boolean", default: false },
    "node-selector": { type: "string", default: "[data-node-key]" },
    "group-selector": { type: "string", default: "[data-group]" },
    "create-concurrency": { type: "string", default: "16" },
    /** Also ask the API's managed-resources (a server-side dry run of every object: slow) and require every ConfigMap Synced. */
    "check-synced": { type: "boolean", default: false },
  },
});
const N = Number(args.resources);
const FILES = Math.max(1, Number(args.files));
const RUNS = Number(args.runs);
const NODE = args["node-selector"];
const GROUP = args["group-selector"];
const APP = "big-tree";
const DEST = "bench-tree";
const HINT = "is the UI built with the app page's tree view merged (it sets performance.mark(\"plumb:tree-ready\") once drawn)? npm --prefix ui run build";

const configMap = (i: number): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `cm-${String(i).padStart(4, "0")}`, namespace: DEST }, data: { index: String(i), colour: ["red", "green", "blue"][i % 3]! } });

async function seed(h: Harness, resources: Resources, git: GitServer): Promise<void> {
  const files: Record<string, string> = {};
  for (let f = 0; f < FILES; f++) {
    const docs: string[] = [];
    for (let i = f; i < N; i += FILES) docs.push(stringify(configMap(i)));
    files[`configmaps-${f}.yaml`] = docs.join("---\n");
  }
  const { url, sha } = await pushRepo(h, git, "tree", files);
  await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: DEST } });
  let done = 0;
  await mapLimit(
    Array.from({ length: N }, (_, i) => i),
    Number(args["create-concurrency"]),
    async (i) => {
      await resources.apply(withTracking(configMap(i), APP));
      if (++done % 500 === 0) h.log(`${done} ConfigMaps`);
    },
  );
  const app = gitApp(APP, url, DEST);
  await resources.apply(app);
  const entries = Array.from({ length: N }, (_, i) => ({ group: "", version: "v1", kind: "ConfigMap", namespace: DEST, name: configMap(i).metadata.name, status: "Synced" as const }));
  await patchStatus(resources, APP, comparedStatus(app, sha, entries));
}

const h = new Harness("ui-tree", 30 * 60_000);

await h.run(async () => {
  const world = await uiWorld(h, { name: "bench-ui-tree", git: true, seed: (r, git) => seed(h, r, git!) });
  const tree = await apiGet<{ nodes?: unknown[] }>(world, `/api/v1/applications/${APP}/resource-tree?appNamespace=${NS}`);
  const nodes = tree.nodes?.length ?? 0;
  if (nodes < N) throw new Error(`the API's resource tree holds ${nodes} nodes, want ${N}: the seeding is wrong, not the page`);
  h.log(`the API's tree: ${nodes} nodes`);
  if (args["check-synced"]) {
    const managed = await apiGet<{ items: Array<{ status?: string }> }>(world, `/api/v1/applications/${APP}/managed-resources?appNamespace=${NS}`);
    const synced = managed.items.filter((i) => i.status === "Synced").length;
    if (synced !== N) throw new Error(`managed-resources: ${synced} of ${managed.items.length} Synced, want all ${N}: the seeded objects differ from what a sync leaves`);
    h.log(`managed-resources: all ${synced} ConfigMaps Synced (the cluster holds what a sync of the repository leaves)`);
  }
  await world.page.close();
  const cpu = cpuMeter();

  const open: number[] = [];
  const afterApi: number[] = [];
  const apiTook: number[] = [];
  const expand: number[] = [];
  let expandVia = "";
  let expandNote: string | undefined;
  let lastPage: Page | undefined;
  let lastWaterfall: Awaited<ReturnType<typeof waterfall>> = [];
  for (let r = 0; r < RUNS; r++) {
    const { ms, apiEndMs, apiTookMs, page } = await timedOpens(h, world, `/applications/${NS}/${APP}?view=tree`, "plumb:tree-ready", 1, { cold: args.cold, hint: HINT, firstRun: r + 1, api: /^\/api\/v1\/applications\/[^/]+\/resource-tree/ });
    open.push(ms[0]!);
    if (r === RUNS - 1) lastWaterfall = await waterfall(page);
    if (apiEndMs[0] !== undefined) afterApi.push(ms[0]! - apiEndMs[0]);
    if (apiTookMs[0] !== undefined) apiTook.push(apiTookMs[0]);
    await lastPage?.close();
    lastPage = page;
    if (expandNote) continue;
    const group = await page.waitForSelector(GROUP, { timeout: 5_000, state: "visible" }).catch(() => null);
    if (!group) {
      const shown = await page.evaluate((sel) => (globalThis as unknown as PageGlobals).document.querySelectorAll(sel).length, NODE);
      expandNote = `no ${GROUP} node after the tree was drawn (${shown} ${NODE} elements shown): nothing to expand`;
      h.log(expandNote);
      continue;
    }
    // In the page, without a round trip: click, then wait for frames until more nodes are drawn than
    // before (a tree drawn by viewport never holds all of them) or a new tree-ready mark, then for that
    // frame to be painted (a task after the next animation frame).
    const seen = (await page.evaluate(
      ([gsel, nsel]) =>
        new Promise<{ ms: number; via: string; before: number; after: number } | { timeout: number }>((done) => {
          const w = globalThis as unknown as { document: { querySelector(s: string): { click(): void } | null; querySelectorAll(s: string): { length: number } }; requestAnimationFrame(cb: () => void): number };
          const marks = (): number => performance.getEntriesByName("plumb:tree-ready", "mark").length;
          const before = w.document.querySelectorAll(nsel).length;
          const k = marks();
          const t0 = performance.now();
          w.document.querySelector(gsel)!.click();
          const check = (): void => {
            const now = w.document.querySelectorAll(nsel).length;
            const via = marks() > k ? "mark" : now > before ? "nodes" : "";
            if (via) w.requestAnimationFrame(() => setTimeout(() => done({ ms: performance.now() - t0, via, before, after: now })));
            else if (performance.now() - t0 > 30_000) done({ timeout: now });
            else w.requestAnimationFrame(check);
          };
          w.requestAnimationFrame(check);
        }),
      [GROUP, NODE] as const,
    )) as { ms: number; via: string; before: number; after: number } | { timeout: number };
    if ("timeout" in seen) throw new Error(`after a click on ${GROUP}, neither a new "plumb:tree-ready" mark nor more ${NODE} elements within 30 s (${seen.timeout} shown): ${HINT}`);
    expand.push(seen.ms);
    expandVia = `${seen.via}: ${seen.before} → ${seen.after} ${NODE}`;
    h.log(`expand, run ${r + 1}: ${round1(seen.ms)} ms (${expandVia})`);
  }
  const metrics = await pageMetrics(lastPage!);
  const usage = cpu();

  const o = stats(open);
  const a = afterApi.length > 0 ? stats(afterApi) : undefined;
  const took = apiTook.length > 0 ? stats(apiTook) : undefined;
  const e = expand.length > 0 ? stats(expand) : undefined;
  printTable(
    ["measure", "median", "min–max", "goal", ""],
    [
      [`tree of ${N} resources drawn (${RUNS} runs, ${args.cold ? "cold" : "warm"} cache)`, `${o.median} ms`, `${o.min}–${o.max} ms`, "≤ 1000 ms", verdict(o.median, 1000)],
      ...(took ? [["the resource-tree request, sent → last byte (the server's part)", `${took.median} ms`, `${took.min}–${took.max} ms`, "", ""]] : []),
      ...(a ? [["of which after the resource-tree answer's last byte (the page's own part)", `${a.median} ms`, `${a.min}–${a.max} ms`, "", ""]] : []),
      e ? [`a group expanded (click → the next painted frame with more nodes; ${expandVia})`, `${e.median} ms`, `${e.min}–${e.max} ms`, "", ""] : ["a group expanded", "n/a", expandNote ?? "", "", ""],
      ["JS heap used after GC, tree open", `${metrics.jsHeapUsedMiB} MiB`, `${metrics.domNodes} DOM nodes`, "", ""],
    ],
  );
  process.stderr.write(`machine busy ${usage.busyPct} %, steal ${usage.stealPct} % (${usage.note}); browser problems: ${world.browser.problems.length}\n`);
  process.stdout.write(
    `${JSON.stringify({
      benchmark: "ui-tree",
      ...runInfo(),
      cpuOverRun: usage,
      resources: N,
      files: FILES,
      apiTreeNodes: nodes,
      cache: args.cold ? "cold" : "warm",
      treeReadyMs: o,
      ...(a ? { afterApiAnswerMs: a } : {}),
      ...(took ? { apiRequestMs: took } : {}),
      expandMs: e ? { ...e, via: expandVia } : { note: expandNote },
      waterfallOfLastOpen: lastWaterfall,
      page: metrics,
      browserProblems: world.browser.problems.slice(0, 20),
    })}\n`,
  );
});
