/**
 * Reading an Application as the controller sees it: its key, its spec with defaults applied, its operation,
 * its status, and every problem with them. Nothing here throws for a user's object — a malformed spec, an
 * unknown field (a typo) or a field plumb cannot honour yet each become a problem naming the field, which the
 * controller shows as a condition (InvalidSpecError or UnsupportedField) instead of guessing.
 *
 * Order of the analysis: apiVersion/kind → the spec parsed leniently (parse.ts: unknown keys reported and
 * left out, the rest validated) → defaults → the semantic checks of unsupported.ts. The `operation` field is
 * analysed the same way. Both plumb's group and Argo CD's (`argoproj.io`) are accepted.
 *
 * Pure: imports nothing that does I/O.
 */
import type { KubeObject } from "../core/object.js";
import { parseLenient, type FieldIssue } from "./parse.js";
import { API_GROUP, API_VERSION, ARGO_GROUP, ApplicationSpec, DEFAULT_PROJECT, Operation, sourcesOf } from "./spec.js";
import { ApplicationStatus } from "./status.js";
import { operationProblems, specProblems, type AnalyzeOptions, type SpecProblem } from "./unsupported.js";

/** The outcome of analyzeApplication. */
export interface ApplicationAnalysis {
  /** The spec with defaults applied; absent when it is invalid (see problems). Unknown fields are left out. */
  spec?: ApplicationSpec;
  /** The `operation` field, when present and valid. */
  operation?: Operation;
  /** Everything wrong, in the order found; empty when the application is fine. */
  problems: SpecProblem[];
}

/** The apiVersions an Application may have. */
export const APPLICATION_API_VERSIONS = [`${API_GROUP}/${API_VERSION}`, `${ARGO_GROUP}/${API_VERSION}`];

