/**
 * Authorization: may this caller do this action on this object? Argo CD's RBAC, on casbin.
 *
 * The policy in force is one casbin enforcer built from (in this order, duplicates dropped):
 *   the built-in policy (builtin.ts)  +  plumb-rbac-cm's policy keys  +  the roles of the AppProjects.
 * `load` and `setProjects` build a new enforcer and swap it in only once it is complete, one build at a
 * time in call order; a policy that does not parse is refused as a whole (RbacPolicyError) and the one in
 * force stays.
 *
 * A request's subjects are the caller's subject, the values of the claims named by `scopes` (`groups` →
 * the SSO groups; `email`/`name` → the SSO username) and the `policy.default` role; each is expanded
 * through the role graph (casbin's, read into a map when the enforcer is built, so `enforce` never waits).
 * casbin then evaluates every permission row against that whole set at once, with allow-unless-deny:
 *
 *   DENY FOR ANY OF THE CALLER'S SUBJECTS WINS over an allow for any other.
 *
 * Argo CD instead asks casbin once per subject — the default role first, then the user, then each group —
 * and allows when any one of them alone is allowed. A `deny` there only stops its own subject: one written
 * for a user is ignored as soon as one of the user's groups, or the default role, allows the same thing;
 * one written for a group is ignored when the user's own name is allowed. An operator writing a deny means
 * "not this person/group", so here it holds whoever else grants the action. It is stricter than Argo CD in
 * one visible way: a deny on a user also removes what policy.default would give them.
 *
 * Cost: casbin's enforceSync builds a context and evaluates its matcher once per permission row (~3 µs a
 * row here), so one `enforce` with the 38 built-in rows and a modest policy costs ~150–400 µs (measured in
 * test/unit/server/rbac-cost.test.ts): fine for one decision per request, far too slow for a list
 * (10,000 applications × 300 µs = 3 s). For lists use `filter`: it narrows the rows to the caller's
 * subjects, the resource and the action once and then tests only object patterns, under 1 µs an object.
 *
 * SSO names are kept apart from plumb's own. Argo CD matches the identity provider's subject and groups
 * against the same policy names as local accounts, roles and project roles, so whoever controls the
 * provider's `sub` or group names (a self-service directory, a second tenant) can be `admin` — which the
 * built-in `g, admin, role:admin` makes an administrator — or put themselves in `role:admin` or
 * `proj:<project>:<role>`. plumb drops, for a principal that came via SSO, every name (subject, group,
 * username) that is a role (`role:…`), a project role (`proj:…`) or a local account's name (`admin`, and
 * whatever `isLocalAccount` says — reload.ts passes plumb-cm's `accounts.<name>` keys). The SSO user keeps
 * everything granted to their groups and to a subject of their own; the local accounts' names, including
 * the built-in admin's grouping, apply only to local principals (session or API token).
 *
 * Objects: `<project>/<app>` for applications, applicationsets, logs and exec (`<project>/<namespace>/<app>`
 * for an application outside the control plane's namespace — `appObject`); a name or URL otherwise.
 */
import { newEnforcer, newModelFromString, type Enforcer } from "casbin";
import type { Principal } from "../auth/types.js";
import { ForbiddenError } from "../errors.js";
import type { KubeObject } from "../../core/object.js";
import { compileGlob } from "../../core/glob.js";
import { ADMIN_ACCOUNT, BUILTIN_GROUPINGS, BUILTIN_POLICIES, MODEL } from "./builtin.js";
import { parseRbacConfig, patternMatcher, type GroupingRow, type MatchMode, type PolicyRow, type RbacConfig } from "./policy.js";
import { projectRoleRows } from "./projects.js";

export interface RbacOptions {
  /** plumb-rbac-cm's data to start with (none: the built-in policy alone). */
  data?: Record<string, string>;
  /** AppProjects whose roles apply from the start. */
  projects?: KubeObject[];
  /** Whether a name is a local account's (SSO names equal to one are ignored); `admin` always is. */
  isLocalAccount?: (name: string) => boolean;
}

export function defaultRbacOptions(): RbacOptions {
  return {};
}

/** What a load accepted that means less than it seems (ignored project policies, unknown scopes). */
export interface LoadResult {
  warnings: string[];
}

