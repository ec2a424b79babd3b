/**
 * The RBAC policy as text: Argo CD's policy CSV (https://argo-cd.readthedocs.io/en/stable/operator-manual/rbac/)
 * read into rows, each checked before any of them is used.
 *
 *   p, <subject>, <resource>, <action>, <object>, <allow|deny>     a permission
 *   g, <subject>, <role>                                            a subject inherits a role
 *
 * A line is split as CSV (a field may be quoted, `""` inside quotes is a quote), fields trimmed; blank lines
 * and lines starting with `#` are skipped. A row is refused when its kind is not p or g, its field count is
 * wrong, its effect is not allow or deny, its resource matches none of the resource words, its action none
 * of the action forms, or a pattern does not compile. `parseRbacConfig` reads the whole plumb-rbac-cm
 * (`policy.csv`, then every `policy.<name>.csv` by name, `policy.default`, `scopes`, `policy.matchMode`) and
 * either returns all of it or throws one RbacPolicyError listing every problem with its key and line — the
 * caller keeps the policy it had.
 *
 * Patterns: in `glob` mode (the default) gobwas/glob without separators, so `*` crosses `/` (`team-a/*`
 * matches `team-a/ns/app`, as in Argo CD). In `regex` mode each pattern is a regular expression that must
 * match the WHOLE value — Argo CD searches unanchored, where `team-a/.*` also matches `xteam-a/app`; we
 * anchor so a pattern means what it says.
 *
 * Pure: imports nothing that does I/O.
 */
import { parse as parseYaml } from "yaml";
import { compileGlob } from "../../core/glob.js";
import { InvalidRequestError } from "../errors.js";

/** The resources a policy names (Argo CD's table). */
export const RESOURCES = ["applications", "applicationsets", "clusters", "projects", "repositories", "accounts", "certificates", "gpgkeys", "logs", "exec", "extensions"] as const;
export type Resource = (typeof RESOURCES)[number];

/** Resources whose object is `<project>/<app>` (or `<project>/<namespace>/<app>`); project roles grant only these. */
export const PROJECT_SCOPED_RESOURCES: readonly Resource[] = ["applications", "applicationsets", "logs", "exec"];

/** The action words. `action/<group>/<kind>/<name>`, `update/<group>/<kind>/<ns>/<name>` and `delete/…` are forms of three of them. */
export const ACTIONS = ["get", "create", "update", "delete", "sync", "override", "rollback", "action", "invoke"] as const;
export type Action = (typeof ACTIONS)[number];
/** Actions that take a `/<what>` suffix: a resource action, or an update/delete of one resource of an app. */
const SUFFIXED_ACTIONS = ["action", "update", "delete"];
/** One value of each suffixed form, to check that a pattern can match some action at all. */
const ACTION_SAMPLES = [...ACTIONS, "action/apps/Deployment/restart", "update/apps/Deployment/ns/name", "delete//Pod/ns/name"];

export type MatchMode = "glob" | "regex";

/** A permission row: [subject, resource, action, object, effect]. */
export type PolicyRow = [sub: string, res: string, act: string, obj: string, eft: "allow" | "deny"];
/** A role assignment: [subject, role]. */
export type GroupingRow = [sub: string, role: string];

/** Which claims count as subjects besides the subject itself. */
export type Scope = string;

/** plumb-rbac-cm, read and checked. */
export interface RbacConfig {
  policies: PolicyRow[];
  groupings: GroupingRow[];
  /** The role every authenticated caller has ("" for none). */
  defaultRole: string;
  scopes: Scope[];
  matchMode: MatchMode;
  /** What is accepted but means less than it seems (a scope plumb has no value for). */
  warnings: string[];
}

/** One problem of the policy: the key it is in, the line (1-based; 0 for a key that is not lines), the text. */
export interface PolicyProblem {
  key: string;
  line: number;
  text: string;
  message: string;
}

