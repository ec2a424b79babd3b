/**
 * template/ — the two template languages of Argo CD's ApplicationSets and Notifications, for the appsets/ and
 * notify/ modules:
 *   - Go text/template with the Sprig functions (`goTemplate: true`, notification templates): rendered by
 *     `plumb-gotemplate` (hack/gotemplate/main.go, built by `bash hack/tools.sh gotemplate`), the real Go
 *     libraries, called once per batch of templates — never once per template — over stdin/stdout JSON;
 *   - the older fasttemplate style (`{{param}}`, `{{ path.basename }}`): pure TypeScript, here.
 *
 * Owns: the batch protocol, the per-job results (one template's error never fails the others), the limits
 * (time per batch and per template, 1 MiB of output per template, 8 MiB per batch), and which functions a
 * template may call: Sprig without env/expandenv/getHostByName, plus Argo CD's ApplicationSet extras
 * (normalize, slugify, toYaml, fromYaml, fromYamlArray, tpl) or Notifications' helpers (.time, .strings).
 * The tool runs with an empty environment, in its own temporary working folder, and needs no network.
 * See docs/adr/0017-go-templates.md.
 *
 * Runs one child process per batch (render/exec.ts runTool); must not import git/, cluster/, sync/,
 * controller/ or server/: callers pass the data each template sees.
 */
import { tmpdir } from "node:os";
import { runTool, MAX_RENDER_OUTPUT_BYTES } from "../render/exec.js";
import { findBinary } from "../tools/binaries.js";

export type FuncSet = "appset" | "notifications";

export interface TemplateJob {
  /** The template text (Go text/template syntax). */
  text: string;
  /** The data `.` refers to (JSON-serialisable). */
  data: unknown;
}

export type TemplateResult = { ok: true; output: string } | { ok: false; error: string };

export interface GoTemplateOptions {
  /** "error": a missing map key is an error (Argo CD's goTemplateOptions ["missingkey=error"]); "default": Go's default ("<no value>"); "zero". Default "default". */
  missingKey?: "error" | "default" | "zero";
  /**
   * Which extra functions besides Sprig's (minus env/expandenv/getHostByName). Default "appset".
   *   - "appset": normalize, slugify ([maxSize] [smartTruncate] name), toYaml, fromYaml, fromYamlArray, tpl —
   *     Argo CD's applicationset/utils; toJson, fromJson and the rest come from Sprig.
   *   - "notifications": Argo CD Notifications' helpers, put into the data when it is an object as they
   *     are in Argo CD: `.time` (Now, Parse of an RFC 3339 timestamp, Nanosecond…Hour, the layout constants
   *     RFC3339, Kitchen, …) and `.strings` (ReplaceAll, ToUpper, ToLower), called as
   *     `{{ call .strings.ToUpper .app.metadata.name }}`. Not offered: `.repo.*` (reads Git: the caller puts
   *     what it needs into the data) and the Slack mention helpers.
   */
  funcs?: FuncSet;
  /** Whole-batch time limit. Default 10 s. */
  timeoutMs?: number;
}

/** The most one template may run before its result is an error (the batch goes on). */
const JOB_TIMEOUT_MS = 2_000;
/** How long past the batch's limit the process may take to answer before it is killed. */
const EXIT_GRACE_MS = 2_000;

/** What plumb-gotemplate reads on stdin. */
interface ToolRequest {
  missingKey: "error" | "default" | "zero";
  funcs: FuncSet;
  jobTimeoutMs: number;
  batchTimeoutMs: number;
  jobs: Array<{ text: string; data: unknown }>;
}

