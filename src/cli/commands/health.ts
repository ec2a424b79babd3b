/**
 * `plumb health <file> [-o json] [--lua-dir DIR]`: the health of the object(s) in a YAML or JSON file, as
 * plumb would assess them live — handy for `kubectl get deploy api -o yaml | plumb health -` and for
 * checking a fixture. `--lua-dir` points at Lua health checks laid out as Argo CD's resource_customizations
 * (`<group>/<kind>/health.lua`), which win over plumb's built-in checks, as in the controller.
 *
 * A file may hold one object, several YAML documents, or a `kind: List` (as `kubectl get -o yaml` prints);
 * each object is reported on its own line (or as one element of a JSON array). The exit code is 0 whatever
 * the health; unreadable input is a UsageError (exit 2).
 */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { parseAllDocuments } from "yaml";
import { UsageError } from "../../core/errors.js";
import { type KubeObject, keyDisplay, keyOf } from "../../core/object.js";
import { assessHealth, type HealthOverrides, type HealthResult } from "../../health/index.js";
import type { LuaHealthVM } from "../../health/lua/index.js";
import { statusColour } from "../output.js";

const OUTPUTS = ["text", "json"] as const;
type Output = (typeof OUTPUTS)[number];

export function register(program: Command): void {
  program
    .command("health")
    .description("assess the health of the Kubernetes object(s) in a YAML or JSON file (- for stdin)")
    .argument("<file>", "YAML or JSON file holding one or more objects, or - to read standard input")
    .option("-o, --output <format>", `output format: ${OUTPUTS.join(" | ")}`, "text")
    .option("--lua-dir <dir>", "Lua health checks laid out as Argo CD's resource_customizations (<group>/<kind>/health.lua); they win over the built-in checks")
    .action(async (file: string, opts: { output: string; luaDir?: string }) => {
      const output = parseOutput(opts.output);
      const objects = parseObjects(await readInput(file), file);
      let overrides: HealthOverrides | undefined;
      let vm: LuaHealthVM | undefined;
      if (opts.luaDir) {
        // Loaded only when asked for: every other command starts without the WebAssembly VM's code.
        const { LuaHealthVM, luaOverrides, readScriptFolder } = await import("../../health/lua/index.js");
        const { scripts, problems } = readScriptFolder(opts.luaDir);
        for (const p of problems) process.stderr.write(`warning: ${p}\n`);
        vm = await LuaHealthVM.create();
        overrides = luaOverrides(vm, () => [scripts]);
      }
      const results = objects.map((obj) => ({ obj, health: assessHealth(obj, overrides) }));
      vm?.close();
      process.stdout.write(output === "json" ? formatJson(results) : formatText(results));
    });
}

function parseOutput(value: string): Output {
  if ((OUTPUTS as readonly string[]).includes(value)) return value as Output;
  throw new UsageError(`unknown output format "${value}"`, `use one of: ${OUTPUTS.join(", ")}`);
}

async function readInput(file: string): Promise<string> {
  try {
    if (file === "-") {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    }
    return await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (err as Error).message;
    throw new UsageError(`cannot read ${file}: ${why}`, "pass a YAML or JSON file holding a Kubernetes object");
  }
}

/** Decodes every YAML document (JSON is YAML) into objects, expanding `kind: List`. */
function parseObjects(text: string, file: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const [i, doc] of parseAllDocuments(text).entries()) {
    const where = `${file}, document ${i + 1}`;
    const [error] = doc.errors;
    if (error) throw new UsageError(`${where}: invalid YAML: ${error.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue; // an empty document, e.g. after a trailing "---"
    const obj = toObject(value, where);
    if (/List$/.test(obj.kind) && Array.isArray(obj.items)) {
      obj.items.forEach((item, j) => objects.push(toObject(item, `${where}, item ${j + 1}`)));
    } else objects.push(obj);
  }
  if (objects.length === 0) throw new UsageError(`${file} holds no object`, "pass a file holding a Kubernetes object");
  return objects;
}

function toObject(value: unknown, where: string): KubeObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UsageError(`${where}: not a Kubernetes object (expected a mapping with apiVersion and kind)`);
  }
  const v = value as Record<string, unknown>;
  if (typeof v.kind !== "string" || v.kind === "") throw new UsageError(`${where}: the object has no kind`);
  if (typeof v.apiVersion !== "string" || v.apiVersion === "") throw new UsageError(`${where}: the object has no apiVersion`);
  const metadata = typeof v.metadata === "object" && v.metadata !== null ? v.metadata : { name: "" };
  return { ...v, metadata } as KubeObject;
}

interface Assessed {
  obj: KubeObject;
  health: HealthResult | undefined;
}

function formatText(results: Assessed[]): string {
  const lines = results.map(({ obj, health }) => {
    // Messages copied from conditions may span lines; one object, one line.
    const message = health?.message.replace(/\s*\n\s*/g, " ").trim();
    const verdict = !health ? `no health for ${obj.kind}` : message ? `${statusColour(health.status)}: ${message}` : statusColour(health.status);
    // With several objects each line says which one it is about.
    return results.length > 1 ? `${keyDisplay(keyOf(obj))}: ${verdict}` : verdict;
  });
  return lines.map((l) => `${l}\n`).join("");
}

function formatJson(results: Assessed[]): string {
  const one = (h: HealthResult | undefined) => ({ status: h?.status ?? null, message: h?.message ?? "" });
  const value = results.length === 1 ? one(results[0]?.health) : results.map((r) => ({ ...keyOf(r.obj), ...one(r.health) }));
  return `${JSON.stringify(value, null, 2)}\n`;
}