/** The policy in force: the enforcer and what was read to build it. */
interface Built {
  enforcer: Enforcer;
  policies: PolicyRow[];
  /** Each name in the role graph → itself and every role it inherits. */
  roles: Map<string, readonly string[]>;
  match: (value: string, pattern: string) => boolean;
  config: RbacConfig;
}

const EMPTY_CONFIG: RbacConfig = { policies: [], groupings: [], defaultRole: "", scopes: ["groups"], matchMode: "glob", warnings: [] };

/** The object of an application-scoped permission: `<project>/<app>`, or `<project>/<namespace>/<app>` outside `controlNamespace`. */
export function appObject(project: string, name: string, namespace?: string, controlNamespace?: string): string {
  return namespace && controlNamespace && namespace !== controlNamespace ? `${project}/${namespace}/${name}` : `${project}/${name}`;
}

export class Rbac {
  private built!: Built;
  private projects: KubeObject[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private isLocalAccount: (name: string) => boolean = () => false;
  /** Each principal's expanded subjects under one Built (a list request reuses its principal for every object). */
  private expandedCache = new WeakMap<Principal, { built: Built; subjects: ReadonlySet<string> }>();

  private constructor() {}

  /** An Rbac with the built-in policy, then `opts.data` and `opts.projects` (throws RbacPolicyError on bad data). */
  static async create(opts: RbacOptions = defaultRbacOptions()): Promise<Rbac> {
    const rbac = new Rbac();
    rbac.projects = opts.projects ?? [];
    if (opts.isLocalAccount) rbac.isLocalAccount = opts.isLocalAccount;
    rbac.built = (await build(opts.data ? parseRbacConfig(opts.data) : EMPTY_CONFIG, rbac.projects)).built;
    return rbac;
  }

  /**
   * Replaces the policy with plumb-rbac-cm's `data`. Throws RbacPolicyError (every bad line with its key and
   * number) and keeps the policy in force when any part is wrong.
   */
  async load(data: Record<string, string>): Promise<LoadResult> {
    const config = parseRbacConfig(data);
    return this.serially(async () => {
      const { built, warnings } = await build(config, this.projects);
      this.built = built;
      return { warnings: [...config.warnings, ...warnings] };
    });
  }

  /** Replaces the project roles with those of `projects`; returns one warning per policy or role left out. */
  async setProjects(projects: KubeObject[]): Promise<string[]> {
    return this.serially(async () => {
      const { built, warnings } = await build(this.built.config, projects);
      this.projects = projects;
      this.built = built;
      return warnings;
    });
  }

  /** Says which names are local accounts' from now on (SSO names equal to one are ignored). */
  setLocalAccounts(isLocalAccount: (name: string) => boolean): void {
    this.isLocalAccount = isLocalAccount;
    this.expandedCache = new WeakMap();
  }

  /** The caller's subjects before role expansion: subject, scope claims, default role (SSO names filtered, see above). */
  subjectsOf(principal: Principal): string[] {
    const { scopes, defaultRole } = this.built.config;
    const sso = principal.via === "sso";
    const out = [principal.subject];
    if (scopes.includes("groups")) out.push(...principal.groups);
    if (sso && (scopes.includes("email") || scopes.includes("name"))) out.push(principal.username);
    const own = sso ? out.filter((s) => !this.reserved(s)) : out;
    if (defaultRole) own.push(defaultRole);
    return [...new Set(own.filter((s) => s !== ""))];
  }

  /** A name an SSO principal may not claim: a role, a project role, a local account. */
  private reserved(name: string): boolean {
    return name.startsWith("role:") || name.startsWith("proj:") || name === ADMIN_ACCOUNT || this.isLocalAccount(name);
  }

  /** Whether the policy in force allows `action` on `object` of `resource` to the caller. Synchronous. */
  enforce(principal: Principal, resource: string, action: string, object: string): boolean {
    const built = this.built;
    return built.enforcer.enforceSync(this.expanded(principal, built), resource, action, object);
  }

  /** Like enforce, but throws ForbiddenError naming what was refused. */
  can(principal: Principal, resource: string, action: string, object: string): void {
    if (this.enforce(principal, resource, action, object)) return;
    throw new ForbiddenError(`permission denied: ${resource}, ${action}, ${object} (sub: ${principal.subject})`, "ask an administrator for a role that allows it (policy.csv in plumb-rbac-cm, or a project role)");
  }

  /**
   * For deciding many objects of one resource and action (a list): a synchronous `object → allowed` giving
   * exactly enforce's answers under the policy in force when it was made, at a small fraction of the cost.
   *
   * With the subjects, resource and action fixed, the rows whose subject, resource or action do not match
   * can be dropped once; of casbin's matcher only `match(r.obj, p.obj)` is left, and of its effect
   * "some allow matches and no deny does" — which is what the returned function evaluates, over the few
   * rows left, without casbin's per-row overhead. The unit tests hold it to enforce's answers.
   */
  filter(principal: Principal, resource: string, action: string): (object: string) => boolean {
    const built = this.built;
    const subjects = this.expanded(principal, built);
    const rows = built.policies.filter(([sub, res, act]) => subjects.has(sub) && built.match(resource, res) && built.match(action, act));
    const allows = rows.filter((r) => r[4] === "allow").map((r) => r[3]);
    const denies = rows.filter((r) => r[4] === "deny").map((r) => r[3]);
    if (allows.length === 0) return () => false;
    const match = built.match;
    return (object) => !denies.some((p) => match(object, p)) && allows.some((p) => match(object, p));
  }

  /** The match mode, default role and scopes in force. */
  get settings(): { matchMode: MatchMode; defaultRole: string; scopes: string[] } {
    const { matchMode, defaultRole, scopes } = this.built.config;
    return { matchMode, defaultRole, scopes: [...scopes] };
  }

  private expanded(principal: Principal, built: Built): ReadonlySet<string> {
    const hit = this.expandedCache.get(principal);
    if (hit && hit.built === built) return hit.subjects;
    const subjects = new Set<string>();
    for (const s of this.subjectsOf(principal)) for (const r of built.roles.get(s) ?? [s]) subjects.add(r);
    this.expandedCache.set(principal, { built, subjects });
    return subjects;
  }

  private serially<T>(step: () => Promise<T>): Promise<T> {
    const run = this.queue.then(step, step);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** The built-in rows in regex mode: their glob patterns as the equivalent regular expressions. */
function builtinPolicies(mode: MatchMode): PolicyRow[] {
  if (mode === "glob") return [...BUILTIN_POLICIES];
  const re = (p: string): string => compileGlob(p).source;
  return BUILTIN_POLICIES.map(([sub, res, act, obj, eft]): PolicyRow => [sub, re(res), re(act), re(obj), eft]);
}

function unique<T extends string[]>(rows: T[]): T[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const key = JSON.stringify(r);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

async function casbinEnforcer(policies: PolicyRow[], groupings: GroupingRow[], match: (value: string, pattern: string) => boolean): Promise<Enforcer> {
  const enforcer = await newEnforcer(newModelFromString(MODEL));
  await enforcer.addFunction("hasSubject", (subjects: ReadonlySet<string>, sub: string) => subjects.has(sub));
  await enforcer.addFunction("match", match);
  if (policies.length > 0) await enforcer.addPolicies(policies);
  if (groupings.length > 0) await enforcer.addGroupingPolicies(groupings);
  return enforcer;
}

async function build(config: RbacConfig, projects: KubeObject[]): Promise<{ built: Built; warnings: string[] }> {
  const project = projectRoleRows(projects, config.matchMode);
  const policies = unique([...builtinPolicies(config.matchMode), ...config.policies, ...project.policies]);
  const groupings = unique([...BUILTIN_GROUPINGS.map((g): GroupingRow => [...g]), ...config.groupings, ...project.groupings]);
  const match = patternMatcher(config.matchMode);
  const enforcer = await casbinEnforcer(policies, groupings, match);
  const roles = new Map<string, readonly string[]>();
  for (const name of new Set(groupings.map(([sub]) => sub))) roles.set(name, [name, ...(await enforcer.getImplicitRolesForUser(name))]);
  return { built: { enforcer, policies, roles, match, config }, warnings: project.warnings };
}
