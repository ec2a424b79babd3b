/**
 * The examples shipped in `<package root>/examples/`: each folder holding an example.yaml is one. Lists
 * them and loads one (its manifest validated, its README read). Reads files; talks to no cluster or Git.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../core/errors.js";
import { packageRoot } from "../tools/versions.js";
import { EXAMPLE_FILE, MAX_EXAMPLE_BYTES, parseExampleSpec, type Example } from "./spec.js";

/** Where the examples are: `<package root>/examples`. */
export const EXAMPLES_DIR = join(packageRoot, "examples");

/** The most a README may hold to be read. */
const MAX_README_BYTES = 256 * 1024;

export interface ExampleListing {
  name: string;
  /** The manifest's description, or what is wrong with the manifest. */
  description: string;
  valid: boolean;
}

/** Every example under `root` (folders with an example.yaml), by name. */
export function listExamples(root = EXAMPLES_DIR): ExampleListing[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(root, e.name, EXAMPLE_FILE)))
    .map((e) => e.name)
    .sort()
    .map((name) => {
      try {
        return { name, description: loadExample(name, root).spec.description, valid: true };
      } catch (err) {
        return { name, description: `(invalid: ${err instanceof Error ? err.message.split("\n")[0] : String(err)})`, valid: false };
      }
    });
}

/** Loads example `name` from `root`; a UsageError naming the examples there when there is no such example. */
export function loadExample(name: string, root = EXAMPLES_DIR): Example {
  const dir = join(root, name);
  const file = join(dir, EXAMPLE_FILE);
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(name) || !existsSync(file)) {
    const known = listExamples(root).map((e) => e.name);
    throw new UsageError(`no example "${name}"`, known.length ? `the examples are: ${known.join(", ")} (plumb demo --example lists them)` : `no examples in ${root}`);
  }
  if (statSync(file).size > MAX_EXAMPLE_BYTES) throw new UsageError(`${file} is larger than ${MAX_EXAMPLE_BYTES / 1024} KiB`);
  const spec = parseExampleSpec(readFileSync(file, "utf8"), `examples/${name}/${EXAMPLE_FILE}`);
  for (const r of spec.repositories) {
    const from = join(dir, r.dir);
    if (!existsSync(from) || !statSync(from).isDirectory()) throw new UsageError(`examples/${name}/${EXAMPLE_FILE}: repository "${r.name}": dir "${r.dir}" is not a folder of the example`);
  }
  for (const f of spec.apply) {
    const path = join(dir, f);
    if (!existsSync(path) || !statSync(path).isFile()) throw new UsageError(`examples/${name}/${EXAMPLE_FILE}: apply: "${f}" is not a file of the example`);
  }
  const readmePath = join(dir, "README.md");
  const readme = existsSync(readmePath) && statSync(readmePath).size <= MAX_README_BYTES ? readFileSync(readmePath, "utf8") : undefined;
  return { name, dir, spec, ...(readme !== undefined ? { readme } : {}) };
}
