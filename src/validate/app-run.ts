/**
 * One app through `plumb validate`, as a reconcile would take it: read the Application (apps.ts), resolve
 * its project, find its source (source.ts), check the path and value files, render it — through the render
 * cache — exactly as the controller renders it (controller/engine-app.ts engineAppFor gives the same
 * AppSpec, hence the same repoRoot, path, options, release name and namespace), then check the rendered
 * objects (sync waves, hooks, the project's kinds and namespaces) and collect the Applications among them:
 * the children an app-of-apps creates, validated next (run.ts).
 *
 * The schema and policy checks run later, once every CRD of every render is known (run.ts).
 */
import type { ApplicationSource, AppProjectSpec, ProjectLookup } from "../apps/index.js";
import { engineAppFor } from "../controller/engine-app.js";
import type { KubeObject } from "../core/object.js";
import { render, RenderError, type ObjectOrigin, type RenderResult } from "../render/index.js";
import { checkProject, checkResources, objectFindings, readApp, refOf } from "./apps.js";
import { renderKey, type FileHasher, type RenderCache } from "./cache.js";
import { isChanged } from "./changed.js";
import { isApplication } from "./discover.js";
import type { Finding } from "./findings.js";
import { appInputs } from "./inputs.js";
import { sourceFileFindings, type SourceLocator } from "./source.js";

/** An app to validate: an Application manifest (found in the repository or rendered by a parent), or a folder. */
export interface AppTask {
  name: string;
  /** The Application's namespace ("" when the manifest names none). */
  namespace: string;
  /** The Application; undefined for `plumb validate DIR` on one app folder. */
  object?: Record<string, unknown>;
  /** The folder, repository-relative, when there is no Application. */
  folder?: string;
  /** Repository-relative file of the manifest (the folder itself in folder mode). */
  file: string;
  line?: number;
  /** The parent app's name, for children. */
  parent?: string;
}

/** What one app gave. */
export interface AppOutcome {
  task: AppTask;
  /** Whether it is reported (always, unless --changed-since leaves it out). */
  selected: boolean;
  /** Findings about the Application and its render; file/line of object findings already set. */
  findings: Finding[];
  objects: KubeObject[];
  origins: ObjectOrigin[];
  children: AppTask[];
}

/** What every app of a run shares. */
export interface AppRunContext {
  root: string;
  locator: SourceLocator;
  projects: ProjectLookup;
  cache: RenderCache;
  hasher: FileHasher;
  tools: Record<string, string>;
  /** Without the leading v: what Helm sees. */
  kubeVersion: string;
  /** Files changed, with --changed-since. */
  changed?: ReadonlySet<string>;
  env: NodeJS.ProcessEnv;
}

/** helm's "template: <chart>/templates/x.yaml:6:19: …": the template file and line inside the chart folder. */
const HELM_TEMPLATE_AT = /template: [^/\s]+\/(templates\/[^:\s]+):(\d+)/;

function renderFailed(err: RenderError, path: string): Finding[] {
  return err.problems.map((p) => {
    const at = HELM_TEMPLATE_AT.exec(p.message);
    const where = at && p.file === path ? { file: `${path === "." ? "" : `${path}/`}${at[1]}`, line: Number(at[2]) } : { file: p.file || path, ...(p.line !== undefined ? { line: p.line } : {}) };
    return { check: "render", severity: "error", message: `${p.object ? `${p.object}: ` : ""}${p.message}`, ...where };
  });
}

/** Renders through the cache; a RenderError becomes findings, anything else propagates. */
async function cachedRender(ctx: AppRunContext, req: Parameters<typeof render>[0], content: string | undefined): Promise<RenderResult | Finding[]> {
  const key = content !== undefined
    ? renderKey({ tools: ctx.tools, source: req.source ?? {}, path: req.path, appName: req.appName, namespace: req.destinationNamespace, kubeVersion: req.kubeVersion ?? "", content })
    : undefined;
  const hit = key ? ctx.cache.get(key) : undefined;
  if (hit) return hit;
  try {
    ctx.cache.renders++;
    const result = await render(req);
    if (key) ctx.cache.put(key, result);
    return result;
  } catch (err) {
    if (err instanceof RenderError) return renderFailed(err, req.path);
    throw err;
  }
}

