/**
 * Benchmark (issue 11): opening the diff of a 5,000-line resource in Chromium.
 *
 * One Application whose one managed resource is a CustomResourceDefinition of ~`--lines` lines of YAML
 * (a big openAPIV3Schema: sections of string fields, each with a description), in a repository on the
 * loopback Git server. The CRD is in the cluster as a sync leaves it (server-side apply with plumb's field
 * manager, tracking label and annotation: src/core/tracking.ts withTracking), then drifted: another field
 * manager changes one description in the middle of the schema (a JSON patch), as a person with kubectl
 * would. The app's status says so (OutOfSync, the CRD listed). The controller stays off (it would not
 * revert it anyway: no automated sync) — the server's managed-resources answer computes the diff from Git
 * and the live object itself, and before the browser starts it must report the CRD modified.
 *
 * Per run (`--runs`, each in a new tab with the session cookie set):
 *   1. open: from navigation start (page.goto of /applications/plumb/<app>?node=<group/kind/ns/name>&tab=diff,
 *      the app page's resource panel on its Diff tab) to the performance mark "plumb:diff-ready" (split by
 *      Resource Timing: the managed-resources request's own time, the page's part after its answer; the
 *      JSON keeps the last open's whole request waterfall);
 *   2. tab: the same page without `tab=diff`, then a click on the `[role="tab"]` named "Diff", from the
 *      click event (a capture listener installed before the page's scripts) to "plumb:diff-ready", noting
 *      whether the click had to ask managed-resources (the panel had not loaded it yet). A panel
 *      without such a tab reports this one as not applicable.
 *
 *   npm run build && npm --prefix ui run build && node dist/bench/ui-diff.js [--lines 5000] [--runs 5] [--cold]
 *
 * Output: a table on stderr, one JSON line on stdout.
 */
import { parseArgs } from "node:util";
import type { Page } from "playwright-core";
import { stringify } from "yaml";
import type { Resources } from "../src/cluster/resources.js";
import type { KubeObject } from "../src/core/object.js";
import { withTracking } from "../src/core/tracking.js";
import type { GitServer } from "../src/gitserver/server.js";
import { Harness } from "./controller-common.js";
import { patchStatus } from "./server-common.js";
import { apiGet, comparedStatus, cpuMeter, gitApp, NS, pageMetrics, printTable, pushRepo, round1, runInfo, stats, timedOpens, uiWorld, verdict, waitForMark, waterfall, requestTiming, type PageGlobals } from "./ui-common.js";

const { values: args } = parseArgs({
  options: {
    lines: { type: "string", default: "5000" },
    runs: { type: "string", default: "5" },
    cold: { type: "boolean", default: false },
  },
});
const LINES = Number(args.lines);
const RUNS = Number(args.runs);
const APP = "big-crd";
const CRD = "widgets.bench.plumb.dev";
const FIELDS = 20;
const HINT = 'is the UI built with the app page\'s resource panel and its Diff tab merged (it sets performance.mark("plumb:diff-ready") once the diff is drawn)? npm --prefix ui run build';

/** The CRD with `sections` sections of FIELDS described string fields. */
function crd(sections: number): KubeObject {
  const props: Record<string, unknown> = {};
  for (let s = 0; s < sections; s++) {
    const fields: Record<string, unknown> = {};
    for (let f = 0; f < FIELDS; f++) fields[`field${String(f).padStart(3, "0")}`] = { type: "string", description: `Field ${f} of section ${s}: a setting of the widget, kept as text; an empty value means the default of the section.` };
    props[`section${String(s).padStart(3, "0")}`] = { type: "object", description: `Section ${s} of the widget's settings.`, properties: fields };
  }
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: CRD },
    spec: {
      group: "bench.plumb.dev",
      names: { kind: "Widget", listKind: "WidgetList", plural: "widgets", singular: "widget" },
      scope: "Namespaced",
      versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", description: "A widget: a benchmark's big schema.", properties: { spec: { type: "object", properties: props } } } } }],
    },
  };
}

const yamlOf = (o: KubeObject): string => stringify(o, { lineWidth: 0 });

/** The smallest CRD of at least LINES lines of YAML. */
function bigCrd(): { obj: KubeObject; yaml: string; sections: number } {
  for (let sections = 1; ; sections++) {
    const obj = crd(sections);
    const yaml = yamlOf(obj);
    if (yaml.split("\n").length >= LINES) return { obj, yaml, sections };
  }
}

