/**
 * The Application checks of `plumb validate`, with the functions the controller itself uses, so that a
 * manifest passing them is one the controller accepts:
 *   - `app-spec`: analyzeApplication (apps/analyze.ts), as a reconcile reads the Application. A problem that
 *     stops the comparison (InvalidSpecError, a source plumb cannot render) is an error, and so is an
 *     unknown field — a typo the controller drops, so the app would not sync as written; a field plumb
 *     declares but does not implement yet is a warning (the controller syncs and says so in a condition).
 *     AppProjects are read with analyzeProject the same way.
 *   - `app-project`: projectFor — the project must be in the repository, in the live cluster, or be
 *     `default`; and projectViolations' verdict on the source repository and on the kinds rendered.
 *   - `app-destination`: projectViolations' verdict on the destination, and on the namespaces the rendered
 *     objects go to.
 *   - `sync-wave`: each sync-wave annotation (plumb's and Argo CD's) must be an integer (sync/waves.ts
 *     parseInteger; Helm's hook weight too, when it is the one the planner reads).
 *   - `hook-phase`: classifyHook (sync/hooks.ts) must not find the hook annotations invalid.
 * Skip annotations (`plumb.dev/validate-skip`, kube-score's `kube-score/ignore`) are read here too.
 *
 * Pure: imports nothing that does I/O.
 */
import { analyzeApplication, analyzeProject, blocksComparison, projectFor, projectViolations, sourcesOf, type ApplicationSource, type ApplicationSpec, type AppProjectSpec, type ProjectLookup, type SpecProblem } from "../apps/index.js";
import { ARGOCD, PLUMB } from "../core/annotations.js";
import { keyOf, type KubeObject } from "../core/object.js";
import { splitCredentials } from "../git/url.js";
import { classifyHook } from "../sync/index.js";
import { HELM_HOOK, HELM_HOOK_DELETE_POLICY } from "../sync/hooks.js";
import { HELM_HOOK_WEIGHT, parseInteger } from "../sync/waves.js";
import type { Finding, ObjectRef } from "./findings.js";

/** The per-object skip annotations: plumb's, and kube-score's so manifests written for it work as they are. */
export const SKIP_ANNOTATIONS = ["plumb.dev/validate-skip", "kube-score/ignore"];

/** The check ids an object's skip annotations switch off. */
export function skippedChecks(obj: { metadata?: unknown }): Set<string> {
  const annotations = (obj.metadata as { annotations?: Record<string, unknown> } | undefined)?.annotations ?? {};
  const out = new Set<string>();
  for (const a of SKIP_ANNOTATIONS) {
    const v = annotations[a];
    if (typeof v === "string") for (const id of v.split(",")) if (id.trim()) out.add(id.trim());
  }
  return out;
}

/** The ObjectRef of a manifest. */
export function refOf(obj: { apiVersion?: unknown; kind?: unknown; metadata?: unknown }): ObjectRef {
  const meta = (obj.metadata ?? {}) as { name?: unknown; namespace?: unknown; generateName?: unknown };
  const name = typeof meta.name === "string" ? meta.name : typeof meta.generateName === "string" ? meta.generateName : "";
  return {
    apiVersion: String(obj.apiVersion ?? ""),
    kind: String(obj.kind ?? ""),
    ...(typeof meta.namespace === "string" && meta.namespace ? { namespace: meta.namespace } : {}),
    name,
  };
}

/** What is known of an Application once read. */
export interface AppRead {
  /** The spec with defaults, when the controller would compare it. */
  spec?: ApplicationSpec;
  /** The source the controller renders (the first). */
  source?: ApplicationSource;
  findings: Finding[];
}

function severityOf(p: SpecProblem): Finding["severity"] {
  if (blocksComparison(p) || / is not a known field/.test(p.message)) return "error";
  return "warning";
}

/** `app-spec` findings of an Application object, and its spec when the controller would render it. */
export function readApp(obj: Record<string, unknown>): AppRead {
  const { spec, problems } = analyzeApplication(obj);
  const ref = refOf(obj);
  const findings: Finding[] = problems.map((p) => ({ check: "app-spec", severity: severityOf(p), message: p.message, object: ref, ...(p.field ? { path: p.field } : {}) }));
  if (!ref.name) findings.push({ check: "app-spec", severity: "error", message: "the Application has no metadata.name", object: ref, path: "metadata.name" });
  const blocked = problems.some(blocksComparison) || !ref.name;
  const source = spec ? sourcesOf(spec)[0] : undefined;
  return blocked || !spec || !source ? { findings } : { spec, source, findings };
}

