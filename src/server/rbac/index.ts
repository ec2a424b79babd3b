/**
 * Authorization (Argo CD's RBAC on casbin): what a Principal may do. rbac.ts decides, policy.ts reads and
 * checks policy text, projects.ts turns AppProject roles into rows, reload.ts follows plumb-rbac-cm.
 * Imports the server's auth types and errors; nothing here touches HTTP.
 */
export { Rbac, appObject, defaultRbacOptions, type LoadResult, type RbacOptions } from "./rbac.js";
export { watchRbac, type RbacLogger, type RbacWatch } from "./reload.js";
export {
  ACTIONS,
  PROJECT_SCOPED_RESOURCES,
  RESOURCES,
  RbacPolicyError,
  parseRbacConfig,
  type Action,
  type MatchMode,
  type PolicyProblem,
  type RbacConfig,
  type Resource,
} from "./policy.js";
export { projectPolicyProblem, projectRoleRows, projectRoleSubject } from "./projects.js";
export { ADMIN_ACCOUNT, ADMIN_ROLE, READONLY_ROLE, builtinPolicyCsv } from "./builtin.js";