async function seed(h: Harness, resources: Resources, git: GitServer, big: ReturnType<typeof bigCrd>): Promise<void> {
  const { url, sha } = await pushRepo(h, git, "diff", { "crd.yaml": big.yaml });
  await resources.apply(withTracking(big.obj, APP));
  const mid = Math.floor(big.sections / 2);
  const path = `/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/section${String(mid).padStart(3, "0")}/properties/field007/description`;
  await resources.client.request({ method: "PATCH", path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD}`, query: { fieldManager: "kubectl-edit" }, contentType: "application/json-patch+json", body: [{ op: "replace", path, value: "Changed by hand in the cluster: Git does not say this." }] });
  h.log(`CRD of ${big.yaml.split("\n").length} lines applied, then drifted at ${path}`);
  const app = gitApp(APP, url, "default");
  await resources.apply(app);
  await patchStatus(resources, APP, comparedStatus(app, sha, [{ group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition", name: CRD, status: "OutOfSync" }]));
}

const h = new Harness("ui-diff", 30 * 60_000);

await h.run(async () => {
  const big = bigCrd();
  const world = await uiWorld(h, { name: "bench-ui-diff", git: true, seed: (r, git) => seed(h, r, git!, big) });
  const managed = await apiGet<{ items: Array<{ kind: string; name: string; status?: string; modified?: boolean; diff?: unknown }> }>(world, `/api/v1/applications/${APP}/managed-resources?appNamespace=${NS}`);
  const item = managed.items.find((i) => i.kind === "CustomResourceDefinition" && i.name === CRD);
  if (!item?.modified) throw new Error(`the API does not report the CRD modified (${JSON.stringify(item ?? managed.items).slice(0, 300)}): the seeding is wrong, not the page`);
  h.log(`the API's managed resources: the CRD is ${item.status}`);
  await world.page.close();
  const cpu = cpuMeter();

  const node = encodeURIComponent(`apiextensions.k8s.io/CustomResourceDefinition//${CRD}`);
  const open: number[] = [];
  const afterApi: number[] = [];
  const apiTook: number[] = [];
  const tab: number[] = [];
  let tabNote: string | undefined;
  let last: Page | undefined;
  let lastWaterfall: Awaited<ReturnType<typeof waterfall>> = [];
  const tabApi: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const { ms, apiEndMs, apiTookMs, page } = await timedOpens(h, world, `/applications/${NS}/${APP}?node=${node}&tab=diff`, "plumb:diff-ready", 1, { cold: args.cold, hint: HINT, firstRun: r + 1, api: /^\/api\/v1\/applications\/[^/]+\/managed-resources/ });
    open.push(ms[0]!);
    if (r === RUNS - 1) lastWaterfall = await waterfall(page);
    if (apiEndMs[0] !== undefined) afterApi.push(ms[0]! - apiEndMs[0]);
    if (apiTookMs[0] !== undefined) apiTook.push(apiTookMs[0]);
    await page.close();
    if (tabNote) continue;
    const p = await world.browser.page();
    await p.goto(`${world.url}/applications/${NS}/${APP}?node=${node}`);
    const diffTab = await p.waitForSelector('[role="tab"]:has-text("Diff")', { timeout: 15_000, state: "visible" }).catch(() => null);
    if (!diffTab) {
      tabNote = `no [role="tab"] named Diff on ${p.url()} within 15 s`;
      h.log(tabNote);
      last = p;
      continue;
    }
    const before = await p.evaluate(() => performance.getEntriesByName("plumb:diff-ready", "mark").length);
    await diffTab.click();
    const end = await waitForMark(p, "plumb:diff-ready", { after: before, hint: `a click on the Diff tab drew no diff: ${HINT}` });
    const click = await p.evaluate(() => (globalThis as unknown as PageGlobals).__plumbLastClick);
    tab.push(end - click);
    // Did the click have to ask the server (the panel had not loaded the managed resources yet)?
    const asked = await requestTiming(p, /^\/api\/v1\/applications\/[^/]+\/managed-resources/);
    if (asked && asked.startMs >= click) tabApi.push(asked.responseEndMs - asked.startMs);
    h.log(`Diff tab clicked → plumb:diff-ready, run ${r + 1}: ${round1(end - click)} ms`);
    if (r < RUNS - 1) await p.close();
    else last = p;
  }
  const metrics = last ? await pageMetrics(last) : undefined;
  const usage = cpu();

  const o = stats(open);
  const a = afterApi.length > 0 ? stats(afterApi) : undefined;
  const took = apiTook.length > 0 ? stats(apiTook) : undefined;
  const t = tab.length > 0 ? stats(tab) : undefined;
  const lines = big.yaml.split("\n").length;
  printTable(
    ["measure", "median", "min–max", "goal", ""],
    [
      [`diff of a ${lines}-line CRD opened (navigation → plumb:diff-ready, ${RUNS} runs, ${args.cold ? "cold" : "warm"} cache)`, `${o.median} ms`, `${o.min}–${o.max} ms`, "≤ 500 ms", verdict(o.median, 500)],
      ...(took ? [["the managed-resources request, sent → last byte (the server's part)", `${took.median} ms`, `${took.min}–${took.max} ms`, "", ""]] : []),
      ...(a ? [["of which after the managed-resources answer's last byte (the page's own part)", `${a.median} ms`, `${a.min}–${a.max} ms`, "", ""]] : []),
      t ? [`Diff tab clicked → plumb:diff-ready${tabApi.length > 0 ? ` (the click asked managed-resources in ${tabApi.length} of ${tab.length} runs: median ${stats(tabApi).median} ms of it)` : ""}`, `${t.median} ms`, `${t.min}–${t.max} ms`, "≤ 500 ms", verdict(t.median, 500)] : ["Diff tab clicked", "n/a", tabNote ?? "", "", ""],
      ...(metrics ? [["JS heap used after GC, diff open", `${metrics.jsHeapUsedMiB} MiB`, `${metrics.domNodes} DOM nodes`, "", ""]] : []),
    ],
  );
  process.stderr.write(`machine busy ${usage.busyPct} %, steal ${usage.stealPct} % (${usage.note}); browser problems: ${world.browser.problems.length}\n`);
  process.stdout.write(
    `${JSON.stringify({
      benchmark: "ui-diff",
      ...runInfo(),
      cpuOverRun: usage,
      crdLines: lines,
      crdSections: big.sections,
      cache: args.cold ? "cold" : "warm",
      diffReadyMs: o,
      ...(a ? { afterApiAnswerMs: a } : {}),
      ...(took ? { apiRequestMs: took } : {}),
      diffTabClickMs: t ? { ...t, managedResourcesAskedAfterClick: tabApi.length, ...(tabApi.length > 0 ? { thatRequestMs: stats(tabApi) } : {}) } : { note: tabNote },
      waterfallOfLastOpen: lastWaterfall,
      ...(metrics ? { page: metrics } : {}),
      browserProblems: world.browser.problems.slice(0, 20),
    })}\n`,
  );
});
