/**
 * From parameter sets to Applications: the template (metadata and spec) rendered with each set — all sets
 * and the `templatePatch` in one template batch — the patch read as YAML and merged onto the rendered
 * Application (a JSON merge patch: maps merged, lists replaced, null removes, as Argo CD's strategic merge
 * does for Application fields), then owner reference, finalizer and namespace set, and every Application
 * checked on its own:
 *
 * - a name that is a DNS subdomain; the set's namespace (an owner reference cannot cross namespaces);
 * - the spec valid as plumb reads Applications (apps/analyze.ts: InvalidSpecError problems);
 * - a project that exists and permits its sources and destination;
 * - a name no other parameter set generated too.
 *
 * A failed check makes that one Application invalid — reported with its name and why, and, when it has a
 * name, held: an existing Application of that name is neither updated nor deleted — while every other
 * Application goes on (Argo CD's #356: one bad element blocked the whole set).
 *
 * Pure apart from the template tool.
 */
import { parse as parseYaml } from "yaml";
import { analyzeApplication } from "../apps/analyze.js";
import { projectDenial, projectFor, type ProjectLookup } from "../apps/project.js";
import { ARGO_GROUP, sourcesOf, type ApplicationSpec } from "../apps/spec.js";
import { RESOURCES_FINALIZERS } from "../core/annotations.js";
import type { KubeObject } from "../core/object.js";
import type { Params } from "./params.js";
import { renderValues, type Renderer } from "./render.js";
import type { ApplicationSetSpec, InvalidApplication } from "./schema.js";

/** One Application the set wants, ready to apply. */
export interface GeneratedApp {
  /** The parameter set it came from. */
  index: number;
  name: string;
  app: KubeObject;
}

export interface BuiltApps {
  apps: GeneratedApp[];
  invalid: InvalidApplication[];
  /** Names of invalid Applications: an existing one of that name is left as it is. */
  held: Set<string>;
}

/** The label every generated Application carries: the set's name (for `kubectl get apps -l`). */
export const APPSET_LABEL = "plumb.dev/application-set";

