/**
 * Shared settings of the property-based tests (fast-check). Every property runs `PLUMB_FUZZ_RUNS` random
 * cases (default 150: the short run of the default test suite); `hack/fuzz.sh` runs the same properties
 * with tens of thousands. A failure prints fast-check's seed and shrunk counterexample; re-run it with
 * `PLUMB_FUZZ_SEED=<seed>`. Each property's case count and wall time go to `PLUMB_FUZZ_REPORT` (a file of
 * JSON lines) when set, for docs/fuzzing.md.
 */
import { appendFileSync } from "node:fs";
import fc from "fast-check";

const runs = Number(process.env.PLUMB_FUZZ_RUNS ?? "150");
const seed = process.env.PLUMB_FUZZ_SEED !== undefined ? Number(process.env.PLUMB_FUZZ_SEED) : undefined;

/** fast-check's parameters for one property. */
export function params(scale = 1): fc.Parameters<unknown> {
  return { numRuns: Math.max(1, Math.round(runs * scale)), ...(seed !== undefined ? { seed } : {}), endOnFailure: false };
}

function report(name: string, numRuns: number, ms: number): void {
  const file = process.env.PLUMB_FUZZ_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify({ property: name, runs: numRuns, ms: Math.round(ms) })}\n`);
}

/** Checks a synchronous property; `scale` shrinks or grows its share of the runs (costly properties run fewer). */
export function check<T>(name: string, arb: fc.Arbitrary<T>, predicate: (value: T) => void, scale = 1): void {
  const p = params(scale);
  const start = performance.now();
  fc.assert(fc.property(arb, predicate), p as fc.Parameters<[T]>);
  report(name, p.numRuns ?? 0, performance.now() - start);
}

/** Checks an asynchronous property. */
export async function checkAsync<T>(name: string, arb: fc.Arbitrary<T>, predicate: (value: T) => Promise<void>, scale = 1): Promise<void> {
  const p = params(scale);
  const start = performance.now();
  await fc.assert(fc.asyncProperty(arb, predicate), p as fc.Parameters<[T]>);
  report(name, p.numRuns ?? 0, performance.now() - start);
}

/** A DNS-1123 label, as object names and namespaces are. */
export const dnsLabel = fc.stringMatching(/^[a-z]([a-z0-9-]{0,14}[a-z0-9])?$/);

/** Strings as they come from YAML and users: mostly short, some with YAML's special characters and Unicode. */
export const text = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom("yes", "no", "on", "off", "~", "null", "0644", "0x1F", "1e3", ".", "-.", "1_000", "2001-12-14", "12:30:00", "<<", "*a", "&a", "!!str", "'", '"', "- ", ": ", "# x", "\t", "\n", "{", "[", "---", "..."),
  fc.string({ unit: "grapheme", maxLength: 10 }),
);

/** JSON values with strings drawn from `text` (no -0: JSON and YAML have none). */
export const jsonValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, fc.constant(null), fc.boolean(), fc.integer(), fc.double({ noDefaultInfinity: true, noNaN: true }).filter((d) => !Object.is(d, -0)), text, tie("array"), tie("object")),
  array: fc.array(tie("value"), { maxLength: 4 }),
  object: fc.dictionary(text, tie("value"), { maxKeys: 4, noNullPrototype: true }),
})).value;
