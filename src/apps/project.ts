/**
 * AppProject: the guard rails of a group of Applications, in Argo CD's field names
 * (https://argo-cd.readthedocs.io/en/stable/user-guide/projects/): which repositories they may deploy from,
 * which clusters and namespaces they may deploy to, and which kinds they may create.
 *
 * `projectPermits` follows Argo CD's rules exactly:
 * - sourceRepos: the URL (normalised: lower case, no `.git`, no trailing `/`) must match a pattern, `/`
 *   being a separator (`https://github.com/org/*`), and no `!pattern` may exclude it;
 * - destinations: an entry matches when its server (or name) and its namespace both match; a `!` entry
 *   that does not match excludes the destination;
 * - kinds: a namespaced kind needs the namespace whitelist to be absent (all allowed) or to match, and the
 *   blacklist not to match; a cluster-scoped kind needs the cluster whitelist to match (absent or empty
 *   allows none) and the cluster blacklist not to.
 * The implicit `default` project permits everything, as Argo CD's default project does.
 *
 * The controller calls two functions per reconcile: `projectFor` finds the application's project (or says
 * it does not exist, in Argo CD's words), and `projectViolations` checks everything the reconcile would do
 * against it at once — the sources, the destination (`in-cluster` and its URL standing for each other), and
 * every object's kind and namespace — returning one message per violation, each naming what is refused and
 * the project field refusing it. `projectDenial` checks one request as written, for callers that have one.
 *
 * Pure: imports nothing that does I/O.
 */
import { z } from "zod";
import { parseLenient } from "./parse.js";
import { API_GROUP, API_VERSION, DEFAULT_PROJECT, LOCAL_NAME, LOCAL_SERVER } from "./spec.js";
import { globMatch, globMatchWithNegation, isDenyPattern } from "./glob.js";
import type { SpecProblem } from "./unsupported.js";
import { SyncWindow, syncWindowState, windowProblem, type SyncWindowState, type WindowTarget } from "./windows.js";

/** A group and kind, either a glob ("*"); group "" is the core group. */
export const GroupKind = z.strictObject({ group: z.string().default(""), kind: z.string().min(1) });
export type GroupKind = z.infer<typeof GroupKind>;

/** A permitted destination; each field a glob, `!glob` to deny. */
export const ProjectDestination = z.strictObject({
  server: z.string().optional(),
  name: z.string().optional(),
  namespace: z.string().optional(),
});
export type ProjectDestination = z.infer<typeof ProjectDestination>;

/** A role for the API's RBAC (server/rbac/projects.ts): its policies and groups, and the ids of the tokens issued for it. */
export const ProjectRole = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  policies: z.array(z.string()).optional(),
  groups: z.array(z.string()).optional(),
  jwtTokens: z.array(z.strictObject({ iat: z.number().int(), exp: z.number().int().optional(), id: z.string().optional() })).optional(),
});

/** An AppProject's spec. */
export const AppProjectSpec = z.strictObject({
  description: z.string().optional(),
  /** Repository URL globs the applications may use; `!glob` denies. */
  sourceRepos: z.array(z.string()).optional(),
  destinations: z.array(ProjectDestination).optional(),
  /** Cluster-scoped kinds allowed; absent or empty allows none. */
  clusterResourceWhitelist: z.array(GroupKind).optional(),
  clusterResourceBlacklist: z.array(GroupKind).optional(),
  /** Namespaced kinds allowed; absent allows all, empty allows none. */
  namespaceResourceWhitelist: z.array(GroupKind).optional(),
  namespaceResourceBlacklist: z.array(GroupKind).optional(),
  roles: z.array(ProjectRole).optional(),
  /** When syncs may run (windows.ts). */
  syncWindows: z.array(SyncWindow).optional(),
  // Declared so Argo CD projects are read, reported when set: plumb does not implement them yet.
  orphanedResources: z.unknown().optional(),
  signatureKeys: z.array(z.strictObject({ keyID: z.string() })).optional(),
  sourceNamespaces: z.array(z.string()).optional(),
  destinationServiceAccounts: z.array(z.unknown()).optional(),
  permitOnlyProjectScopedClusters: z.boolean().optional(),
});
export type AppProjectSpec = z.infer<typeof AppProjectSpec>;

