/**
 * Reads a folder of health scripts laid out as Argo CD's resource_customizations:
 * `<group>/<kind>/health.lua` (and `<kind>/health.lua` for the core group). A "_" as a whole group or
 * kind name, or as a label of the group ("_.crossplane.io"), is a wildcard. Other files (actions,
 * health_test.yaml, testdata) are ignored. Scripts run with the open libraries, as Argo CD's bundled ones do.
 *
 * The one file of health/ that does I/O (the filesystem, once at start-up); the rest stays pure.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../../core/errors.js";
import type { LuaScript } from "./customizations.js";

const MAX_SCRIPT_BYTES = 256 * 1024;

/** A folder name with "_" wildcards as a "*" glob: "_.crossplane.io" → "*.crossplane.io", "_" → "*". */
export function folderPattern(name: string): string {
  return name.split(".").map((label) => (label === "_" ? "*" : label)).join(".");
}

function readScript(file: string, problems: string[]): string | undefined {
  const size = statSync(file).size;
  if (size > MAX_SCRIPT_BYTES) {
    problems.push(`${file}: larger than ${MAX_SCRIPT_BYTES} bytes; ignored`);
    return undefined;
  }
  return readFileSync(file, "utf8");
}

/** The scripts of a folder by "group/Kind" pattern; throws UsageError if the folder does not exist. */
export function readScriptFolder(dir: string): { scripts: Map<string, LuaScript>; problems: string[] } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(`resource customizations folder ${dir} does not exist (expected <group>/<kind>/health.lua files)`);
  }
  const scripts = new Map<string, LuaScript>();
  const problems: string[] = [];
  for (const first of readdirSync(dir, { withFileTypes: true })) {
    if (!first.isDirectory()) continue;
    const firstPath = join(dir, first.name);
    const coreFile = join(firstPath, "health.lua");
    if (existsSync(coreFile)) {
      const script = readScript(coreFile, problems);
      if (script !== undefined) scripts.set(folderPattern(first.name), { script, openLibs: true, origin: coreFile });
    }
    for (const second of readdirSync(firstPath, { withFileTypes: true })) {
      if (!second.isDirectory()) continue;
      const file = join(firstPath, second.name, "health.lua");
      if (!existsSync(file)) continue;
      const script = readScript(file, problems);
      if (script === undefined) continue;
      const kind = second.name === "_" ? "*" : second.name;
      scripts.set(`${folderPattern(first.name)}/${kind}`, { script, openLibs: true, origin: file });
    }
  }
  return { scripts, problems };
}
