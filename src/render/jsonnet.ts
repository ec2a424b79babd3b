/**
 * Jsonnet files of a directory source, evaluated as Argo CD's repo server evaluates them (reposerver
 * makeJsonnetVm): ext vars and TLAs from `directory.jsonnet` with the build environment substituted into
 * their values; library folders `libs` relative to the repository root; the import search path is the app
 * folder, then the libs (go-jsonnet tries the last one first). The result is an object, an array of objects
 * or a `…List`, which stand for their objects; `null` is no object.
 *
 * Evaluation runs `plumb-jsonnet` (hack/tools.sh): go-jsonnet at the pinned version with an importer that
 * refuses any import resolving outside the repository, symlinks followed (go-jsonnet's own importer reads
 * absolute paths and `../..`). It runs with an empty environment, the app folder as working directory and
 * the render's time limit; the request (values included) goes in a temporary file, not on the command line.
 * See docs/adr/0014-jsonnet-and-plugins.md.
 */
import { writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { findBinary } from "../tools/binaries.js";
import { buildEnvironment, envsubst } from "./buildenv.js";
import { RenderError, type RenderProblem } from "./errors.js";
import { MAX_RENDER_OUTPUT_BYTES, runTool, withTempDir } from "./exec.js";
import { resolveInRepo, toPosix } from "./paths.js";
import type { JsonnetSource, JsonnetVar, RenderContext } from "./schema.js";
import { flattenList, type SourcedObject } from "./yaml.js";

/** What plumb-jsonnet reads. */
interface JsonnetRequest {
  root: string;
  file: string;
  jpath: string[];
  extVars: Array<{ name: string; value: string; code: boolean }>;
  tlas: Array<{ name: string; value: string; code: boolean }>;
}

/** The library folders of `libs`, checked to be folders inside the repository (absolute paths). */
export async function jsonnetLibs(ctx: RenderContext, opts: JsonnetSource): Promise<string[]> {
  const out: string[] = [];
  for (const lib of opts.libs ?? []) {
    const found = await resolveInRepo(ctx.repo, ctx.repo.realRoot, lib, "source.directory.jsonnet.libs entry");
    out.push(found!.real);
  }
  return out;
}

function variables(list: readonly JsonnetVar[] | undefined, env: Record<string, string>): JsonnetRequest["extVars"] {
  return (list ?? []).map((v) => ({ name: v.name, value: envsubst(v.value ?? "", env), code: v.code === true }));
}

/** The first `file:line:col` of a go-jsonnet error (its innermost frame), repository-relative. */
export function errorLocation(message: string): { file: string; line: number; column: number } | undefined {
  const m = /(?:^|\s)([^\s:]+\.(?:jsonnet|libsonnet|json)):\(?(\d+):(\d+)/m.exec(message) ?? /(?:^|\s)(<[^>\s]+>):\(?(\d+):(\d+)/m.exec(message);
  return m ? { file: m[1]!, line: Number(m[2]), column: Number(m[3]) } : undefined;
}

/** go-jsonnet's message without its location lines, its "RUNTIME ERROR: " prefix and the source excerpt. */
function errorSummary(message: string): string {
  const first = message.split("\n").find((l) => l.trim()) ?? "evaluation failed";
  return first
    .replace(/^(RUNTIME|STATIC) ERROR: /, "")
    .replace(/^\S+\.(?:jsonnet|libsonnet|json):\S+\s+/, "")
    .trim();
}

/** The objects of a Jsonnet evaluation's JSON, or problems naming `file`. */
export function objectsOfJson(json: string, file: string): { objects: SourcedObject[]; problems: RenderProblem[] } {
  const problems: RenderProblem[] = [];
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    return { objects: [], problems: [{ file, message: `Jsonnet output is not JSON: ${(err as Error).message}` }] };
  }
  if (value === null) return { objects: [], problems };
  const items = Array.isArray(value) ? value : [value];
  const objects: SourcedObject[] = [];
  items.forEach((item: unknown, i) => {
    if (typeof item === "object" && item !== null && !Array.isArray(item)) {
      objects.push(...flattenList(item as Record<string, unknown>, file, undefined, problems));
    } else {
      const what = Array.isArray(item) ? "a list" : item === null ? "null" : `a ${typeof item}`;
      const where = Array.isArray(value) ? `item ${i} of the array it evaluates to is ${what}` : `it evaluates to ${what}`;
      problems.push({ file, message: `not Kubernetes objects: ${where}; a Jsonnet file must evaluate to an object, an array of objects or a List` });
    }
  });
  return { objects, problems };
}

/**
 * Evaluates one `.jsonnet` file (absolute, inside the repository) and returns its objects. An evaluation
 * error is a problem naming the file and line where go-jsonnet found it.
 */
export async function evaluateJsonnet(ctx: RenderContext, file: string, opts: JsonnetSource, libs: readonly string[]): Promise<{ objects: SourcedObject[]; problems: RenderProblem[] }> {
  const rel = toPosix(relative(ctx.repo.realRoot, file));
  const binary = findBinary("plumb-jsonnet", { env: ctx.env });
  const env = buildEnvironment(ctx.request);
  const request: JsonnetRequest = {
    root: ctx.repo.realRoot,
    file,
    jpath: [ctx.app.real, ...libs],
    extVars: variables(opts.extVars, env),
    tlas: variables(opts.tlas, env),
  };
  return withTempDir("jsonnet", async (tmp) => {
    const spec = join(tmp, "request.json");
    await writeFile(spec, JSON.stringify(request), { mode: 0o600 });
    const run = await runTool(binary, [spec], { env: {}, cwd: ctx.app.real, timeoutMs: ctx.timeoutMs, signal: ctx.request.signal, maxOutputBytes: MAX_RENDER_OUTPUT_BYTES });
    if (run.timedOut) return { objects: [], problems: [{ file: rel, message: `Jsonnet evaluation timed out after ${ctx.timeoutMs} ms` }] };
    if (run.tooLarge) return { objects: [], problems: [{ file: rel, message: `Jsonnet evaluation wrote more than ${MAX_RENDER_OUTPUT_BYTES / 1024 / 1024} MiB and was stopped` }] };
    if (run.code !== 0) {
      const text = run.stderr.split(`${ctx.repo.realRoot}/`).join("");
      const at = errorLocation(text);
      const where = at ? { file: at.file, line: at.line, column: at.column } : { file: rel };
      const via = at && at.file !== rel ? ` (evaluating ${rel})` : "";
      return { objects: [], problems: [{ ...where, message: `Jsonnet evaluation failed: ${errorSummary(text)}${via}` }] };
    }
    return objectsOfJson(run.stdout, rel);
  });
}

/** Throws the RenderError of an invalid `directory.jsonnet` option, if any, before anything runs. */
export function checkJsonnetOptions(opts: JsonnetSource): void {
  const problems: RenderProblem[] = [];
  for (const field of ["extVars", "tlas"] as const) {
    const seen = new Set<string>();
    for (const v of opts[field] ?? []) {
      if (seen.has(v.name)) problems.push({ message: `source.directory.jsonnet.${field}: "${v.name}" is given twice; keep one` });
      seen.add(v.name);
    }
  }
  if (problems.length) throw new RenderError(problems);
}
