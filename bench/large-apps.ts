/**
 * Large apps and the event loop (issue 15): how long one render of a big app holds the event loop, which
 * every other app's work (watch events, a drift to revert, probes) waits behind. In-process, no cluster:
 * the render is where the time went (an app of 10,000 documents blocked the loop up to 24 s).
 *
 *   before: the stream parsed in one call (parseManifests, what the directory source did);
 *   after:  render() — caps checked from stat, documents parsed one by one, the loop given back every 10 ms.
 *
 * Each is measured with perf_hooks.monitorEventLoopDelay and with a 10 ms probe timer standing for another
 * app's work: the longest gap between two of its ticks is how long that work waited. Also: a 20 MiB file,
 * refused from its size (time and RSS growth). Figures go to docs/benchmarks.md.
 *
 *   node dist/bench/large-apps.js [--docs 10000]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { stringify } from "yaml";
import { render, RenderError } from "../src/render/index.js";
import { parseManifests } from "../src/render/yaml.js";
import { machine, machineCpu } from "./controller-common.js";

const docsArg = process.argv.indexOf("--docs");
const DOCS = docsArg > 0 ? Number(process.argv[docsArg + 1]) : 10_000;

interface Run {
  label: string;
  wallMs: number;
  loopMaxMs: number;
  loopP99Ms: number;
  probeMaxGapMs: number;
}

async function measure(label: string, work: () => Promise<unknown>): Promise<Run> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  let last = performance.now();
  let maxGap = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 10);
  h.enable();
  await new Promise((r) => setTimeout(r, 50)); // the histogram's first sample is taken before the work blocks
  const t0 = performance.now();
  await work();
  const wallMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 30));
  h.disable();
  clearInterval(probe);
  return { label, wallMs, loopMaxMs: h.max / 1e6, loopP99Ms: h.percentile(99) / 1e6, probeMaxGapMs: maxGap };
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "plumb-bench-large-"));
  try {
    mkdirSync(join(root, "app"));
    const text = Array.from({ length: DOCS }, (_, i) => stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `cm-${i}` }, data: { index: String(i), note: "a small document" } })).join("---\n");
    writeFileSync(join(root, "app", "all.yaml"), text);
    mkdirSync(join(root, "huge"));
    writeFileSync(join(root, "huge", "big.yaml"), Buffer.alloc(20 * 1024 * 1024, "a: b\n"));
    const req = { repoRoot: root, path: "app", appName: "demo", destinationNamespace: "apps" };
    const cpu0 = machineCpu();
    const runs: Run[] = [];
    for (let round = 0; round < 3; round++) {
      runs.push(await measure("before: one parseManifests call", async () => parseManifests(readFileSync(join(root, "app", "all.yaml"), "utf8"), "app/all.yaml")));
      runs.push(await measure("after: render() (sliced)", () => render(req)));
    }
    const rss0 = process.memoryUsage().rss;
    const refused = await measure("20 MiB file: refused by stat", () => render({ ...req, path: "huge" }).catch((e: unknown) => (e instanceof RenderError ? e : Promise.reject(e))));
    const rssGrowMiB = (process.memoryUsage().rss - rss0) / 2 ** 20;
    const cpu1 = machineCpu();
    const wall = (cpu1.busy + cpu1.idle + cpu1.steal) - (cpu0.busy + cpu0.idle + cpu0.steal);
    const fmt = (n: number) => n.toFixed(0);
    console.log(`${machine()}; steal ${((100 * (cpu1.steal - cpu0.steal)) / wall).toFixed(1)} % of the machine's CPU time over the run`);
    console.log(`${DOCS} documents in one file; 3 rounds each; a 10 ms probe timer stands for another app's work`);
    console.log("| run | wall ms | loop delay max ms | loop delay p99 ms | longest wait of the probe ms |");
    console.log("|---|---|---|---|---|");
    for (const r of [...runs, refused]) console.log(`| ${r.label} | ${fmt(r.wallMs)} | ${fmt(r.loopMaxMs)} | ${fmt(r.loopP99Ms)} | ${fmt(r.probeMaxGapMs)} |`);
    console.log(`20 MiB file refused: RSS grew ${rssGrowMiB.toFixed(1)} MiB`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
