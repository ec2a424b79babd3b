/**
 * The checks a valid-looking spec still has to pass: fields plumb declares (because Argo CD has them) but does
 * not implement yet, combinations that make no sense, sync options that are misspelt or unknown. Each finding
 * names its field and says what to do, so the controller can show it as a condition — a field plumb cannot
 * honour is never ignored in silence.
 *
 * Most such fields are reported and the rest of the spec is honoured. A source plumb cannot render at all
 * (a Helm repository chart, a plugin, Jsonnet, values only) is different when it is the source plumb
 * renders: its problem carries `blocksComparison`, so the controller compares nothing rather than render
 * the folder as another type. Of several sources (`spec.sources`) every one with a path is rendered, so
 * any of them can block; a `ref` source without a path only lends its files (`$ref/…` value files).
 *
 * Pure: imports nothing that does I/O.
 */
import { unsupportedFields } from "../render/schema.js";
import { parseDuration } from "./retry.js";
import { suggest } from "./parse.js";
import {
  LOCAL_NAME,
  LOCAL_SERVER,
  type ApplicationSource,
  type ApplicationSpec,
  type Operation,
  type RetryStrategy,
} from "./spec.js";

/** `InvalidSpecError`: the spec cannot work as written. `UnsupportedField`: plumb cannot honour a field yet. */
export type ProblemType = "InvalidSpecError" | "UnsupportedField";

/** One problem of an Application, naming its field. */
export interface SpecProblem {
  type: ProblemType;
  /** The field's path, e.g. `spec.source.chart`. */
  field: string;
  message: string;
  /**
   * Set when the problem is on the source plumb renders (`spec.source`, or `spec.sources[0]`) and plumb
   * cannot render that source at all yet: a Helm repository chart, a config management plugin, Jsonnet
   * options, a source that only provides value files (`ref` without `path`). The controller writes the
   * condition and skips the comparison — and so every sync — as for an InvalidSpecError: rendering the
   * folder as another source type would deploy the wrong objects, and an empty render would prune the app.
   */
  blocksComparison?: true;
}

/** Whether a problem stops the comparison: an invalid spec, or a source plumb cannot render (blocksComparison). */
export function blocksComparison(p: SpecProblem): boolean {
  return p.type === "InvalidSpecError" || p.blocksComparison === true;
}

/**
 * Options of the analysis. (Destinations are no longer checked against a list of local clusters here:
 * the controller resolves them against the registered clusters, src/clusters.)
 */
export interface AnalyzeOptions {
  /** Ignored; kept so that callers still compile. */
  localServers?: string[];
  /** Ignored; kept so that callers still compile. */
  localNames?: string[];
}

/** The sync options an application may set, and the values each takes. */
const BOOLEAN_OPTIONS = [
  "Validate",
  "CreateNamespace",
  "PruneLast",
  "ApplyOutOfSyncOnly",
  "ServerSideApply",
  "Replace",
  "Force",
  "SkipDryRunOnMissingResource",
  "FailOnSharedResource",
  "RespectIgnoreDifferences",
];
/** Argo CD options plumb does not implement yet. */
const UNSUPPORTED_OPTIONS: Record<string, string> = {};
/** Options that belong on an object's annotation, not on the application. */
const OBJECT_OPTIONS = ["Prune", "Delete"];
const KNOWN_OPTIONS = [...BOOLEAN_OPTIONS, "PrunePropagationPolicy", ...Object.keys(UNSUPPORTED_OPTIONS), ...OBJECT_OPTIONS];