/** An AppProject's status (Argo CD keeps issued tokens there). */
export const AppProjectStatus = z.strictObject({
  jwtTokensByRole: z.record(z.string(), z.unknown()).optional(),
});

/** The implicit default project's spec: every repository, destination and kind. */
export function defaultProjectSpec(): AppProjectSpec {
  return {
    sourceRepos: ["*"],
    destinations: [{ server: "*", name: "*", namespace: "*" }],
    clusterResourceWhitelist: [{ group: "*", kind: "*" }],
  };
}

/** The implicit `default` AppProject, used when no AppProject named "default" exists. */
export function defaultProject(namespace = "") {
  return {
    apiVersion: `${API_GROUP}/${API_VERSION}`,
    kind: "AppProject",
    metadata: { name: DEFAULT_PROJECT, ...(namespace ? { namespace } : {}) },
    spec: defaultProjectSpec(),
  };
}

const UNSUPPORTED_PROJECT_FIELDS: Array<[keyof AppProjectSpec, string]> = [
  ["orphanedResources", "orphaned resources are not monitored yet"],
  ["signatureKeys", "commit signatures are not verified yet"],
  ["sourceNamespaces", "applications in any namespace may use the project"],
  ["destinationServiceAccounts", "plumb deploys with its own credentials"],
  ["permitOnlyProjectScopedClusters", "plumb deploys to the local cluster only"],
];

/** Analyses an AppProject object like analyzeApplication: spec with defaults, problems; never throws. */
export function analyzeProject(obj: unknown): { spec?: AppProjectSpec; problems: SpecProblem[] } {
  const spec = obj !== null && typeof obj === "object" ? (obj as { spec?: unknown }).spec : undefined;
  const r = parseLenient(AppProjectSpec, spec ?? {}, "spec");
  const problems: SpecProblem[] = r.issues.map((i) => ({ type: i.kind === "unknown" ? "UnsupportedField" : "InvalidSpecError", field: i.field, message: i.message }));
  if (r.data) {
    for (const [field, why] of UNSUPPORTED_PROJECT_FIELDS) {
      const v = r.data[field];
      if (v === undefined || v === false || (Array.isArray(v) && v.length === 0)) continue;
      problems.push({ type: "UnsupportedField", field: `spec.${field}`, message: `spec.${field} is not supported yet: ${why}` });
    }
    for (const [i, w] of (r.data.syncWindows ?? []).entries()) {
      const field = `spec.syncWindows[${i}]`;
      const bad = windowProblem(w);
      // An unreadable window blocks the syncs of the apps it applies to (windows.ts canSync), as in Argo CD.
      if (bad) problems.push({ type: "InvalidSpecError", field, message: `${field}: ${bad}; syncs of the applications it applies to are blocked until it is fixed` });
      if (w.syncOverrun) problems.push({ type: "UnsupportedField", field: `${field}.syncOverrun`, message: `${field}.syncOverrun is not supported yet: a sync already running always finishes, whatever the windows` });
    }
  }
  return { spec: r.data, problems };
}

/** What an application wants to do; projectPermits checks only the parts given. */
export interface PermitRequest {
  repoURL?: string;
  destination?: { server?: string; name?: string; namespace?: string };
  /** With kind: the group ("" for core) and kind of an object to deploy. */
  group?: string;
  kind?: string;
  /** Whether that kind is namespaced (default true). */
  namespaced?: boolean;
}

