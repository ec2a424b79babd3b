/**
 * The fixed part of RBAC: the casbin model and the built-in policy, with the meaning of Argo CD's
 * assets/model.conf and assets/builtin-policy.csv.
 *
 * The model: a request is (subjects, resource, action, object); a permission row is (sub, res, act, obj,
 * eft); `g = _, _` assigns roles. A row applies when its subject is one of the request's subjects — the
 * caller's own names expanded through the role graph beforehand (see rbac.ts) — and its resource, action
 * and object patterns match. The effect is allow-unless-deny: some applying row allows and none denies.
 *
 * The built-in policy: `role:readonly` may get everything; `role:admin` may do everything and inherits
 * role:readonly; the local account `admin` has role:admin. Objects of project-scoped resources are
 * `<project>/<app>`, so those rows use `*` + `/` + `*`; the others use `*`.
 *
 * Pure: imports nothing that does I/O.
 */
import type { GroupingRow, PolicyRow, Resource } from "./policy.js";

/** The casbin model. `hasSubject` and `match` are functions rbac.ts registers. */
export const MODEL = `
[request_definition]
r = sub, res, act, obj

[policy_definition]
p = sub, res, act, obj, eft

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))

[matchers]
m = hasSubject(r.sub, p.sub) && match(r.res, p.res) && match(r.act, p.act) && match(r.obj, p.obj)
`;

export const READONLY_ROLE = "role:readonly";
export const ADMIN_ROLE = "role:admin";
/** The local account that has role:admin by default. */
export const ADMIN_ACCOUNT = "admin";

const APP = "*/*";
const ANY = "*";

/** What each built-in role may do: resource → [actions, object pattern]. */
const BUILTIN: Record<typeof READONLY_ROLE | typeof ADMIN_ROLE, Array<[Resource, string[], string]>> = {
  [READONLY_ROLE]: [
    ["applications", ["get"], APP],
    ["applicationsets", ["get"], APP],
    ["certificates", ["get"], ANY],
    ["clusters", ["get"], ANY],
    ["repositories", ["get"], ANY],
    ["projects", ["get"], ANY],
    ["accounts", ["get"], ANY],
    ["gpgkeys", ["get"], ANY],
    ["logs", ["get"], APP],
  ],
  [ADMIN_ROLE]: [
    ["applications", ["create", "update", "update/*", "delete", "delete/*", "sync", "rollback", "override", "action/*"], APP],
    ["applicationsets", ["get", "create", "update", "delete"], APP],
    ["certificates", ["create", "update", "delete"], ANY],
    ["clusters", ["create", "update", "delete"], ANY],
    ["repositories", ["create", "update", "delete"], ANY],
    ["projects", ["create", "update", "delete"], ANY],
    ["accounts", ["update"], ANY],
    ["gpgkeys", ["create", "delete"], ANY],
    ["exec", ["create"], APP],
  ],
};

/** The built-in permission rows (glob patterns). */
export const BUILTIN_POLICIES: readonly PolicyRow[] = Object.entries(BUILTIN).flatMap(([role, grants]) =>
  grants.flatMap(([res, acts, obj]) => acts.map((act): PolicyRow => [role, res, act, obj, "allow"])),
);

/** The built-in role assignments. */
export const BUILTIN_GROUPINGS: readonly GroupingRow[] = [
  [ADMIN_ROLE, READONLY_ROLE],
  [ADMIN_ACCOUNT, ADMIN_ROLE],
];

/** The built-in policy as policy CSV (for people and for `parsePolicyText`). */
export function builtinPolicyCsv(): string {
  return [...BUILTIN_POLICIES.map((r) => `p, ${r.join(", ")}`), ...BUILTIN_GROUPINGS.map((g) => `g, ${g.join(", ")}`)].join("\n") + "\n";
}