/** The policy was refused; `problems` lists every line wrong. The previous policy stays in force. */
export class RbacPolicyError extends InvalidRequestError {
  constructor(readonly problems: PolicyProblem[]) {
    super(
      `the RBAC policy has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems.map((p) => `  ${describe(p)}`).join("\n")}`,
      "fix the lines named; until then the previous policy stays in force",
    );
  }
}

function describe(p: PolicyProblem): string {
  return p.line > 0 ? `${p.key} line ${p.line}: ${p.message} (in "${p.text}")` : `${p.key}: ${p.message}`;
}

export const DEFAULT_SCOPES: Scope[] = ["groups"];
/** Scopes plumb has a value for: `groups` → Principal.groups; `email`, `name` → Principal.username. */
export const KNOWN_SCOPES = ["groups", "email", "name"];

/**
 * Splits one CSV line into trimmed fields (quotes as in RFC 4180); throws Error on an unterminated quote.
 */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === " " || line[i] === "\t") i++;
    let field = "";
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new Error("a quoted field is not closed");
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      while (line[i] === " " || line[i] === "\t") i++;
      if (i < line.length && line[i] !== ",") throw new Error("text after a closing quote");
    } else {
      const end = line.indexOf(",", i);
      field = (end < 0 ? line.slice(i) : line.slice(i, end)).trim();
      i = end < 0 ? line.length : end;
    }
    fields.push(field);
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

/** Compiles a pattern of the mode to an anchored RegExp; throws Error saying why it does not compile. */
export function compilePattern(pattern: string, mode: MatchMode): RegExp {
  if (mode === "glob") return compileGlob(pattern);
  return new RegExp(`^(?:${pattern})$`);
}

/**
 * The match function of a mode, `(value, pattern) => boolean`, with compiled patterns cached (patterns come
 * from the policy, so the cache is bounded by it). A pattern that does not compile matches nothing.
 */
