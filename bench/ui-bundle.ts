/**
 * Benchmark (issue 11): the web UI's initial page weight — what a browser must fetch before the first page
 * can run — gzipped, against the goal of ≤ 300 KiB.
 *
 * Reads ui/dist/index.html (the built UI: `npm --prefix ui run build`), takes every script
 * (`<script src>`), module preload (`<link rel="modulepreload">`) and stylesheet (`<link rel="stylesheet">`)
 * it references, plus index.html itself, and per file reports: the raw size, the size gzipped here with
 * zlib at level 9 (as a build step or a server compressing at its best would), and the sizes of the
 * precompressed `.gz` and `.br` siblings the build left in dist (what plumb's server actually sends, see
 * src/server/static.ts: brotli when the browser accepts it). The other chunks (lazy pages) are listed too,
 * outside the sum, so a heavy library that leaks into the initial bundle or grows a page shows up.
 * No cluster, no browser.
 *
 *   npm run build && npm --prefix ui run build && node dist/bench/ui-bundle.js [--dist ui/dist] [--budget-kib 300]
 *
 * Output: a table on stderr, one JSON line on stdout. Exit 1 when dist is missing or references a file
 * that does not exist; exit 2 when the gzipped sum is over the budget (the figure is still printed).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { repoRoot } from "../test/helpers/paths.js";
import { kib, printTable, runInfo } from "./ui-common.js";

const { values: args } = parseArgs({
  options: {
    dist: { type: "string", default: join(repoRoot, "ui", "dist") },
    "budget-kib": { type: "string", default: "300" },
  },
});
const dist = resolve(args.dist);
const budgetKiB = Number(args["budget-kib"]);

interface FileSize {
  file: string;
  raw: number;
  gzip9: number;
  /** The build's precompressed siblings, when present. */
  gz?: number;
  br?: number;
}

/** The files index.html makes the browser fetch at once (scripts, module preloads, stylesheets), in order. */
export function initialAssets(html: string): string[] {
  const found: string[] = [];
  const add = (ref: string | undefined): void => {
    if (!ref || /^(https?:)?\/\//.test(ref) || ref.startsWith("data:")) return;
    const path = ref.replace(/^\//, "").replace(/[?#].*$/, "");
    if (!found.includes(path)) found.push(path);
  };
  for (const m of html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"[^>]*>/g)) add(m[1]);
  for (const m of html.matchAll(/<link\b[^>]*>/g)) {
    const tag = m[0];
    const rel = /\brel="([^"]+)"/.exec(tag)?.[1] ?? "";
    if (/\b(modulepreload|stylesheet|preload)\b/.test(rel)) add(/\bhref="([^"]+)"/.exec(tag)?.[1]);
  }
  return found;
}

function sizeOf(file: string): FileSize {
  const path = join(dist, file);
  if (!existsSync(path)) throw new Error(`ui/dist/index.html references ${file}, which is not in ${dist}: rebuild the UI (npm --prefix ui run build)`);
  const bytes = readFileSync(path);
  const sibling = (ext: string): number | undefined => (existsSync(path + ext) ? statSync(path + ext).size : undefined);
  const gz = sibling(".gz");
  const br = sibling(".br");
  return { file, raw: bytes.length, gzip9: gzipSync(bytes, { level: 9 }).length, ...(gz === undefined ? {} : { gz }), ...(br === undefined ? {} : { br }) };
}

const total = (xs: FileSize[], k: "raw" | "gzip9" | "gz" | "br"): number | undefined => (xs.every((x) => x[k] !== undefined) ? xs.reduce((s, x) => s + (x[k] ?? 0), 0) : undefined);

const indexPath = join(dist, "index.html");
if (!existsSync(indexPath)) {
  process.stderr.write(`ui-bundle: no ${indexPath}: is the UI built? npm --prefix ui run build\n`);
  process.exit(1);
}
try {
  const html = readFileSync(indexPath, "utf8");
  const assets = initialAssets(html);
  if (!assets.some((a) => a.endsWith(".js"))) throw new Error(`${indexPath} references no script: is it Vite's build output?`);
  const initial = [sizeOf("index.html"), ...assets.map(sizeOf)];
  const assetDir = join(dist, "assets");
  const others = (existsSync(assetDir) ? readdirSync(assetDir) : [])
    .filter((f) => /\.(js|css)$/.test(f) && !assets.includes(`assets/${f}`))
    .map((f) => sizeOf(`assets/${f}`))
    .sort((a, b) => b.gzip9 - a.gzip9);
  const sum = { raw: total(initial, "raw")!, gzip9: total(initial, "gzip9")!, gz: total(initial, "gz"), br: total(initial, "br") };
  const cell = (n: number | undefined): string => (n === undefined ? "—" : kib(n));
  printTable(
    ["file", "raw KiB", "gzip -9 KiB", ".gz KiB", ".br KiB"],
    [...initial.map((f) => [f.file, kib(f.raw), kib(f.gzip9), cell(f.gz), cell(f.br)]), ["**initial page (sum)**", kib(sum.raw), `**${kib(sum.gzip9)}**`, cell(sum.gz), cell(sum.br)], ...others.map((f) => [`(lazy) ${f.file}`, kib(f.raw), kib(f.gzip9), cell(f.gz), cell(f.br)])],
  );
  const met = sum.gzip9 <= budgetKiB * 1024;
  process.stderr.write(`initial page: ${kib(sum.gzip9)} KiB gzipped (level 9), budget ${budgetKiB} KiB: ${met ? "met" : "NOT met"}\n`);
  process.stdout.write(
    `${JSON.stringify({
      benchmark: "ui-bundle",
      ...runInfo(),
      dist,
      initialPage: { files: initial, sumBytes: sum, sumKiB: { raw: Number(kib(sum.raw)), gzip9: Number(kib(sum.gzip9)), ...(sum.gz === undefined ? {} : { gz: Number(kib(sum.gz)) }), ...(sum.br === undefined ? {} : { br: Number(kib(sum.br)) }) } },
      lazyChunks: others,
      budgetKiB,
      met,
    })}\n`,
  );
  process.exit(met ? 0 : 2);
} catch (err) {
  process.stderr.write(`ui-bundle failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
