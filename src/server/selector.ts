/**
 * Kubernetes label selectors in their string form (`app=web,tier!=db,env in (prod,staging),!canary,team`),
 * parsed once and matched against labels — what `GET /api/v1/applications?selector=` filters by, with the
 * API server's semantics (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors):
 * requirements are ANDed; `!=` and `notin` match objects without the key.
 * Pure.
 */
import { InvalidRequestError } from "./errors.js";

type Requirement =
  | { key: string; op: "=" | "!="; value: string }
  | { key: string; op: "in" | "notin"; values: Set<string> }
  | { key: string; op: "exists" | "!exists" };

export type Selector = (labels: Record<string, string> | undefined) => boolean;

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-_.a-z0-9A-Z]*[a-z0-9A-Z])?$/;
const VALUE = /^([a-z0-9A-Z]([-_.a-z0-9A-Z]*[a-z0-9A-Z])?)?$/;

/** Splits on commas that are not inside parentheses. */
function split(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s.length > 0);
}

function parseOne(part: string, whole: string): Requirement {
  const bad = (why: string): never => {
    throw new InvalidRequestError(`selector "${whole}": ${why} in "${part}"`, "use key=value, key!=value, key in (a,b), key notin (a,b), key or !key, joined by commas");
  };
  const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part);
  let req: Requirement;
  if (set) {
    const values = set[3]!.split(",").map((v) => v.trim());
    for (const v of values) if (!VALUE.test(v)) bad(`invalid value "${v}"`);
    req = { key: set[1]!, op: set[2] as "in" | "notin", values: new Set(values) };
  } else if (/^!\s*\S+$/.test(part)) req = { key: part.slice(1).trim(), op: "!exists" };
  else {
    const eq = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
    if (eq) {
      if (!VALUE.test(eq[3]!)) bad(`invalid value "${eq[3]}"`);
      req = { key: eq[1]!, op: eq[2] === "!=" ? "!=" : "=", value: eq[3]! };
    } else req = { key: part, op: "exists" };
  }
  if (!KEY.test(req.key) || req.key.length > 317) bad(`invalid key "${req.key}"`);
  return req;
}

/** Parses a selector; an empty string matches everything. InvalidRequestError when malformed. */
export function parseSelector(text: string): Selector {
  const reqs = split(text).map((p) => parseOne(p, text));
  return (labels) => {
    const l = labels ?? {};
    return reqs.every((r) => {
      const has = Object.hasOwn(l, r.key);
      switch (r.op) {
        case "=":
          return has && l[r.key] === r.value;
        case "!=":
          return !has || l[r.key] !== r.value;
        case "in":
          return has && r.values.has(l[r.key]!);
        case "notin":
          return !has || !r.values.has(l[r.key]!);
        case "exists":
          return has;
        case "!exists":
          return !has;
      }
    });
  };
}