function isResult(v: unknown): v is { output: string } | { error: string } {
  if (typeof v !== "object" || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r.output === "string" || typeof r.error === "string";
}

/** The batch's JSON text with each job's data serialised on its own, so one unserialisable job fails alone. */
function encodeJobs(jobs: readonly TemplateJob[]): { encoded: string[]; index: number[]; early: Map<number, TemplateResult> } {
  const encoded: string[] = [];
  const index: number[] = [];
  const early = new Map<number, TemplateResult>();
  jobs.forEach((job, i) => {
    if (typeof job.text !== "string") {
      early.set(i, { ok: false, error: "the template is not a string" });
      return;
    }
    let data: string | undefined;
    try {
      data = JSON.stringify(job.data ?? null);
    } catch (err) {
      early.set(i, { ok: false, error: `the template's data cannot be passed as JSON: ${err instanceof Error ? err.message : String(err)}` });
      return;
    }
    encoded.push(`{"text":${JSON.stringify(job.text)},"data":${data ?? "null"}}`);
    index.push(i);
  });
  return { encoded, index, early };
}

/**
 * Renders every job in one process run; results in job order. One job's error never fails the others.
 * Throws only when the tool cannot run (missing binary: the message says `bash hack/tools.sh gotemplate`).
 */
export async function renderGoTemplates(jobs: readonly TemplateJob[], opts: GoTemplateOptions = {}): Promise<TemplateResult[]> {
  if (jobs.length === 0) return [];
  const timeoutMs = opts.timeoutMs ?? 10_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError(`timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`);
  const binary = findBinary("plumb-gotemplate");
  const { encoded, index, early } = encodeJobs(jobs);
  const results: TemplateResult[] = jobs.map((_, i) => early.get(i) ?? { ok: false, error: "not rendered" });
  if (encoded.length === 0) return results;

  const head: Omit<ToolRequest, "jobs"> = {
    missingKey: opts.missingKey ?? "default",
    funcs: opts.funcs ?? "appset",
    jobTimeoutMs: Math.min(JOB_TIMEOUT_MS, timeoutMs),
    batchTimeoutMs: timeoutMs,
  };
  const stdin = `${JSON.stringify(head).slice(0, -1)},"jobs":[${encoded.join(",")}]}`;
  const run = await runTool(binary, [], { env: {}, cwd: tmpdir(), timeoutMs: timeoutMs + EXIT_GRACE_MS, maxOutputBytes: MAX_RENDER_OUTPUT_BYTES, stdin });

  const failAll = (error: string): TemplateResult[] => {
    for (const i of index) results[i] = { ok: false, error };
    return results;
  };
  if (run.timedOut) return failAll(`not rendered: the template batch did not answer within ${timeoutMs + EXIT_GRACE_MS} ms and was stopped`);
  if (run.tooLarge) return failAll(`not rendered: the template batch wrote more than ${MAX_RENDER_OUTPUT_BYTES / 1024 / 1024} MiB and was stopped`);
  if (run.code === 2) throw new Error(`plumb-gotemplate refused the request: ${run.stderr.trim()}`);
  if (run.code !== 0) return failAll(`not rendered: the template engine failed (${run.code === null ? "killed" : `exit code ${run.code}`}): ${run.stderr.trim().slice(0, 2000)}`);

  let answer: unknown;
  try {
    answer = JSON.parse(run.stdout);
  } catch {
    throw new Error("plumb-gotemplate answered with invalid JSON; rebuild it with `bash hack/tools.sh gotemplate`");
  }
  const list = (answer as { results?: unknown } | null)?.results;
  if (!Array.isArray(list) || list.length !== index.length || !list.every(isResult)) {
    throw new Error("plumb-gotemplate answered with the wrong number or shape of results; rebuild it with `bash hack/tools.sh gotemplate`");
  }
  list.forEach((r, k) => {
    results[index[k]!] = "output" in r && typeof r.output === "string" ? { ok: true, output: r.output } : { ok: false, error: (r as { error: string }).error };
  });
  return results;
}

/** Argo CD renders fasttemplate only when some line holds `{{` … `}}` (its isTemplatedRegex, `.` not matching a newline). */
const IS_TEMPLATED = /\{\{.*\}\}/;

/**
 * Argo CD's older fasttemplate style: `{{param}}` / `{{ param.nested }}` replaced by flat string params;
 * unknown params are left as written (as Argo CD does). Pure TS.
 *
 * As valyala/fasttemplate scans: from each `{{` to the next `}}`, the text between, trimmed, names the
 * param; a tag that names no param (or is blank) is written back unchanged, spaces included. A text with
 * no `{{…}}` on one line is returned as is. Throws an Error when a `{{` has no closing `}}` in a text that
 * has tags: Argo CD refuses such a template ("invalid template") rather than guessing.
 */
export function renderFastTemplate(text: string, params: Record<string, string>): string {
  if (!IS_TEMPLATED.test(text)) return text;
  let out = "";
  let at = 0;
  for (;;) {
    const start = text.indexOf("{{", at);
    if (start < 0) return out + text.slice(at);
    const end = text.indexOf("}}", start + 2);
    if (end < 0) {
      throw new Error(`invalid template: "{{" at offset ${start} has no closing "}}"; close it, or write the braces some other way`);
    }
    const tag = text.slice(start + 2, end);
    const name = tag.trim();
    const value = name && Object.hasOwn(params, name) ? params[name] : undefined;
    out += text.slice(at, start) + (typeof value === "string" ? value : `{{${tag}}}`);
    at = end + 2;
  }
}
