/** Shared by the RBAC unit tests: principals as authentication would hand them over. */
import type { Principal } from "../../../src/server/auth/types.js";

/** A local account (or, with groups, an SSO user). */
export function who(subject: string, groups: string[] = [], via: Principal["via"] = groups.length ? "sso" : "session", username = subject): Principal {
  return { subject, username, groups, via, issuer: "plumb", issuedAt: 0 };
}
