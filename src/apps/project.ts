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
 * Pure: imports nothing that does I/O.
 */
import { z } from "zod";
import { parseLenient } from "./parse.js";
import { API_GROUP, API_VERSION, DEFAULT_PROJECT } from "./spec.js";
import { globMatch, globMatchWithNegation, isDenyPattern } from "./glob.js";
import type { SpecProblem } from "./unsupported.js";

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

/** A role for the API's RBAC: declared, not enforced yet. */
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
  // Declared so Argo CD projects are read, reported when set: plumb does not implement them yet.
  syncWindows: z.array(z.unknown()).optional(),
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
  ["roles", "project roles are not enforced yet"],
  ["syncWindows", "sync windows are not enforced yet; every sync is allowed"],
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

function repoPermitted(patterns: readonly string[], url: string): boolean {
  const value = normalizeRepoURL(url);
  let any = false;
  for (const p of patterns) {
    const pattern = isDenyPattern(p) ? `!${normalizeRepoURL(p.slice(1))}` : p === "*" ? "*" : normalizeRepoURL(p);
    const matched = pattern === "*" || globMatchWithNegation(pattern, value, "/");
    if (matched) any = true;
    else if (isDenyPattern(pattern)) return false;
  }
  return any;
}

function destinationPermitted(entries: readonly ProjectDestination[], dst: NonNullable<PermitRequest["destination"]>): boolean {
  let any = false;
  let denied = false;
  for (const e of entries) {
    const nameMatched = !!dst.name && globMatchWithNegation(e.name ?? "", dst.name);
    const serverMatched = !!dst.server && globMatchWithNegation(e.server ?? "", dst.server);
    const nsMatched = globMatchWithNegation(e.namespace ?? "", dst.namespace ?? "");
    const nameDeny = isDenyPattern(e.name ?? "");
    const serverDeny = isDenyPattern(e.server ?? "");
    if ((serverMatched || nameMatched) && nsMatched) any = true;
    else if (((!nameMatched && nameDeny) || (!serverMatched && serverDeny)) && nsMatched) denied = true;
    else if (((nameMatched && !nameDeny) || (serverMatched && !serverDeny)) && !nsMatched && isDenyPattern(e.namespace ?? "")) denied = true;
  }
  return any && !denied;
}

function inList(list: readonly GroupKind[], group: string, kind: string): boolean {
  return list.some((gk) => globMatch(gk.kind, kind) && globMatch(gk.group, group));
}

/** Why the project refuses the request, or undefined when it permits it. */
export function projectDenial(project: AppProjectSpec, req: PermitRequest): string | undefined {
  if (req.repoURL !== undefined && !repoPermitted(project.sourceRepos ?? [], req.repoURL)) {
    return `repository ${req.repoURL} is not permitted by the project's sourceRepos`;
  }
  if (req.destination && !destinationPermitted(project.destinations ?? [], req.destination)) {
    const d = req.destination;
    return `destination ${d.server ?? d.name ?? ""} namespace "${d.namespace ?? ""}" is not permitted by the project's destinations`;
  }
  if (req.kind !== undefined) {
    const group = req.group ?? "";
    const gk = group ? `${group}/${req.kind}` : req.kind;
    if (req.namespaced ?? true) {
      const white = project.namespaceResourceWhitelist;
      const ok = (white === undefined || inList(white, group, req.kind)) && !inList(project.namespaceResourceBlacklist ?? [], group, req.kind);
      if (!ok) return `namespaced kind ${gk} is not permitted by the project`;
    } else {
      const ok = inList(project.clusterResourceWhitelist ?? [], group, req.kind) && !inList(project.clusterResourceBlacklist ?? [], group, req.kind);
      if (!ok) return `cluster-scoped kind ${gk} is not permitted by the project`;
    }
  }
  return undefined;
}

/** Whether the project permits the repository, destination and kind given (each checked only when given). */
export function projectPermits(project: AppProjectSpec, req: PermitRequest): boolean {
  return projectDenial(project, req) === undefined;
}