/** Argo CD's repository URL normalisation: lower case, ssh shorthand as a URL, no `.git`, no trailing `/`. */
export function normalizeRepoURL(url: string): string {
  let u = url.trim().toLowerCase();
  const scp = /^([\w.-]+@[\w.-]+):(?!\/\/)(.*)$/.exec(u);
  if (scp) u = `${scp[1]}/${scp[2]}`;
  u = u.replace(/^ssh:\/\//, "");
  return u.replace(/\/+$/, "").replace(/\.git$/, "");
}

/** A project entry in the words of a message: `'!https://x/*'`, `{server '*', namespace '!kube-system'}`. */
function showDestination(e: ProjectDestination): string {
  const parts = (["server", "name", "namespace"] as const).filter((k) => e[k] !== undefined).map((k) => `${k} '${e[k]}'`);
  return `{${parts.join(", ")}}`;
}

/**
 * Why sourceRepos refuse `url`, or undefined when they permit it (Argo CD's IsSourcePermitted): some entry
 * must match, and a `!pattern` entry whose pattern matches denies at once. A `!pattern` that does not match
 * counts as a match, so a list of deny entries alone permits every other repository, as in Argo CD.
 */
function repoRefusal(patterns: readonly string[], url: string): string | undefined {
  const value = normalizeRepoURL(url);
  let any = false;
  for (const p of patterns) {
    const pattern = isDenyPattern(p) ? `!${normalizeRepoURL(p.slice(1))}` : p === "*" ? "*" : normalizeRepoURL(p);
    const matched = pattern === "*" || globMatchWithNegation(pattern, value, "/");
    if (matched) any = true;
    else if (isDenyPattern(pattern)) return `sourceRepos entry '${p}' denies it`;
  }
  if (any) return undefined;
  return patterns.length === 0 ? "sourceRepos is empty" : "no sourceRepos entry matches it";
}

/**
 * Why destinations refuse `dst`, or undefined when they permit it (Argo CD's isDestinationMatched): an entry
 * matches when its server or its name matches, and its namespace matches. An entry whose server (or name)
 * is `!pattern` denies a destination whose server (or name) the pattern names, where the entry's namespace
 * matches; an entry whose namespace is `!pattern` denies a namespace the pattern names, on the servers (or
 * names) the entry matches: Argo CD's rule as refined in argo-cd#20045 and argo-cd#28854.
 */
function destinationRefusal(entries: readonly ProjectDestination[], dst: NonNullable<PermitRequest["destination"]>): string | undefined {
  let any = false;
  let denied: ProjectDestination | undefined;
  for (const e of entries) {
    const nameMatched = !!dst.name && globMatchWithNegation(e.name ?? "", dst.name);
    const serverMatched = !!dst.server && globMatchWithNegation(e.server ?? "", dst.server);
    const nsMatched = globMatchWithNegation(e.namespace ?? "", dst.namespace ?? "");
    const nameDeny = isDenyPattern(e.name ?? "");
    const serverDeny = isDenyPattern(e.server ?? "");
    if ((serverMatched || nameMatched) && nsMatched) any = true;
    else if (((!nameMatched && nameDeny) || (!serverMatched && serverDeny)) && nsMatched) denied ??= e;
    else if (((nameMatched && !nameDeny) || (serverMatched && !serverDeny)) && !nsMatched && isDenyPattern(e.namespace ?? "")) denied ??= e;
  }
  if (denied) return `destinations entry ${showDestination(denied)} denies it`;
  if (any) return undefined;
  return entries.length === 0 ? "destinations is empty" : "no destinations entry matches it";
}

function inList(list: readonly GroupKind[], group: string, kind: string): boolean {
  return list.some((gk) => globMatch(gk.kind, kind) && globMatch(gk.group, group));
}

/** "apps/Deployment", or "ConfigMap" for the core group. */
function groupKind(group: string, kind: string): string {
  return group ? `${group}/${kind}` : kind;
}

/**
 * Why the project's kind lists refuse a kind, or undefined (Argo CD's IsGroupKindPermitted): a namespaced
 * kind needs namespaceResourceWhitelist absent or listing it, and namespaceResourceBlacklist not listing
 * it; a cluster-scoped kind needs clusterResourceWhitelist to list it (absent or empty allows none) and
 * clusterResourceBlacklist not to.
 */
function kindRefusal(project: AppProjectSpec, group: string, kind: string, namespaced: boolean): string | undefined {
  const gk = groupKind(group, kind);
  const [whiteName, blackName] = namespaced ? ["namespaceResourceWhitelist", "namespaceResourceBlacklist"] : ["clusterResourceWhitelist", "clusterResourceBlacklist"];
  const white = namespaced ? project.namespaceResourceWhitelist : project.clusterResourceWhitelist;
  const black = namespaced ? project.namespaceResourceBlacklist : project.clusterResourceBlacklist;
  if (white !== undefined || !namespaced) {
    if (!white || white.length === 0) return `${whiteName} is ${white ? "empty" : "not set"}, so it allows no ${namespaced ? "namespaced" : "cluster-scoped"} kind`;
    if (!inList(white, group, kind)) return `${whiteName} does not list ${gk}`;
  }
  if (black && inList(black, group, kind)) return `${blackName} lists ${gk}`;
  return undefined;
}

/** Why the project refuses the request, or undefined when it permits it. */
export function projectDenial(project: AppProjectSpec, req: PermitRequest): string | undefined {
  if (req.repoURL !== undefined && repoRefusal(project.sourceRepos ?? [], req.repoURL)) {
    return `repository ${req.repoURL} is not permitted by the project's sourceRepos`;
  }
  if (req.destination && destinationRefusal(project.destinations ?? [], req.destination)) {
    const d = req.destination;
    return `destination ${d.server ?? d.name ?? ""} namespace "${d.namespace ?? ""}" is not permitted by the project's destinations`;
  }
  if (req.kind !== undefined) {
    const namespaced = req.namespaced ?? true;
    if (kindRefusal(project, req.group ?? "", req.kind, namespaced)) {
      return `${namespaced ? "namespaced" : "cluster-scoped"} kind ${groupKind(req.group ?? "", req.kind)} is not permitted by the project`;
    }
  }
  return undefined;
}

/** Whether the project permits the repository, destination and kind given (each checked only when given). */
export function projectPermits(project: AppProjectSpec, req: PermitRequest): boolean {
  return projectDenial(project, req) === undefined;
}

/** What one reconcile asks of its project: the sources it renders, where it deploys, what it deploys. */
export interface ProjectCheck {
  /** The sources rendered (their repository URLs are checked against sourceRepos). */
  sources: ReadonlyArray<{ repoURL: string }>;
  /** The application's destination, as written in its spec. */
  destination: { server?: string; name?: string; namespace?: string };
  /** The objects to deploy, each with its namespace ("" for cluster-scoped) and whether its kind is namespaced. */
  resources: ReadonlyArray<{ group: string; kind: string; namespace: string; name: string; namespaced: boolean }>;
}

/** How projectViolations words and bounds its messages. */
export interface ProjectViolationOptions {
  /** The project's name, quoted in every message (default "default"). */
  projectName?: string;
  /** At most this many messages; the rest are counted in one last message (default 100). */
  limit?: number;
}

/**
 * The destination with both its name and its server, as Argo CD has them once it resolves the cluster:
 * `in-cluster` is `https://kubernetes.default.svc` and the other way round, so an entry naming either
 * permits it. Other clusters are left as written (plumb deploys to the local cluster only).
 */
function resolvedDestination(d: ProjectCheck["destination"]): ProjectCheck["destination"] {
  const server = d.server?.replace(/\/+$/, "");
  if (d.name === LOCAL_NAME && !d.server) return { ...d, server: LOCAL_SERVER };
  if (server === LOCAL_SERVER && !d.name) return { ...d, name: LOCAL_NAME };
  return d;
}

function showTarget(d: ProjectCheck["destination"]): string {
  return `server '${d.server ?? ""}'${d.name ? ` (name '${d.name}')` : ""} and namespace '${d.namespace ?? ""}'`;
}

/**
 * Everything the project refuses in one reconcile, one message per violation (none: permitted), each naming
 * the offending repository, destination or object and the project field that refuses it, with Argo CD's
 * rules and wording (https://argo-cd.readthedocs.io/en/stable/user-guide/projects/):
 * - every source's repoURL against sourceRepos;
 * - the destination against destinations, with `in-cluster` and `https://kubernetes.default.svc` standing
 *   for each other;
 * - every object's group/kind against the namespace or cluster kind lists, and — like Argo CD's sync — a
 *   namespaced object whose namespace differs from the destination's against destinations, on the
 *   destination's cluster.
 * Identical messages are given once; beyond `limit` the rest are counted in a last message.
 */
export function projectViolations(project: AppProjectSpec, check: ProjectCheck, opts: ProjectViolationOptions = {}): string[] {
  const proj = opts.projectName || DEFAULT_PROJECT;
  const out = new Set<string>();
  for (const src of check.sources) {
    const why = repoRefusal(project.sourceRepos ?? [], src.repoURL);
    if (why) out.add(`application repo ${src.repoURL} is not permitted in project '${proj}': ${why}`);
  }
  const dst = resolvedDestination(check.destination);
  const dstWhy = destinationRefusal(project.destinations ?? [], dst);
  if (dstWhy) out.add(`application destination ${showTarget(dst)} is not permitted in project '${proj}': ${dstWhy}`);
  for (const r of check.resources) {
    const gk = groupKind(r.group, r.kind);
    const obj = r.namespaced ? `${gk} ${r.namespace}/${r.name}` : `${gk} ${r.name}`;
    const kindWhy = kindRefusal(project, r.group, r.kind, r.namespaced);
    if (kindWhy) out.add(`resource ${obj} is not permitted in project '${proj}': ${kindWhy}`);
    if (r.namespaced && r.namespace !== (dst.namespace ?? "")) {
      const at = { ...dst, namespace: r.namespace };
      const nsWhy = destinationRefusal(project.destinations ?? [], at);
      if (nsWhy) out.add(`resource ${obj}: namespace '${r.namespace}' is not permitted in project '${proj}' (destination ${showTarget(at)}): ${nsWhy}`);
    }
  }
  const all = [...out];
  const limit = Math.max(1, opts.limit ?? 100);
  if (all.length <= limit) return all;
  const rest = all.length - (limit - 1);
  return [...all.slice(0, limit - 1), `…and ${rest.toLocaleString("en-US")} more violations of project '${proj}'`];
}

/** Reads an AppProject by name: the object as stored (any group), or undefined when there is none. */
export type ProjectLookup = (name: string) => unknown;

/** The project an application uses, or why it has none. */
export type ProjectResolution =
  | { found: true; name: string; spec: AppProjectSpec; /** The implicit default project (no AppProject "default" exists). */ implicit: boolean; problems: SpecProblem[] }
  | { found: false; name: string; message: string };

/**
 * The AppProject an application names (empty: "default"), analysed like analyzeProject. A missing project
 * is Argo CD's InvalidSpecError "Application referencing project X which does not exist" — except
 * "default", which is the implicit default project (defaultProjectSpec) until an AppProject of that name
 * exists. A project whose spec does not parse is refused too, naming its problems: its rules are unknown.
 */
export function projectFor(name: string | undefined, lookup: ProjectLookup): ProjectResolution {
  const project = name || DEFAULT_PROJECT;
  const obj = lookup(project);
  if (obj === undefined || obj === null) {
    if (project === DEFAULT_PROJECT) return { found: true, name: project, spec: defaultProjectSpec(), implicit: true, problems: [] };
    return { found: false, name: project, message: `Application referencing project ${project} which does not exist` };
  }
  const { spec, problems } = analyzeProject(obj);
  if (!spec) {
    const why = problems.filter((p) => p.type === "InvalidSpecError").map((p) => p.message);
    return { found: false, name: project, message: `AppProject ${project} is invalid, so its rules are unknown: ${why.join("; ") || "its spec does not parse"}` };
  }
  return { found: true, name: project, spec, implicit: false, problems };
}

/**
 * The sync-window state of an application under its AppProject object as stored (undefined: none, e.g.
 * the implicit default project): the windows that apply, those active at `now`, and whether an automated
 * and a manual sync may run (windows.ts). A project whose spec does not parse has no readable windows.
 */
export function appSyncWindows(app: WindowTarget, project: unknown, now = Date.now()): SyncWindowState {
  const spec = project === undefined || project === null ? undefined : analyzeProject(project).spec;
  return syncWindowState(spec?.syncWindows, app, now);
}