function toProblems(issues: FieldIssue[]): SpecProblem[] {
  return issues.map((i) => ({ type: i.kind === "unknown" ? "UnsupportedField" : "InvalidSpecError", field: i.field, message: i.message }));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Argo CD's readings of empty values: an empty targetRevision is HEAD, an empty project is "default". */
function normalize(spec: ApplicationSpec): ApplicationSpec {
  for (const s of [spec.source, ...(spec.sources ?? [])]) if (s && !s.targetRevision) s.targetRevision = "HEAD";
  if (!spec.project) spec.project = DEFAULT_PROJECT;
  return spec;
}

/**
 * Analyses an Application (plumb's or Argo CD's): its spec with defaults applied, its operation, and every
 * problem. Never throws.
 */
export function analyzeApplication(obj: unknown, opts: AnalyzeOptions = {}): ApplicationAnalysis {
  if (!isRecord(obj)) return { problems: [{ type: "InvalidSpecError", field: "", message: "an Application must be an object" }] };
  const problems: SpecProblem[] = [];
  if (typeof obj.apiVersion !== "string" || !APPLICATION_API_VERSIONS.includes(obj.apiVersion)) {
    problems.push({ type: "InvalidSpecError", field: "apiVersion", message: `apiVersion must be ${APPLICATION_API_VERSIONS.join(" or ")}, not ${JSON.stringify(obj.apiVersion)}` });
  }
  if (obj.kind !== "Application") {
    problems.push({ type: "InvalidSpecError", field: "kind", message: `kind must be Application, not ${JSON.stringify(obj.kind)}` });
  }
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  const self = { namespace: typeof meta.namespace === "string" ? meta.namespace : "", name: typeof meta.name === "string" ? meta.name : "" };

  const parsed = parseLenient(ApplicationSpec, obj.spec, "spec");
  problems.push(...toProblems(parsed.issues));
  const spec = parsed.data ? normalize(parsed.data) : undefined;
  if (spec) problems.push(...specProblems(spec, self, opts));

  let operation: Operation | undefined;
  if (obj.operation !== undefined && obj.operation !== null) {
    const op = parseLenient(Operation, obj.operation, "operation");
    problems.push(...toProblems(op.issues));
    operation = op.data;
    if (operation) {
      for (const s of [operation.sync?.source, ...(operation.sync?.sources ?? [])]) if (s && !s.targetRevision) s.targetRevision = "HEAD";
      problems.push(...operationProblems(operation));
    }
  }
  return { spec, operation, problems };
}

/**
 * Parses a status read back from the cluster. Lenient: fields it does not know are dropped, and a top-level
 * field that does not parse is dropped alone (reported in `issues`), so one bad entry never loses the
 * history or the operation state.
 */
export function readStatus(input: unknown): { status: ApplicationStatus; issues: string[] } {
  if (input === undefined || input === null) return { status: {}, issues: [] };
  const whole = parseLenient(ApplicationStatus, input, "status");
  if (whole.data) return { status: whole.data, issues: whole.issues.map((i) => i.message) };
  const status: Record<string, unknown> = {};
  const issues: string[] = [];
  if (!isRecord(input)) return { status: {}, issues: ["status: not an object"] };
  for (const [key, schema] of Object.entries(ApplicationStatus.shape)) {
    if (input[key] === undefined) continue;
    const r = parseLenient(schema, input[key], `status.${key}`);
    issues.push(...r.issues.map((i) => i.message));
    if (r.data !== undefined) status[key] = r.data;
  }
  for (const key of Object.keys(input)) if (!(key in ApplicationStatus.shape)) issues.push(`status.${key} is not a known field`);
  return { status: status as ApplicationStatus, issues };
}

/** "namespace/name": the queue key of an Application (namespace "" when the object has none). */
export function appKey(obj: { metadata: { namespace?: string; name: string } }): string {
  return `${obj.metadata.namespace ?? ""}/${obj.metadata.name}`;
}

/** Splits an appKey back into namespace and name. */
export function parseAppKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf("/");
  return slash < 0 ? { namespace: "", name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** An Application read for reconciling. */
export interface ApplicationView {
  /** appKey of the object. */
  key: string;
  namespace: string;
  name: string;
  /** `plumb.dev` or `argoproj.io`: which CRD it came from (its status is written back there). */
  group: string;
  /** The object as read. */
  object: KubeObject;
  /** The spec with defaults applied; absent when invalid (see problems). */
  spec?: ApplicationSpec;
  operation?: Operation;
  status: ApplicationStatus;
  /** Problems of the spec and operation: each becomes a condition. */
  problems: SpecProblem[];
  /** What was dropped when reading the status (the controller rewrites the status anyway). */
  statusIssues: string[];
}

/**
 * Views already read, by object: a watch cache hands out the same object until it changes, and the
 * controller reads an Application several times per reconcile (its own, dependsOn, webhooks). Only
 * reads with the default options are kept. A view must not be changed by its readers.
 */
const views = new WeakMap<KubeObject, ApplicationView>();

/** Reads an Application object from the cluster for the controller. Never throws. */
export function readApplication(obj: KubeObject, opts: AnalyzeOptions = {}): ApplicationView {
  const defaults = Object.keys(opts).length === 0;
  const known = defaults ? views.get(obj) : undefined;
  if (known) return known;
  const view = analyzeView(obj, opts);
  if (defaults) views.set(obj, view);
  return view;
}

function analyzeView(obj: KubeObject, opts: AnalyzeOptions): ApplicationView {
  const { spec, operation, problems } = analyzeApplication(obj, opts);
  const { status, issues } = readStatus(obj.status);
  const slash = typeof obj.apiVersion === "string" ? obj.apiVersion.indexOf("/") : -1;
  return {
    key: appKey(obj),
    namespace: obj.metadata.namespace ?? "",
    name: obj.metadata.name,
    group: slash > 0 ? obj.apiVersion.slice(0, slash) : "",
    object: obj,
    spec,
    operation,
    status,
    problems,
    statusIssues: issues,
  };
}

/** The revisions the spec asks for, one per source (targetRevision, HEAD by default). */
export function targetRevisions(spec: ApplicationSpec): string[] {
  return sourcesOf(spec).map((s) => s.targetRevision || "HEAD");
}
