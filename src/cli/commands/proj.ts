/**
 * `plumb proj list | get NAME`: the AppProjects — over the plumb server (GET /api/v1/projects, only the
 * projects the caller may see), or with --core straight from the cluster through the kubeconfig. In core
 * mode a missing `default` project is shown as the implicit one the controller uses (every repository,
 * destination and kind), marked so. `plumb proj windows list NAME` prints the project's sync windows and
 * whether each is active now (Argo CD's `argocd proj windows list` columns).
 */
import type { Command } from "commander";
import { API_GROUP, API_VERSION, ARGO_GROUP, DEFAULT_PROJECT, defaultProject, windowActive, windowProblem, type SyncWindow } from "../../apps/index.js";
import { NotFoundError } from "../../core/errors.js";
import type { KubeObject } from "../../core/object.js";
import { addKubeFlags, connect } from "../kube-flags.js";
import { parseFormat, printData, table } from "../output.js";
import { addTargetFlags, type TargetFlags } from "../target.js";
import { apiClientOf, DEFAULT_APP_NAMESPACE, fields, forPrinting, targetOf } from "./app-common.js";

interface ProjFlags extends TargetFlags {
  output: string;
  projectNamespace: string;
  argo?: boolean;
}

interface ProjectSpecView {
  description?: string;
  sourceRepos?: string[];
  destinations?: Array<{ server?: string; name?: string; namespace?: string }>;
  clusterResourceWhitelist?: Array<{ group: string; kind: string }>;
  namespaceResourceBlacklist?: Array<{ group: string; kind: string }>;
  roles?: Array<{ name: string }>;
  syncWindows?: SyncWindow[];
}

const specOf = (p: KubeObject): ProjectSpecView => (p.spec ?? {}) as ProjectSpecView;
const destinations = (s: ProjectSpecView): string => (s.destinations ?? []).map((d) => `${d.server ?? d.name ?? "*"},${d.namespace ?? "*"}`).join("; ");
const kinds = (l: Array<{ group: string; kind: string }> | undefined): string => (l ?? []).map((k) => `${k.group || "core"}/${k.kind}`).join(", ");

function addProjFlags(cmd: Command): Command {
  return addTargetFlags(addKubeFlags(cmd))
    .option("-o, --output <format>", "text, json or yaml", "text")
    .option("--project-namespace <ns>", "with --core: namespace of the AppProject objects", DEFAULT_APP_NAMESPACE)
    .option("--argo", "with --core: Argo CD's argoproj.io AppProjects");
}

/** Runs `fn` against the projects of the target the flags choose. */
async function projects<T>(f: ProjFlags, fn: (p: { list: () => Promise<KubeObject[]>; get: (name: string) => Promise<KubeObject> }) => Promise<T>): Promise<T> {
  const target = targetOf(f);
  if (target.mode === "api") {
    const api = apiClientOf(target);
    return fn({
      list: async () => (await api.get<{ items?: KubeObject[] | null }>("/api/v1/projects")).items ?? [],
      get: (name) => api.get<KubeObject>(`/api/v1/projects/${encodeURIComponent(name)}`),
    });
  }
  const resources = await connect(f);
  const apiVersion = `${f.argo ? ARGO_GROUP : API_GROUP}/${API_VERSION}`;
  const ns = f.projectNamespace;
  try {
    return await fn({
      list: async () => {
        const { items } = await resources.list(apiVersion, "AppProject", { namespace: ns });
        return items.some((p) => p.metadata.name === DEFAULT_PROJECT) ? items : [implicitDefault(ns), ...items];
      },
      get: async (name) => {
        const p = await resources.get({ apiVersion, kind: "AppProject", namespace: ns, name });
        if (p) return p;
        if (name === DEFAULT_PROJECT) return implicitDefault(ns);
        throw new NotFoundError(`project "${name}" not found in namespace "${ns}"`, `list them with: plumb proj list --core --project-namespace ${ns}`);
      },
    });
  } finally {
    resources.client.close();
  }
}

