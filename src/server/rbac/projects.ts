/**
 * Project roles: the `spec.roles` of AppProjects as RBAC rows
 * (https://argo-cd.readthedocs.io/en/stable/user-guide/projects/#project-roles).
 *
 * A role `R` of project `P` is the subject `proj:P:R` (its tokens authenticate as it). Each of its
 * `policies` is a p line that must stay inside the project — Argo CD's AppProject validation:
 *   - the subject is exactly `proj:P:R`;
 *   - the resource is a project-scoped one (applications, applicationsets, logs, exec);
 *   - the object is `P/<app>` or `P/<namespace>/<app>`, each part of letters, digits, `_ . - *` only, so
 *     nothing before the first `/` can match another project (in regex mode the project name is written
 *     with its dots escaped, `my\.proj/.*`, so it too is literal);
 *   - the action is a known one and the effect allow or deny.
 * A line that fails is left out and reported; the rest of the role applies. Each of the role's `groups`
 * (SSO groups, or emails with the email scope) becomes `g, <group>, proj:P:R`.
 *
 * Pure: imports nothing that does I/O.
 */
import { ProjectRole } from "../../apps/project.js";
import type { KubeObject } from "../../core/object.js";
import { PROJECT_SCOPED_RESOURCES, rowProblem, splitCsvLine, type GroupingRow, type MatchMode, type PolicyRow } from "./policy.js";

/** The subject of a project role. */
export function projectRoleSubject(project: string, role: string): string {
  return `proj:${project}:${role}`;
}

/** Argo CD's rule for role names; a `:` would make the subject ambiguous. */
const ROLE_NAME = /^[a-zA-Z0-9]([-_a-zA-Z0-9]*[a-zA-Z0-9])?$/;

export interface ProjectRows {
  policies: PolicyRow[];
  groupings: GroupingRow[];
  /** One line per policy or role left out, naming the project, role and why. */
  warnings: string[];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** Why a project role's object reaches outside its project, or undefined when it stays inside. */
export function projectObjectProblem(project: string, object: string, mode: MatchMode): string | undefined {
  const prefix = `${mode === "regex" ? escapeRegExp(project) : project}/`;
  const part = mode === "regex" ? /^(?:[\w.*-]|\\.)+$/ : /^[\w.*-]+$/;
  const rest = object.startsWith(prefix) ? object.slice(prefix.length).split("/") : [];
  if (rest.length >= 1 && rest.length <= 2 && rest.every((p) => part.test(p))) return undefined;
  return `object "${object}" reaches outside the project: it must be ${prefix}<app> or ${prefix}<namespace>/<app> (parts of letters, digits, _ . - *)`;
}

/** Why one policy line of role `role` of `project` cannot be used, or undefined. */
export function projectPolicyProblem(project: string, role: string, line: string, mode: MatchMode): string | undefined {
  let fields: string[];
  try {
    fields = splitCsvLine(line.trim());
  } catch (err) {
    return (err as Error).message;
  }
  if (fields[0] !== "p") return "a project role's policy is a p line";
  const problem = rowProblem(fields, mode);
  if (problem) return problem;
  const [, sub, res, , obj] = fields as [string, string, string, string, string];
  const subject = projectRoleSubject(project, role);
  if (sub !== subject) return `the subject must be ${subject}, not "${sub}"`;
  if (!(PROJECT_SCOPED_RESOURCES as readonly string[]).includes(res)) return `a project role grants only ${PROJECT_SCOPED_RESOURCES.join(", ")}, not "${res}"`;
  return projectObjectProblem(project, obj, mode);
}

/** The rows of every role of the given AppProjects, and what was left out. */
export function projectRoleRows(projects: readonly KubeObject[], mode: MatchMode): ProjectRows {
  const out: ProjectRows = { policies: [], groupings: [], warnings: [] };
  for (const proj of projects) {
    const name = proj.metadata.name;
    const roles = (proj.spec as { roles?: unknown } | undefined)?.roles;
    if (roles === undefined) continue;
    if (!Array.isArray(roles)) {
      out.warnings.push(`AppProject ${name}: spec.roles is not a list; its roles are ignored`);
      continue;
    }
    roles.forEach((raw: unknown, i) => {
      const parsed = ProjectRole.safeParse(raw);
      if (!parsed.success) {
        out.warnings.push(`AppProject ${name} role ${i + 1}: ${parsed.error.issues.map((x) => `${x.path.join(".")}: ${x.message}`).join("; ")}; the role is ignored`);
        return;
      }
      const role = parsed.data;
      if (!ROLE_NAME.test(role.name)) {
        out.warnings.push(`AppProject ${name} role "${role.name}": a role name is letters, digits, - and _; the role is ignored`);
        return;
      }
      const subject = projectRoleSubject(name, role.name);
      (role.policies ?? []).forEach((line, j) => {
        const problem = projectPolicyProblem(name, role.name, line, mode);
        if (problem) {
          out.warnings.push(`AppProject ${name} role ${role.name} policy ${j + 1} ("${line.trim()}"): ${problem}; it is ignored`);
          return;
        }
        out.policies.push(splitCsvLine(line.trim()).slice(1) as PolicyRow);
      });
      for (const group of role.groups ?? []) if (group.trim()) out.groupings.push([group.trim(), subject]);
    });
  }
  return out;
}
