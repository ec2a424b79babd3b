/**
 * Benchmark (issue 14): what one batch of Go templates costs through plumb-gotemplate — a process start, the
 * JSON both ways and the rendering — for a batch of 1 template and a batch of 1,000 small ApplicationSet-like
 * templates (one text, 1,000 data: how an ApplicationSet's field renders for 1,000 apps) and of 1,000
 * distinct texts; and the same 1,000 in the fasttemplate style, which is TypeScript in-process.
 *
 *   node dist/bench/template-batch.js [--rounds 20]
 *
 * Prints p50 / min / max wall time per batch (after one warm-up batch each), and the machine's steal.
 */
import { cpus } from "node:os";
import { performance } from "node:perf_hooks";
import { renderFastTemplate, renderGoTemplates, type TemplateJob } from "../src/template/index.js";
import { machine, machineCpu, summary } from "./controller-common.js";

const args = process.argv.slice(2);
const at = args.indexOf("--rounds");
const rounds = at >= 0 ? Number(args[at + 1]) : 20;
if (!Number.isInteger(rounds) || rounds < 1) throw new Error("--rounds takes a positive integer");

/** One generated app's parameters: what a git-directories × clusters matrix gives a template. */
function params(i: number): { path: { path: string; basename: string; segments: string[] }; name: string; server: string } {
  const basename = `app-${String(i).padStart(4, "0")}`;
  return { path: { path: `apps/${basename}`, basename, segments: ["apps", basename] }, name: `Cluster_${i % 3}`, server: `https://10.0.0.${i % 3}:6443` };
}

const GO_TEXT = "{{ .path.basename }}-{{ normalize .name }}";
const FAST_TEXT = "{{path.basename}}-{{name}}";

async function time(what: string, fn: () => Promise<unknown> | unknown): Promise<void> {
  await fn(); // warm-up: page cache, the binary's first start
  const ms: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  const s = summary(ms);
  console.log(`${what}: p50 ${s.p50.toFixed(1)} ms, min ${s.min.toFixed(1)} ms, max ${s.max.toFixed(1)} ms (${s.n} rounds)`);
}

async function main(): Promise<void> {
  console.log(machine());
  const one: TemplateJob[] = [{ text: GO_TEXT, data: params(0) }];
  const thousand: TemplateJob[] = Array.from({ length: 1000 }, (_, i) => ({ text: GO_TEXT, data: params(i) }));
  // Every text different: each one parsed (an ApplicationSet's texts repeat per app and are parsed once).
  const distinct: TemplateJob[] = Array.from({ length: 1000 }, (_, i) => ({ text: `${GO_TEXT}-${i}`, data: params(i) }));
  const flat = Array.from({ length: 1000 }, (_, i) => {
    const p = params(i);
    return { "path.basename": p.path.basename, name: p.name };
  });
  const check = await renderGoTemplates(thousand, { missingKey: "error" });
  const bad = check.find((r) => !r.ok);
  if (bad && !bad.ok) throw new Error(`a template failed: ${bad.error}`);
  if (check[1]?.ok !== true || check[1].output !== "app-0001-cluster-1") throw new Error(`unexpected output ${JSON.stringify(check[1])}`);

  const before = machineCpu();
  const wall = performance.now();
  await time("Go template, batch of 1", () => renderGoTemplates(one, { missingKey: "error" }));
  await time("Go template, batch of 1,000", () => renderGoTemplates(thousand, { missingKey: "error" }));
  await time("Go template, batch of 1,000 distinct texts", () => renderGoTemplates(distinct, { missingKey: "error" }));
  await time("fasttemplate (TypeScript), 1,000", () => flat.map((p) => renderFastTemplate(FAST_TEXT, p)));
  const after = machineCpu();
  const seconds = (performance.now() - wall) / 1000;
  console.log(`steal ${(((after.steal - before.steal) / seconds) * 100).toFixed(1)} % of one core; machine busy ${(((after.busy - before.busy) / seconds) * 100).toFixed(0)} % (of ${cpus().length * 100} %)`);
}

await main();