/** `app-spec` findings of an AppProject object. */
export function projectFindings(obj: Record<string, unknown>): Finding[] {
  const { spec, problems } = analyzeProject(obj);
  const ref = refOf(obj);
  return problems.map((p) => ({ check: "app-spec", severity: !spec || p.type === "InvalidSpecError" || / is not a known field/.test(p.message) ? "error" : "warning", message: `AppProject ${ref.name}: ${p.message}`, object: ref, ...(p.field ? { path: p.field } : {}) }));
}

/** The project of an app as the controller resolves it, with what it refuses before rendering. */
export interface ProjectVerdict {
  /** The project's rules, when it is a real AppProject (the implicit default permits everything). */
  project?: { name: string; spec: AppProjectSpec };
  findings: Finding[];
}

/** `app-project` / `app-destination` findings of an app's project, its sources and its destination. */
export function checkProject(obj: Record<string, unknown>, spec: ApplicationSpec, source: ApplicationSource, lookup: ProjectLookup): ProjectVerdict {
  const ref = refOf(obj);
  const project = projectFor(spec.project, lookup);
  if (!project.found) {
    return { findings: [{ check: "app-project", severity: "error", message: `${project.message}; add the AppProject to the repository or set spec.project to an existing one`, object: ref, path: "spec.project" }] };
  }
  if (project.implicit) return { findings: [] };
  const sourceField = spec.sources?.length ? "spec.sources[0]" : "spec.source";
  const check = { sources: [{ repoURL: splitCredentials(source.repoURL).url }], destination: spec.destination, resources: [] };
  const findings: Finding[] = projectViolations(project.spec, check, { projectName: project.name }).map((message) =>
    message.startsWith("application destination")
      ? { check: "app-destination", severity: "error", message, object: ref, path: "spec.destination" }
      : { check: "app-project", severity: "error", message, object: ref, path: `${sourceField}.repoURL` },
  );
  return { project: { name: project.name, spec: project.spec }, findings };
}

/**
 * The project's refusals of the rendered objects (their kinds: `app-project`; the namespaces they go to:
 * `app-destination`), one finding per object and refusal, as the controller's resourceViolations.
 */
export function checkResources(project: { name: string; spec: AppProjectSpec }, destination: ApplicationSpec["destination"], objects: readonly KubeObject[]): Finding[] {
  const opts = { projectName: project.name };
  const own = new Set(projectViolations(project.spec, { sources: [], destination, resources: [] }, opts));
  const out: Finding[] = [];
  for (const o of objects) {
    const key = keyOf(o);
    const r = { ...key, namespaced: key.namespace !== "" };
    for (const message of projectViolations(project.spec, { sources: [], destination, resources: [r] }, opts)) {
      if (own.has(message)) continue;
      const isNamespace = message.includes(`: namespace '${key.namespace}' is not permitted`);
      out.push({ check: isNamespace ? "app-destination" : "app-project", severity: "error", message, object: refOf(o), ...(isNamespace ? { path: "metadata.namespace" } : {}) });
    }
  }
  return out;
}

const annotationPath = (name: string): string => `metadata.annotations[${name}]`;

/** `sync-wave` and `hook-phase` findings of one rendered object. */
export function objectFindings(obj: KubeObject): Finding[] {
  const a = obj.metadata?.annotations ?? {};
  const out: Finding[] = [];
  const ref = refOf(obj);
  const waves = [`${PLUMB}/sync-wave`, `${ARGOCD}/sync-wave`].filter((n) => a[n] !== undefined);
  for (const name of waves.length ? waves : a[HELM_HOOK_WEIGHT] !== undefined ? [HELM_HOOK_WEIGHT] : []) {
    const v = String(a[name]);
    if (parseInteger(v) === undefined) {
      out.push({ check: "sync-wave", severity: "error", message: `${name} "${v}" is not an integer; the sync would fail — write a whole number such as "-1" or "2"`, object: ref, path: annotationPath(name) });
    }
  }
  const hook = classifyHook(obj);
  if (hook.type === "invalid") {
    const names = [`${PLUMB}/hook`, `${ARGOCD}/hook`, HELM_HOOK, `${PLUMB}/hook-delete-policy`, `${ARGOCD}/hook-delete-policy`, HELM_HOOK_DELETE_POLICY];
    const policy = /delete-policy/.test(hook.problem);
    const name = names.find((n) => a[n] !== undefined && /delete-policy/.test(n) === policy) ?? names.find((n) => a[n] !== undefined) ?? names[0]!;
    out.push({ check: "hook-phase", severity: "error", message: `${hook.problem}; the sync would fail`, object: ref, path: annotationPath(name) });
  }
  return out;
}