/** The implicit default project, marked as such. */
function implicitDefault(ns: string): KubeObject {
  const p = defaultProject(ns) as KubeObject;
  return { ...p, metadata: { ...p.metadata, annotations: { "plumb.dev/implicit": "true" } } };
}

/** The rows of `proj windows list`: one per window, with its state at `now` (Active, Inactive, or why it is invalid). */
export function windowRows(windows: readonly SyncWindow[], now = Date.now()): string[][] {
  const rows = [["ID", "STATUS", "KIND", "SCHEDULE", "DURATION", "TIMEZONE", "APPLICATIONS", "NAMESPACES", "CLUSTERS", "MANUALSYNC", "OPERATOR"]];
  const list = (l: string[] | undefined): string => (l?.length ? l.join(",") : "-");
  for (const [i, w] of windows.entries()) {
    const bad = windowProblem(w);
    const status = bad ? `Invalid: ${bad}` : windowActive(w, now) ? "Active" : "Inactive";
    rows.push([String(i), status, w.kind, w.schedule, w.duration, w.timeZone || "UTC", list(w.applications), list(w.namespaces), list(w.clusters), w.manualSync ? "Enabled" : "Disabled", w.andOperator ? "AND" : "OR"]);
  }
  return rows;
}

export function register(program: Command): void {
  const proj = program.command("proj").description("the AppProjects: list, get (over the plumb server, or --core through the kubeconfig)");

  addProjFlags(proj.command("list").alias("ls").description("list the AppProjects")).action(async (f: ProjFlags) => {
    const format = parseFormat(f.output);
    await projects(f, async (p) => {
      const items = (await p.list()).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
      if (format !== "text") return printData(items.map(forPrinting), format);
      const rows = [["NAME", "DESCRIPTION", "DESTINATIONS", "SOURCES", "CLUSTER-RESOURCE-WHITELIST"]];
      for (const item of items) {
        const s = specOf(item);
        rows.push([item.metadata.name, s.description ?? "", destinations(s), (s.sourceRepos ?? []).join(", "), kinds(s.clusterResourceWhitelist)]);
      }
      process.stdout.write(table(rows));
    });
  });

  addProjFlags(proj.command("get").description("show an AppProject").argument("<name>")).action(async (name: string, f: ProjFlags) => {
    const format = parseFormat(f.output);
    await projects(f, async (p) => {
      const item = await p.get(name);
      if (format !== "text") return printData(forPrinting(item), format);
      const s = specOf(item);
      const implicit = item.metadata.annotations?.["plumb.dev/implicit"] === "true";
      process.stdout.write(
        fields([
          ["Name", `${item.metadata.name}${implicit ? " (implicit: no AppProject object)" : ""}`],
          ["Description", s.description],
          ["Destinations", destinations(s) || "none"],
          ["Repositories", (s.sourceRepos ?? []).join(", ") || "none"],
          ["Cluster Resources", kinds(s.clusterResourceWhitelist) || "none"],
          ["Denied Namespaced", kinds(s.namespaceResourceBlacklist)],
          ["Roles", (s.roles ?? []).map((r) => r.name).join(", ")],
          ["Sync Windows", s.syncWindows?.length ? `${s.syncWindows.length} (plumb proj windows list ${item.metadata.name})` : undefined],
        ]),
      );
    });
  });

  const windows = proj.command("windows").description("the project's sync windows");
  addProjFlags(windows.command("list").alias("ls").description("list the project's sync windows and whether each is active now").argument("<project>")).action(async (name: string, f: ProjFlags) => {
    const format = parseFormat(f.output);
    await projects(f, async (p) => {
      const list = specOf(await p.get(name)).syncWindows ?? [];
      const now = Date.now();
      if (format !== "text") return printData(list.map((w, id) => ({ id, active: !windowProblem(w) && windowActive(w, now), ...(windowProblem(w) ? { problem: windowProblem(w) } : {}), ...w })), format);
      if (list.length === 0) {
        process.stderr.write(`plumb: project "${name}" has no sync windows: every sync may run\n`);
        return;
      }
      process.stdout.write(table(windowRows(list, now)));
    });
  });
}