/** Validates one app (see the module comment). */
export async function runApp(ctx: AppRunContext, task: AppTask): Promise<AppOutcome> {
  const out: AppOutcome = { task, selected: true, findings: [], objects: [], origins: [], children: [] };
  let source: ApplicationSource;
  let field = "spec.source";
  let project: { name: string; spec: AppProjectSpec } | undefined;
  let destination = { namespace: "default" } as { server?: string; name?: string; namespace?: string };
  let appName = task.name;
  if (task.object) {
    const read = readApp(task.object);
    out.findings.push(...read.findings);
    if (!read.spec || !read.source) {
      out.selected = !ctx.changed || isChanged({ manifestFile: task.file }, ctx.changed);
      return out;
    }
    source = read.source;
    field = read.spec.sources?.length ? "spec.sources[0]" : "spec.source";
    const verdict = checkProject(task.object, read.spec, source, ctx.projects);
    out.findings.push(...verdict.findings);
    project = verdict.project;
    destination = read.spec.destination;
    const app = engineAppFor(task.name, read.spec, source, ctx.root);
    appName = app.name;
    return renderApp(ctx, out, { source, field, project, destination, appName, path: app.path, options: app.source, namespace: app.namespace });
  }
  source = { repoURL: "", targetRevision: "HEAD", path: task.folder ?? "." };
  return renderApp(ctx, out, { source, field, project, destination, appName, path: task.folder ?? ".", options: {}, namespace: "default", local: true });
}

interface RenderPlan {
  source: ApplicationSource;
  field: string;
  project?: { name: string; spec: AppProjectSpec };
  destination: { server?: string; name?: string; namespace?: string };
  appName: string;
  path: string;
  options: NonNullable<Parameters<typeof render>[0]["source"]>;
  namespace: string;
  /** The folder of `plumb validate DIR`: always the working tree. */
  local?: boolean;
}

async function renderApp(ctx: AppRunContext, out: AppOutcome, plan: RenderPlan): Promise<AppOutcome> {
  const { task } = out;
  const local = plan.local || ctx.locator.isLocal(plan.source.repoURL);
  if (local) {
    const inputs = appInputs(ctx.root, plan.path, plan.options);
    out.selected = !ctx.changed || isChanged({ manifestFile: task.object ? task.file : undefined, inputs }, ctx.changed);
  } else {
    out.selected = !ctx.changed || isChanged({ manifestFile: task.file }, ctx.changed);
    if (!out.selected) return out; // nothing here can have changed it, and it renders no local child
  }
  const located = local ? { root: ctx.root, local: true, release: () => undefined } : await ctx.locator.locate(plan.source, plan.field);
  if (!("root" in located)) {
    out.findings.push({ ...located, object: refOf(task.object ?? {}) });
    return out;
  }
  try {
    const fileFindings = task.object ? sourceFileFindings(located.root, plan.source, plan.field) : [];
    if (fileFindings.length) {
      out.findings.push(...fileFindings.map((f) => ({ ...f, object: refOf(task.object!) })));
      return out;
    }
    const content = located.local ? ctx.hasher.inputsHash(located.root, appInputs(located.root, plan.path, plan.options)) : located.pinned;
    const req = { repoRoot: located.root, path: plan.path, source: plan.options, appName: plan.appName, destinationNamespace: plan.namespace, kubeVersion: ctx.kubeVersion, withOrigins: true, env: ctx.env };
    const result = await cachedRender(ctx, req, content);
    if (Array.isArray(result)) {
      out.findings.push(...result);
      return out;
    }
    out.objects = result.objects;
    out.origins = result.origins ?? result.objects.map(() => ({ file: "" }));
    const fileOf = (i: number): Pick<Finding, "file" | "line"> => originFields(out.origins[i], task);
    result.objects.forEach((o, i) => {
      for (const f of objectFindings(o)) out.findings.push({ ...f, ...fileOf(i) });
      if (isApplication(o as unknown as Record<string, unknown>)) {
        const at = fileOf(i);
        out.children.push({ name: o.metadata.name, namespace: o.metadata.namespace ?? "", object: o as unknown as Record<string, unknown>, file: at.file ?? task.file, ...(at.line !== undefined ? { line: at.line } : {}), parent: task.name });
      }
    });
    if (plan.project) {
      const byObject = new Map(result.objects.map((o, i) => [o, i]));
      for (const o of result.objects) for (const f of checkResources(plan.project, plan.destination, [o])) out.findings.push({ ...f, ...fileOf(byObject.get(o)!) });
    }
    return out;
  } finally {
    located.release();
  }
}

/** The file and line of a rendered object, for findings: a tool's output name stands for the app's folder. */
export function originFields(origin: ObjectOrigin | undefined, task: AppTask): Pick<Finding, "file" | "line"> {
  if (!origin?.file || /^(helm template|kustomize build) /.test(origin.file)) {
    const folder = origin?.file?.replace(/^(helm template|kustomize build) /, "");
    return { file: folder || task.folder || task.file };
  }
  return { file: origin.file, ...(origin.line !== undefined ? { line: origin.line } : {}) };
}