/** The cascade-delete finalizer of the group's Applications (apps/client.ts uses the same pair). */
export function resourcesFinalizer(group: string): string {
  return group === ARGO_GROUP ? RESOURCES_FINALIZERS[0]! : RESOURCES_FINALIZERS[1]!;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `name` cannot name an Application, or undefined. */
export function nameProblem(name: unknown): string | undefined {
  if (typeof name !== "string" || name === "") return "the rendered metadata.name is empty";
  if (name.length > 253) return `name ${JSON.stringify(name.slice(0, 40))}… is longer than 253 characters`;
  if (!DNS_SUBDOMAIN.test(name)) return `name ${JSON.stringify(name)} is not a valid Kubernetes name (lower case letters, digits, '-' and '.', starting and ending with a letter or digit)`;
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return patch;
  const out: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export interface BuildOptions {
  /** The ApplicationSet (its apiVersion, namespace, name and uid). */
  set: KubeObject;
  spec: ApplicationSetSpec;
  params: readonly Params[];
  renderer: Renderer;
  /** The set's namespace's AppProjects by name. */
  project: ProjectLookup;
}

/** Renders and checks the Applications of every parameter set. */
export async function buildApplications(o: BuildOptions): Promise<BuiltApps> {
  const { set, spec } = o;
  const group = set.apiVersion.split("/")[0]!;
  const namespace = set.metadata.namespace ?? "";
  const patch = spec.goTemplate ? spec.templatePatch : undefined;
  const rendered = await renderValues(o.renderer, { template: { metadata: spec.template.metadata, spec: spec.template.spec }, patch: patch ?? "" }, o.params);
  const invalid: InvalidApplication[] = [];
  const candidates: GeneratedApp[] = [];
  const preserve = spec.syncPolicy?.preserveResourcesOnDeletion === true;
  for (let index = 0; index < rendered.length; index++) {
    const r = rendered[index]!;
    if (!r.ok) {
      invalid.push({ index, message: `template: ${r.error}` });
      continue;
    }
    let t: unknown = r.value.template;
    if (patch !== undefined && r.value.patch.trim() !== "") {
      let p: unknown;
      try {
        p = parseYaml(r.value.patch);
      } catch (err) {
        invalid.push({ index, message: `templatePatch is not YAML once rendered: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}` });
        continue;
      }
      if (p !== null && !isRecord(p)) {
        invalid.push({ index, message: "templatePatch must render to a YAML map (metadata, spec)" });
        continue;
      }
      if (p) t = mergePatch(t, p);
    }
    const tpl = t as { metadata?: Record<string, unknown>; spec?: unknown };
    const meta = isRecord(tpl.metadata) ? tpl.metadata : {};
    const name = meta.name;
    const bad = nameProblem(name);
    if (bad) {
      invalid.push({ ...(typeof name === "string" && name ? { name } : {}), index, message: bad });
      continue;
    }
    const appName = name as string;
    const ns = typeof meta.namespace === "string" && meta.namespace ? meta.namespace : namespace;
    if (ns !== namespace) {
      invalid.push({ name: appName, index, message: `namespace ${JSON.stringify(ns)} is not the ApplicationSet's (${JSON.stringify(namespace)}): generated Applications live in the set's namespace` });
      continue;
    }
    const finalizers = [...new Set([...(Array.isArray(meta.finalizers) ? (meta.finalizers as string[]) : []).filter((f) => !(preserve && RESOURCES_FINALIZERS.includes(f))), ...(preserve ? [] : [resourcesFinalizer(group)])])];
    const app: KubeObject = {
      apiVersion: set.apiVersion,
      kind: "Application",
      metadata: {
        name: appName,
        namespace,
        labels: { ...(isRecord(meta.labels) ? (meta.labels as Record<string, string>) : {}), [APPSET_LABEL]: set.metadata.name },
        ...(isRecord(meta.annotations) && Object.keys(meta.annotations).length ? { annotations: meta.annotations as Record<string, string> } : {}),
        ...(finalizers.length ? { finalizers } : {}),
        ownerReferences: [{ apiVersion: set.apiVersion, kind: "ApplicationSet", name: set.metadata.name, uid: set.metadata.uid ?? "", controller: true, blockOwnerDeletion: true }],
      },
      spec: tpl.spec,
    };
    const why = checkApp(app, o.project, group);
    if (why) {
      invalid.push({ name: appName, index, message: why });
      continue;
    }
    candidates.push({ index, name: appName, app });
  }
  // A name generated twice: neither wins (which one would be arbitrary); both are reported.
  const count = new Map<string, number[]>();
  for (const c of candidates) count.set(c.name, [...(count.get(c.name) ?? []), c.index]);
  const apps: GeneratedApp[] = [];
  for (const c of candidates) {
    const at = count.get(c.name)!;
    if (at.length > 1) invalid.push({ name: c.name, index: c.index, message: `the name ${c.name} is generated by ${at.length} parameter sets (${at.join(", ")}); each Application needs a name of its own` });
    else apps.push(c);
  }
  invalid.sort((a, b) => a.index - b.index);
  const held = new Set(invalid.map((i) => i.name).filter((n): n is string => !!n));
  return { apps, invalid, held };
}

/** Why a rendered Application may not be applied (its spec, its project), or undefined. */
function checkApp(app: KubeObject, lookup: ProjectLookup, group: string): string | undefined {
  const { spec, problems } = analyzeApplication(app);
  const errors = problems.filter((p) => p.type === "InvalidSpecError").map((p) => p.message);
  if (errors.length || !spec) return `invalid Application spec: ${errors.join("; ") || "it does not parse"}`;
  return projectProblem(spec, lookup, group);
}

function projectProblem(spec: ApplicationSpec, lookup: ProjectLookup, _group: string): string | undefined {
  const project = projectFor(spec.project, lookup);
  if (!project.found) return project.message;
  for (const s of sourcesOf(spec)) {
    const why = projectDenial(project.spec, { repoURL: s.repoURL });
    if (why) return `project ${project.name}: ${why}`;
  }
  const why = projectDenial(project.spec, { destination: spec.destination });
  return why ? `project ${project.name}: ${why}` : undefined;
}