/** Problems of a list of sync options (`["CreateNamespace=true"]`) at `field`. */
export function syncOptionProblems(options: readonly string[], field: string): SpecProblem[] {
  const out: SpecProblem[] = [];
  options.forEach((raw, i) => {
    const at = `${field}[${i}]`;
    const eq = raw.indexOf("=");
    const name = (eq < 0 ? raw : raw.slice(0, eq)).trim();
    const value = eq < 0 ? "" : raw.slice(eq + 1).trim();
    if (eq < 0 || !name) {
      out.push({ type: "InvalidSpecError", field: at, message: `${at}: "${raw}" is not of the form Name=value (e.g. CreateNamespace=true)` });
    } else if (BOOLEAN_OPTIONS.includes(name)) {
      if (value !== "true" && value !== "false") out.push({ type: "InvalidSpecError", field: at, message: `${at}: ${name} must be true or false, not "${value}"` });
      // plumb always refuses an object another application tracks (the comparison fails, nothing is applied):
      // FailOnSharedResource=true is what it does anyway; Argo CD's default, taking the object over, is not done.
      else if (name === "FailOnSharedResource" && value === "false") out.push({ type: "UnsupportedField", field: at, message: `${at}: FailOnSharedResource=false is not supported: plumb always refuses an object another application tracks; remove the object from one of the applications` });
    } else if (name === "PrunePropagationPolicy") {
      if (!["foreground", "background", "orphan"].includes(value.toLowerCase())) {
        out.push({ type: "InvalidSpecError", field: at, message: `${at}: PrunePropagationPolicy must be foreground, background or orphan, not "${value}"` });
      }
    } else if (UNSUPPORTED_OPTIONS[name]) {
      out.push({ type: "UnsupportedField", field: at, message: `${at}: sync option ${name} is not supported yet: ${UNSUPPORTED_OPTIONS[name]}` });
    } else if (OBJECT_OPTIONS.includes(name)) {
      out.push({ type: "UnsupportedField", field: at, message: `${at}: ${name} is an object's sync option; set it in the object's plumb.dev/sync-options annotation` });
    } else {
      const hint = suggest(name, KNOWN_OPTIONS);
      out.push({ type: "UnsupportedField", field: at, message: `${at}: unknown sync option ${name}${hint ? ` (did you mean ${hint}?)` : ""}` });
    }
  });
  return out;
}

/** The source options plumb cannot render at all: set on the source it renders, they block the comparison. */
const BLOCKED = "; plumb does not render this source, so the application is not compared or synced until then";

/**
 * Problems of one source at `field` (`spec.source`, `spec.sources[1]`). `rendered`: this is the source plumb
 * renders, so a field that makes it unrenderable blocks the comparison (SpecProblem.blocksComparison).
 */
export function sourceProblems(src: ApplicationSource, field: string, rendered = false): SpecProblem[] {
  const out: SpecProblem[] = [];
  const push = (sub: string, message: string, blocks = false): void => {
    out.push({ type: "UnsupportedField", field: sub ? `${field}.${sub}` : field, message: blocks ? message + BLOCKED : message, ...(blocks ? { blocksComparison: true as const } : {}) });
  };
  if (src.ref && field === "spec.source") {
    // A ref names a source for the others of spec.sources; alone, there is nothing to lend files to.
    push("ref", `${field}.ref has a meaning only with spec.sources (a source lending its files to another's $${src.ref}/… value files); move the sources to spec.sources`, rendered && !src.path);
  }
  for (const p of unsupportedFields(src)) {
    const m = /^source\.(\S+) is not supported: (.*)$/s.exec(p.message);
    const sub = m?.[1] ?? "";
    push(sub, m ? `${field}.${sub} is not supported: ${m[2]}` : p.message);
  }
  const types = (["directory", "kustomize", "helm"] as const).filter((t) => src[t] !== undefined);
  if (types.length > 1) {
    out.push({ type: "InvalidSpecError", field, message: `${field} sets options for ${types.join(" and ")}; a source has one type, keep only one of them` });
  }
  return out;
}

function retryProblems(retry: RetryStrategy, field: string): SpecProblem[] {
  const out: SpecProblem[] = [];
  for (const k of ["duration", "maxDuration"] as const) {
    if (parseDuration(retry.backoff[k]) === undefined) {
      out.push({ type: "InvalidSpecError", field: `${field}.backoff.${k}`, message: `${field}.backoff.${k}: "${retry.backoff[k]}" is not a duration (e.g. 5s, 1m30s, 3m)` });
    }
  }
  if (retry.refresh) out.push({ type: "UnsupportedField", field: `${field}.refresh`, message: `${field}.refresh is not supported yet: retries use the revision of the failed attempt` });
  return out;
}