export function patternMatcher(mode: MatchMode): (value: string, pattern: string) => boolean {
  const cache = new Map<string, RegExp | null>();
  return (value, pattern) => {
    if (mode === "glob") {
      if (pattern === "*") return true;
      if (!/[*?[{\\]/.test(pattern)) return value === pattern;
    }
    let re = cache.get(pattern);
    if (re === undefined) {
      try {
        re = compilePattern(pattern, mode);
      } catch {
        re = null;
      }
      cache.set(pattern, re);
    }
    return re !== null && re.test(value);
  };
}

/** Why a permission row is wrong, or undefined when it is fine. */
export function rowProblem(fields: string[], mode: MatchMode): string | undefined {
  const kind = fields[0];
  if (kind === "g") {
    if (fields.length !== 3) return `a g line has 3 fields (g, subject, role), this one has ${fields.length}`;
    if (!fields[1] || !fields[2]) return "the subject and the role of a g line must not be empty";
    return undefined;
  }
  if (kind !== "p") return `a line starts with p (a permission) or g (a role assignment), not "${kind}"`;
  if (fields.length !== 6) {
    const more = fields.length === 5 ? "; add the effect, allow or deny" : "";
    return `a p line has 6 fields (p, subject, resource, action, object, effect), this one has ${fields.length}${more}`;
  }
  const [, sub, res, act, obj, eft] = fields as [string, string, string, string, string, string];
  if (!sub) return "the subject is empty";
  if (eft !== "allow" && eft !== "deny") return `the effect must be allow or deny, not "${eft}"`;
  for (const [what, pattern] of [["resource", res], ["action", act], ["object", obj]] as const) {
    if (!pattern) return `the ${what} is empty`;
    try {
      compilePattern(pattern, mode);
    } catch (err) {
      return `the ${what} "${pattern}" is not a valid ${mode} pattern: ${(err as Error).message}`;
    }
  }
  const match = patternMatcher(mode);
  if (!RESOURCES.some((r) => match(r, res))) return `unknown resource "${res}"; the resources are ${RESOURCES.join(", ")}`;
  if (!actionKnown(act, match)) {
    return `unknown action "${act}"; the actions are ${ACTIONS.join(", ")}, * and action/<group>/<kind>/<name>, update/… and delete/… forms`;
  }
  return undefined;
}

function actionKnown(act: string, match: (value: string, pattern: string) => boolean): boolean {
  const slash = act.indexOf("/");
  if (slash > 0 && SUFFIXED_ACTIONS.includes(act.slice(0, slash))) return true;
  return ACTION_SAMPLES.some((a) => match(a, act));
}

/** The lines of one policy text: rows and problems, numbered from 1 within `key`. */
export function parsePolicyText(key: string, text: string, mode: MatchMode): { policies: PolicyRow[]; groupings: GroupingRow[]; problems: PolicyProblem[] } {
  const policies: PolicyRow[] = [];
  const groupings: GroupingRow[] = [];
  const problems: PolicyProblem[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    let fields: string[];
    try {
      fields = splitCsvLine(line);
    } catch (err) {
      problems.push({ key, line: i + 1, text: line, message: (err as Error).message });
      return;
    }
    const problem = rowProblem(fields, mode);
    if (problem) problems.push({ key, line: i + 1, text: line, message: problem });
    else if (fields[0] === "g") groupings.push([fields[1]!, fields[2]!]);
    else policies.push(fields.slice(1) as PolicyRow);
  });
  return { policies, groupings, problems };
}

/** Reads `scopes`: a YAML list (`[groups, email]`) or one name; absent or blank → [groups]. */
export function parseScopes(text: string | undefined): Scope[] | string {
  if (text === undefined || !text.trim()) return [...DEFAULT_SCOPES];
  let v: unknown;
  try {
    v = parseYaml(text);
  } catch (err) {
    return `is not a YAML list of claim names (e.g. "[groups, email]"): ${(err as Error).message.split("\n")[0]}`;
  }
  const list = Array.isArray(v) ? v : [v];
  if (!list.every((s): s is string => typeof s === "string" && s.trim() !== "")) return `must list claim names (e.g. "[groups, email]"), got ${JSON.stringify(v)}`;
  return list.map((s) => s.trim());
}

/** The policy keys of plumb-rbac-cm in the order they are read: `policy.csv`, then `policy.<name>.csv` by name. */
export function policyKeys(data: Record<string, string>): string[] {
  const extra = Object.keys(data)
    .filter((k) => k !== "policy.csv" && /^policy\..+\.csv$/.test(k))
    .sort();
  return ["policy.csv" in data ? ["policy.csv"] : [], extra].flat();
}

/** Reads plumb-rbac-cm's data; throws RbacPolicyError listing every problem. */
export function parseRbacConfig(data: Record<string, string>): RbacConfig {
  const problems: PolicyProblem[] = [];
  const warnings: string[] = [];
  const modeText = (data["policy.matchMode"] ?? "").trim();
  let matchMode: MatchMode = "glob";
  if (modeText === "regex") matchMode = "regex";
  else if (modeText !== "" && modeText !== "glob") problems.push({ key: "policy.matchMode", line: 0, text: modeText, message: `must be glob or regex, not "${modeText}"` });

  const scopes = parseScopes(data["scopes"]);
  if (typeof scopes === "string") problems.push({ key: "scopes", line: 0, text: data["scopes"] ?? "", message: scopes });
  else for (const s of scopes) if (!KNOWN_SCOPES.includes(s)) warnings.push(`scope "${s}" names a claim plumb does not keep (it knows ${KNOWN_SCOPES.join(", ")}); it matches nobody`);

  const policies: PolicyRow[] = [];
  const groupings: GroupingRow[] = [];
  for (const key of policyKeys(data)) {
    const r = parsePolicyText(key, data[key] ?? "", matchMode);
    policies.push(...r.policies);
    groupings.push(...r.groupings);
    problems.push(...r.problems);
  }
  const defaultRole = (data["policy.default"] ?? "").trim();
  if (problems.length > 0) throw new RbacPolicyError(problems);
  return { policies, groupings, defaultRole, scopes: typeof scopes === "string" ? [] : scopes, matchMode, warnings };
}
