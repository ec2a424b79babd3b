/**
 * Argo CD's build environment (https://argo-cd.readthedocs.io/en/stable/user-guide/build-environment/): the
 * `ARGOCD_APP_*` variables a render may use, and the substitution Argo CD applies with them to Jsonnet
 * ext vars and TLAs and to a plugin's `env` values. Substitution follows Go's os.Expand as Argo CD calls it:
 * `$NAME` and `${NAME}` are replaced by the variable's value, or by nothing when it is not one of the build
 * variables (the host's environment is never read); `$$` is a literal `$`.
 *
 * Pure: imports nothing that does I/O.
 */
import type { RenderRequest } from "./schema.js";

/** The build variables of a render request, in Argo CD's order. Revisions the request lacks are empty. */
export function buildEnvironment(req: RenderRequest): Record<string, string> {
  const revision = req.revision ?? "";
  return {
    ARGOCD_APP_NAME: req.appName,
    ARGOCD_APP_NAMESPACE: req.destinationNamespace,
    ARGOCD_APP_PROJECT_NAME: req.project ?? "",
    ARGOCD_APP_REVISION: revision,
    ARGOCD_APP_REVISION_SHORT: revision.slice(0, 7),
    ARGOCD_APP_REVISION_SHORT_8: revision.slice(0, 8),
    ARGOCD_APP_SOURCE_PATH: req.path,
    ARGOCD_APP_SOURCE_REPO_URL: req.repoURL ?? "",
    ARGOCD_APP_SOURCE_TARGET_REVISION: req.targetRevision ?? "",
  };
}

const NAME = /^[A-Za-z0-9_]+/;
/** Go's one-character shell names after `$` ($*, $#, $1, …): they expand (to nothing here) like names. */
const SPECIAL = /^[*#$@!?\-0-9]/;

/** `s` with `$NAME` / `${NAME}` replaced from `vars` (unknown names → ""), `$$` → `$`, as os.Expand does. */
export function envsubst(s: string, vars: Readonly<Record<string, string>>): string {
  const value = (name: string): string => (name === "$" ? "$" : Object.hasOwn(vars, name) ? vars[name]! : "");
  let out = "";
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c !== "$" || i + 1 >= s.length) {
      out += c;
      i++;
      continue;
    }
    const rest = s.slice(i + 1);
    if (rest[0] === "{") {
      const end = rest.indexOf("}");
      if (end <= 1) {
        // "${}" or an unclosed "${": bad syntax, which os.Expand swallows.
        i += 1 + (end < 0 ? rest.length : end + 1);
        continue;
      }
      out += value(rest.slice(1, end));
      i += 2 + end;
      continue;
    }
    const special = SPECIAL.exec(rest);
    if (special && !/^[0-9]/.test(rest)) {
      out += value(special[0]);
      i += 2;
      continue;
    }
    const name = NAME.exec(rest);
    if (name) {
      // Go reads a leading digit as a one-character name ($1abc → "$1" then "abc").
      const n = /^[0-9]/.test(rest) ? rest[0]! : name[0];
      out += value(n);
      i += 1 + n.length;
      continue;
    }
    out += "$";
    i++;
  }
  return out;
}