/** The problems of a parsed spec; `self` is the application's own namespace and name (for dependsOn). */
export function specProblems(spec: ApplicationSpec, self: { namespace: string; name: string }, _opts: AnalyzeOptions = {}): SpecProblem[] {
  const out: SpecProblem[] = [];
  const hasSources = (spec.sources?.length ?? 0) > 0;
  if (hasSources && spec.source) {
    out.push({ type: "UnsupportedField", field: "spec.source", message: "spec.source is ignored because spec.sources is set; remove one of them" });
  }
  if (!hasSources && !spec.source) out.push({ type: "InvalidSpecError", field: "spec.source", message: "spec.source (or spec.sources) is required" });
  if (hasSources) {
    const sources = spec.sources!;
    const refs = new Set<string>();
    sources.forEach((s, i) => {
      if (!s.ref) return;
      if (refs.has(s.ref)) out.push({ type: "InvalidSpecError", field: `spec.sources[${i}].ref`, message: `spec.sources[${i}].ref "${s.ref}" is used by another source too; give each ref source its own name` });
      refs.add(s.ref);
    });
    if (sources.every((s) => s.ref !== undefined && s.path === undefined && s.chart === undefined)) {
      out.push({ type: "InvalidSpecError", field: "spec.sources", message: "spec.sources has no source to render: every one is a ref source without a path; give the chart or manifests source a path (or chart)" });
    }
    sources.forEach((s, i) =>
      (s.helm?.valueFiles ?? []).forEach((f, j) => {
        const m = /^\$([^/]+)\//.exec(f);
        if (m && !refs.has(m[1]!)) {
          out.push({ type: "InvalidSpecError", field: `spec.sources[${i}].helm.valueFiles[${j}]`, message: `spec.sources[${i}].helm.valueFiles[${j}] "${f}" names no source with ref "${m[1]}"; add a source with ref: ${m[1]} to spec.sources, or fix the name` });
        }
      }),
    );
  }
  // Every source with a path (or chart) is rendered; a ref source without one only lends its files.
  if (hasSources) spec.sources!.forEach((s, i) => out.push(...sourceProblems(s, `spec.sources[${i}]`, s.path !== undefined || s.chart !== undefined || s.ref === undefined)));
  else if (spec.source) out.push(...sourceProblems(spec.source, "spec.source", true));

  const d = spec.destination;
  if (d.server && d.name) {
    out.push({ type: "InvalidSpecError", field: "spec.destination", message: "spec.destination sets both server and name; set only one of them" });
  } else if (!d.server && !d.name) {
    out.push({ type: "InvalidSpecError", field: "spec.destination", message: `spec.destination needs server (e.g. ${LOCAL_SERVER}) or name (e.g. ${LOCAL_NAME})` });
  }
  // Which cluster the server or name stands for is the controller's to say (src/clusters resolve.ts):
  // an unregistered one is an InvalidSpecError condition there.

  const sp = spec.syncPolicy;
  if (sp?.managedNamespaceMetadata) {
    out.push({ type: "UnsupportedField", field: "spec.syncPolicy.managedNamespaceMetadata", message: "spec.syncPolicy.managedNamespaceMetadata is not supported yet: label the namespace with a Namespace manifest in Git" });
  }
  if (sp?.retry) out.push(...retryProblems(sp.retry, "spec.syncPolicy.retry"));
  if (sp?.syncOptions) out.push(...syncOptionProblems(sp.syncOptions, "spec.syncPolicy.syncOptions"));
  if (sp?.syncOptions?.some((o) => o.replace(/\s/g, "") === "RespectIgnoreDifferences=true")) {
    spec.ignoreDifferences?.forEach((r, i) => {
      if (r.jqPathExpressions?.length) {
        const at = `spec.ignoreDifferences[${i}].jqPathExpressions`;
        out.push({ type: "UnsupportedField", field: at, message: `${at}: RespectIgnoreDifferences keeps the live values of jsonPointers only; a sync still applies the fields these jq expressions ignore — write them as jsonPointers` });
      }
    });
  }
  if (spec.sourceHydrator !== undefined) {
    out.push({ type: "UnsupportedField", field: "spec.sourceHydrator", message: "spec.sourceHydrator is not supported: commit rendered manifests yourself and point spec.source at them" });
  }

  const seen = new Set<string>();
  (spec.dependsOn ?? []).forEach((dep, i) => {
    const at = `spec.dependsOn[${i}]`;
    const key = `${dep.namespace ?? self.namespace}/${dep.name}`;
    if (key === `${self.namespace}/${self.name}`) out.push({ type: "InvalidSpecError", field: at, message: `${at}: an application cannot depend on itself` });
    else if (seen.has(key)) out.push({ type: "InvalidSpecError", field: at, message: `${at}: ${key} is listed twice` });
    seen.add(key);
  });
  return out;
}

/** The problems of a parsed `operation`. */
export function operationProblems(op: Operation): SpecProblem[] {
  const out: SpecProblem[] = [];
  const s = op.sync;
  if (s?.manifests?.length) out.push({ type: "UnsupportedField", field: "operation.sync.manifests", message: "operation.sync.manifests is not supported: sync from Git" });
  if (s?.source) out.push(...sourceProblems(s.source, "operation.sync.source"));
  s?.sources?.forEach((src, i) => out.push(...sourceProblems(src, `operation.sync.sources[${i}]`)));
  if (s?.syncOptions) out.push(...syncOptionProblems(s.syncOptions, "operation.sync.syncOptions"));
  if (op.retry) out.push(...retryProblems(op.retry, "operation.retry"));
  return out;
}
