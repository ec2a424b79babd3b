/**
 * Benchmark (issue 12): schema validation's share of `plumb validate` — loading the shipped schemas, the
 * first Deployment (its validator compiled), then 1,000 mixed objects as 200 apps render them (Deployment,
 * Service, ConfigMap, Ingress, CronJob, and a custom resource whose CRD is given), each object distinct.
 * Round 1 is the cold figure (as in one `plumb validate` process); the median is over `rounds` validators
 * made in the same process (warm JIT).
 *
 *   node dist/bench/validate-schema.js [rounds=5]
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parse } from "yaml";
import type { KubeObject } from "../src/core/object.js";
import { loadSchemas } from "../src/validate/schema.js";
import { repoRoot } from "../test/helpers/paths.js";

const rounds = Number(process.argv[2] ?? 5);
const dir = join(repoRoot, "test", "fixtures", "validate", "schema");
const load = (f: string): KubeObject => parse(readFileSync(join(dir, f), "utf8")) as KubeObject;
const kinds = readdirSync(dir).filter((f) => f.startsWith("valid-")).map(load);
const crd = load("crd-widget.yaml");
const cr = load("cr-widget-valid.yaml");

function objects(n: number): KubeObject[] {
  const out: KubeObject[] = [];
  const all = [...kinds, cr];
  for (let i = 0; out.length < n; i++) {
    const o = structuredClone(all[i % all.length]!);
    o.metadata.name = `${o.metadata.name}-${i}`;
    o.metadata.labels = { ...o.metadata.labels, "app.kubernetes.io/instance": `app-${Math.floor(i / 5)}` };
    out.push(o);
  }
  return out;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const t = { load: [] as number[], first: [] as number[], thousand: [] as number[], again: [] as number[] };
let findings = 0;
for (let r = 0; r < rounds; r++) {
  const objs = objects(1000);
  const t0 = performance.now();
  const v = await loadSchemas();
  const t1 = performance.now();
  v.validate(kinds.find((k) => k.kind === "Deployment")!);
  const t2 = performance.now();
  v.addCRDs([crd]);
  for (const o of objs) findings += v.validate(o).length;
  const t3 = performance.now();
  for (const o of objs) findings += v.validate(o).length;
  const t4 = performance.now();
  t.load.push(t1 - t0);
  t.first.push(t2 - t1);
  t.thousand.push(t3 - t2);
  t.again.push(t4 - t3);
}
const ms = (xs: number[]): string => `${xs[0]!.toFixed(1)} ms cold, ${median(xs).toFixed(1)} ms median`;
console.log(`rounds ${rounds}; findings ${findings} (expected 0)`);
console.log(`load shipped schemas:                 ${ms(t.load)}`);
console.log(`first Deployment (compile + check):   ${ms(t.first)}`);
console.log(`1,000 mixed objects (compiling rest): ${ms(t.thousand)}`);
console.log(`1,000 mixed objects, all compiled:    ${ms(t.again)}`);
